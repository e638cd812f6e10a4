#include "common/grpc/call_scope.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/string_view.h"

namespace atlas::grpc_util {
namespace {

thread_local const CallScope* g_current = nullptr;

}  // namespace

TraceContext IncomingTrace(const ::grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kTraceparentKey);
  if (it != metadata.end()) {
    std::optional<TraceContext> parsed = TraceContext::Parse(
        absl::string_view(it->second.data(), it->second.size()));
    if (parsed.has_value()) return *std::move(parsed);
  }
  return TraceContext::NewRoot();
}

absl::Time IncomingDeadline(const ::grpc::ServerContextBase& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  // gRPC reports "no deadline" as the largest time point.
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

CallScope::CallScope(const ::grpc::ServerContextBase& context)
    : CallScope(IncomingTrace(context), IncomingDeadline(context)) {}

CallScope::CallScope(TraceContext trace, absl::Time deadline)
    : trace_(std::move(trace)), deadline_(deadline), outer_(g_current) {
  g_current = this;
}

CallScope::~CallScope() { g_current = outer_; }

const CallScope* CallScope::Current() { return g_current; }

void CallScope::ApplyTo(::grpc::ClientContext& outgoing,
                        absl::Duration timeout) const {
  const absl::Time deadline = std::min(absl::Now() + timeout, deadline_);
  outgoing.set_deadline(absl::ToChronoTime(deadline));
  outgoing.AddMetadata(kTraceparentKey, trace_.Child().ToTraceparent());
}

void PrepareOutgoingCall(::grpc::ClientContext& outgoing,
                         absl::Duration timeout) {
  if (const CallScope* scope = CallScope::Current(); scope != nullptr) {
    scope->ApplyTo(outgoing, timeout);
    return;
  }
  outgoing.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace atlas::grpc_util
