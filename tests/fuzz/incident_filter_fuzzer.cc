// Fuzzes incident-service/incident_filter.h (the ListIncidents filter).
// Input: the whole text as a filter.
// Contracts:
//  - ParseIncidentFilter never crashes; errors are INVALID_ARGUMENT
//    starting with "filter:";
//  - every equality of a parsed filter names a real index (not kAll), an
//    external_reference value is "system:id" with a lower-case system;
//  - an incident built to satisfy the equalities, with a start_date inside
//    [start_min, start_max], Matches; with no start_date it does not match
//    a filter with a date range; Matches never crashes.
#include <cstdint>
#include <string>

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
  if (filter->has_date_range()) {
    FUZZ_CHECK(!filter->Matches(incident));  // no start_date yet
    if (filter->start_min && filter->start_max &&
        *filter->start_max < *filter->start_min) {
      satisfiable = false;
    }
    absl::CivilDay day =
        filter->start_min ? *filter->start_min : *filter->start_max;
    if (day.year() < 1970 || day.year() > 9999) return 0;
    incident.mutable_start_date()->set_year(static_cast<int>(day.year()));
    incident.mutable_start_date()->set_month(day.month());
    incident.mutable_start_date()->set_day(day.day());
  }
  FUZZ_CHECK(filter->Matches(incident) == satisfiable);
  return 0;
}
