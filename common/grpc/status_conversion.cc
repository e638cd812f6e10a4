#include "common/grpc/status_conversion.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "common/status/error_details.h"
#include "google/rpc/status.pb.h"

namespace atlas::grpc_util {
namespace {

constexpr absl::Duration kDefaultRetryDelay = absl::Seconds(1);

// `status` with the details every error of its code must carry.
absl::Status CompleteDetails(absl::Status status) {
  if (!status::GetErrorInfo(status).has_value()) {
    status = status::WithErrorReason(status,
                                     status::DefaultErrorReason(status.code()));
  }
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      !status::GetBadRequest(status).has_value()) {
    std::optional<google::rpc::BadRequest::FieldViolation> violation =
        status::FieldViolationOf(status.message());
    status = violation.has_value()
                 ? status::WithFieldViolation(status, violation->field(),
                                              violation->description(),
                                              violation->reason())
                 : status::WithFieldViolation(status, "", status.message(),
                                              "INVALID_VALUE");
  }
  if ((status.code() == absl::StatusCode::kResourceExhausted ||
       status.code() == absl::StatusCode::kUnavailable) &&
      !status::GetRetryInfo(status).has_value()) {
    status = status::WithRetryDelay(status, kDefaultRetryDelay);
  }
  return status;
}

}  // namespace

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  int code = static_cast<int>(status.code());
  // Codes outside the canonical range cannot be sent; they are a bug.
  if (code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return ToGrpcStatus(absl::UnknownError(status.message()));
  }
  absl::Status complete = CompleteDetails(status);
  google::rpc::Status rich;
  rich.set_code(code);
  rich.set_message(std::string(status.message()));
  // The payloads in a stable order: ErrorInfo first, as AIP-193 reads it.
  for (absl::string_view url :
       {status::kErrorInfoUrl, status::kBadRequestUrl,
        status::kPreconditionFailureUrl, status::kRetryInfoUrl}) {
    auto payload = complete.GetPayload(url);
    if (!payload.has_value()) continue;
    google::protobuf::Any* any = rich.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(*payload));
  }
  return ::grpc::Status(static_cast<::grpc::StatusCode>(code),
                        std::string(status.message()),
                        rich.SerializeAsString());
}

absl::Status FromGrpcStatus(const ::grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  int code = static_cast<int>(status.error_code());
  absl::Status result =
      code < 0 || code > static_cast<int>(absl::StatusCode::kUnauthenticated)
          ? absl::UnknownError(status.error_message())
          : absl::Status(static_cast<absl::StatusCode>(code),
                         status.error_message());
  google::rpc::Status rich;
  if (!status.error_details().empty() &&
      rich.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : rich.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

}  // namespace atlas::grpc_util
