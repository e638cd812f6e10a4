#include "common/grpc/server_runner.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/call_interceptor.h"
#include "common/logging/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace atlas::grpc_util {

absl::StatusOr<std::unique_ptr<ServerRunner>> ServerRunner::Start(
    ServerOptions options, const std::vector<::grpc::Service*>& services) {
  if (options.service_name.empty()) {
    return absl::InvalidArgumentError("service_name is required");
  }
  // gRPC reads a non-positive limit as "unlimited": refuse it instead.
  if (options.max_receive_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        "max_receive_message_bytes must be positive");
  }
  if (!(options.access_log_sample >= 0 && options.access_log_sample <= 1)) {
    return absl::InvalidArgumentError(
        "access_log_sample must be between 0 and 1");
  }
  if (options.max_concurrent_streams <= 0) {
    return absl::InvalidArgumentError(
        "max_concurrent_streams must be positive");
  }
  // Both must be enabled before the builder is created.
  ::grpc::EnableDefaultHealthCheckService(true);
  ::grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  ::grpc::ServerBuilder builder;
  std::shared_ptr<::grpc::ServerCredentials> credentials =
      options.credentials ? options.credentials
                          : ::grpc::InsecureServerCredentials();
  int port = 0;
  builder.AddListeningPort(options.listen_address, credentials, &port);
  // gRPC sets SO_REUSEPORT by default, which would let a second server bind
  // a port already in use and silently share it; a taken port must fail.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (::grpc::Service* service : services) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  if (options.keepalive_time > absl::ZeroDuration()) {
    builder.AddChannelArgument(
        GRPC_ARG_KEEPALIVE_TIME_MS,
        static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
    builder.AddChannelArgument(
        GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
        static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  }
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(
          absl::ToInt64Milliseconds(options.min_client_ping_interval)));
  if (options.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(
                                   options.max_connection_age)));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30000);
  }
  if (!options.call_observers.empty() || options.access_log_sample > 0) {
    CallInterceptorOptions observe;
    observe.observers = options.call_observers;
    observe.access_log_sample = options.access_log_sample;
    observe.keys = options.keys;
    observe.raw_methods.insert(options.raw_methods.begin(),
                               options.raw_methods.end());
    std::vector<std::unique_ptr<
        ::grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<CallInterceptorFactory>(std::move(observe)));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  std::unique_ptr<::grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  auto runner = std::unique_ptr<ServerRunner>(
      new ServerRunner(std::move(options), std::move(server), port));
  runner->SetReady(true);
  runner->server_->GetHealthCheckService()->SetServingStatus("", true);
  log::Info("serving", {{"address", runner->options_.listen_address},
                        {"port", port},
                        {"grpc_service", runner->options_.service_name}});
  return runner;
}

ServerRunner::ServerRunner(ServerOptions options,
                           std::unique_ptr<::grpc::Server> server, int port)
    : options_(std::move(options)), server_(std::move(server)), port_(port) {}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::SetReady(bool ready) {
  server_->GetHealthCheckService()->SetServingStatus(options_.service_name,
                                                     ready);
}

void ServerRunner::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_started_) {
      mu_.Await(absl::Condition(&shutdown_done_));
      return;
    }
    shutdown_started_ = true;
  }
  log::Info("draining",
            {{"grace_ms", absl::ToInt64Milliseconds(options_.shutdown_grace)}});
  SetReady(false);
  if (options_.on_drain_start) options_.on_drain_start();
  // Shutdown() marks every health status NOT_SERVING, refuses new calls,
  // waits for in-flight calls until the deadline, then cancels them.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  server_->Wait();
  log::Info("stopped");
  absl::MutexLock lock(&mu_);
  shutdown_done_ = true;
}

void ServerRunner::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&shutdown_done_));
}

std::shared_ptr<::grpc::Channel> ServerRunner::InProcessChannel() {
  return server_->InProcessChannel(::grpc::ChannelArguments());
}

TerminationSignalWatcher::TerminationSignalWatcher() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Blocked here too, so that the watcher thread is born with SIGUSR2
  // blocked: a destructor running before the thread blocks it itself would
  // otherwise kill the process.
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void TerminationSignalWatcher::Start(std::function<void(int)> on_signal) {
  thread_ = std::thread([this, on_signal = std::move(on_signal)] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    // SIGUSR2 is used only to wake this thread when the watcher is
    // destroyed without a signal having come.
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    int signo = 0;
    while (sigwait(&set, &signo) == 0) {
      if (stopping_.load()) return;
      if (signo == SIGTERM || signo == SIGINT) break;
    }
    log::Info("signal received", {{"signal", signo}});
    on_signal(signo);
  });
}

TerminationSignalWatcher::~TerminationSignalWatcher() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

}  // namespace atlas::grpc_util
