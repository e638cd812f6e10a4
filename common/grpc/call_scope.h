// CallScope: what a call the server is answering passes on to the calls it
// makes for it: the caller's trace (W3C traceparent) and deadline.
//
// The wiring sets one around the handler's work on the thread that does it
// (grpc_util::RunUnaryOn does, for writes, which are what call the other
// service); clients that call the other service on the caller's behalf
// (incident-service's CatalogClient) read it with CallScope::Current() and
// apply it with ApplyTo(). The cores never see it: it travels beside them,
// as gRPC's own context would.
//
// When several callers' work is combined into one outgoing call (the
// incident creator's groups), the call carries the scope of the thread
// that makes it: the leading caller's trace and deadline.
//
// Thread safety: a scope belongs to the thread that constructed it and is
// visible to that thread only, until it is destroyed (scopes nest).
#ifndef ATLAS_COMMON_GRPC_CALL_SCOPE_H_
#define ATLAS_COMMON_GRPC_CALL_SCOPE_H_

#include "absl/time/time.h"
#include "common/grpc/trace_context.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"

namespace atlas::grpc_util {

class CallScope {
 public:
  // A scope for the call `context` is answering: its `traceparent`
  // (a new trace when absent or invalid) and its deadline (infinite when
  // the caller set none).
  explicit CallScope(const ::grpc::ServerContextBase& context);
  CallScope(TraceContext trace, absl::Time deadline);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // The innermost scope of this thread; null outside any.
  static const CallScope* Current();

  const TraceContext& trace() const { return trace_; }
  absl::Time deadline() const { return deadline_; }

  // Prepares an outgoing call made for this scope's caller: its deadline
  // is the sooner of now + `timeout` and the caller's, and it carries the
  // trace as `traceparent` (same trace id, a new parent id).
  void ApplyTo(::grpc::ClientContext& outgoing, absl::Duration timeout) const;

 private:
  TraceContext trace_;
  absl::Time deadline_;
  const CallScope* outer_;
};

// What a CallScope for the call `context` answers holds: its
// `traceparent` (a new trace when absent or invalid) and its deadline
// (infinite when the caller set none). Read on the call's thread, to open
// the scope on another one.
TraceContext IncomingTrace(const ::grpc::ServerContextBase& context);
absl::Time IncomingDeadline(const ::grpc::ServerContextBase& context);

// ApplyTo of the current scope, or outside any: a deadline of now +
// `timeout` and no traceparent (the callee starts a trace).
void PrepareOutgoingCall(::grpc::ClientContext& outgoing,
                         absl::Duration timeout);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_CALL_SCOPE_H_
