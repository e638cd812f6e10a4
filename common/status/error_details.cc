#include "common/status/error_details.h"

#include <cstdint>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace atlas::status {
namespace {

template <typename Message>
std::optional<Message> GetDetail(const absl::Status& status,
                                 absl::string_view url) {
  auto payload = status.GetPayload(url);
  if (!payload.has_value()) return std::nullopt;
  Message message;
  if (!message.ParseFromString(std::string(*payload))) return std::nullopt;
  return message;
}

template <typename Message>
absl::Status SetDetail(absl::Status status, absl::string_view url,
                       const Message& message) {
  status.SetPayload(url, absl::Cord(message.SerializeAsString()));
  return status;
}

bool IsNameChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
}

// True for "a.b_c[3].d": names of [a-z0-9_] starting with a letter, each
// optionally followed by [digits], joined by '.'.
bool IsFieldPath(absl::string_view path) {
  size_t i = 0;
  while (true) {
    if (i >= path.size() || !absl::ascii_islower(path[i])) return false;
    while (i < path.size() && IsNameChar(path[i])) ++i;
    if (i < path.size() && path[i] == '[') {
      size_t digits = ++i;
      while (i < path.size() && absl::ascii_isdigit(path[i])) ++i;
      if (i == digits || i >= path.size() || path[i] != ']') return false;
      ++i;
    }
    if (i == path.size()) return true;
    if (path[i] != '.') return false;
    ++i;
  }
}

absl::string_view RuleClass(absl::string_view rule) {
  std::string lower = absl::AsciiStrToLower(rule);
  if (absl::StartsWith(lower, "required") ||
      absl::StrContains(lower, "must not be empty")) {
    return "REQUIRED";
  }
  if (absl::StrContains(lower, "unknown")) return "UNKNOWN_VALUE";
  if (absl::StrContains(lower, "duplicate") ||
      absl::StrContains(lower, "twice")) {
    return "DUPLICATE";
  }
  if (absl::StartsWith(lower, "at most")) {
    return absl::StrContains(lower, " characters") ||
                   absl::StrContains(lower, " bytes")
               ? "TOO_LONG"
               : "TOO_MANY";
  }
  if (absl::StartsWith(lower, "at least") ||
      absl::StrContains(lower, "between")) {
    return "OUT_OF_RANGE";
  }
  return "INVALID_VALUE";
}

}  // namespace

absl::string_view DefaultErrorReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_REQUEST";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "RESOURCE_NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "RESOURCE_ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted:
      return "CONCURRENT_MODIFICATION";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented:
      return "NOT_IMPLEMENTED";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    default:
      return "INTERNAL";
  }
}

absl::Status WithErrorReason(
    absl::Status status, absl::string_view reason,
    std::vector<std::pair<std::string, std::string>> metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = std::move(value);
  }
  return SetDetail(std::move(status), kErrorInfoUrl, info);
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  google::rpc::RetryInfo retry;
  int64_t nanos = absl::ToInt64Nanoseconds(delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(nanos % 1000000000));
  return SetDetail(std::move(status), kRetryInfoUrl, retry);
}

absl::Status WithPreconditionViolation(absl::Status status,
                                       absl::string_view type,
                                       absl::string_view subject,
                                       absl::string_view description) {
  if (status.ok()) return status;
  google::rpc::PreconditionFailure failure =
      GetPreconditionFailure(status).value_or(
          google::rpc::PreconditionFailure());
  auto* violation = failure.add_violations();
  violation->set_type(std::string(type));
  violation->set_subject(std::string(subject));
  violation->set_description(std::string(description));
  return SetDetail(std::move(status), kPreconditionFailureUrl, failure);
}

absl::Status WithFieldViolation(absl::Status status, absl::string_view field,
                                absl::string_view description,
                                absl::string_view reason) {
  if (status.ok()) return status;
  google::rpc::BadRequest bad =
      GetBadRequest(status).value_or(google::rpc::BadRequest());
  auto* violation = bad.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  violation->set_reason(std::string(reason));
  return SetDetail(std::move(status), kBadRequestUrl, bad);
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return GetDetail<google::rpc::ErrorInfo>(status, kErrorInfoUrl);
}
std::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status) {
  return GetDetail<google::rpc::BadRequest>(status, kBadRequestUrl);
}
std::optional<google::rpc::RetryInfo> GetRetryInfo(const absl::Status& status) {
  return GetDetail<google::rpc::RetryInfo>(status, kRetryInfoUrl);
}
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(
    const absl::Status& status) {
  return GetDetail<google::rpc::PreconditionFailure>(status,
                                                     kPreconditionFailureUrl);
}

std::optional<google::rpc::BadRequest::FieldViolation> FieldViolationOf(
    absl::string_view message) {
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return std::nullopt;
  absl::string_view path = message.substr(0, colon);
  if (!IsFieldPath(path)) return std::nullopt;
  absl::string_view rule = message.substr(colon + 2);
  google::rpc::BadRequest::FieldViolation violation;
  violation.set_field(std::string(path));
  violation.set_description(std::string(rule));
  violation.set_reason(std::string(RuleClass(rule)));
  return violation;
}

std::vector<std::string> DescribeErrorDetails(const absl::Status& status) {
  std::vector<std::string> lines;
  if (auto bad = GetBadRequest(status)) {
    for (const auto& v : bad->field_violations()) {
      lines.push_back(absl::StrCat("field ", v.field(), ": ", v.description(),
                                   v.reason().empty() ? "" : " [", v.reason(),
                                   v.reason().empty() ? "" : "]"));
    }
  }
  if (auto failure = GetPreconditionFailure(status)) {
    for (const auto& v : failure->violations()) {
      lines.push_back(absl::StrCat("precondition ", v.type(), " ", v.subject(),
                                   ": ", v.description()));
    }
  }
  if (auto retry = GetRetryInfo(status)) {
    absl::Duration delay = absl::Seconds(retry->retry_delay().seconds()) +
                           absl::Nanoseconds(retry->retry_delay().nanos());
    lines.push_back(absl::StrCat("retry after ", absl::FormatDuration(delay)));
  }
  if (auto info = GetErrorInfo(status)) {
    std::string line =
        absl::StrCat("reason ", info->reason(), " (", info->domain(), ")");
    std::map<std::string, std::string> sorted(info->metadata().begin(),
                                              info->metadata().end());
    for (const auto& [key, value] : sorted) {
      absl::StrAppend(&line, " ", key, "=", value);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace atlas::status
