// The `filter` of ListIncidents: an AIP-160 subset, parsed and matched.
//
// Grammar: term { "AND" term }, where a term is `field op value`:
//   victim = "organizations/{id}"
//   country = "BE"                      (two upper-case letters)
//   incident_type = RANSOMWARE          (an IncidentType name)
//   determination = CONFIRMED           (a Determination name)
//   motive = FINANCIAL                  (a Motive name; members only)
//   technique = "T1486"                 (members only)
//   threat_actor_type = HACKTIVIST      (a ThreatActorType name; members only)
//   external_reference = "veris:0025..." ("system:id"; the system is
//                                        lower-cased as on input)
//   start >= 2024-01-01   start <= 2024-12   start = 2024   start > ..  start <
//   ..
//   end ...          (end_date; same operators)
//   disclosed ...    (disclosed_date; same operators)
// The date fields may also be written as the Incident field: start_date,
// end_date, disclosed_date. All three are public.
// Values may be quoted or bare; quoted strings take \" and \\ escapes.
// Tokens are read by the shared AIP-160 lexer
// (common/api/aip/filter_lexer.h). Dates are YYYY, YYYY-MM or YYYY-MM-DD and
// compare by the interval they cover against the interval of the
// incident's date (overlap), shown for start: `start >= X` holds when
// start_date ends on or after X begins; `start <= X` when it begins on or
// before X ends; `start = X` when they overlap; `start > X` when it ends
// after X ends; `start < X` when it begins before X begins. Incidents
// without the date match no term on it. Terms are ANDed; OR, NOT and
// parentheses are not supported.
//
// ParseIncidentFilter returns INVALID_ARGUMENT, its message starting with
// "filter:", for a lexical error (naming the byte offset and the text),
// a malformed term or a connective other than AND (with the token and its
// offset), an unknown field, an operator other than = on an equality
// field, or a value of the wrong shape (naming the field). It does not
// check access: `members_only_fields` is for the caller to enforce.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_FILTER_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_FILTER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "incident-service/incident_index.h"

namespace atlas::incident {

struct IncidentFilter {
  struct Equality {
    std::string field;    // as written: "country"
    IncidentIndex index;  // the index serving it
    // The index value: org id, "BE", enum number, id, "system:id".
    std::string value;
  };
  std::vector<Equality> equalities;
  // The terms on one partial date: it must end on or after `min` and
  // begin on or before `max`.
  struct DateRange {
    std::optional<absl::CivilDay> min;
    std::optional<absl::CivilDay> max;
    bool active() const { return min.has_value() || max.has_value(); }
    // Whether `date` (empty: absent) satisfies the range.
    bool Matches(const atlas::type::v1::PartialDate& date) const;
  };
  DateRange start;      // start_date
  DateRange end;        // end_date
  DateRange disclosed;  // disclosed_date
  // Fields of members-only data the filter uses, in order of appearance.
  std::vector<std::string> members_only_fields;

  // Whether the start-year buckets can drive the scan.
  bool has_date_range() const { return start.active(); }
  // Whether `incident` satisfies every term.
  bool Matches(const v1::Incident& incident) const;
};

absl::StatusOr<IncidentFilter> ParseIncidentFilter(absl::string_view text);

// PERMISSION_DENIED, naming the first members-only field `filter` uses,
// unless the caller holds a MEMBER key. Check it before reading any index:
// counts of members-only values are data too (ListIncidents,
// SearchIncidents).
absl::Status CheckFilterAccess(const IncidentFilter& filter,
                               bool caller_is_member);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_FILTER_H_
