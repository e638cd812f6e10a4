// The parts of TimelineCore that its events and sources share: the
// resolution of relative dates against sources and the checks of what an
// event cites. Internal to timeline_*.cc.
#ifndef ATLAS_INCIDENT_SERVICE_TIMELINE_REFERENCES_H_
#define ATLAS_INCIDENT_SERVICE_TIMELINE_REFERENCES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// One page of an incident's sub-resources (ListTimelineEvents,
// ListSources): the ids `scan` visits after the page token's cursor, at most
// the effective page size, and the token of the next page (empty on the
// last). `kind` ("events", "sources") binds page tokens to their list.
// INVALID_ARGUMENT for a bad parent, page_size or page_token, NOT_FOUND for
// a missing incident, storage failures as StorageError for `op`.
struct ChildPage {
  std::string incident_id;
  std::vector<std::string> ids;
  std::string next_page_token;
};
using ChildScan = absl::FunctionRef<absl::Status(
    absl::string_view incident_id, absl::string_view cursor,
    IncidentStore::IndexVisitor visit)>;
absl::StatusOr<ChildPage> PageOfChildren(const IncidentStore& store,
                                         absl::string_view kind,
                                         absl::string_view parent,
                                         int32_t page_size,
                                         absl::string_view page_token,
                                         ChildScan scan, absl::string_view op);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_TIMELINE_REFERENCES_H_
