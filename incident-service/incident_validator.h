// IncidentValidator: the field rules of incidents, timeline events and
// sources: pure checks of what a client writes, with no stored state (the
// catalog check of victims and the existence of cited sources are the
// writers' part). Testable without RocksDB.
//
// Every method checks the writable fields of one record under the field
// path `field` ("incident", "requests[3].incident", "event"), normalises
// them in place (URLs refanged and normalised, ATT&CK technique names
// filled in from the pinned catalog, external reference systems
// lower-cased) and clears output-only fields where it says so. The VERIS
// classification is checked by VerisValidator (veris_validator.h). Errors:
// INVALID_ARGUMENT with a message naming the field path and the rule; nothing
// else.
//
// Thread safety: const; any number of threads.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_VALIDATOR_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_VALIDATOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/types/countries.h"
#include "common/veris/veris_vocabulary.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/veris_validator.h"

namespace atlas::incident {

class IncidentValidator {
 public:
  // All must outlive the validator. `countries` is the ISO 3166-1 list
  // countries are checked against, `veris` the VERIS enumerations (there
  // is no fallback: the wiring refuses to start without either).
  IncidentValidator(const AttackCatalog& attack,
                    const api::CountryList& countries,
                    const veris::VerisVocabulary& veris)
      : attack_(attack), countries_(countries), veris_(veris, countries) {}

  // Most external references of one incident.
  static constexpr int kMaxExternalReferences = 16;

  // The writable fields of an incident (title, victims or victim_unknown,
  // countries, dates, texts, enums, CIA posture, techniques, threat actors,
  // impacts, external references, the VERIS classification).
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
  VerisValidator veris_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_VALIDATOR_H_
