// IncidentValidator: the field rules of incidents, timeline events and
// sources: pure checks of what a client writes, with no stored state (the
// catalog check of victims and the existence of cited sources are the
// writers' part). Testable without RocksDB.
//
// Every method checks the writable fields of one record under the field
// path `field` ("incident", "requests[3].incident", "event"), normalises
// them in place (URLs refanged and normalised, ATT&CK technique names
// filled in from the pinned catalog) and clears output-only fields where
// it says so. Errors: INVALID_ARGUMENT with a message naming the field path
// and the rule; nothing else.
//
// Thread safety: const; any number of threads.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_VALIDATOR_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_VALIDATOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/types/countries.h"
#include "incident-service/attack_catalog.h"

namespace atlas::incident {

class IncidentValidator {
 public:
  // Both must outlive the validator. `countries` is the ISO 3166-1 list
  // countries are checked against (there is no fallback: the wiring refuses
  // to start without one).
  IncidentValidator(const AttackCatalog& attack,
                    const api::CountryList& countries)
      : attack_(attack), countries_(countries) {}

  // The writable fields of an incident (title, victims, countries, dates,
  // texts, enums, CIA posture, techniques, threat actors, impacts).
  absl::Status ValidateIncident(v1::Incident* incident,
                                absl::string_view field) const;
  // An event's own fields, and that the sources it cites or is anchored to
  // are sources of incidents/`incident_id` (not that they exist); clears
  // its output-only fields.
  absl::Status ValidateEvent(v1::TimelineEvent* event,
                             absl::string_view incident_id,
                             absl::string_view field) const;
  // A source's fields; clears its output-only fields.
  absl::Status ValidateSource(v1::Source* source,
                              absl::string_view field) const;

 private:
  const AttackCatalog& attack_;
  const api::CountryList& countries_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_VALIDATOR_H_
