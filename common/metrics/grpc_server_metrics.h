// GrpcServerMetrics: the per-method gRPC server metrics, under the names
// and labels grpc-ecosystem's Prometheus interceptors use
// (go-grpc-prometheus), so existing dashboards and alerts work:
//
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//     (histogram; buckets from 0.5 ms to 10 s)
//
// grpc_type is unary, client_stream, server_stream or bidi_stream;
// grpc_code is grpc-go's code name (OK, NotFound, ResourceExhausted, ...).
// Fed by the server's call interceptor (common/grpc/call_interceptor.h).
//
// Thread safety: thread-safe; a method's metrics are looked up under a
// reader lock and created once.
#ifndef ATLAS_COMMON_METRICS_GRPC_SERVER_METRICS_H_
#define ATLAS_COMMON_METRICS_GRPC_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/call_observer.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace atlas::metrics {

class GrpcServerMetrics final : public grpc_util::CallObserver {
 public:
  // Registers the three families in `registry`, which must outlive this.
  explicit GrpcServerMetrics(prometheus::Registry& registry);

  grpc_util::MethodObserver& ForMethod(
      const grpc_util::CallMethod& method) override;

 private:
  // gRPC's codes are 0..16.
  static constexpr int kCodes = 17;
  class Method final : public grpc_util::MethodObserver {
   public:
    Method(GrpcServerMetrics& metrics, const grpc_util::CallMethod& method);
    void OnCallStarted() override { started_.Increment(); }
    void OnCallFinished(::grpc::StatusCode code,
                        absl::Duration latency) override;

   private:
    prometheus::Counter& Handled(::grpc::StatusCode code);

    prometheus::Family<prometheus::Counter>& handled_family_;
    const prometheus::Labels labels_;
    prometheus::Counter& started_;
    prometheus::Histogram& handling_;
    // Created on the first call that ends with each code.
    std::array<std::atomic<prometheus::Counter*>, kCodes> handled_{};
  };

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::metrics

#endif  // ATLAS_COMMON_METRICS_GRPC_SERVER_METRICS_H_
