#include "common/grpc/caller_budget.h"

#include <algorithm>

namespace atlas::grpc_util {

CallerBudget::Limits CallerBudget::Split(int total) {
  Limits limits;
  limits.public_total = std::max(1, total / 4);
  limits.public_per_peer = std::max(1, total / 16);
  limits.service_total = std::max(2, total / 16);
  limits.keyed_total =
      std::max(1, total - limits.public_total - limits.service_total);
  return limits;
}

std::string CallerBudget::HostOf(absl::string_view peer) {
  const size_t colon = peer.rfind(':');
  const size_t bracket = peer.rfind(']');
  // No port to strip ("unix:/path" has none after its only colon's path),
  // or the last colon is inside an IPv6 address without brackets.
  if (colon == absl::string_view::npos || colon == peer.find(':') ||
      (bracket != absl::string_view::npos && colon < bracket)) {
    return std::string(peer);
  }
  return std::string(peer.substr(0, colon));
}

bool CallerBudget::TryTake(std::atomic<int>& count, int limit) {
  if (count.fetch_add(1, std::memory_order_acq_rel) >= limit) {
    count.fetch_sub(1, std::memory_order_acq_rel);
    return false;
  }
  return true;
}

bool CallerBudget::Admit(const auth::Caller& caller, absl::string_view peer,
                         Slot* slot) {
  if (caller.role == auth::Role::kService) {
    if (!TryTake(service_, limits_.service_total)) {
      refused_service_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    slot->tier = Slot::Tier::kService;
    return true;
  }
  if (caller.role != auth::Role::kPublic) {
    if (!TryTake(keyed_, limits_.keyed_total)) {
      refused_keyed_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    slot->tier = Slot::Tier::kKeyed;
    return true;
  }
  absl::MutexLock lock(&mu_);
  std::string host = HostOf(peer);
  int& from_peer = public_by_peer_[host];
  if (public_ >= limits_.public_total || from_peer >= limits_.public_per_peer) {
    if (from_peer == 0) public_by_peer_.erase(host);
    refused_public_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ++public_;
  ++from_peer;
  slot->tier = Slot::Tier::kPublic;
  slot->peer = std::move(host);
  return true;
}

void CallerBudget::Release(Slot* slot) {
  switch (slot->tier) {
    case Slot::Tier::kNone:
      return;
    case Slot::Tier::kService:
      service_.fetch_sub(1, std::memory_order_acq_rel);
      break;
    case Slot::Tier::kKeyed:
      keyed_.fetch_sub(1, std::memory_order_acq_rel);
      break;
    case Slot::Tier::kPublic: {
      absl::MutexLock lock(&mu_);
      --public_;
      auto it = public_by_peer_.find(slot->peer);
      if (it != public_by_peer_.end() && --it->second == 0) {
        public_by_peer_.erase(it);
      }
      break;
    }
  }
  slot->tier = Slot::Tier::kNone;
}

int CallerBudget::open_public() const {
  absl::MutexLock lock(&mu_);
  return public_;
}
int64_t CallerBudget::refused(Slot::Tier tier) const {
  switch (tier) {
    case Slot::Tier::kPublic:
      return refused_public_.load(std::memory_order_relaxed);
    case Slot::Tier::kKeyed:
      return refused_keyed_.load(std::memory_order_relaxed);
    case Slot::Tier::kService:
      return refused_service_.load(std::memory_order_relaxed);
    case Slot::Tier::kNone:
      break;
  }
  return 0;
}

int CallerBudget::open_keyed() const {
  return keyed_.load(std::memory_order_acquire);
}
int CallerBudget::open_service() const {
  return service_.load(std::memory_order_acquire);
}

}  // namespace atlas::grpc_util
