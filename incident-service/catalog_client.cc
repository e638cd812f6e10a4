#include "incident-service/catalog_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/call_scope.h"
#include "common/grpc/service_channel.h"
#include "common/logging/log.h"
#include "common/status/error_details.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace atlas::incident {

CatalogClient::CatalogClient(Options options)
    : options_(std::move(options)),
      channel_(
          grpc_util::MakeServiceChannel(options_.target, options_.credentials)),
      stub_(catalog::v1::CatalogService::NewStub(channel_)) {}

absl::StatusOr<std::optional<std::string>> CatalogClient::FindMissing(
    const std::vector<std::string>& names) {
  // BatchGetOrganizations takes at most kMaxNamesPerCall names.
  if (names.size() <= kMaxNamesPerCall) return FindMissingInOneCall(names);
  for (size_t begin = 0; begin < names.size(); begin += kMaxNamesPerCall) {
    const size_t end = std::min(names.size(), begin + kMaxNamesPerCall);
    std::vector<std::string> chunk(names.begin() + begin, names.begin() + end);
    absl::StatusOr<std::optional<std::string>> missing =
        FindMissingInOneCall(chunk);
    if (!missing.ok() || missing->has_value()) return missing;
  }
  return std::optional<std::string>();
}

absl::StatusOr<std::optional<std::string>> CatalogClient::FindMissingInOneCall(
    const std::vector<std::string>& names) {
  if (names.empty()) return std::optional<std::string>();
  catalog::v1::BatchGetOrganizationsRequest request;
  for (const std::string& n : names) request.add_names(n);
  catalog::v1::BatchGetOrganizationsResponse response;
  ::grpc::ClientContext context;
  // The writing caller's trace, and its deadline when sooner than ours.
  grpc_util::PrepareOutgoingCall(context, options_.timeout);
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
  const absl::Time start = absl::Now();
  ::grpc::Status status =
      stub_->BatchGetOrganizations(&context, request, &response);
  if (options_.on_call)
    options_.on_call(status.error_code(), absl::Now() - start);
  if (status.ok()) return std::optional<std::string>();
  switch (status.error_code()) {
    case ::grpc::StatusCode::NOT_FOUND:
      // BatchGet names the first missing organisation in its message.
      for (const std::string& n : names) {
        if (absl::StrContains(status.error_message(), n + " ") ||
            absl::EndsWith(status.error_message(), n)) {
          return std::optional<std::string>(n);
        }
      }
      log::Error("catalog NOT_FOUND names no requested organisation",
                 {{"message", status.error_message()}});
      return absl::InternalError("victim check failed");
    case ::grpc::StatusCode::UNAVAILABLE:
    case ::grpc::StatusCode::DEADLINE_EXCEEDED:
    case ::grpc::StatusCode::CANCELLED:
    case ::grpc::StatusCode::RESOURCE_EXHAUSTED:
      log::Warning("catalog unreachable",
                   {{"target", options_.target},
                    {"code", static_cast<int>(status.error_code())},
                    {"message", status.error_message()}});
      return status::WithErrorReason(
          absl::UnavailableError("catalog-service is unreachable, so the "
                                 "victims cannot be checked; nothing was "
                                 "written, retry later"),
          status::kReasonCatalogUnavailable);
    default:
      log::Error("catalog check failed",
                 {{"target", options_.target},
                  {"code", static_cast<int>(status.error_code())},
                  {"message", status.error_message()}});
      return absl::InternalError("victim check failed");
  }
}

}  // namespace atlas::incident
