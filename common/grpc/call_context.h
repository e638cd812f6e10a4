// Reading who calls from a gRPC server context. The one place that turns
// `authorization` metadata into an auth::Caller, so the cores never see
// gRPC types.
#ifndef ATLAS_COMMON_GRPC_CALL_CONTEXT_H_
#define ATLAS_COMMON_GRPC_CALL_CONTEXT_H_

#include "absl/status/statusor.h"
#include "common/auth/api_keys.h"
#include "grpcpp/server_context.h"

namespace atlas::grpc_util {

// The caller of `context` per `keys`: public without an `authorization`
// header, UNAUTHENTICATED for a malformed or unknown key (logged with the
// peer, never with the key).
absl::StatusOr<auth::Caller> CallerOf(
    const ::grpc::CallbackServerContext& context,
    const auth::KeyRegistry& keys);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_CALL_CONTEXT_H_
