#include "tools/atlasctl/call_command.h"

#include <ostream>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tools/atlasctl/table.h"
#include "tools/grpc_json/reflection_json_client.h"

namespace atlas::atlasctl {
namespace {

absl::Status RunCall(const Invocation& invocation, Env& env) {
  const std::string& method = invocation.args[0];
  std::string json = invocation.args.size() > 1 ? invocation.args[1] : "{}";
  if (json == "-") {
    absl::StatusOr<std::string> in = ReadInput("-");
    if (!in.ok()) return in.status();
    json = *std::move(in);
  }
  bool catalog;
  std::optional<std::string> server = invocation.Flag("server");
  absl::string_view service = absl::StripPrefix(method, "/");
  if (server.has_value()) {
    if (*server != "catalog" && *server != "incidents") {
      return UsageError(absl::StrCat("--server: \"", *server,
                                     "\" is not catalog or incidents"));
    }
    catalog = *server == "catalog";
  } else if (absl::StartsWith(service, "atlas.incident.")) {
    catalog = false;
  } else if (absl::StartsWith(service, "atlas.catalog.")) {
    catalog = true;
  } else {
    return UsageError(
        absl::StrCat("cannot tell which server serves \"", method,
                     "\": add --server=catalog or --server=incidents"));
  }
  grpc_json::ReflectionJsonClient client(catalog ? env.CatalogChannel()
                                                 : env.IncidentsChannel());
  return client.Call(method, json, env.CallOptions(),
                     [&env](const std::string& response) {
                       env.out() << response << "\n";
                       env.out().flush();
                     });
}

absl::Status RunList(const Invocation& invocation, Env& env) {
  absl::StatusOr<std::vector<std::pair<std::string, bool>>> servers =
      ChooseServers(invocation);
  if (!servers.ok()) return servers.status();
  Table table({"SERVER", "SERVICE"});
  absl::Status first_error;
  for (const auto& [label, is_catalog] : *servers) {
    grpc_json::ReflectionJsonClient client(is_catalog ? env.CatalogChannel()
                                                      : env.IncidentsChannel());
    absl::StatusOr<std::vector<std::string>> names =
        client.ListServices(env.CallOptions());
    if (!names.ok()) {
      if (first_error.ok()) {
        first_error = absl::Status(
            names.status().code(),
            absl::StrCat(label, " (",
                         is_catalog ? env.options().catalog_address
                                    : env.options().incidents_address,
                         "): ", names.status().message()));
      }
      continue;
    }
    for (const std::string& name : *names) {
      if (env.json()) {
        env.out() << "{\"server\":\"" << label << "\",\"service\":\"" << name
                  << "\"}\n";
      } else {
        table.AddRow({label, name});
      }
    }
  }
  table.Print(env.out());
  return first_error;
}

}  // namespace

std::vector<Command> CallCommands() {
  return {
      {.words = {"call"},
       .args_usage = "SERVICE/METHOD [JSON|-]",
       .help = "call any method by reflection with a JSON request (grpcurl "
               "style); prints JSON responses",
       .min_args = 1,
       .max_args = 2,
       .flags = {"server"},
       .handler = RunCall},
      {.words = {"list"},
       .args_usage = "[catalog|incidents]",
       .help = "list the services of both servers by reflection",
       .min_args = 0,
       .max_args = 1,
       .flags = {},
       .handler = RunList},
  };
}

}  // namespace atlas::atlasctl
