// Fuzzes common/api/types/relative_date.h.
// Input: the whole text as a relative date expression.
// Contracts:
//  - ParseRelativeExpression never crashes; errors are INVALID_ARGUMENT;
//  - a parsed expression is either a day count in 0..7*365 or a weekday in
//    0..6, and is insensitive to case and to runs of spaces;
//  - ResolveRelative is never after the anchor and at most 7*365 days
//    before; a weekday form lands on that weekday within the last 7 days
//    (strictly before the anchor for "last").
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/types/relative_date.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

int WeekdayIndex(absl::CivilDay day) {
  // absl::Weekday: monday = 0 .. sunday = 6.
  return static_cast<int>(absl::GetWeekday(day));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using atlas::api::ParseRelativeExpression;
  using atlas::api::RelativeExpression;
  using atlas::api::ResolveRelative;
  const absl::string_view text = atlas::fuzz::AsText(data, size);

  absl::StatusOr<RelativeExpression> e = ParseRelativeExpression(text, "when");
  if (!e.ok()) {
    FUZZ_CHECK(e.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  // The same words, upper-cased and with doubled spaces, parse the same.
  std::string loud = absl::AsciiStrToUpper(text);
  std::string spaced;
  for (char c : loud) {
    spaced.push_back(c);
    if (c == ' ') spaced.push_back(' ');
  }
  absl::StatusOr<RelativeExpression> same =
      ParseRelativeExpression(absl::StrCat("  ", spaced, "\t"), "when");
  FUZZ_CHECK(same.ok() && same->days_before == e->days_before &&
             same->weekday == e->weekday &&
             same->strictly_before == e->strictly_before);

  if (e->weekday < 0) {
    FUZZ_CHECK(e->days_before >= 0 && e->days_before <= 7 * 365);
    FUZZ_CHECK(!e->strictly_before);
  } else {
    FUZZ_CHECK(e->weekday <= 6);
  }
  for (absl::CivilDay anchor :
       {absl::CivilDay(2024, 3, 28), absl::CivilDay(2024, 1, 1),
        absl::CivilDay(1970, 1, 1), absl::CivilDay(2000, 2, 29)}) {
    absl::CivilDay day = ResolveRelative(*e, anchor);
    FUZZ_CHECK(day <= anchor && anchor - day <= 7 * 365);
    if (e->weekday >= 0) {
      FUZZ_CHECK(WeekdayIndex(day) == e->weekday);
      FUZZ_CHECK(anchor - day <= 7);
      if (e->strictly_before) FUZZ_CHECK(day < anchor);
      if (!e->strictly_before) FUZZ_CHECK(anchor - day < 7);
    } else {
      FUZZ_CHECK(anchor - day == e->days_before);
    }
  }
  return 0;
}
