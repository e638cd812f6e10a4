// PartialDate rules: validation and the interval a partial date covers.
#ifndef ATLAS_COMMON_API_TYPES_PARTIAL_DATE_H_
#define ATLAS_COMMON_API_TYPES_PARTIAL_DATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "atlas/type/v1/partial_date.pb.h"

namespace atlas::api {

// True if no part is set (year 0): the field is absent.
bool IsEmpty(const atlas::type::v1::PartialDate& date);

// OK for a real date at year, month or day precision (see the proto);
// INVALID_ARGUMENT naming `field` otherwise. An empty date is not valid
// here: callers check IsEmpty() for optional fields.
absl::Status ValidatePartialDate(const atlas::type::v1::PartialDate& date,
                                 absl::string_view field);

// The first and last day a valid partial date covers, inclusive:
// "Apr 2024" -> [2024-04-01, 2024-04-30].
struct DayInterval {
  absl::CivilDay first;
  absl::CivilDay last;
};
DayInterval Interval(const atlas::type::v1::PartialDate& date);

// Orders by interval start, then interval end: "2024" < "Mar 2024" <
// "28 Mar 2024" < "Apr 2024". Returns <0, 0 or >0.
int CompareIntervals(const atlas::type::v1::PartialDate& a,
                     const atlas::type::v1::PartialDate& b);

// "2024", "2024-04", "2024-04-28".
std::string FormatPartialDate(const atlas::type::v1::PartialDate& date);

// Parses the forms FormatPartialDate writes; INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<atlas::type::v1::PartialDate> ParsePartialDate(
    absl::string_view text, absl::string_view field);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TYPES_PARTIAL_DATE_H_
