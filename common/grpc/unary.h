// Helpers that turn a core call into a callback-API unary handler:
// authenticate the caller, run the core method, move the result into the
// response, finish with the converted status. Handlers stay one line each
// and hold no logic.
#ifndef ATLAS_COMMON_GRPC_UNARY_H_
#define ATLAS_COMMON_GRPC_UNARY_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/auth/api_keys.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/call_context.h"
#include "common/grpc/call_gate.h"
#include "common/grpc/status_conversion.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/slice.h"

namespace atlas::grpc_util {

// The reactor of a call admitted by a CallGate: gives the slot back when
// gRPC is done with the call.
class GatedUnaryReactor final : public ::grpc::ServerUnaryReactor {
 public:
  explicit GatedUnaryReactor(CallGate& gate) : gate_(gate) {}
  void OnDone() override {
    gate_.Leave();
    delete this;
  }

 private:
  CallGate& gate_;
};

inline ::grpc::Status Overloaded(absl::string_view what) {
  return ::grpc::Status(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("server overloaded: too many ", what,
                                     " in flight, retry with backoff"));
}

// Admits a read through `gate` and authenticates its caller into `caller`.
// Returns the reactor the call finishes with; when `caller` is not OK the
// call is already finished (RESOURCE_EXHAUSTED past the gate, or the
// authentication error).
inline ::grpc::ServerUnaryReactor* AdmitRead(
    CallGate& gate, ::grpc::CallbackServerContext* context,
    const auth::KeyRegistry& keys, absl::StatusOr<auth::Caller>* caller) {
  if (!gate.TryEnter()) {
    ::grpc::ServerUnaryReactor* refused = context->DefaultReactor();
    refused->Finish(Overloaded("reads"));
    *caller = absl::ResourceExhaustedError("read gate full");
    return refused;
  }
  ::grpc::ServerUnaryReactor* reactor = new GatedUnaryReactor(gate);
  *caller = CallerOf(*context, keys);
  if (!caller->ok()) reactor->Finish(ToGrpcStatus(caller->status()));
  return reactor;
}

// Runs `fn(caller) -> absl::StatusOr<Response>` inline on the gRPC
// callback thread, for quick, non-blocking work (reads), if `gate` has a
// free slot; RESOURCE_EXHAUSTED otherwise.
template <typename Response, typename Fn>
::grpc::ServerUnaryReactor* RunUnary(CallGate& gate,
                                     ::grpc::CallbackServerContext* context,
                                     const auth::KeyRegistry& keys,
                                     Response* response, Fn&& fn) {
  absl::StatusOr<auth::Caller> caller;
  ::grpc::ServerUnaryReactor* reactor = AdmitRead(gate, context, keys, &caller);
  if (!caller.ok()) return reactor;
  absl::StatusOr<Response> result = fn(*caller);
  if (result.ok()) response->Swap(&*result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

// RunUnary for a raw method (the generated WithRawCallbackMethod_X), for
// hot reads whose answer is already stored serialized: parses the request
// bytes into a `Request` (INVALID_ARGUMENT naming the type if they do not
// parse), runs `fn(caller, request) -> absl::StatusOr<std::string>` whose
// value is the serialized response message, and sends those bytes as they
// are: no response message is built, serialized or destroyed. The wire
// contract is the typed method's.
template <typename Request, typename Fn>
::grpc::ServerUnaryReactor* RunUnaryWire(
    CallGate& gate, ::grpc::CallbackServerContext* context,
    const auth::KeyRegistry& keys, const ::grpc::ByteBuffer* request_bytes,
    ::grpc::ByteBuffer* response_bytes, Fn&& fn) {
  absl::StatusOr<auth::Caller> caller;
  ::grpc::ServerUnaryReactor* reactor = AdmitRead(gate, context, keys, &caller);
  if (!caller.ok()) return reactor;
  Request request;
  ::grpc::Slice slice;
  if (!request_bytes->DumpToSingleSlice(&slice).ok() ||
      !request.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    reactor->Finish(
        ::grpc::Status(::grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat("request: does not parse as ",
                                    Request::descriptor()->full_name())));
    return reactor;
  }
  absl::StatusOr<std::string> result = fn(*caller, request);
  if (result.ok()) {
    ::grpc::Slice out(*result);
    *response_bytes = ::grpc::ByteBuffer(&out, 1);
  }
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

// Like RunUnary, but runs `fn` on `executor` (for work that blocks: synced
// writes, calls to the other service), for callers of at least `required`
// role: the role is checked before anything is queued, so callers without
// the right key (UNAUTHENTICATED / PERMISSION_DENIED naming `action`, as
// auth::RequireRole) never hold a queue slot or the memory of their
// request; the core checks it again. RESOURCE_EXHAUSTED when the
// executor's queue is full. `fn` must copy what it needs from the request
// or rely on it staying valid until Finish (gRPC keeps it alive until then).
template <typename Response, typename Fn>
::grpc::ServerUnaryReactor* RunUnaryOn(concurrency::BoundedExecutor& executor,
                                       ::grpc::CallbackServerContext* context,
                                       const auth::KeyRegistry& keys,
                                       auth::Role required,
                                       absl::string_view action,
                                       Response* response, Fn&& fn) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<auth::Caller> caller = CallerOf(*context, keys);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::Status allowed = auth::RequireRole(*caller, required, action);
  if (!allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  bool queued =
      executor.TrySubmit([reactor, response, caller = *std::move(caller),
                          fn = std::forward<Fn>(fn)]() mutable {
        absl::StatusOr<Response> result = fn(caller);
        if (result.ok()) response->Swap(&*result);
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  if (!queued) {
    reactor->Finish(Overloaded("writes"));
  }
  return reactor;
}

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_UNARY_H_
