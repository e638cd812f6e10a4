// MetricsEndpoint: a service's Prometheus endpoint. Serves GET /metrics
// (text exposition format) on its own address, apart from the gRPC port,
// with everything registered here:
//   - registry(): metrics kept as they happen (prometheus-cpp counters and
//     histograms: the gRPC server metrics, the victim-check client's);
//   - scrape(): figures read at scrape time (ScrapeCollector);
//   - Register(): other collectables (RocksDB's figures).
// call_observer() is the gRPC server metrics (GrpcServerMetrics) to hand
// the ServerRunner.
//
//   auto metrics = MetricsEndpoint::Start("0.0.0.0:9090");
//   if (!metrics.ok()) ...  // UNAVAILABLE: the address cannot be bound
//
// Lifetime: call StopServing() before anything the scrape-time collectors
// read goes (the wiring classes do right after the gRPC server stops), and
// destroy it once nothing records into registry() any more.
#ifndef ATLAS_COMMON_METRICS_METRICS_ENDPOINT_H_
#define ATLAS_COMMON_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/grpc/call_observer.h"
#include "common/metrics/grpc_server_metrics.h"
#include "common/metrics/scrape_collector.h"
#include "prometheus/collectable.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace atlas::metrics {

class MetricsEndpoint {
 public:
  // Binds `listen_address` (host:port; port 0 picks a free port) and
  // starts serving /metrics on two threads. INVALID_ARGUMENT for an empty
  // address, UNAVAILABLE if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& listen_address);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The bound port.
  int port() const { return port_; }
  prometheus::Registry& registry() { return *registry_; }
  ScrapeCollector& scrape() { return *scrape_; }
  grpc_util::CallObserver* call_observer() { return grpc_.get(); }
  // Serves `collectable` too, for as long as the endpoint serves.
  void Register(std::shared_ptr<prometheus::Collectable> collectable);
  // Stops the HTTP server (waiting for a scrape in progress): no collector
  // runs afterwards, while the metrics themselves stay valid for code
  // still recording them. Idempotent; the destructor calls it.
  void StopServing();

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ScrapeCollector> scrape_;
  std::unique_ptr<GrpcServerMetrics> grpc_;
  std::vector<std::shared_ptr<prometheus::Collectable>> others_;
  int port_ = 0;
  // Last: destroyed first, so no scrape runs while the rest goes.
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace atlas::metrics

#endif  // ATLAS_COMMON_METRICS_METRICS_ENDPOINT_H_
