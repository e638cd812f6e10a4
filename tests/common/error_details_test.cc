// AIP-193 details: attaching them to an absl::Status, reading a field
// violation out of a house-style message, and the grpc conversion both ways
// (what goes into grpc-status-details-bin and what a client reads back).
#include "common/status/error_details.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/grpc/status_conversion.h"
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::status {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(FieldViolationOfTest, ReadsFieldPathAndRule) {
  auto v = FieldViolationOf("incident.victims[0].role: unknown value 9");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->field(), "incident.victims[0].role");
  EXPECT_EQ(v->description(), "unknown value 9");
  EXPECT_EQ(v->reason(), "UNKNOWN_VALUE");
}

TEST(FieldViolationOfTest, ClassifiesTheRule) {
  auto reason = [](const char* message) {
    return FieldViolationOf(message)->reason();
  };
  EXPECT_EQ(reason("incident.title: required"), "REQUIRED");
  EXPECT_EQ(reason("organization.display_name: must not be empty"), "REQUIRED");
  EXPECT_EQ(reason("incident.countries[1]: duplicate country"), "DUPLICATE");
  EXPECT_EQ(reason("source.citations[0]: cited twice"), "DUPLICATE");
  EXPECT_EQ(reason("incident.summary: at most 2000 characters, got 2001"),
            "TOO_LONG");
  EXPECT_EQ(reason("incident.victims: at most 50 items, got 51"), "TOO_MANY");
  EXPECT_EQ(reason("page_size: at least 1"), "OUT_OF_RANGE");
  EXPECT_EQ(reason("filter: only = is supported, got <"), "INVALID_VALUE");
}

TEST(FieldViolationOfTest, NoFieldPathNoViolation) {
  EXPECT_EQ(FieldViolationOf("the key is empty"), std::nullopt);
  EXPECT_EQ(FieldViolationOf("Incident.title: required"), std::nullopt);
  EXPECT_EQ(FieldViolationOf("a b: required"), std::nullopt);
  EXPECT_EQ(FieldViolationOf("victims[x]: required"), std::nullopt);
  EXPECT_EQ(FieldViolationOf("victims[]: required"), std::nullopt);
  EXPECT_EQ(FieldViolationOf("victims.: required"), std::nullopt);
  EXPECT_EQ(FieldViolationOf(": required"), std::nullopt);
}

TEST(ErrorDetailsTest, AttachedDetailsReadBack) {
  absl::Status s = WithRetryDelay(
      WithPreconditionViolation(
          WithErrorReason(absl::AbortedError("etag: stale"),
                          kReasonEtagMismatch, {{"resource", "incidents/x"}}),
          "ETAG", "incidents/x", "stale"),
      absl::Milliseconds(1500));
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(), "etag: stale");
  auto info = GetErrorInfo(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info->domain(), kErrorDomain);
  EXPECT_EQ(info->metadata().at("resource"), "incidents/x");
  auto failure = GetPreconditionFailure(s);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).type(), "ETAG");
  auto retry = GetRetryInfo(s);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 1);
  EXPECT_EQ(retry->retry_delay().nanos(), 500000000);
  EXPECT_THAT(
      DescribeErrorDetails(s),
      ElementsAre("precondition ETAG incidents/x: stale", "retry after 1.5s",
                  "reason ETAG_MISMATCH (incidentatlas.org) "
                  "resource=incidents/x"));
}

TEST(ErrorDetailsTest, ViolationsAppendAndOkStaysOk) {
  absl::Status s = WithFieldViolation(absl::InvalidArgumentError("x"), "a",
                                      "required", "REQUIRED");
  s = WithFieldViolation(s, "b", "duplicate", "DUPLICATE");
  ASSERT_EQ(GetBadRequest(s)->field_violations_size(), 2);
  EXPECT_EQ(GetBadRequest(s)->field_violations(1).field(), "b");
  EXPECT_TRUE(WithErrorReason(absl::OkStatus(), "X").ok());
  EXPECT_EQ(GetErrorInfo(WithErrorReason(absl::OkStatus(), "X")), std::nullopt);
}

