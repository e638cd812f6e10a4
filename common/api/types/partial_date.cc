#include "common/api/types/partial_date.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace atlas::api {

using atlas::type::v1::PartialDate;

bool IsEmpty(const PartialDate& date) {
  return date.year() == 0 && date.month() == 0 && date.day() == 0;
}

absl::Status ValidatePartialDate(const PartialDate& date,
                                 absl::string_view field) {
  if (date.year() < 1970 || date.year() > 9999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".year: must be in 1970..9999, got ", date.year()));
  }
  if (date.month() < 0 || date.month() > 12) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".month: must be in 1..12 (or 0 if unknown), got ",
                     date.month()));
  }
  if (date.day() != 0) {
    if (date.month() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".day: a day needs a month"));
    }
    absl::CivilDay d(date.year(), date.month(), date.day());
    if (date.day() < 1 || d.day() != date.day() || d.month() != date.month()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", date.year(), "-", date.month(), "-",
                       date.day(), " is not a date"));
    }
  }
  return absl::OkStatus();
}

DayInterval Interval(const PartialDate& date) {
  if (date.month() == 0) {
    return {absl::CivilDay(date.year(), 1, 1),
            absl::CivilDay(date.year(), 12, 31)};
  }
  if (date.day() == 0) {
    absl::CivilDay first(date.year(), date.month(), 1);
    absl::CivilDay last = absl::CivilDay(absl::CivilMonth(first) + 1) - 1;
    return {first, last};
  }
  absl::CivilDay d(date.year(), date.month(), date.day());
  return {d, d};
}

int CompareIntervals(const PartialDate& a, const PartialDate& b) {
  DayInterval ia = Interval(a);
  DayInterval ib = Interval(b);
  if (ia.first != ib.first) return ia.first < ib.first ? -1 : 1;
  if (ia.last != ib.last) return ia.last < ib.last ? -1 : 1;
  return 0;
}

std::string FormatPartialDate(const PartialDate& date) {
  char buf[32];
  if (date.month() == 0) {
    std::snprintf(buf, sizeof(buf), "%04d", date.year());
  } else if (date.day() == 0) {
    std::snprintf(buf, sizeof(buf), "%04d-%02d", date.year(), date.month());
  } else {
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", date.year(), date.month(),
                  date.day());
  }
  return buf;
}

absl::StatusOr<PartialDate> ParsePartialDate(absl::string_view text,
                                             absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  PartialDate date;
  int values[3] = {0, 0, 0};
  static constexpr size_t kWidths[3] = {4, 2, 2};
  if (parts.empty() || parts.size() > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", text.substr(0, 32),
                     "\" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    // Digits only (SimpleAtoi would take "+4" or " 4"), and a month or day
    // that is written is not 0: only the forms FormatPartialDate writes.
    if (parts[i].size() != kWidths[i] ||
        !std::all_of(parts[i].begin(), parts[i].end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(parts[i], &values[i]) || (i > 0 && values[i] == 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", text.substr(0, 32),
                       "\" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"));
    }
  }
  date.set_year(values[0]);
  date.set_month(values[1]);
  date.set_day(values[2]);
  absl::Status s = ValidatePartialDate(date, field);
  if (!s.ok()) return s;
  return date;
}

}  // namespace atlas::api
