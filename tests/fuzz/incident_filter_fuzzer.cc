// Fuzzes incident-service/incident_filter.h (the ListIncidents filter).
// Input: the whole text as a filter.
// Contracts:
//  - ParseIncidentFilter never crashes; errors are INVALID_ARGUMENT
//    starting with "filter:";
//  - every equality of a parsed filter names a real index (not kAll), an
//    external_reference value is "system:id" with a lower-case system;
//  - an incident built to satisfy the equalities, with each of start_date,
//    end_date and disclosed_date inside its range, Matches; without a date
//    that a range is on it does not match; Matches never crashes.
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "incident-service/incident_filter.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using atlas::incident::IncidentFilter;
  using atlas::incident::IncidentIndex;
  namespace v1 = atlas::incident::v1;
  const absl::string_view text = atlas::fuzz::AsText(data, size);

  absl::StatusOr<IncidentFilter> filter =
      atlas::incident::ParseIncidentFilter(text);
  if (!filter.ok()) {
    FUZZ_CHECK(filter.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(absl::StartsWith(filter.status().message(), "filter:"));
    return 0;
  }

  v1::Incident incident;
  bool satisfiable = true;
  std::string determination;
  for (const IncidentFilter::Equality& eq : filter->equalities) {
    FUZZ_CHECK(eq.index != IncidentIndex::kAll &&
               eq.index != IncidentIndex::kStartYear);
    int number = 0;
    switch (eq.index) {
      case IncidentIndex::kVictim:
        incident.add_victims()->set_organization(
            absl::StrCat("organizations/", eq.value));
        break;
      case IncidentIndex::kCountry:
        incident.add_countries(eq.value);
        break;
      case IncidentIndex::kType:
        FUZZ_CHECK(absl::SimpleAtoi(eq.value, &number));
        incident.add_incident_types(static_cast<v1::IncidentType>(number));
        break;
      case IncidentIndex::kDetermination:
        FUZZ_CHECK(absl::SimpleAtoi(eq.value, &number));
        if (!determination.empty() && determination != eq.value) {
          satisfiable = false;
        }
        determination = eq.value;
        incident.set_determination(static_cast<v1::Determination>(number));
        break;
      case IncidentIndex::kMotive:
        FUZZ_CHECK(absl::SimpleAtoi(eq.value, &number));
        incident.add_motives(static_cast<v1::Motive>(number));
        break;
      case IncidentIndex::kTechnique:
        incident.add_techniques()->set_id(eq.value);
        break;
      case IncidentIndex::kActorType:
        FUZZ_CHECK(absl::SimpleAtoi(eq.value, &number));
        incident.add_threat_actors()->set_type(
            static_cast<v1::ThreatActorType>(number));
        break;
      case IncidentIndex::kExternalReference: {
        // "system:id", the system lower-case and without ':'.
        const size_t colon = eq.value.find(':');
        FUZZ_CHECK(colon != std::string::npos && colon > 0);
        auto* ref = incident.add_external_references();
        ref->set_system(eq.value.substr(0, colon));
        ref->set_id(eq.value.substr(colon + 1));
        FUZZ_CHECK(absl::AsciiStrToLower(ref->system()) == ref->system());
        break;
      }
      case IncidentIndex::kAll:
      case IncidentIndex::kStartYear:
        break;
    }
  }
  // Each date range: no date yet matches no term on it; then the day at
  // one of its ends, which satisfies it unless it is empty.
  using Range = atlas::incident::IncidentFilter::DateRange;
  using Date = atlas::type::v1::PartialDate;
  for (const auto& [range, date] :
       {std::pair<const Range*, Date*>{&filter->start,
                                       incident.mutable_start_date()},
        {&filter->end, incident.mutable_end_date()},
        {&filter->disclosed, incident.mutable_disclosed_date()}}) {
    if (!range->active()) continue;
    FUZZ_CHECK(!filter->Matches(incident));  // this date is not set yet
    if (range->min && range->max && *range->max < *range->min) {
      satisfiable = false;
    }
    absl::CivilDay day = range->min ? *range->min : *range->max;
    if (day.year() < 1970 || day.year() > 9999) return 0;
    date->set_year(static_cast<int>(day.year()));
    date->set_month(day.month());
    date->set_day(day.day());
  }
  FUZZ_CHECK(filter->Matches(incident) == satisfiable);
  return 0;
}