// The google.rpc.Status a call carries, as the wire has it.
google::rpc::Status Sent(const absl::Status& s) {
  ::grpc::Status g = grpc_util::ToGrpcStatus(s);
  google::rpc::Status rich;
  EXPECT_TRUE(rich.ParseFromString(g.error_details()));
  EXPECT_EQ(rich.code(), static_cast<int>(s.code()));
  EXPECT_EQ(rich.message(), s.message());
  return rich;
}

TEST(StatusConversionTest, InvalidArgumentGetsReasonAndFieldViolation) {
  google::rpc::Status rich =
      Sent(absl::InvalidArgumentError("incident.title: required"));
  ASSERT_EQ(rich.details_size(), 2);
  EXPECT_EQ(rich.details(0).type_url(), kErrorInfoUrl);
  EXPECT_EQ(rich.details(1).type_url(), kBadRequestUrl);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rich.details(1).UnpackTo(&bad));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "incident.title");
  EXPECT_EQ(bad.field_violations(0).reason(), "REQUIRED");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_REQUEST");
}

TEST(StatusConversionTest, MessageWithoutFieldNamesTheWholeRequest) {
  google::rpc::Status rich = Sent(absl::InvalidArgumentError("no field here"));
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rich.details(1).UnpackTo(&bad));
  EXPECT_EQ(bad.field_violations(0).field(), "");
  EXPECT_EQ(bad.field_violations(0).description(), "no field here");
}

TEST(StatusConversionTest, ExhaustedAndUnavailableCarryRetryInfo) {
  for (absl::Status s :
       {absl::ResourceExhaustedError("full"), absl::UnavailableError("down")}) {
    absl::Status back = grpc_util::FromGrpcStatus(grpc_util::ToGrpcStatus(s));
    auto retry = GetRetryInfo(back);
    ASSERT_TRUE(retry.has_value()) << s;
    EXPECT_EQ(retry->retry_delay().seconds(), 1);
  }
  // A delay the core chose is kept.
  absl::Status back = grpc_util::FromGrpcStatus(grpc_util::ToGrpcStatus(
      WithRetryDelay(absl::UnavailableError("x"), absl::Seconds(7))));
  EXPECT_EQ(GetRetryInfo(back)->retry_delay().seconds(), 7);
}

TEST(StatusConversionTest, EveryCodeGetsItsDefaultReasonBackAndForth) {
  for (int c = 1; c <= 16; ++c) {
    auto code = static_cast<absl::StatusCode>(c);
    absl::Status back = grpc_util::FromGrpcStatus(
        grpc_util::ToGrpcStatus(absl::Status(code, "m")));
    EXPECT_EQ(back.code(), code);
    EXPECT_EQ(back.message(), "m");
    EXPECT_THAT(GetErrorInfo(back),
                Optional(::testing::Property(&google::rpc::ErrorInfo::reason,
                                             DefaultErrorReason(code))));
  }
  EXPECT_EQ(DefaultErrorReason(absl::StatusCode::kNotFound),
            "RESOURCE_NOT_FOUND");
}

TEST(StatusConversionTest, AnExplicitReasonWins) {
  absl::Status back = grpc_util::FromGrpcStatus(grpc_util::ToGrpcStatus(
      WithErrorReason(absl::AbortedError("x"), kReasonEtagMismatch)));
  EXPECT_EQ(GetErrorInfo(back)->reason(), "ETAG_MISMATCH");
}

TEST(StatusConversionTest, DetailsFromElsewhereAreIgnoredNotFatal) {
  ::grpc::Status garbage(::grpc::StatusCode::NOT_FOUND, "m", "\xff\xff");
  absl::Status back = grpc_util::FromGrpcStatus(garbage);
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetErrorInfo(back), std::nullopt);
}

