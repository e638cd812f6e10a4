// VerisValidator: the field rules of the VERIS classification an incident
// may carry (atlas/incident/v1/veris.proto: actions, data exposure, assets,
// discovery methods, phase durations, losses, the original record, the
// targeting) and of a threat actor's VERIS fields (category, varieties,
// further countries). Pure checks, no storage; IncidentValidator calls it
// for every incident write.
//
// Every string documented as "a VERIS value of X" is checked against the
// VERIS enumeration X (veris::VerisVocabulary), spelled as VERIS spells
// it. Where VERIS codes no values for a combination (an `action.error`
// has no `result`, an actor category `partner` no `variety`, a discovery
// `other` no `variety`), any value there is refused: the vocabulary's
// paths decide, not a list kept here. Lists hold at most 64 values (16
// where the proto says so), without duplicates; numbers are >= 0 and
// finite; a lower bound is not above its upper bound; amounts need a
// currency.
//
// Errors: INVALID_ARGUMENT with a message naming the field path
// ("incident.actions[1].varieties[0]") and, for a VERIS value, the value
// and the enumeration it is not in; nothing else.
//
// Thread safety: const; any number of threads.
#ifndef ATLAS_INCIDENT_SERVICE_VERIS_VALIDATOR_H_
#define ATLAS_INCIDENT_SERVICE_VERIS_VALIDATOR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/types/countries.h"
#include "common/veris/veris_vocabulary.h"

namespace atlas::incident {

class VerisValidator {
 public:
  // The only format OriginalRecord.format accepts.
  static constexpr char kVerisFormat[] = "veris";
  // The most bytes of OriginalRecord.content (1 MiB).
  static constexpr size_t kMaxOriginalRecordBytes = 1 << 20;

  // Both must outlive the validator.
  VerisValidator(const veris::VerisVocabulary& vocabulary,
                 const api::CountryList& countries)
      : vocabulary_(vocabulary), countries_(countries) {}

  // The incident's VERIS fields: targeting, actions, data_exposure,
  // assets, discovery_methods, durations, losses, original_record
  // (`field` is the incident's path, "incident").
  absl::Status ValidateClassification(const v1::Incident& incident,
                                      absl::string_view field) const;
  // A threat actor's veris_category, veris_varieties and
  // additional_countries (`field`: "incident.threat_actors[0]").
  absl::Status ValidateActor(const v1::ThreatActor& actor,
                             absl::string_view field) const;

 private:
  absl::Status ValidateActions(const v1::Incident& incident,
                               const std::string& field) const;
  absl::Status ValidateDataExposure(const v1::DataExposure& exposure,
                                    const std::string& field) const;
  absl::Status ValidateAssets(const v1::Incident& incident,
                              const std::string& field) const;
  absl::Status ValidateDiscovery(const v1::Incident& incident,
                                 const std::string& field) const;
  absl::Status ValidateDurations(const v1::Incident& incident,
                                 const std::string& field) const;
  absl::Status ValidateLosses(const v1::Losses& losses,
                              const std::string& field) const;
  absl::Status ValidateOriginalRecord(const v1::OriginalRecord& record,
                                      const std::string& field) const;
  // `values` (at `field`): at most `max`, no duplicates, each a VERIS value
  // of `veris_path`. A non-empty list where VERIS has no such enumeration is
  // refused, naming the path.
  absl::Status ValidateValues(
      const google::protobuf::RepeatedPtrField<std::string>& values,
      const std::string& field, const std::string& veris_path, int max) const;
  // One required (`required`) or optional VERIS value of `veris_path`.
  absl::Status ValidateValue(absl::string_view value, const std::string& field,
                             const std::string& veris_path,
                             bool required) const;

  const veris::VerisVocabulary& vocabulary_;
  const api::CountryList& countries_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_VERIS_VALIDATOR_H_
