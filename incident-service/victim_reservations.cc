#include "incident-service/victim_reservations.h"

#include <algorithm>
#include <utility>

namespace atlas::incident {

VictimReservations::Hold::~Hold() {
  if (owner_ != nullptr) owner_->Release(ticket_, names_);
}

VictimReservations::Hold VictimReservations::Reserve(
    std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  absl::MutexLock lock(&mu_);
  const uint64_t ticket = next_ticket_++;
  for (const std::string& name : names) held_[name].insert(ticket);
  return Hold(this, ticket, std::move(names));
}

void VictimReservations::Release(uint64_t ticket,
                                 const std::vector<std::string>& names) {
  absl::MutexLock lock(&mu_);
  for (const std::string& name : names) {
    auto it = held_.find(name);
    if (it == held_.end()) continue;
    auto t = it->second.find(ticket);
    if (t != it->second.end()) it->second.erase(t);
    if (it->second.empty()) held_.erase(it);
  }
}

bool VictimReservations::AwaitEarlierHolds(absl::string_view name,
                                           absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  const uint64_t before = next_ticket_;
  const std::string key(name);
  auto no_earlier_hold = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = held_.find(key);
    return it == held_.end() || *it->second.begin() >= before;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&no_earlier_hold), deadline);
}

}  // namespace atlas::incident
