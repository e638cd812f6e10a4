// ScrapeCollector: figures read when Prometheus scrapes, not kept as
// metrics in between: each is a callback the collector calls during
// Collect() (budget refusals, queue depths, changelog sequences, the
// follower's cursor). The components keep plain atomics and know nothing
// of Prometheus; the wiring classes register a callback per figure.
//
// Thread safety: Add* and Collect may be called concurrently. Callbacks
// run on the scraping thread and must be thread-safe; whatever they read
// must outlive the collector's registration (the MetricsEndpoint is
// destroyed before the parts it reads).
#ifndef ATLAS_COMMON_METRICS_SCRAPE_COLLECTOR_H_
#define ATLAS_COMMON_METRICS_SCRAPE_COLLECTOR_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace atlas::metrics {

class ScrapeCollector final : public prometheus::Collectable {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Adds one time series of the family `name` (created on first use with
  // `help`; later calls for the same name add series to it and must pass
  // the same kind). A counter's callback must never decrease.
  void AddGauge(const std::string& name, const std::string& help, Labels labels,
                std::function<double()> read);
  void AddCounter(const std::string& name, const std::string& help,
                  Labels labels, std::function<double()> read);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Series {
    Labels labels;
    std::function<double()> read;
  };
  struct Family {
    std::string name;
    std::string help;
    prometheus::MetricType type;
    std::vector<Series> series;
  };
  void Add(const std::string& name, const std::string& help,
           prometheus::MetricType type, Labels labels,
           std::function<double()> read);

  mutable absl::Mutex mu_;
  std::vector<Family> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::metrics

#endif  // ATLAS_COMMON_METRICS_SCRAPE_COLLECTOR_H_
