// StreamBudget: how many long-lived streams (WatchIncidentChanges) may be
// open at once, by caller class, so that no class can take the others'
// share:
//   - public callers (no key): at most `public_total` streams in all and
//     `public_per_peer` from one peer address (host, without the port);
//   - keyed callers (member, editor, admin): at most `keyed_total`;
//   - the other service (SERVICE key: the catalog's follower): its own
//     `service_total`, reserved: no public or keyed load can take it.
// Streams never share the page-read gate: 256 public streams used to take
// every read slot, refusing member lists and the catalog's follower.
//
// A slot is held from Admit until gRPC is done with the stream (Release
// from the reactor's OnDone). Thread-safe.
#ifndef ATLAS_COMMON_GRPC_STREAM_BUDGET_H_
#define ATLAS_COMMON_GRPC_STREAM_BUDGET_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/api_keys.h"

namespace atlas::grpc_util {

class StreamBudget {
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

  explicit StreamBudget(Limits limits) : limits_(limits) {}
  StreamBudget(const StreamBudget&) = delete;
  StreamBudget& operator=(const StreamBudget&) = delete;

  // Takes a slot of `caller`'s class for a stream from `peer` (gRPC's
  // "ipv4:127.0.0.1:54321"); false (nothing taken) when that class, or
  // for a public caller that peer, has none left.
  bool Admit(const auth::Caller& caller, absl::string_view peer, Slot* slot);
  // Gives back a slot Admit filled. Idempotent for an empty slot.
  void Release(Slot* slot);

  // Streams open per class, for tests and metrics.
  int open_public() const;
  int open_keyed() const;
  int open_service() const;

 private:
  // "ipv4:127.0.0.1:54321" -> "ipv4:127.0.0.1"; IPv6 keeps its brackets.
  static std::string HostOf(absl::string_view peer);

  const Limits limits_;
  mutable absl::Mutex mu_;
  int public_ ABSL_GUARDED_BY(mu_) = 0;
  int keyed_ ABSL_GUARDED_BY(mu_) = 0;
  int service_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> public_by_peer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_STREAM_BUDGET_H_
