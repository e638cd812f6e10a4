// ReflectionJsonClient: call any gRPC method of a server with JSON, knowing
// nothing but what the server's reflection service tells (what grpcurl does).
//
//   ReflectionJsonClient client(channel);
//   CallOptions options;
//   options.metadata.emplace_back("authorization", "Bearer " + key);
//   ASSIGN_OR_RETURN(std::vector<std::string> services,
//                    client.ListServices(options));
//   RETURN_IF_ERROR(client.Call(
//       "atlas.catalog.v1.CatalogService/GetOrganization",
//       R"({"name": "organizations/vooruit"})", options,
//       [](const std::string& json) { std::cout << json << "\n"; }));
//
// Protocol: grpc.reflection.v1alpha.ServerReflection (gRPC 1.51 serves no
// other version). Descriptors are fetched with `file_containing_symbol`,
// missing dependencies with `file_by_filename`, and kept in a private
// DescriptorPool for the life of the client, so each service is described
// once. Calls go through grpc::GenericStub as raw bytes, encoded from and
// decoded into DynamicMessages of that pool.
//
// Errors (absl::Status, gRPC codes):
//   - the server's own status for a failed call (NOT_FOUND, UNAVAILABLE, ...);
//   - UNIMPLEMENTED when the server serves no reflection;
//   - NOT_FOUND when the service or method is not known to the server's
//     reflection ("service atlas.x.Foo not found", "method Bar not found in
//     service atlas.x.Foo");
//   - INVALID_ARGUMENT for a malformed method name, a request that is not
//     valid JSON for the request type (the message names the type and the
//     problem, e.g. an unknown field), or a client- or bidi-streaming method,
//     which Call() does not support;
//   - INTERNAL when the server sends a descriptor or response that does not
//     parse.
//
// Thread safety: a client is not thread-safe; use one per thread. The
// channel may be shared.
#ifndef ATLAS_TOOLS_GRPC_JSON_REFLECTION_JSON_CLIENT_H_
#define ATLAS_TOOLS_GRPC_JSON_REFLECTION_JSON_CLIENT_H_

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace atlas::grpc_json {

struct CallOptions {
  // Deadline of each RPC (the reflection stream and the call itself);
  // absl::InfiniteDuration() for none.
  absl::Duration timeout = absl::Seconds(10);
  // Metadata sent with every RPC, e.g. {"authorization", "Bearer <key>"}.
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct JsonFormat {
  // Field names as in the .proto (`display_name`) instead of the JSON
  // mapping's lowerCamelCase (`displayName`). Both are accepted on input.
  bool preserve_proto_field_names = false;
  // Print fields at their default values too.
  bool emit_defaults = false;
  // Indent the output (multi-line); otherwise one line per message.
  bool pretty = false;
};

class ReflectionJsonClient {
 public:
  // `channel` must not be null.
  explicit ReflectionJsonClient(std::shared_ptr<::grpc::Channel> channel,
                                JsonFormat format = {});

  ReflectionJsonClient(const ReflectionJsonClient&) = delete;
  ReflectionJsonClient& operator=(const ReflectionJsonClient&) = delete;

  // Full names of the services the server registers, sorted
  // ("grpc.health.v1.Health", ...).
  absl::StatusOr<std::vector<std::string>> ListServices(
      const CallOptions& options);

  // Describes a service, fetching its file (and dependencies) on first use.
  // The descriptor lives as long as the client.
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> FindService(
      absl::string_view service, const CallOptions& options);

  // Describes a method named "pkg.Service/Method" or "pkg.Service.Method"
  // (a leading '/' is allowed).
  absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
      absl::string_view method, const CallOptions& options);

  // Invokes a unary or server-streaming method with `request_json` (the
  // protobuf JSON mapping of its request type; empty means `{}`) and calls
  // `on_response` with each response as JSON, in order. Returns the call's
  // final status; responses received before an error are still delivered.
  absl::Status Call(
      absl::string_view method, absl::string_view request_json,
      const CallOptions& options,
      absl::FunctionRef<void(const std::string& json)> on_response);

 private:
  // Fetches, over one reflection stream, the file defining `symbol` and
  // every dependency not yet in pool_, then adds them to pool_.
  absl::Status LoadSymbol(const std::string& symbol,
                          const CallOptions& options);

  std::shared_ptr<::grpc::Channel> channel_;
  JsonFormat format_;
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_{&pool_};
};

// Applies `options` (deadline, metadata) to `context`.
void ApplyCallOptions(const CallOptions& options,
                      ::grpc::ClientContext& context);

}  // namespace atlas::grpc_json

#endif  // ATLAS_TOOLS_GRPC_JSON_REFLECTION_JSON_CLIENT_H_
