// The one absl::Status <-> grpc::Status conversion. The numeric codes of
// both are the canonical gRPC codes, so the mapping is exact; messages pass
// through unchanged (they are written for callers by the cores).
//
// Structured details (AIP-193) travel as google.rpc.Status in
// grpc-status-details-bin. ToGrpcStatus sends the details a core attached
// (common/status/error_details.h) and completes them so that every error
// carries:
//   - ErrorInfo{reason, domain "incidentatlas.org"}: the core's reason, or
//     the default reason of the code (RESOURCE_NOT_FOUND, ...);
//   - for INVALID_ARGUMENT, BadRequest with the field violation the message
//     states ("<field path>: <rule>"), or one with an empty field (the
//     request as a whole) for a message without a field path;
//   - for RESOURCE_EXHAUSTED and UNAVAILABLE, RetryInfo (1 s unless the
//     core set a delay).
// FromGrpcStatus turns the details back into payloads, so a client reads
// them with the same Get* functions.
#ifndef ATLAS_COMMON_GRPC_STATUS_CONVERSION_H_
#define ATLAS_COMMON_GRPC_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace atlas::grpc_util {

::grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const ::grpc::Status& status);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_STATUS_CONVERSION_H_
