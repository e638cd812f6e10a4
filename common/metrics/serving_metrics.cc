#include "common/metrics/serving_metrics.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"

namespace atlas::metrics {
namespace {

using Tier = grpc_util::CallerBudget::Slot::Tier;

// RocksDB's figures, read once per scrape.
class RocksStoreCollector final : public prometheus::Collectable {
 public:
  explicit RocksStoreCollector(const storage::RocksStore& store)
      : store_(store) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::StatusOr<storage::RocksStore::Figures> figures = store_.ReadFigures();
    if (!figures.ok()) return {};
    const storage::RocksStore::Figures& f = *figures;
    const uint64_t lookups = f.block_cache_hits + f.block_cache_misses;
    std::vector<prometheus::MetricFamily> out;
    auto add = [&out](const char* name, const char* help,
                      prometheus::MetricType type, double value) {
      prometheus::MetricFamily& family = out.emplace_back();
      family.name = name;
      family.help = help;
      family.type = type;
      prometheus::ClientMetric& m = family.metric.emplace_back();
      if (type == prometheus::MetricType::Counter) {
        m.counter.value = value;
      } else {
        m.gauge.value = value;
      }
    };
    const auto gauge = prometheus::MetricType::Gauge;
    const auto counter = prometheus::MetricType::Counter;
    add("atlas_rocksdb_block_cache_hit_ratio",
        "Block cache hits per lookup since the database opened.", gauge,
        lookups == 0 ? 0.0
                     : static_cast<double>(f.block_cache_hits) /
                           static_cast<double>(lookups));
    add("atlas_rocksdb_block_cache_hits_total",
        "Block cache hits since the database opened.", counter,
        static_cast<double>(f.block_cache_hits));
    add("atlas_rocksdb_block_cache_misses_total",
        "Block cache misses since the database opened.", counter,
        static_cast<double>(f.block_cache_misses));
    add("atlas_rocksdb_block_cache_usage_bytes",
        "Bytes held by the block cache.", gauge,
        static_cast<double>(f.block_cache_usage_bytes));
    add("atlas_rocksdb_memtable_bytes",
        "Bytes of all memtables, active and immutable.", gauge,
        static_cast<double>(f.memtable_bytes));
    add("atlas_rocksdb_pending_compaction_bytes",
        "Estimated bytes compaction has to rewrite.", gauge,
        static_cast<double>(f.pending_compaction_bytes));
    add("atlas_rocksdb_live_data_bytes", "Estimated bytes of live data.", gauge,
        static_cast<double>(f.live_data_bytes));
    add("atlas_rocksdb_wal_bytes", "Bytes of the write-ahead log files.", gauge,
        static_cast<double>(f.wal_bytes));
    return out;
  }

 private:
  const storage::RocksStore& store_;
};

}  // namespace

void AddBudget(MetricsEndpoint& endpoint, absl::string_view name,
               const grpc_util::CallerBudget& budget) {
  const std::string budget_name(name);
  for (const auto& [tier, label] :
       {std::pair{Tier::kPublic, "public"}, std::pair{Tier::kKeyed, "keyed"},
        std::pair{Tier::kService, "service"}}) {
    ScrapeCollector::Labels labels = {{"budget", budget_name},
                                      {"caller_class", label}};
    endpoint.scrape().AddCounter(
        "atlas_budget_refusals_total",
        "Calls refused with RESOURCE_EXHAUSTED because the caller class's "
        "share of a budget was in use.",
        labels, [&budget, tier = tier] {
          return static_cast<double>(budget.refused(tier));
        });
    endpoint.scrape().AddGauge(
        "atlas_budget_in_flight", "Budget slots held by calls in flight.",
        labels, [&budget, tier = tier] {
          switch (tier) {
            case Tier::kPublic:
              return static_cast<double>(budget.open_public());
            case Tier::kKeyed:
              return static_cast<double>(budget.open_keyed());
            default:
              return static_cast<double>(budget.open_service());
          }
        });
  }
}

void AddExecutor(MetricsEndpoint& endpoint, absl::string_view name,
                 const concurrency::BoundedExecutor& executor) {
  ScrapeCollector::Labels labels = {{"executor", std::string(name)}};
  endpoint.scrape().AddCounter(
      "atlas_executor_refusals_total",
      "Work refused with RESOURCE_EXHAUSTED because the executor's queue "
      "was full.",
      labels, [&executor] { return static_cast<double>(executor.refused()); });
  endpoint.scrape().AddGauge(
      "atlas_executor_queued", "Work waiting for a thread of the executor.",
      labels, [&executor] { return static_cast<double>(executor.queued()); });
}

void AddRocksStore(MetricsEndpoint& endpoint,
                   const storage::RocksStore& store) {
  endpoint.Register(std::make_shared<RocksStoreCollector>(store));
}

void AddServing(
    MetricsEndpoint& endpoint,
    const std::vector<
        std::pair<absl::string_view, const grpc_util::CallerBudget*>>& budgets,
    const concurrency::BoundedExecutor& writers,
    const concurrency::BoundedExecutor& public_reads,
    const storage::RocksStore& store) {
  for (const auto& [name, budget] : budgets) AddBudget(endpoint, name, *budget);
  AddExecutor(endpoint, "writes", writers);
  AddExecutor(endpoint, "public_reads", public_reads);
  AddRocksStore(endpoint, store);
}

namespace {
const prometheus::Histogram::BucketBoundaries& ClientBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}
}  // namespace

ClientCallMetrics::ClientCallMetrics(MetricsEndpoint& endpoint,
                                     absl::string_view target,
                                     absl::string_view method)
    : calls_(prometheus::BuildCounter()
                 .Name("atlas_client_calls_total")
                 .Help("Calls this service made to another one, by code.")
                 .Register(endpoint.registry())),
      latency_(prometheus::BuildHistogram()
                   .Name("atlas_client_call_seconds")
                   .Help("Latency of the calls this service made to another "
                         "one (seconds).")
                   .Register(endpoint.registry())
                   .Add({{"target", std::string(target)},
                         {"method", std::string(method)}},
                        ClientBuckets())),
      target_(target),
      method_(method) {}

void ClientCallMetrics::Record(::grpc::StatusCode code,
                               absl::Duration latency) {
  const int index =
      static_cast<int>(code) >= 0 && static_cast<int>(code) < kCodes
          ? static_cast<int>(code)
          : static_cast<int>(::grpc::StatusCode::UNKNOWN);
  prometheus::Counter* counter =
      by_code_[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &calls_.Add(
        {{"target", target_},
         {"method", method_},
         {"grpc_code", std::string(grpc_util::GrpcCodeName(
                           static_cast<::grpc::StatusCode>(index)))}});
    by_code_[index].store(counter, std::memory_order_release);
  }
  counter->Increment();
  latency_.Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace atlas::metrics
