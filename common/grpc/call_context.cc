#include "common/grpc/call_context.h"

#include "absl/strings/string_view.h"
#include "common/logging/log.h"

namespace atlas::grpc_util {

absl::StatusOr<auth::Caller> CallerOf(
    const ::grpc::CallbackServerContext& context,
    const auth::KeyRegistry& keys) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  absl::string_view header;
  if (it != metadata.end()) {
    header = absl::string_view(it->second.data(), it->second.size());
  }
  absl::StatusOr<auth::Caller> caller = keys.Authenticate(header);
  if (!caller.ok()) {
    log::Warning(
        "authentication failed",
        {{"peer", context.peer()}, {"reason", caller.status().message()}});
  }
  return caller;
}

}  // namespace atlas::grpc_util
