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
#include "absl/time/time.h"
#include "common/auth/api_keys.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/call_context.h"
#include "common/grpc/call_scope.h"
#include "common/grpc/caller_budget.h"
#include "common/grpc/status_conversion.h"
#include "common/status/error_details.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/slice.h"

namespace atlas::grpc_util {

// The reactor of a call admitted by a CallerBudget: gives the slot back
// when gRPC is done with the call.
class BudgetedUnaryReactor final : public ::grpc::ServerUnaryReactor {
 public:
  BudgetedUnaryReactor(CallerBudget& budget, CallerBudget::Slot slot)
      : budget_(budget), slot_(std::move(slot)) {}
  void OnDone() override {
    budget_.Release(&slot_);
    delete this;
  }

 private:
  CallerBudget& budget_;
  CallerBudget::Slot slot_;
};

// RESOURCE_EXHAUSTED for a call refused because too many `what` are in
// flight, with ErrorInfo `reason` and a RetryInfo delay.
inline ::grpc::Status Overloaded(
    absl::string_view what,
    absl::string_view reason = status::kReasonServerOverloaded) {
  return ToGrpcStatus(status::WithRetryDelay(
      status::WithErrorReason(absl::ResourceExhaustedError(absl::StrCat(
                                  "server overloaded: too many ", what,
                                  " in flight, retry with backoff")),
                              reason),
      absl::Milliseconds(200)));
}

// Runs `fn(caller) -> absl::StatusOr<Response>`, moves its value into
// `response` and finishes `reactor` with its status.
template <typename Response, typename Fn>
void Answer(::grpc::ServerUnaryReactor* reactor, Response* response,
            const auth::Caller& caller, Fn& fn) {
  absl::StatusOr<Response> result = fn(caller);
  if (result.ok()) response->Swap(&*result);
  reactor->Finish(ToGrpcStatus(result.status()));
}

// Answer on `executor`; RESOURCE_EXHAUSTED naming `what` when its queue is
// full.
template <typename Response, typename Fn>
void AnswerOn(concurrency::BoundedExecutor& executor,
              ::grpc::ServerUnaryReactor* reactor, Response* response,
              auth::Caller caller, Fn&& fn, absl::string_view what) {
  bool queued =
      executor.TrySubmit([reactor, response, caller = std::move(caller),
                          fn = std::forward<Fn>(fn)]() mutable {
        Answer(reactor, response, caller, fn);
      });
  if (!queued) reactor->Finish(Overloaded(what));
}

// Authenticates the caller of a read into `caller` and admits it through
// `budget`, by its class (see CallerBudget). Returns the reactor the call
// finishes with; when `caller` is not OK the call is already finished (the
// authentication error, or RESOURCE_EXHAUSTED when the caller's class has
// no slot left: other classes are not affected).
inline ::grpc::ServerUnaryReactor* AdmitRead(
    CallerBudget& budget, ::grpc::CallbackServerContext* context,
    const auth::KeyRegistry& keys, absl::StatusOr<auth::Caller>* caller) {
  *caller = CallerOf(*context, keys);
  if (!caller->ok()) {
    ::grpc::ServerUnaryReactor* refused = context->DefaultReactor();
    refused->Finish(ToGrpcStatus(caller->status()));
    return refused;
  }
  CallerBudget::Slot slot;
  if (!budget.Admit(**caller, context->peer(), &slot)) {
    ::grpc::ServerUnaryReactor* refused = context->DefaultReactor();
    refused->Finish(Overloaded("reads of this kind for this caller class",
                               status::kReasonReadBudgetExhausted));
    *caller = absl::ResourceExhaustedError("read budget full");
    return refused;
  }
  return new BudgetedUnaryReactor(budget, std::move(slot));
}

// Runs `fn(caller) -> absl::StatusOr<Response>` inline on the gRPC
// callback thread, for quick, non-blocking work (reads), if `budget` has a
// free slot for the caller's class; RESOURCE_EXHAUSTED otherwise.
template <typename Response, typename Fn>
::grpc::ServerUnaryReactor* RunUnary(CallerBudget& budget,
                                     ::grpc::CallbackServerContext* context,
                                     const auth::KeyRegistry& keys,
                                     Response* response, Fn&& fn) {
  absl::StatusOr<auth::Caller> caller;
  ::grpc::ServerUnaryReactor* reactor =
      AdmitRead(budget, context, keys, &caller);
  if (!caller.ok()) return reactor;
  Answer(reactor, response, *caller, fn);
  return reactor;
}

// RunUnary for reads whose cost grows with the request (list pages,
// searches): keyed callers and the other service run inline as in
// RunUnary, but callers without a key run on `public_executor`, a few
// low-priority threads (BoundedExecutor's `nice`), so a public flood of
// expensive reads takes at most those threads and yields the CPU to
// members' and editors' calls. RESOURCE_EXHAUSTED when its queue is full.
// `fn` must copy what it needs from the request or rely on it staying
// valid until Finish (gRPC keeps it alive until then).
template <typename Response, typename Fn>
::grpc::ServerUnaryReactor* RunRead(
    CallerBudget& budget, concurrency::BoundedExecutor& public_executor,
    ::grpc::CallbackServerContext* context, const auth::KeyRegistry& keys,
    Response* response, Fn&& fn) {
  absl::StatusOr<auth::Caller> caller;
  ::grpc::ServerUnaryReactor* reactor =
      AdmitRead(budget, context, keys, &caller);
  if (!caller.ok()) return reactor;
  if (caller->role != auth::Role::kPublic) {
    Answer(reactor, response, *caller, fn);
  } else {
    AnswerOn(public_executor, reactor, response, *std::move(caller),
             std::forward<Fn>(fn), "public reads");
  }
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
    CallerBudget& budget, ::grpc::CallbackServerContext* context,
    const auth::KeyRegistry& keys, const ::grpc::ByteBuffer* request_bytes,
    ::grpc::ByteBuffer* response_bytes, Fn&& fn) {
  absl::StatusOr<auth::Caller> caller;
  ::grpc::ServerUnaryReactor* reactor =
      AdmitRead(budget, context, keys, &caller);
  if (!caller.ok()) return reactor;
  Request request;
  ::grpc::Slice slice;
  if (!request_bytes->DumpToSingleSlice(&slice).ok() ||
      !request.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    // The request as a whole: a field violation with an empty field.
    reactor->Finish(ToGrpcStatus(status::WithFieldViolation(
        absl::InvalidArgumentError(absl::StrCat(
            "request: does not parse as ", Request::descriptor()->full_name())),
        "", "does not parse as the request message", "INVALID_VALUE")));
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
// writes, calls to the other service) inside a CallScope of the call (its
// trace and deadline, for the calls `fn` makes), for callers of at least
// `required` role: the role is checked before anything is queued, so callers
// without the right key (UNAUTHENTICATED / PERMISSION_DENIED naming `action`,
// as auth::RequireRole) never hold a queue slot or the memory of their request;
// the core checks it again. RESOURCE_EXHAUSTED when the executor's queue is
// full. `fn` must copy what it needs from the request or rely on it staying
// valid until Finish (gRPC keeps it alive until then).
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
  // The caller's trace and deadline go with the work to the executor's
  // thread, for the calls it makes to the other service (call_scope.h).
  auto in_scope = [trace = IncomingTrace(*context),
                   deadline = IncomingDeadline(*context),
                   fn = std::forward<Fn>(fn)](const auth::Caller& c) mutable {
    CallScope scope(std::move(trace), deadline);
    return fn(c);
  };
  AnswerOn(executor, reactor, response, *std::move(caller), std::move(in_scope),
           "writes");
  return reactor;
}

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_UNARY_H_
