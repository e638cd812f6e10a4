#include "tools/atlasctl/health_command.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/grpc/status_conversion.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/atlasctl/table.h"

namespace atlas::atlasctl {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

absl::Status RunHealth(const Invocation& invocation, Env& env) {
  absl::StatusOr<std::vector<std::pair<std::string, bool>>> servers =
      ChooseServers(invocation);
  if (!servers.ok()) return servers.status();
  Table table({"SERVER", "ADDRESS", "SERVICE", "STATUS"});
  absl::Status first_error;
  for (const auto& [label, is_catalog] : *servers) {
    const std::string& address = is_catalog ? env.options().catalog_address
                                            : env.options().incidents_address;
    Health::Stub stub(is_catalog ? env.CatalogChannel()
                                 : env.IncidentsChannel());
    for (const std::string& service :
         {std::string(),
          std::string(is_catalog ? "atlas.catalog.v1.CatalogService"
                                 : "atlas.incident.v1.IncidentService")}) {
      HealthCheckRequest request;
      request.set_service(service);
      HealthCheckResponse response;
      auto context = env.NewContext();
      absl::Status status = grpc_util::FromGrpcStatus(
          stub.Check(context.get(), request, &response));
      std::string shown;
      if (status.ok()) {
        shown = HealthCheckResponse::ServingStatus_Name(response.status());
        if (response.status() != HealthCheckResponse::SERVING) {
          status = absl::UnavailableError(
              absl::StrCat(shown, " for service \"", service, "\""));
        }
      } else {
        shown = absl::StatusCodeToString(status.code());
      }
      if (!status.ok() && first_error.ok()) {
        first_error = absl::Status(
            status.code(),
            absl::StrCat(label, " (", address, "): ", status.message()));
      }
      if (env.json()) {
        env.out() << "{\"server\":\"" << label << "\",\"address\":\"" << address
                  << "\",\"service\":\"" << service << "\",\"status\":\""
                  << shown << "\"}\n";
      } else {
        table.AddRow(
            {label, address, service.empty() ? "\"\"" : service, shown});
      }
    }
  }
  table.Print(env.out());
  return first_error;
}

}  // namespace

std::vector<Command> HealthCommands() {
  return {{.words = {"health"},
           .args_usage = "[catalog|incidents]",
           .help = "grpc.health.v1 status of both servers (\"\" and the "
                   "service name)",
           .min_args = 0,
           .max_args = 1,
           .flags = {},
           .handler = RunHealth}};
}

}  // namespace atlas::atlasctl
