// What a VERIS record says was done and by whom: its actions, actors and
// motives, and the Atlas incident types derived from them (the derivation
// table is in docs/interop.md and in DeriveIncidentTypes below).
//
// Pure functions of the record; values are copied as VERIS spells them.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_CLASSIFICATION_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_CLASSIFICATION_H_

#include <string>
#include <vector>

#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/types/countries.h"
#include "tools/atlasctl/veris/incident_text.h"
#include "tools/atlasctl/veris/record_json.h"

namespace atlas::atlasctl::veris {

// `action.<category>` -> incident.actions, one per category present, in
// VERIS's order (hacking, malware, social, misuse, physical, error,
// environmental, unknown): varieties, vectors, results, social targets,
// notes. Notes longer than a VerisAction holds, `malware.name` and the
// `cve` members go to `description` as labelled sections.
void MapActions(const Json& record, incident::v1::Incident* incident,
                DescriptionBuilder* description);

// `actor.<category>` -> incident.threat_actors, one per category present
// (external, internal, partner, unknown), and the union of their motives
// -> incident.motives ("Unknown" is no motive: it adds none). Actor notes
// go to `description`.
void MapActors(const Json& record, const api::CountryList& countries,
               incident::v1::Incident* incident,
               DescriptionBuilder* description);

// Incident types implied by the record, in this order, each once:
//   RANSOMWARE           action.malware.variety has "Ransomware"
//   MALWARE              action.malware with any other variety (or none)
//   DDOS                 action.hacking or action.malware variety "DoS"
//   DEFACEMENT           attribute.integrity.variety has "Defacement"
//   DATA_BREACH          attribute.confidentiality.data_disclosure "Yes"
//   EXTORTION            action.social.variety has "Extortion"
//   ACCOUNT_COMPROMISE   action.social.variety "Phishing", or
//                        action.hacking.variety "Use of stolen creds"
//   WEBSITE_COMPROMISE   action.hacking.vector has "Web application"
//   INFORMATION_OPERATION action.social.variety "Influence" or "Propaganda"
//   ESPIONAGE            an actor motive "Espionage" with hacking, malware
//                        or social actions
//   ACCIDENTAL_ERROR     action.error
//   PHYSICAL_ACT         action.physical
//   INSIDER_MISUSE       action.misuse
//   ENVIRONMENTAL_EVENT  action.environmental
// None is derived from action.unknown alone: the list stays empty rather
// than saying OTHER_INCIDENT_TYPE.
void DeriveIncidentTypes(const Json& record, incident::v1::Incident* incident);

// One phrase per action category for the title: "Hacking (SQLi, Use of
// stolen creds)", "Error (Misdelivery)", "Physical" (no known variety),
// "Unknown action".
std::vector<std::string> ActionPhrases(const Json& record);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_CLASSIFICATION_H_
