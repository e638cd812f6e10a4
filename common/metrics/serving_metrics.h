// The figures both services export besides the gRPC server metrics, added
// to a MetricsEndpoint by the wiring classes (CatalogServer,
// IncidentServer):
//
//   atlas_budget_refusals_total{budget,caller_class}  calls refused by a
//       CallerBudget (RESOURCE_EXHAUSTED), caller_class public|keyed|service
//   atlas_budget_in_flight{budget,caller_class}       slots held
//   atlas_executor_refusals_total{executor}           work refused by a full
//       BoundedExecutor queue (RESOURCE_EXHAUSTED)
//   atlas_executor_queued{executor}                   work waiting
//   atlas_rocksdb_*                                   RocksStore::Figures
//   atlas_client_calls_total{target,method,grpc_code} and
//   atlas_client_call_seconds{target,method}          calls this service
//       makes to the other one (ClientCallMetrics)
#ifndef ATLAS_COMMON_METRICS_SERVING_METRICS_H_
#define ATLAS_COMMON_METRICS_SERVING_METRICS_H_

#include <array>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/caller_budget.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/storage/rocks_store.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace atlas::metrics {

// Refusals and slots in flight of `budget`, labelled budget=`name`.
// `budget` must outlive `endpoint`.
void AddBudget(MetricsEndpoint& endpoint, absl::string_view name,
               const grpc_util::CallerBudget& budget);

// Refusals and queue depth of `executor`, labelled executor=`name`.
void AddExecutor(MetricsEndpoint& endpoint, absl::string_view name,
                 const concurrency::BoundedExecutor& executor);

// RocksDB's figures of `store`, read once per scrape:
//   atlas_rocksdb_block_cache_hit_ratio (hits / lookups since open; 0
//     before any lookup), atlas_rocksdb_block_cache_hits_total,
//   atlas_rocksdb_block_cache_misses_total,
//   atlas_rocksdb_block_cache_usage_bytes, atlas_rocksdb_memtable_bytes,
//   atlas_rocksdb_pending_compaction_bytes, atlas_rocksdb_live_data_bytes,
//   atlas_rocksdb_wal_bytes.
// A scrape while the store is closed omits them.
void AddRocksStore(MetricsEndpoint& endpoint, const storage::RocksStore& store);

// What both services add: their read budgets (as the service impls list
// them), the write executor ("writes") and the public read pool
// ("public_reads"), and their database. Each must outlive `endpoint`.
void AddServing(
    MetricsEndpoint& endpoint,
    const std::vector<
        std::pair<absl::string_view, const grpc_util::CallerBudget*>>& budgets,
    const concurrency::BoundedExecutor& writers,
    const concurrency::BoundedExecutor& public_reads,
    const storage::RocksStore& store);

// Calls to another service: count by code and latency. Thread-safe.
class ClientCallMetrics {
 public:
  // Registers the series for `target` (e.g. "catalog") and `method` (e.g.
  // "BatchGetOrganizations") in `endpoint`'s registry.
  ClientCallMetrics(MetricsEndpoint& endpoint, absl::string_view target,
                    absl::string_view method);
  void Record(::grpc::StatusCode code, absl::Duration latency);

 private:
  static constexpr int kCodes = 17;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Histogram& latency_;
  const std::string target_;
  const std::string method_;
  std::array<std::atomic<prometheus::Counter*>, kCodes> by_code_{};
};

}  // namespace atlas::metrics

#endif  // ATLAS_COMMON_METRICS_SERVING_METRICS_H_
