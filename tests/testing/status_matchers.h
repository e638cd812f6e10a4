// GoogleTest matchers for absl::Status, absl::StatusOr<T> and grpc::Status
// (after google-cloud-cpp's testing_util/status_matchers.h):
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
//                           HasSubstr("display_name")));
#ifndef ATLAS_TESTS_TESTING_STATUS_MATCHERS_H_
#define ATLAS_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/support/status.h"

namespace atlas::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
inline absl::Status GetStatus(const ::grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
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
  return s.code() == static_cast<absl::StatusCode>(code);
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " +
               absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
  absl::Status s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == static_cast<absl::StatusCode>(code) &&
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
