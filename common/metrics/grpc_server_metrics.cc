#include "common/metrics/grpc_server_metrics.h"

#include <string>

#include "absl/time/time.h"

namespace atlas::metrics {
namespace {

const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

prometheus::Labels MethodLabels(const grpc_util::CallMethod& method) {
  return {{"grpc_service", std::string(method.service)},
          {"grpc_method", std::string(method.method)},
          {"grpc_type", std::string(method.type)}};
}

}  // namespace

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, "
                         "regardless of success or failure.")
                   .Register(registry)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Histogram of response latency (seconds) of gRPC "
                          "that had been application-level handled by the "
                          "server.")
                    .Register(registry)) {}

grpc_util::MethodObserver& GrpcServerMetrics::ForMethod(
    const grpc_util::CallMethod& method) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = methods_.find(method.full_name);
    if (it != methods_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Method>& slot = methods_[std::string(method.full_name)];
  if (slot == nullptr) slot = std::make_unique<Method>(*this, method);
  return *slot;
}

GrpcServerMetrics::Method::Method(GrpcServerMetrics& metrics,
                                  const grpc_util::CallMethod& method)
    : handled_family_(metrics.handled_),
      labels_(MethodLabels(method)),
      started_(metrics.started_.Add(labels_)),
      handling_(metrics.handling_.Add(labels_, Buckets())) {}

prometheus::Counter& GrpcServerMetrics::Method::Handled(
    ::grpc::StatusCode code) {
  const int index =
      static_cast<int>(code) >= 0 && static_cast<int>(code) < kCodes
          ? static_cast<int>(code)
          : static_cast<int>(::grpc::StatusCode::UNKNOWN);
  prometheus::Counter* counter =
      handled_[index].load(std::memory_order_acquire);
  if (counter != nullptr) return *counter;
  prometheus::Labels labels = labels_;
  labels["grpc_code"] = std::string(
      grpc_util::GrpcCodeName(static_cast<::grpc::StatusCode>(index)));
  // Family::Add returns the same counter for the same labels, so a race
  // here stores the same pointer twice.
  counter = &handled_family_.Add(labels);
  handled_[index].store(counter, std::memory_order_release);
  return *counter;
}

void GrpcServerMetrics::Method::OnCallFinished(::grpc::StatusCode code,
                                               absl::Duration latency) {
  Handled(code).Increment();
  handling_.Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace atlas::metrics