TEST(StatusConversionTest, EveryCodeRoundTripsWithItsMessage) {
  for (int code = 1; code <= 16; ++code) {
    SCOPED_TRACE(code);
    absl::Status original(static_cast<absl::StatusCode>(code), "the message");
    ::grpc::Status grpc_status = grpc_util::ToGrpcStatus(original);
    EXPECT_EQ(static_cast<int>(grpc_status.error_code()), code);
    EXPECT_EQ(grpc_status.error_message(), "the message");
    // Code and message come back as they were; the AIP-193 details the
    // conversion adds come back as payloads (error_details_test.cc).
    absl::Status round_trip = grpc_util::FromGrpcStatus(grpc_status);
    EXPECT_EQ(round_trip.code(), original.code());
    EXPECT_EQ(round_trip.message(), original.message());

    ::grpc::Status from_grpc(static_cast<::grpc::StatusCode>(code), "m");
    absl::Status as_absl = grpc_util::FromGrpcStatus(from_grpc);
    EXPECT_EQ(static_cast<int>(as_absl.code()), code);
    ::grpc::Status back = grpc_util::ToGrpcStatus(as_absl);
    EXPECT_EQ(back.error_code(), from_grpc.error_code());
    EXPECT_EQ(back.error_message(), "m");
  }
}

TEST(StatusConversionTest, OkRoundTrips) {
  EXPECT_TRUE(grpc_util::ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_THAT(grpc_util::FromGrpcStatus(::grpc::Status::OK),
              ::atlas::testing::IsOk());
}

TEST(StatusConversionTest, CodesOutsideTheCanonicalRangeBecomeUnknown) {
  // 20: outside the canonical codes, yet a value grpc::StatusCode (an enum
  // without a fixed type, values 0..31) can hold without undefined behaviour.
  ::grpc::Status odd(static_cast<::grpc::StatusCode>(20), "odd");
  EXPECT_THAT(grpc_util::FromGrpcStatus(odd),
              ::atlas::testing::StatusIs(absl::StatusCode::kUnknown, "odd"));
  absl::Status odd_absl(static_cast<absl::StatusCode>(42), "odd");
  EXPECT_EQ(grpc_util::ToGrpcStatus(odd_absl).error_code(),
            ::grpc::StatusCode::UNKNOWN);
}

// The rules the contract tests' StatusIs applies to every grpc::Status.
TEST(AipDetailsMatcherTest, FlagsWhatBreaksTheRules) {
  using ::atlas::testing::AipDetailsProblem;
  EXPECT_EQ(AipDetailsProblem(
                ::grpc::Status(::grpc::StatusCode::INVALID_ARGUMENT, "x")),
            "no grpc-status-details-bin");
  EXPECT_THAT(AipDetailsProblem(grpc_util::ToGrpcStatus(
                  absl::InvalidArgumentError("Title is required"))),
              ::testing::HasSubstr("field violation without a field"));
  EXPECT_EQ(AipDetailsProblem(grpc_util::ToGrpcStatus(
                absl::InvalidArgumentError("incident.title: required"))),
            "");
  EXPECT_EQ(AipDetailsProblem(grpc_util::ToGrpcStatus(
                absl::InvalidArgumentError("request: does not parse"))),
            "");
  EXPECT_EQ(AipDetailsProblem(
                ::grpc::Status(::grpc::StatusCode::NOT_FOUND, "m", "\x01")),
            "details do not parse as google.rpc.Status");
  // Errors gRPC raises itself carry no details and pass.
  EXPECT_EQ(AipDetailsProblem(::grpc::Status(
                ::grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded")),
            "");
  // A detail-less error of ours fails StatusIs even with the right code.
  EXPECT_THAT(::grpc::Status(::grpc::StatusCode::NOT_FOUND, "m"),
              ::testing::Not(
                  ::atlas::testing::StatusIs(::grpc::StatusCode::NOT_FOUND)));
}

}  // namespace
}  // namespace atlas::status
