// The parts of TimelineCore that its events and sources share: the
// resolution of relative dates against sources and the checks of what an
// event cites. Internal to timeline_*.cc.
#ifndef ATLAS_INCIDENT_SERVICE_TIMELINE_REFERENCES_H_
#define ATLAS_INCIDENT_SERVICE_TIMELINE_REFERENCES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

// The sources of an incident by resource name (pointers into `sources`).
std::map<std::string, const v1::Source*> SourceMap(
    const std::vector<StoredSource>& sources);

// Sets the effective date of `event` from its date, or from its relative
// date resolved against its anchor in `sources` (RESOLVED when the anchor
// has a day-precision published_date, else UNRESOLVED and no effective
// date). Never guesses.
void Resolve(v1::TimelineEvent* event,
             const std::map<std::string, const v1::Source*>& sources);

// INVALID_ARGUMENT naming the path under `field` when a source `event`
// cites or is anchored to is not in `sources`.
absl::Status CheckEventReferences(
    const v1::TimelineEvent& event,
    const std::map<std::string, const v1::Source*>& sources,
    const std::string& field);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_TIMELINE_REFERENCES_H_
