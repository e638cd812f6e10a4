// ServerRunner: the gRPC server both binaries run.
//
// Start() builds a server with the given services, the standard health
// service (grpc.health.v1.Health) and server reflection, binds the listen
// address (port 0 picks a free port) and marks both "" (liveness) and the
// service's full name (readiness) SERVING.
//
// Shutdown(), normally called from the signal thread of
// TerminationSignalWatcher:
//   1. readiness (the service name) goes NOT_SERVING, and the drain hook
//      runs (it ends long-lived streams so they do not hold the drain);
//   2. the server stops accepting calls and lets in-flight calls finish
//      until the grace deadline, then cancels the rest;
//   3. Wait() returns.
// The caller then closes its database and exits 0.
//
// Thread safety: Shutdown() may be called from any thread, any number of
// times; Wait() from one thread.
#ifndef ATLAS_COMMON_GRPC_SERVER_RUNNER_H_
#define ATLAS_COMMON_GRPC_SERVER_RUNNER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/api_keys.h"
#include "common/grpc/call_observer.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"

namespace atlas::grpc_util {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free port (see port()).
  std::string listen_address = "127.0.0.1:0";
  // Full name of the main service ("atlas.catalog.v1.CatalogService"); the
  // readiness health check answers for it.
  std::string service_name;
  // How long in-flight calls may run after Shutdown() starts.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Largest request accepted; larger ones fail with RESOURCE_EXHAUSTED
  // before any handler runs. Set deliberately rather than left at gRPC's
  // default. Must be positive (the mains set it from
  // --max_request_bytes).
  int max_receive_message_bytes = 4 << 20;
  // Most calls (streams included) open at once on one connection; a
  // client opening more waits for a slot (HTTP/2 MAX_CONCURRENT_STREAMS),
  // so one connection cannot make the server hold an unbounded number of
  // calls. Must be positive.
  int max_concurrent_streams = 1000;
  // The server pings an idle connection after this long and closes it if
  // no answer comes within keepalive_timeout, so streams held by a client
  // that vanished (no FIN, no RST) are released. Zero disables.
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Client keepalive pings at least this far apart are accepted, also on a
  // connection with no call or no data flowing (a quiet change stream);
  // more frequent ones are answered with GOAWAY (too_many_pings). The
  // services' own channels ping every 30 s (common/grpc/service_channel).
  absl::Duration min_client_ping_interval = absl::Seconds(10);
  // Connections are closed gracefully after this age so that clients
  // re-resolve DNS and spread over new replicas. Zero disables.
  absl::Duration max_connection_age = absl::Minutes(5);
  // Credentials; null means plaintext.
  std::shared_ptr<::grpc::ServerCredentials> credentials;
  // Runs at the start of Shutdown(), after readiness goes NOT_SERVING.
  std::function<void()> on_drain_start;

  // Per-call observation (call_interceptor.h): the interceptor is
  // installed only when there is an observer or a non-zero sample, so a
  // server without metrics or access log pays nothing for it.
  // Observers, not owned, must outlive the runner.
  std::vector<CallObserver*> call_observers;
  // Probability in [0, 1] that a call gets an access-log line.
  double access_log_sample = 0;
  // The callers' keys, to name their role in the access log; not owned.
  const auth::KeyRegistry* keys = nullptr;
  // Full names of the raw methods ("/pkg.Service/Method"), see
  // CallInterceptorOptions::raw_methods.
  std::vector<std::string> raw_methods;
};

class ServerRunner {
 public:
  // Starts serving `services` (not owned; they must outlive the runner).
  // UNAVAILABLE if the address cannot be bound; INVALID_ARGUMENT for a
  // missing service_name or a non-positive size or stream limit.
  static absl::StatusOr<std::unique_ptr<ServerRunner>> Start(
      ServerOptions options, const std::vector<::grpc::Service*>& services);

  ~ServerRunner();

  // The bound port.
  int port() const { return port_; }
  const ServerOptions& options() const { return options_; }

  // Sets the readiness status of the service name.
  void SetReady(bool ready);

  // Graceful shutdown, see the file comment. Idempotent; returns when the
  // server has stopped.
  void Shutdown();

  // Blocks until Shutdown() has completed.
  void Wait();

  // An in-process channel to this server, for tests.
  std::shared_ptr<::grpc::Channel> InProcessChannel();

 private:
  ServerRunner(ServerOptions options, std::unique_ptr<::grpc::Server> server,
               int port);

  const ServerOptions options_;
  std::unique_ptr<::grpc::Server> server_;
  const int port_;
  absl::Mutex mu_;
  bool shutdown_started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_done_ ABSL_GUARDED_BY(mu_) = false;
};

// Turns SIGTERM and SIGINT into a callback on a dedicated thread.
//
// Construct it first thing in main(), before any other thread exists: it
// blocks the two signals in the calling thread, and threads created later
// inherit the mask, so only the watcher's sigwait() receives them.
class TerminationSignalWatcher {
 public:
  TerminationSignalWatcher();
  // Stops the watcher thread if no signal came.
  ~TerminationSignalWatcher();

  // Starts the thread; `on_signal(signo)` runs on it once, for the first
  // signal.
  void Start(std::function<void(int)> on_signal);

 private:
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_SERVER_RUNNER_H_
