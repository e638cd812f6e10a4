// ServingOptions: how a service binary serves, the part both wiring classes
// (CatalogServer, IncidentServer) share. Filled from flags by main.cc
// (serving_flags.h) and by tests directly.
#ifndef ATLAS_COMMON_SERVER_SERVING_OPTIONS_H_
#define ATLAS_COMMON_SERVER_SERVING_OPTIONS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/caller_budget.h"
#include "common/grpc/server_runner.h"
#include "grpcpp/security/server_credentials.h"

namespace atlas::server {

struct ServingOptions {
  // host:port to serve on; port 0 picks a free port.
  std::string listen_address = "127.0.0.1:0";
  // How long in-flight calls may finish after Shutdown() starts.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Threads that run writes, and how many writes may queue for them
  // before new ones are refused with RESOURCE_EXHAUSTED.
  int write_threads = 4;
  size_t max_queued_writes = 1024;
  // Reads in flight at once, per kind of work: list pages, single-record
  // (and batch) Gets, searches. Each is split by caller class
  // (CallerBudget::Split); past a class's share, RESOURCE_EXHAUSTED.
  int max_inflight_reads = 256;
  int max_inflight_point_reads = 2048;
  int max_inflight_searches = 256;
  // Threads that run public callers' pages and searches, at low CPU
  // priority (see grpc_util::RunRead).
  int public_read_threads = 2;
  // Long-lived streams open at once, by caller class (see CallerBudget).
  grpc_util::CallerBudget::Limits streams;
  // Largest request accepted (RESOURCE_EXHAUSTED before any handler).
  int max_request_bytes = 4 << 20;
  // Server credentials; null serves plaintext.
  std::shared_ptr<::grpc::ServerCredentials> credentials;
  // host:port of the Prometheus /metrics endpoint (port 0 picks a free
  // port); empty serves no metrics.
  std::string metrics_listen;
  // Probability in [0, 1] that a call gets an access-log line
  // (common/grpc/access_log.h); 0 logs none.
  double access_log_sample = 0;
};

// The options of the ServerRunner that serves `service_name` as `serving`
// says (the drain hook is the caller's to set).
inline grpc_util::ServerOptions RunnerOptions(const ServingOptions& serving,
                                              std::string service_name) {
  grpc_util::ServerOptions runner;
  runner.listen_address = serving.listen_address;
  runner.service_name = std::move(service_name);
  runner.shutdown_grace = serving.shutdown_grace;
  runner.max_receive_message_bytes = serving.max_request_bytes;
  runner.credentials = serving.credentials;
  runner.access_log_sample = serving.access_log_sample;
  return runner;
}

// The pool public callers' pages and searches run on: `serving`'s
// public_read_threads at nice 10, its queue bounded by the public shares of
// the page and search budgets (which already bound those calls in flight).
inline std::unique_ptr<concurrency::BoundedExecutor> NewPublicReadExecutor(
    const ServingOptions& serving) {
  const size_t queue = static_cast<size_t>(
      grpc_util::CallerBudget::Split(serving.max_inflight_reads).public_total +
      grpc_util::CallerBudget::Split(serving.max_inflight_searches)
          .public_total);
  return std::make_unique<concurrency::BoundedExecutor>(
      serving.public_read_threads, queue, /*nice=*/10);
}

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_SERVING_OPTIONS_H_
