#include "common/grpc/status_conversion.h"

#include <string>

namespace atlas::grpc_util {

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  int code = static_cast<int>(status.code());
  // Codes outside the canonical range cannot be sent; they are a bug.
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return ::grpc::Status(::grpc::StatusCode::UNKNOWN,
                          std::string(status.message()));
  }
  return ::grpc::Status(static_cast<::grpc::StatusCode>(code),
                        std::string(status.message()));
}

absl::Status FromGrpcStatus(const ::grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  int code = static_cast<int>(status.error_code());
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::UnknownError(status.error_message());
  }
  return absl::Status(static_cast<absl::StatusCode>(code),
                      status.error_message());
}

}  // namespace atlas::grpc_util
