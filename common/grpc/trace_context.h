// TraceContext: a W3C Trace Context `traceparent` value
// (https://www.w3.org/TR/trace-context/#traceparent-header):
//
//   00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//   version-trace_id(32 hex)-parent_id(16 hex)-flags(2 hex)
//
// Both services accept it as `traceparent` metadata, log its trace id with
// each call (access_log.h) and forward it on the calls they make for the
// caller (call_scope.h), so one trace id follows a CreateIncident from
// incident-service into the catalog. A missing or invalid value is
// replaced by a new random trace, never an error for the caller.
#ifndef ATLAS_COMMON_GRPC_TRACE_CONTEXT_H_
#define ATLAS_COMMON_GRPC_TRACE_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace atlas::grpc_util {

// The metadata key, lowercase as gRPC requires.
inline constexpr char kTraceparentKey[] = "traceparent";

struct TraceContext {
  std::string trace_id;   // 32 lowercase hex digits, not all zero
  std::string parent_id;  // 16 lowercase hex digits, not all zero
  uint8_t flags = 0;      // bit 0: sampled

  // Parses `value` per the W3C rules: lowercase hex only; version 00 must
  // be exactly 55 characters; a higher version (not ff) may carry more
  // fields after a '-', which are ignored; all-zero trace or parent ids
  // are invalid. nullopt when invalid.
  static std::optional<TraceContext> Parse(absl::string_view value);

  // A new trace: random trace and parent ids, flags 01.
  static TraceContext NewRoot();

  // The same trace with a new random parent id: what a service sends on a
  // call it makes on the caller's behalf.
  TraceContext Child() const;

  // "00-<trace_id>-<parent_id>-<flags>".
  std::string ToTraceparent() const;
};

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_TRACE_CONTEXT_H_
