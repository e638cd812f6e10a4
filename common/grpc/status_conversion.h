// The one absl::Status <-> grpc::Status conversion. The numeric codes of
// both are the canonical gRPC codes, so the mapping is exact; messages pass
// through unchanged (they are written for callers by the cores).
#ifndef ATLAS_COMMON_GRPC_STATUS_CONVERSION_H_
#define ATLAS_COMMON_GRPC_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace atlas::grpc_util {

::grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const ::grpc::Status& status);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_STATUS_CONVERSION_H_
