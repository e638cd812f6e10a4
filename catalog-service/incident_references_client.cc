#include "catalog-service/incident_references_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/call_scope.h"
#include "common/logging/log.h"
#include "grpcpp/client_context.h"

namespace atlas::catalog {

IncidentReferencesClient::IncidentReferencesClient(
    std::shared_ptr<::grpc::Channel> channel, Options options)
    : options_(std::move(options)),
      stub_(incident::v1::IncidentService::NewStub(std::move(channel))) {}

absl::StatusOr<IncidentReferences::Answer> IncidentReferencesClient::Check(
    absl::string_view organization) {
  incident::v1::CheckOrganizationReferencesRequest request;
  request.set_organization(std::string(organization));
  incident::v1::CheckOrganizationReferencesResponse response;
  ::grpc::ClientContext context;
  // The deleting caller's trace and deadline, when sooner (call_scope.h).
  grpc_util::PrepareOutgoingCall(context, options_.timeout);
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
  ::grpc::Status status =
      stub_->CheckOrganizationReferences(&context, request, &response);
  if (status.ok()) {
    Answer answer;
    answer.incidents.assign(response.incidents().begin(),
                            response.incidents().end());
    answer.more = response.more();
    return answer;
  }
  switch (status.error_code()) {
    case ::grpc::StatusCode::UNAVAILABLE:
    case ::grpc::StatusCode::DEADLINE_EXCEEDED:
    case ::grpc::StatusCode::CANCELLED:
    case ::grpc::StatusCode::RESOURCE_EXHAUSTED:
      log::Warning("incident-service cannot check references",
                   {{"organization", std::string(organization)},
                    {"code", static_cast<int>(status.error_code())},
                    {"message", status.error_message()}});
      return absl::UnavailableError(absl::StrCat(
          "incident-service cannot confirm that no incident names ",
          organization, "; nothing was deleted, retry later"));
    default:
      log::Error("incident reference check failed",
                 {{"organization", std::string(organization)},
                  {"code", static_cast<int>(status.error_code())},
                  {"message", status.error_message()}});
      return absl::InternalError("incident reference check failed");
  }
}

}  // namespace atlas::catalog
