// CallObserver: what the server's call interceptor (call_interceptor.h)
// reports about every call it serves, to whoever counts them (the
// Prometheus metrics of common/metrics) without them depending on gRPC's
// interceptor API, nor the interceptor on Prometheus.
#ifndef ATLAS_COMMON_GRPC_CALL_OBSERVER_H_
#define ATLAS_COMMON_GRPC_CALL_OBSERVER_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace atlas::grpc_util {

// The method a call is for, as grpc-ecosystem's interceptors name it.
struct CallMethod {
  // The full method name as gRPC gives it: "/pkg.Service/Method".
  absl::string_view full_name;
  absl::string_view service;  // "atlas.incident.v1.IncidentService"
  absl::string_view method;   // "GetIncident"
  // "unary", "client_stream", "server_stream" or "bidi_stream".
  absl::string_view type;
};

// What an observer counts for one method.
class MethodObserver {
 public:
  virtual ~MethodObserver() = default;
  // A call was received (its initial metadata arrived).
  virtual void OnCallStarted() = 0;
  // The handler finished the call with `code` after `latency` (from
  // OnCallStarted to the status being sent). A call that ends without the
  // server sending a status (the client went away first) finishes with
  // CANCELLED.
  virtual void OnCallFinished(::grpc::StatusCode code,
                              absl::Duration latency) = 0;
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // The observer of `method`'s calls, looked up once per call; owned by
  // this observer and valid as long as it is.
  virtual MethodObserver& ForMethod(const CallMethod& method) = 0;
};

// grpc-go's name of `code` ("OK", "InvalidArgument", "Unavailable", ...),
// the `grpc_code` label value dashboards expect.
absl::string_view GrpcCodeName(::grpc::StatusCode code);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_CALL_OBSERVER_H_
