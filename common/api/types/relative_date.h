// Relative date expressions of atlas.type.v1.RelativeDate: parsing the
// grammar documented there and resolving against an anchor day.
//
//   "today", "yesterday", "the day before yesterday",
//   "N days ago" / "N weeks ago" (N = 1..365, digits or one..ten; "day" and
//     "week" also accepted for N = 1),
//   "[on|since|last] Monday".."Sunday" (optionally "of this week"): the most
//     recent such weekday on or before the anchor, "last" strictly before.
// Case-insensitive; runs of spaces count as one.
#ifndef ATLAS_COMMON_API_TYPES_RELATIVE_DATE_H_
#define ATLAS_COMMON_API_TYPES_RELATIVE_DATE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace atlas::api {

struct RelativeExpression {
  // Days before the anchor (for today/yesterday/N days|weeks ago).
  int days_before = 0;
  // For weekday forms: 0 = Monday .. 6 = Sunday; -1 otherwise.
  int weekday = -1;
  // "last <weekday>": strictly before the anchor day.
  bool strictly_before = false;
};

// INVALID_ARGUMENT naming `field` for anything outside the grammar.
absl::StatusOr<RelativeExpression> ParseRelativeExpression(
    absl::string_view text, absl::string_view field);

// The day `expression` denotes for a source published on `anchor`.
absl::CivilDay ResolveRelative(const RelativeExpression& expression,
                               absl::CivilDay anchor);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TYPES_RELATIVE_DATE_H_
