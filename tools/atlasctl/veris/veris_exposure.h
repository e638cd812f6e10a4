// What a VERIS record says was hit and what it cost: attributes (data
// exposure and the CIA notes), assets, discovery, phase durations and
// losses. Unknown is never written as zero: an amount VERIS leaves out, or
// a rating it gives as "Unknown", stays unset. No CIA impact level is ever
// set: VERIS states which attributes were affected, not how badly.
//
// Pure functions of the record; values are copied as VERIS spells them.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_EXPOSURE_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_EXPOSURE_H_

#include "atlas/incident/v1/incident_service.pb.h"
#include "tools/atlasctl/veris/incident_text.h"
#include "tools/atlasctl/veris/record_json.h"

namespace atlas::atlasctl::veris {

// attribute.confidentiality -> data_exposure (data varieties with amounts,
// data_total, data_disclosure, data_victim) and a
// cia_posture.confidentiality note (data state, notes); attribute.integrity
// and attribute.availability -> cia_posture notes (varieties, duration,
// notes). A note longer than 2,000 characters keeps the VERIS values and
// its free text goes to `description`.
void MapAttributes(const Json& record, incident::v1::Incident* incident,
                   DescriptionBuilder* description);

// asset.assets -> assets (variety, amount >= 1); asset.notes ->
// description.
void MapAssets(const Json& record, incident::v1::Incident* incident,
               DescriptionBuilder* description);

// discovery_method -> discovery_methods; discovery_notes -> description.
void MapDiscovery(const Json& record, incident::v1::Incident* incident,
                  DescriptionBuilder* description);

// timeline.{compromise,exfiltration,discovery,containment} -> durations.
void MapDurations(const Json& record, incident::v1::Incident* incident);

// impact -> losses (only when it says more than "Unknown"); impact.notes
// -> description. Amounts without a currency code are dropped (a Losses
// amount needs one; VERIS assumes none).
void MapLosses(const Json& record, incident::v1::Incident* incident,
               DescriptionBuilder* description);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_EXPOSURE_H_
