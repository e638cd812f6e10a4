// Fuzzes common/api/types/partial_date.h.
// Input: the whole text for ParsePartialDate; when at least 12 bytes, the
// first 12 also as three int32 (year, month, day) for ValidatePartialDate.
// Contracts:
//  - ParsePartialDate accepts only what FormatPartialDate writes: a parsed
//    date is valid and formats back to exactly the input text;
//  - a date ValidatePartialDate accepts has an Interval with first <= last,
//    inside its year, and formats to a text that parses back to it;
//  - CompareIntervals is reflexive and antisymmetric;
//  - Interval/CompareIntervals on any ints never crash (no UB).
#include <cstdint>
#include <cstring>

#include "common/api/types/partial_date.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using atlas::type::v1::PartialDate;

void CheckValid(const PartialDate& date) {
  FUZZ_CHECK(!atlas::api::IsEmpty(date));
  atlas::api::DayInterval in = atlas::api::Interval(date);
  FUZZ_CHECK(in.first <= in.last);
  FUZZ_CHECK(in.first.year() == date.year() && in.last.year() == date.year());
  FUZZ_CHECK(in.last - in.first < 366);
  if (date.day() != 0) FUZZ_CHECK(in.first == in.last);
  std::string text = atlas::api::FormatPartialDate(date);
  auto parsed = atlas::api::ParsePartialDate(text, "date");
  FUZZ_CHECK(parsed.ok() && parsed->year() == date.year() &&
             parsed->month() == date.month() && parsed->day() == date.day());
  FUZZ_CHECK(atlas::api::CompareIntervals(date, date) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = atlas::fuzz::AsText(data, size);
  auto parsed = atlas::api::ParsePartialDate(text, "date");
  if (parsed.ok()) {
    FUZZ_CHECK(atlas::api::ValidatePartialDate(*parsed, "date").ok());
    FUZZ_CHECK(atlas::api::FormatPartialDate(*parsed) == text);
    CheckValid(*parsed);
  } else {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  }

  if (size >= 12) {
    int32_t v[3];
    std::memcpy(v, data, sizeof(v));
    PartialDate date;
    date.set_year(v[0]);
    date.set_month(v[1]);
    date.set_day(v[2]);
    absl::Status valid = atlas::api::ValidatePartialDate(date, "date");
    if (valid.ok()) {
      CheckValid(date);
      if (parsed.ok()) {
        int ab = atlas::api::CompareIntervals(date, *parsed);
        int ba = atlas::api::CompareIntervals(*parsed, date);
        FUZZ_CHECK((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0));
      }
    } else {
      FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument);
    }
    // Out of contract, but must stay defined behaviour.
    (void)atlas::api::Interval(date);
    (void)atlas::api::FormatPartialDate(date);
  }
  return 0;
}
