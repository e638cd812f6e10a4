#include "common/api/types/relative_date.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace atlas::api {
namespace {

constexpr const char* kWeekdays[] = {"monday",   "tuesday", "wednesday",
                                     "thursday", "friday",  "saturday",
                                     "sunday"};
constexpr const char* kSmallNumbers[] = {"one",  "two", "three", "four",
                                         "five", "six", "seven", "eight",
                                         "nine", "ten"};

int WeekdayIndex(absl::string_view word) {
  for (int i = 0; i < 7; ++i) {
    if (word == kWeekdays[i]) return i;
  }
  return -1;
}

int ParseCount(absl::string_view word) {
  for (int i = 0; i < 10; ++i) {
    if (word == kSmallNumbers[i]) return i + 1;
  }
  if (word.empty() || word.size() > 3) return -1;
  for (char c : word) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return -1;
  }
  int n = 0;
  if (!absl::SimpleAtoi(word, &n) || n < 1 || n > 365) return -1;
  return n;
}

int WeekdayOf(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

}  // namespace

absl::StatusOr<RelativeExpression> ParseRelativeExpression(
    absl::string_view text, absl::string_view field) {
  std::string lower = absl::AsciiStrToLower(text);
  std::vector<std::string> words =
      absl::StrSplit(lower, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", text.substr(0, 64),
        "\" is not a relative date the server understands (today, "
        "yesterday, the day before yesterday, N days ago, N weeks ago, "
        "[on|since|last] <weekday>)"));
  };
  RelativeExpression e;
  const std::string joined = absl::StrJoin(words, " ");
  if (joined == "today") return e;
  if (joined == "yesterday") {
    e.days_before = 1;
    return e;
  }
  if (joined == "the day before yesterday") {
    e.days_before = 2;
    return e;
  }
  if (words.size() == 3 && words[2] == "ago") {
    int n = ParseCount(words[0]);
    if (n < 0) return bad();
    const std::string& unit = words[1];
    bool plural = unit == "days" || unit == "weeks";
    bool singular = unit == "day" || unit == "week";
    if (!plural && !singular) return bad();
    if (singular && n != 1) return bad();
    e.days_before = (unit[0] == 'w') ? 7 * n : n;
    return e;
  }
  // [on|since|last] <weekday> [of this week]
  size_t i = 0;
  if (i < words.size() &&
      (words[i] == "on" || words[i] == "since" || words[i] == "last")) {
    e.strictly_before = words[i] == "last";
    ++i;
  }
  if (i >= words.size()) return bad();
  e.weekday = WeekdayIndex(words[i]);
  if (e.weekday < 0) return bad();
  ++i;
  if (i == words.size()) return e;
  if (words.size() - i == 3 && words[i] == "of" && words[i + 1] == "this" &&
      words[i + 2] == "week") {
    return e;
  }
  return bad();
}

absl::CivilDay ResolveRelative(const RelativeExpression& expression,
                               absl::CivilDay anchor) {
  if (expression.weekday < 0) return anchor - expression.days_before;
  int back = (WeekdayOf(anchor) - expression.weekday + 7) % 7;
  if (back == 0 && expression.strictly_before) back = 7;
  return anchor - back;
}

}  // namespace atlas::api
