#include "common/metrics/scrape_collector.h"

namespace atlas::metrics {

void ScrapeCollector::AddGauge(const std::string& name, const std::string& help,
                               Labels labels, std::function<double()> read) {
  Add(name, help, prometheus::MetricType::Gauge, std::move(labels),
      std::move(read));
}

void ScrapeCollector::AddCounter(const std::string& name,
                                 const std::string& help, Labels labels,
                                 std::function<double()> read) {
  Add(name, help, prometheus::MetricType::Counter, std::move(labels),
      std::move(read));
}

void ScrapeCollector::Add(const std::string& name, const std::string& help,
                          prometheus::MetricType type, Labels labels,
                          std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  for (Family& family : families_) {
    if (family.name == name) {
      family.series.push_back({std::move(labels), std::move(read)});
      return;
    }
  }
  families_.push_back({name, help, type, {}});
  families_.back().series.push_back({std::move(labels), std::move(read)});
}

std::vector<prometheus::MetricFamily> ScrapeCollector::Collect() const {
  absl::MutexLock lock(&mu_);
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_.size());
  for (const Family& family : families_) {
    prometheus::MetricFamily& f = out.emplace_back();
    f.name = family.name;
    f.help = family.help;
    f.type = family.type;
    for (const Series& series : family.series) {
      prometheus::ClientMetric& m = f.metric.emplace_back();
      for (const auto& [k, v] : series.labels) m.label.push_back({k, v});
      const double value = series.read();
      if (family.type == prometheus::MetricType::Counter) {
        m.counter.value = value;
      } else {
        m.gauge.value = value;
      }
    }
  }
  return out;
}

}  // namespace atlas::metrics
