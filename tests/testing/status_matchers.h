// GoogleTest matchers for absl::Status, absl::StatusOr<T> and grpc::Status
// (after google-cloud-cpp's testing_util/status_matchers.h):
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
//                           HasSubstr("display_name")));
// On a grpc::Status (what a real server returned), StatusIs also checks the
// AIP-193 details every error of ours carries (AipDetailsProblem), so every
// contract test that expects an error checks them too.
#ifndef ATLAS_TESTS_TESTING_STATUS_MATCHERS_H_
#define ATLAS_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/grpc/status_conversion.h"
#include "common/status/error_details.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace atlas::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
inline absl::Status GetStatus(const ::grpc::Status& s) {
  return grpc_util::FromGrpcStatus(s);
}

// What is wrong with the AIP-193 details of `s`, "" if nothing:
// every error has google.rpc.Status details agreeing with its code and
// message, an ErrorInfo (UPPER_SNAKE reason, our domain); INVALID_ARGUMENT a
// BadRequest naming a field (or the request as a whole, for "request: ...");
// RESOURCE_EXHAUSTED and UNAVAILABLE a RetryInfo. Errors gRPC itself raises
// (deadline, cancellation, connection, message size, unknown method) carry
// no details and are let through.
inline std::string AipDetailsProblem(const ::grpc::Status& s) {
  using ::grpc::StatusCode;
  if (s.ok()) return "";
  if (s.error_details().empty()) {
    switch (s.error_code()) {
      case StatusCode::CANCELLED:
      case StatusCode::DEADLINE_EXCEEDED:
      case StatusCode::UNAVAILABLE:
      case StatusCode::RESOURCE_EXHAUSTED:
      case StatusCode::UNIMPLEMENTED:
      case StatusCode::INTERNAL:
      case StatusCode::UNKNOWN:
        return "";
      default:
        return "no grpc-status-details-bin";
    }
  }
  google::rpc::Status rich;
  if (!rich.ParseFromString(s.error_details())) {
    return "details do not parse as google.rpc.Status";
  }
  if (rich.code() != s.error_code() || rich.message() != s.error_message()) {
    return "google.rpc.Status code/message differ from the call's";
  }
  absl::Status st = grpc_util::FromGrpcStatus(s);
  auto info = status::GetErrorInfo(st);
  if (!info.has_value()) return "no ErrorInfo";
  if (info->domain() != status::kErrorDomain) return "ErrorInfo domain";
  if (info->reason().empty()) return "empty ErrorInfo reason";
  for (char c : info->reason()) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return "ErrorInfo reason not UPPER_SNAKE_CASE";
    }
  }
  if (s.error_code() == StatusCode::INVALID_ARGUMENT) {
    auto bad = status::GetBadRequest(st);
    if (!bad.has_value() || bad->field_violations_size() == 0) {
      return "INVALID_ARGUMENT without BadRequest field violations";
    }
    bool whole_request = s.error_message().rfind("request: ", 0) == 0;
    for (const auto& v : bad->field_violations()) {
      if (v.field().empty() && !whole_request) {
        return "field violation without a field (message not "
               "\"<field>: <rule>\")";
      }
      if (v.reason().empty()) return "field violation without a reason";
    }
  }
  if ((s.error_code() == StatusCode::RESOURCE_EXHAUSTED ||
       s.error_code() == StatusCode::UNAVAILABLE) &&
      !status::GetRetryInfo(st).has_value()) {
    return "no RetryInfo";
  }
  return "";
}
inline std::string AipDetailsProblem(const absl::Status&) { return ""; }
template <typename T>
std::string AipDetailsProblem(const absl::StatusOr<T>&) {
  return "";
}

MATCHER(IsOk, "is OK") {
  absl::Status s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code,
          "has code " +
              absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
  absl::Status s = GetStatus(arg);
  *result_listener << "status is " << s;
  std::string problem = AipDetailsProblem(arg);
  if (!problem.empty()) *result_listener << "; AIP-193 details: " << problem;
  return s.code() == static_cast<absl::StatusCode>(code) && problem.empty();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " +
               absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
  absl::Status s = GetStatus(arg);
  *result_listener << "status is " << s;
  std::string problem = AipDetailsProblem(arg);
  if (!problem.empty()) *result_listener << "; AIP-193 details: " << problem;
  return s.code() == static_cast<absl::StatusCode>(code) && problem.empty() &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  std::string diff;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  bool same = d.Compare(expected, arg);
  if (!same) *result_listener << diff;
  return same;
}

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_STATUS_MATCHERS_H_
