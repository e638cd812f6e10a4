#include "common/grpc/access_log.h"

#include "absl/strings/str_format.h"
#include "common/grpc/call_observer.h"
#include "common/logging/log.h"

namespace atlas::grpc_util {

void LogAccess(const AccessRecord& record) {
  log::Info(
      "rpc",
      {{"method", record.method},
       {"code", GrpcCodeName(record.code)},
       {"latency_ms",
        absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(record.latency))},
       {"peer", record.peer},
       {"role", record.role},
       {"request_bytes", record.request_bytes},
       {"response_bytes", record.response_bytes},
       {"trace_id", record.trace_id}});
}

}  // namespace atlas::grpc_util
