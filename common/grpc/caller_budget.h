// CallerBudget: how many calls of one kind of work (point reads, page
// reads, searches, change streams) may be in flight at once, by caller
// class, so that no class can take another's share:
//   - public callers (no key): at most `public_total` in all and
//     `public_per_peer` from one peer address (host, without the port);
//   - keyed callers (member, editor, admin): at most `keyed_total`;
//   - the other service (SERVICE key: the catalog's follower, the victim
//     checks): its own `service_total`, reserved: no public or keyed load
//     can take it.
// Each kind of work has its own budget (one per service object), so a
// flood of one kind never refuses another: 256 public change streams used
// to take every slot of the one read gate, refusing member lists and the
// catalog's follower.
//
// A slot is held from Admit until gRPC is done with the call (Release from
// the reactor's OnDone), so a response waiting for a slow client still
// counts: the memory held by calls in flight stays bounded. Thread-safe.
#ifndef ATLAS_COMMON_GRPC_CALLER_BUDGET_H_
#define ATLAS_COMMON_GRPC_CALLER_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/api_keys.h"

namespace atlas::grpc_util {

class CallerBudget {
 public:
  struct Limits {
    int public_total = 64;
    int public_per_peer = 16;
    int keyed_total = 192;
    int service_total = 16;
  };
  // A held slot; give it back with Release.
  struct Slot {
    enum class Tier { kNone, kPublic, kKeyed, kService } tier = Tier::kNone;
    std::string peer;  // for kPublic
  };

  // Limits for `total` calls of a kind: a quarter for public callers (a
  // sixteenth from one peer), a sixteenth (at least 2) reserved for the
  // other service, the rest for keyed callers; at least 1 each.
  static Limits Split(int total);

  explicit CallerBudget(Limits limits) : limits_(limits) {}
  CallerBudget(const CallerBudget&) = delete;
  CallerBudget& operator=(const CallerBudget&) = delete;

  // Takes a slot of `caller`'s class for a call from `peer` (gRPC's
  // "ipv4:127.0.0.1:54321"); false (nothing taken) when that class, or
  // for a public caller that peer, has none left.
  bool Admit(const auth::Caller& caller, absl::string_view peer, Slot* slot);
  // Gives back a slot Admit filled. Idempotent for an empty slot.
  void Release(Slot* slot);

  // Calls in flight per class, for tests and metrics.
  int open_public() const;
  int open_keyed() const;
  int open_service() const;
  // Calls refused since construction, per class (kPublic, kKeyed,
  // kService), for metrics.
  int64_t refused(Slot::Tier tier) const;

 private:
  // "ipv4:127.0.0.1:54321" -> "ipv4:127.0.0.1"; IPv6 keeps its brackets.
  static std::string HostOf(absl::string_view peer);

  // Takes one of `limit` slots counted by `count`; false if none is left.
  static bool TryTake(std::atomic<int>& count, int limit);

  const Limits limits_;
  // Keyed and service calls are counted without a lock (every member Get
  // passes here); public ones under mu_, with their peer.
  std::atomic<int> keyed_{0};
  std::atomic<int> service_{0};
  std::atomic<int64_t> refused_public_{0};
  std::atomic<int64_t> refused_keyed_{0};
  std::atomic<int64_t> refused_service_{0};
  mutable absl::Mutex mu_;
  int public_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> public_by_peer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_CALLER_BUDGET_H_
