// Structured error details (AIP-193) carried on an absl::Status.
//
// A core returns an ordinary absl::Status; where it knows more than the code
// and the message, it attaches the google.rpc detail the caller can act on:
//
//   return WithPreconditionViolation(
//       WithErrorReason(absl::AbortedError("incident.etag: stale etag ..."),
//                       kReasonEtagMismatch),
//       "ETAG", "incidents/abc", "the etag given is not the current one");
//
// Each detail is stored as an absl::Status payload keyed by its type URL
// ("type.googleapis.com/google.rpc.ErrorInfo"), its value the serialized
// message, so the status stays an absl::Status through every layer and
// grpc_util::ToGrpcStatus copies the payloads into google.rpc.Status.details
// (grpc-status-details-bin), adding what every error must carry (see
// status_conversion.h). Attaching the same detail type twice merges: reasons
// are replaced, violations appended.
#ifndef ATLAS_COMMON_STATUS_ERROR_DETAILS_H_
#define ATLAS_COMMON_STATUS_ERROR_DETAILS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"

namespace atlas::status {

// The ErrorInfo domain of every error the two services return.
inline constexpr absl::string_view kErrorDomain = "incidentatlas.org";

// Stable ErrorInfo reasons set explicitly by the code that knows the cause.
// Every other error gets the default reason of its code
// (DefaultErrorReason). Reasons are part of the contract: never renamed.
inline constexpr absl::string_view kReasonEtagMismatch = "ETAG_MISMATCH";
inline constexpr absl::string_view kReasonOrganizationReferenced =
    "ORGANIZATION_REFERENCED";
inline constexpr absl::string_view kReasonConcurrentDelete =
    "CONCURRENT_DELETE";
inline constexpr absl::string_view kReasonReadBudgetExhausted =
    "READ_BUDGET_EXHAUSTED";
inline constexpr absl::string_view kReasonServerOverloaded =
    "SERVER_OVERLOADED";
inline constexpr absl::string_view kReasonApiKeyMissing = "API_KEY_MISSING";
inline constexpr absl::string_view kReasonApiKeyInvalid = "API_KEY_INVALID";
inline constexpr absl::string_view kReasonRoleTooLow = "ROLE_NOT_ALLOWED";
inline constexpr absl::string_view kReasonCatalogUnavailable =
    "CATALOG_UNAVAILABLE";
inline constexpr absl::string_view kReasonStorageUnavailable =
    "STORAGE_UNAVAILABLE";

// The reason of an error of `code` that names no reason of its own, e.g.
// RESOURCE_NOT_FOUND for kNotFound. "" for kOk.
absl::string_view DefaultErrorReason(absl::StatusCode code);

// The payload type URLs (also the Any type URLs in google.rpc.Status).
inline constexpr absl::string_view kErrorInfoUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestUrl =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kRetryInfoUrl =
    "type.googleapis.com/google.rpc.RetryInfo";
inline constexpr absl::string_view kPreconditionFailureUrl =
    "type.googleapis.com/google.rpc.PreconditionFailure";

// Returns `status` with ErrorInfo{reason, kErrorDomain, metadata}. OK
// statuses are returned unchanged (details describe errors only).
absl::Status WithErrorReason(
    absl::Status status, absl::string_view reason,
    std::vector<std::pair<std::string, std::string>> metadata = {});

// Returns `status` with RetryInfo{retry_delay = delay}.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// Returns `status` with one more PreconditionFailure violation.
absl::Status WithPreconditionViolation(absl::Status status,
                                       absl::string_view type,
                                       absl::string_view subject,
                                       absl::string_view description);

// Returns `status` with one more BadRequest field violation.
absl::Status WithFieldViolation(absl::Status status, absl::string_view field,
                                absl::string_view description,
                                absl::string_view reason);

// The detail of that type attached to `status`, if any (and parseable).
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status);
std::optional<google::rpc::RetryInfo> GetRetryInfo(const absl::Status& status);
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(
    const absl::Status& status);

// The field violation an INVALID_ARGUMENT message written in the house
// convention states: "<field path>: <rule>" (field path: snake_case names
// with optional [index], joined by '.', as in "incident.victims[0].role").
// The violation's field is the path, its description the rule, its reason
// the class of rule (REQUIRED, UNKNOWN_VALUE, DUPLICATE, TOO_LONG,
// TOO_MANY, OUT_OF_RANGE, or INVALID_VALUE). nullopt when the message does
// not start with a field path.
std::optional<google::rpc::BadRequest::FieldViolation> FieldViolationOf(
    absl::string_view message);

// One line per detail, for a person ("field incident.title: required
// [REQUIRED]", "reason ETAG_MISMATCH (incidentatlas.org)", "retry after
// 1s", "precondition ETAG incidents/x: ..."); empty without details.
std::vector<std::string> DescribeErrorDetails(const absl::Status& status);

}  // namespace atlas::status

#endif  // ATLAS_COMMON_STATUS_ERROR_DETAILS_H_
