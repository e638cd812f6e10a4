#include "common/grpc/call_interceptor.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/random/random.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/grpc/access_log.h"
#include "common/grpc/trace_context.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"

namespace atlas::grpc_util {

using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::InterceptorBatchMethods;
using ::grpc::experimental::ServerRpcInfo;

absl::string_view GrpcCodeName(::grpc::StatusCode code) {
  switch (code) {
    case ::grpc::StatusCode::OK:
      return "OK";
    case ::grpc::StatusCode::CANCELLED:
      return "Canceled";
    case ::grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case ::grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case ::grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case ::grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case ::grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case ::grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case ::grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case ::grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case ::grpc::StatusCode::ABORTED:
      return "Aborted";
    case ::grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case ::grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case ::grpc::StatusCode::INTERNAL:
      return "Internal";
    case ::grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case ::grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case ::grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

namespace {

absl::string_view TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

// "/pkg.Service/Method" split as the observers name it.
CallMethod MethodOf(const ServerRpcInfo& info) {
  CallMethod method;
  method.full_name = info.method() != nullptr ? info.method() : "";
  method.type = TypeName(info.type());
  absl::string_view name = method.full_name;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  const size_t slash = name.find('/');
  if (slash == absl::string_view::npos) {
    method.service = "unknown";
    method.method = name.empty() ? "unknown" : name;
  } else {
    method.service = name.substr(0, slash);
    method.method = name.substr(slash + 1);
  }
  return method;
}

bool Sample(double probability) {
  if (probability <= 0) return false;
  if (probability >= 1) return true;
  thread_local absl::BitGen gen;
  return absl::Uniform<double>(gen, 0.0, 1.0) < probability;
}

class CallInterceptor final : public ::grpc::experimental::Interceptor {
 public:
  CallInterceptor(ServerRpcInfo* info, const CallInterceptorOptions& options)
      : info_(info),
        options_(options),
        method_(MethodOf(*info)),
        sampled_(Sample(options.access_log_sample)),
        raw_(sampled_ && options.raw_methods.contains(method_.full_name)) {}

  ~CallInterceptor() override {
    // The client went away before the server sent a status.
    if (!finished_) Finish(::grpc::StatusCode::CANCELLED);
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
      started_ = true;
      observers_.reserve(options_.observers.size());
      for (CallObserver* o : options_.observers) {
        MethodObserver& observer = o->ForMethod(method_);
        observer.OnCallStarted();
        observers_.push_back(&observer);
      }
      if (sampled_) OnSampledMetadata(methods);
    }
    if (sampled_ && methods->QueryInterceptionHookPoint(
                        InterceptionHookPoints::POST_RECV_MESSAGE)) {
      record_.request_bytes += MessageBytes(methods->GetRecvMessage());
    }
    if (sampled_ && methods->QueryInterceptionHookPoint(
                        InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      // Serializes the message now rather than later (once either way).
      const ::grpc::ByteBuffer* bytes = methods->GetSerializedSendMessage();
      if (bytes != nullptr) {
        record_.response_bytes += static_cast<int64_t>(bytes->Length());
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // A received message's serialized size.
  int64_t MessageBytes(void* message) const {
    if (message == nullptr) return 0;
    if (raw_) {
      return static_cast<int64_t>(
          static_cast<::grpc::ByteBuffer*>(message)->Length());
    }
    // Every non-raw method of ours takes a generated protobuf message,
    // whose MessageLite base is at the object's address (single
    // inheritance).
    return static_cast<int64_t>(
        static_cast<google::protobuf::MessageLite*>(message)->ByteSizeLong());
  }

  // The trace and the caller of a sampled call, from its metadata. A
  // missing or invalid traceparent is replaced in the metadata the handler
  // reads, so it forwards the trace this call is logged under.
  void OnSampledMetadata(InterceptorBatchMethods* methods) {
    auto* metadata = methods->GetRecvInitialMetadata();
    std::optional<TraceContext> trace;
    absl::string_view authorization;
    if (metadata != nullptr) {
      auto it = metadata->find(kTraceparentKey);
      if (it != metadata->end()) {
        trace = TraceContext::Parse(
            absl::string_view(it->second.data(), it->second.size()));
      }
      auto auth = metadata->find("authorization");
      if (auth != metadata->end()) {
        authorization =
            absl::string_view(auth->second.data(), auth->second.size());
      }
    }
    if (!trace.has_value()) {
      trace = TraceContext::NewRoot();
      traceparent_ = trace->ToTraceparent();
      if (metadata != nullptr) {
        metadata->erase(kTraceparentKey);
        // The value lives in this interceptor, which lives as long as the
        // call.
        metadata->emplace(::grpc::string_ref(kTraceparentKey),
                          ::grpc::string_ref(traceparent_));
      }
    }
    record_.trace_id = trace->trace_id;
    record_.peer = info_->server_context()->peer();
    if (options_.keys == nullptr) {
      record_.role = "public";
    } else {
      absl::StatusOr<auth::Caller> caller =
          options_.keys->Authenticate(authorization);
      record_.role = caller.ok() ? std::string(auth::RoleName(caller->role))
                                 : "unauthenticated";
    }
  }

  void Finish(::grpc::StatusCode code) {
    if (finished_) return;
    finished_ = true;
    // A call cancelled before its metadata arrived never started.
    if (!started_) return;
    const absl::Duration latency =
        absl::FromChrono(std::chrono::steady_clock::now() - start_);
    for (MethodObserver* o : observers_) o->OnCallFinished(code, latency);
    if (sampled_) {
      record_.method = method_.full_name;
      record_.code = code;
      record_.latency = latency;
      LogAccess(record_);
    }
  }

  ServerRpcInfo* const info_;
  const CallInterceptorOptions& options_;
  const CallMethod method_;
  const bool sampled_;
  const bool raw_;
  std::chrono::steady_clock::time_point start_;
  bool started_ = false;
  // The observers of this call's method, from OnCallStarted on.
  absl::InlinedVector<MethodObserver*, 2> observers_;
  bool finished_ = false;
  std::string traceparent_;
  AccessRecord record_;
};

}  // namespace

::grpc::experimental::Interceptor*
CallInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  return new CallInterceptor(info, options_);
}

}  // namespace atlas::grpc_util
