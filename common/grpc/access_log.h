// The access log: one JSON line per sampled call, written through
// common/logging at info level, e.g.
//
//   {"ts":"...","level":"info","msg":"rpc","service":"incident-service",
//    "method":"/atlas.incident.v1.IncidentService/GetIncident",
//    "code":"NotFound","latency_ms":"0.412","peer":"ipv4:127.0.0.1:40312",
//    "role":"member","request_bytes":"27","response_bytes":"0",
//    "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
//
// The call interceptor (call_interceptor.h) fills an AccessRecord for each
// call it samples and writes it with LogAccess.
#ifndef ATLAS_COMMON_GRPC_ACCESS_LOG_H_
#define ATLAS_COMMON_GRPC_ACCESS_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace atlas::grpc_util {

struct AccessRecord {
  absl::string_view method;  // "/pkg.Service/Method"
  ::grpc::StatusCode code = ::grpc::StatusCode::OK;
  absl::Duration latency;
  std::string peer;  // gRPC's "ipv4:127.0.0.1:40312"
  // The caller's role name ("public", "member", ...), or
  // "unauthenticated" for a key the server does not know.
  std::string role;
  // Serialized message bytes received and sent (summed over a stream).
  int64_t request_bytes = 0;
  int64_t response_bytes = 0;
  std::string trace_id;
};

// Writes `record` as one "rpc" line.
void LogAccess(const AccessRecord& record);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_ACCESS_LOG_H_
