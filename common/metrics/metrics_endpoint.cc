#include "common/metrics/metrics_endpoint.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "prometheus/exposer.h"

namespace atlas::metrics {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen_address) {
  if (listen_address.empty()) {
    return absl::InvalidArgumentError("metrics_listen: an address is required");
  }
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  endpoint->registry_ = std::make_shared<prometheus::Registry>();
  endpoint->scrape_ = std::make_shared<ScrapeCollector>();
  endpoint->grpc_ = std::make_unique<GrpcServerMetrics>(*endpoint->registry_);
  // prometheus-cpp (civetweb) reports a failed bind by throwing: the one
  // place exceptions are caught.
  try {
    endpoint->exposer_ =
        std::make_unique<prometheus::Exposer>(listen_address, /*threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ",
                                               listen_address, ": ", e.what()));
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen_address));
  }
  endpoint->port_ = ports.front();
  endpoint->exposer_->RegisterCollectable(endpoint->registry_);
  endpoint->exposer_->RegisterCollectable(endpoint->scrape_);
  log::Info("serving metrics",
            {{"address", listen_address}, {"port", endpoint->port_}});
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() { StopServing(); }

void MetricsEndpoint::StopServing() { exposer_.reset(); }

void MetricsEndpoint::Register(
    std::shared_ptr<prometheus::Collectable> collectable) {
  if (exposer_ == nullptr) return;
  others_.push_back(collectable);
  exposer_->RegisterCollectable(collectable);
}

}  // namespace atlas::metrics
