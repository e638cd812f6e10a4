// The one-writer rule of a StatefulSet: each service runs one replica, which
// owns its RocksDB volume (DESIGN.md section 8). `kubectl scale
// --replicas=2` would start replica 1 on a volume of its own: a second,
// empty database that diverges silently behind the same Service. RocksDB's
// LOCK file cannot catch that (it guards one directory, and each replica
// has its own), so a replica that is not ordinal 0 refuses to start
// (--require_ordinal_zero, on in deploy/k8s).
#ifndef ATLAS_COMMON_SERVER_SINGLE_WRITER_H_
#define ATLAS_COMMON_SERVER_SINGLE_WRITER_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace atlas::server {

// The StatefulSet ordinal of a pod name ("catalog-service-1" -> 1): the
// decimal digits after its last '-'. nullopt when there are none.
std::optional<int> StatefulSetOrdinal(absl::string_view pod_name);

// The pod's name: $POD_NAME when set (deploy/k8s sets it from the
// downward API), else the host name (a StatefulSet pod's host name is its
// name). Empty if neither is known.
std::string PodName();

// OK when `pod_name` is ordinal 0. FAILED_PRECONDITION otherwise, with a
// message for the operator naming the pod, its ordinal and what to do
// (scale back to one replica; scale reads through the change stream,
// docs/deploy.md). FAILED_PRECONDITION too when the name has no ordinal:
// the check cannot pass unverified.
absl::Status CheckOrdinalZero(absl::string_view service,
                              absl::string_view pod_name);

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_SINGLE_WRITER_H_
