// Helpers that turn a core call into a callback-API unary handler:
// authenticate the caller, run the core method, move the result into the
// response, finish with the converted status. Handlers stay one line each
// and hold no logic.
#ifndef ATLAS_COMMON_GRPC_UNARY_H_
#define ATLAS_COMMON_GRPC_UNARY_H_

#include <utility>

#include "absl/status/statusor.h"
#include "common/auth/api_keys.h"
#include "common/grpc/call_context.h"
#include "common/grpc/executor.h"
#include "common/grpc/status_conversion.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace atlas::grpc_util {

// Runs `fn(caller) -> absl::StatusOr<Response>` inline on the gRPC
// callback thread. For quick, non-blocking work (reads).
template <typename Response, typename Fn>
::grpc::ServerUnaryReactor* RunUnary(::grpc::CallbackServerContext* context,
                                     const auth::KeyRegistry& keys,
                                     Response* response, Fn&& fn) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<auth::Caller> caller = CallerOf(*context, keys);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::StatusOr<Response> result = fn(*caller);
  if (result.ok()) response->Swap(&*result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

// Like RunUnary, but runs `fn` on `executor` (for work that blocks: synced
// writes, calls to the other service). RESOURCE_EXHAUSTED when the
// executor's queue is full. `fn` must copy what it needs from the request
// or rely on it staying valid until Finish (gRPC keeps it alive until then).
template <typename Response, typename Fn>
::grpc::ServerUnaryReactor* RunUnaryOn(BoundedExecutor& executor,
                                       ::grpc::CallbackServerContext* context,
                                       const auth::KeyRegistry& keys,
                                       Response* response, Fn&& fn) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<auth::Caller> caller = CallerOf(*context, keys);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  bool queued = executor.TrySubmit(
      [reactor, response, caller = *std::move(caller),
       fn = std::forward<Fn>(fn)]() mutable {
        absl::StatusOr<Response> result = fn(caller);
        if (result.ok()) response->Swap(&*result);
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  if (!queued) {
    reactor->Finish(::grpc::Status(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                                   "server overloaded: too many writes "
                                   "queued, retry with backoff"));
  }
  return reactor;
}

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_UNARY_H_
