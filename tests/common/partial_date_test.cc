// Tests of common/api/types/partial_date (partial dates: validation,
// formatting, parsing, intervals) and common/api/time (clocks).
#include "common/api/types/partial_date.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "atlas/type/v1/partial_date.pb.h"
#include "atlas/type/v1/relative_date.pb.h"
#include "common/api/aip/digest.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::api {
namespace {

using ::atlas::testing::EqualsProto;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::type::v1::PartialDate;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// ---------------------------------------------------------------- dates

PartialDate Date(int year, int month = 0, int day = 0) {
  PartialDate d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

TEST(PartialDateTest, EmptyMeansNoPartSet) {
  EXPECT_TRUE(IsEmpty(PartialDate()));
  EXPECT_FALSE(IsEmpty(Date(2024)));
  EXPECT_THAT(ValidatePartialDate(PartialDate(), "start_date"),
              StatusIs(kInvalid, StartsWith("start_date.year")));
}

TEST(PartialDateTest, AcceptsYearMonthAndDayPrecision) {
  EXPECT_THAT(ValidatePartialDate(Date(2024), "d"), IsOk());
  EXPECT_THAT(ValidatePartialDate(Date(2024, 4), "d"), IsOk());
  EXPECT_THAT(ValidatePartialDate(Date(2024, 4, 30), "d"), IsOk());
  EXPECT_THAT(ValidatePartialDate(Date(1970, 1, 1), "d"), IsOk());
  EXPECT_THAT(ValidatePartialDate(Date(9999, 12, 31), "d"), IsOk());
}

TEST(PartialDateTest, February29OnlyInLeapYears) {
  EXPECT_THAT(ValidatePartialDate(Date(2024, 2, 29), "d"), IsOk());
  EXPECT_THAT(ValidatePartialDate(Date(2000, 2, 29), "d"), IsOk());
  EXPECT_THAT(ValidatePartialDate(Date(2023, 2, 29), "start_date"),
              StatusIs(kInvalid, StartsWith("start_date: ")));
  EXPECT_THAT(ValidatePartialDate(Date(2100, 2, 29), "d"), StatusIs(kInvalid));
  EXPECT_THAT(ValidatePartialDate(Date(2024, 2, 30), "d"), StatusIs(kInvalid));
}

TEST(PartialDateTest, RejectsDaysPastTheEndOfTheMonth) {
  EXPECT_THAT(ValidatePartialDate(Date(2024, 4, 31), "d"), StatusIs(kInvalid));
  EXPECT_THAT(ValidatePartialDate(Date(2024, 1, 32), "d"), StatusIs(kInvalid));
  EXPECT_THAT(ValidatePartialDate(Date(2024, 1, -1), "d"), StatusIs(kInvalid));
}

TEST(PartialDateTest, RejectsOutOfRangeParts) {
  EXPECT_THAT(ValidatePartialDate(Date(1969), "end_date"),
              StatusIs(kInvalid, StartsWith("end_date.year")));
  EXPECT_THAT(ValidatePartialDate(Date(10000), "d"),
              StatusIs(kInvalid, StartsWith("d.year")));
  EXPECT_THAT(ValidatePartialDate(Date(2024, 13), "d"),
              StatusIs(kInvalid, StartsWith("d.month")));
  EXPECT_THAT(ValidatePartialDate(Date(2024, -1), "d"),
              StatusIs(kInvalid, StartsWith("d.month")));
}

TEST(PartialDateTest, DayNeedsAMonth) {
  EXPECT_THAT(ValidatePartialDate(Date(2024, 0, 5), "d"),
              StatusIs(kInvalid, StartsWith("d.day")));
}

TEST(PartialDateTest, IntervalCoversYearMonthOrDay) {
  DayInterval year = Interval(Date(2024));
  EXPECT_EQ(year.first, absl::CivilDay(2024, 1, 1));
  EXPECT_EQ(year.last, absl::CivilDay(2024, 12, 31));
  DayInterval april = Interval(Date(2024, 4));
  EXPECT_EQ(april.first, absl::CivilDay(2024, 4, 1));
  EXPECT_EQ(april.last, absl::CivilDay(2024, 4, 30));
  DayInterval day = Interval(Date(2024, 4, 28));
  EXPECT_EQ(day.first, absl::CivilDay(2024, 4, 28));
  EXPECT_EQ(day.last, absl::CivilDay(2024, 4, 28));
}

TEST(PartialDateTest, IntervalOfFebruaryFollowsLeapYears) {
  EXPECT_EQ(Interval(Date(2024, 2)).last, absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(Interval(Date(2023, 2)).last, absl::CivilDay(2023, 2, 28));
  EXPECT_EQ(Interval(Date(2024, 12)).last, absl::CivilDay(2024, 12, 31));
}

TEST(PartialDateTest, CompareOrdersByStartThenEnd) {
  // "2024" < "2024-03" < "2024-03-28" < "2024-04".
  std::vector<PartialDate> ordered = {Date(2024), Date(2024, 3),
                                      Date(2024, 3, 28), Date(2024, 4)};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = 0; j < ordered.size(); ++j) {
      SCOPED_TRACE(absl::StrCat(FormatPartialDate(ordered[i]), " vs ",
                                FormatPartialDate(ordered[j])));
      int c = CompareIntervals(ordered[i], ordered[j]);
      int expected = i < j ? -1 : (i == j ? 0 : 1);
      EXPECT_EQ((c > 0) - (c < 0), expected);
    }
  }
}

TEST(PartialDateTest, CompareWithSameStartPutsShorterIntervalFirst) {
  EXPECT_LT(CompareIntervals(Date(2024, 1, 1), Date(2024, 1)), 0);
  EXPECT_LT(CompareIntervals(Date(2024, 1), Date(2024)), 0);
  EXPECT_GT(CompareIntervals(Date(2024), Date(2024, 1, 1)), 0);
  EXPECT_LT(CompareIntervals(Date(2023, 12, 31), Date(2024)), 0);
}

TEST(PartialDateTest, FormatWritesEachPrecision) {
  EXPECT_EQ(FormatPartialDate(Date(2024)), "2024");
  EXPECT_EQ(FormatPartialDate(Date(2024, 4)), "2024-04");
  EXPECT_EQ(FormatPartialDate(Date(2024, 4, 8)), "2024-04-08");
}

TEST(PartialDateTest, ParseRoundTripsFormat) {
  for (const PartialDate& d :
       {Date(1970), Date(2024, 2), Date(2024, 2, 29), Date(9999, 12, 31)}) {
    auto parsed = ParsePartialDate(FormatPartialDate(d), "d");
    ASSERT_THAT(parsed, IsOk());
    EXPECT_THAT(*parsed, EqualsProto(d));
  }
}

TEST(PartialDateTest, ParseRejectsOtherTextNamingTheField) {
  for (absl::string_view bad :
       {"", "24", "20244", "2024-4", "2024-004", "2024-04-8", "2024-04-28-01",
        "2024/04", "abcd", "2024-ab", "2024-", "-2024", " 2024", "2024-+4",
        "2024- 4", "2024-00", "2024-04-00", "0000"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParsePartialDate(bad, "disclosed_date"),
                StatusIs(kInvalid, StartsWith("disclosed_date")));
  }
}

TEST(PartialDateTest, ParseRejectsDatesThatDoNotExist) {
  EXPECT_THAT(ParsePartialDate("2023-02-29", "d"), StatusIs(kInvalid));
  EXPECT_THAT(ParsePartialDate("2024-13", "d"), StatusIs(kInvalid));
  EXPECT_THAT(ParsePartialDate("1969", "d"), StatusIs(kInvalid));
}

// ---------------------------------------------------------------- clock

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  absl::Time start = absl::FromUnixSeconds(1700000000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(90));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(90));
}

TEST(RealClockTest, FollowsTheWallClock) {
  Clock& clock = RealClock::Get();
  EXPECT_LT(absl::AbsDuration(clock.Now() - absl::Now()), absl::Minutes(1));
}

}  // namespace
}  // namespace atlas::api
