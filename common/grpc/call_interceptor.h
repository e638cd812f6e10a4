// The server's one call interceptor (gRPC 1.51's experimental server
// interceptor API): per call it
//   - reports the start and the final status code and latency to each
//     CallObserver (the Prometheus metrics);
//   - for a sampled call (probability `access_log_sample`), makes sure the
//     call has a valid W3C `traceparent` (a new trace replaces a missing or
//     invalid one, in the metadata the handler then reads, so the trace the
//     line names is the trace the handler forwards: call_scope.h), and
//     writes its access-log line (access_log.h) when it finishes.
// Unsampled calls pay for two clock reads and the observers' counting.
//
// Installed by ServerRunner when it has observers or a non-zero sample.
#ifndef ATLAS_COMMON_GRPC_CALL_INTERCEPTOR_H_
#define ATLAS_COMMON_GRPC_CALL_INTERCEPTOR_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/auth/api_keys.h"
#include "common/grpc/call_observer.h"
#include "grpcpp/support/server_interceptor.h"

namespace atlas::grpc_util {

struct CallInterceptorOptions {
  // Not owned; each must outlive the server. Called on gRPC's threads,
  // concurrently.
  std::vector<CallObserver*> observers;
  // Probability in [0, 1] that a call is logged; 0 logs none.
  double access_log_sample = 0;
  // Names the caller's role in the access log (a sampled call's key is
  // checked once more for it); null logs every caller as "public".
  const auth::KeyRegistry* keys = nullptr;
  // Full names ("/pkg.Service/Method") of the raw methods
  // (WithRawCallbackMethod_X), whose messages are ByteBuffers rather than
  // protobuf messages: the access log measures them as such.
  absl::flat_hash_set<std::string> raw_methods;
};

class CallInterceptorFactory final
    : public ::grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(CallInterceptorOptions options)
      : options_(std::move(options)) {}

  ::grpc::experimental::Interceptor* CreateServerInterceptor(
      ::grpc::experimental::ServerRpcInfo* info) override;

 private:
  const CallInterceptorOptions options_;
};

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_CALL_INTERCEPTOR_H_
