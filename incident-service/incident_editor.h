// IncidentEditor: UpdateIncident and DeleteIncident.
//
// Update (AIP-134): the masked fields replace the stored ones, the result
// is validated as a whole, victims named by the mask are checked with the
// OrganizationDirectory before the lock; then, under the core's write
// mutex, the etag is checked again on the kLatest view and the record, its
// index entries and an UPDATED change (with the victims before the change
// as previous_victims) are appended. Delete removes the incident with its
// events and sources and appends a DELETED change. Answers leave once
// durable (GroupCommitWriter).
//
// Errors: PERMISSION_DENIED / UNAUTHENTICATED (role, checked first),
// INVALID_ARGUMENT (name, update_mask, a field, a missing victim),
// NOT_FOUND, ABORTED (stale etag), ALREADY_EXISTS (an external reference
// another incident holds, naming it: checked under the write mutex),
// UNAVAILABLE (the catalog cannot answer, or storage says retry: nothing was
// written), INTERNAL (storage, logged).
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_EDITOR_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_EDITOR_H_

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/time/clock.h"
#include "common/auth/api_keys.h"
#include "common/storage/group_commit_writer.h"
#include "google/protobuf/empty.pb.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_store.h"
#include "incident-service/incident_validator.h"
#include "incident-service/organization_directory.h"

namespace atlas::incident {

class IncidentEditor {
 public:
  // All arguments must outlive the editor.
  IncidentEditor(IncidentStore& store, Changelog& changelog,
                 storage::GroupCommitWriter& writer,
                 OrganizationDirectory& directory,
                 const IncidentValidator& validator, api::Clock& clock)
      : store_(store),
        changelog_(changelog),
        writer_(writer),
        directory_(directory),
        validator_(validator),
        clock_(clock) {}

  absl::StatusOr<v1::Incident> UpdateIncident(
      const auth::Caller& caller, const v1::UpdateIncidentRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteIncident(
      const auth::Caller& caller, const v1::DeleteIncidentRequest& request);

 private:
  IncidentStore& store_;
  Changelog& changelog_;
  storage::GroupCommitWriter& writer_;
  OrganizationDirectory& directory_;
  const IncidentValidator& validator_;
  api::Clock& clock_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_EDITOR_H_
