// IncidentCore: the incident service's domain rules, over IncidentStore.
//
// Speaks protos and absl::Status, never gRPC. Every method takes the caller
// and checks the role first, before any existence check.
//
// Error codes: INVALID_ARGUMENT (message names the field and the rule, or
// the victim that does not exist), NOT_FOUND, ALREADY_EXISTS, ABORTED
// (stale etag), UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE (catalog
// unreachable: nothing was written), UNIMPLEMENTED (not built yet),
// INTERNAL for storage failures (logged; the caller sees no internals).
//
// Thread safety: all methods may be called concurrently. Writes are
// serialised by one mutex from the reads that decide to the commit, so the
// changelog's sequences commit in order. The catalog check runs before
// the lock is taken, so a slow catalog does not stall other writes.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/clock.h"
#include "common/auth/api_keys.h"
#include "google/protobuf/empty.pb.h"
#include "incident-service/catalog_client.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

class IncidentCore {
 public:
  // All arguments must outlive the core.
  IncidentCore(IncidentStore& store, OrganizationDirectory& directory,
               api::Clock& clock)
      : store_(store), directory_(directory), clock_(clock) {}

  absl::StatusOr<v1::Incident> GetIncident(const auth::Caller& caller,
                                           const v1::GetIncidentRequest& request);
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const auth::Caller& caller, const v1::ListIncidentsRequest& request);
  absl::StatusOr<v1::Incident> CreateIncident(
      const auth::Caller& caller, const v1::CreateIncidentRequest& request);
  absl::StatusOr<v1::Incident> UpdateIncident(
      const auth::Caller& caller, const v1::UpdateIncidentRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteIncident(
      const auth::Caller& caller, const v1::DeleteIncidentRequest& request);

  absl::StatusOr<v1::TimelineEvent> GetTimelineEvent(
      const auth::Caller& caller, const v1::GetTimelineEventRequest& request);
  absl::StatusOr<v1::ListTimelineEventsResponse> ListTimelineEvents(
      const auth::Caller& caller, const v1::ListTimelineEventsRequest& request);
  absl::StatusOr<v1::TimelineEvent> CreateTimelineEvent(
      const auth::Caller& caller, const v1::CreateTimelineEventRequest& request);
  absl::StatusOr<v1::TimelineEvent> UpdateTimelineEvent(
      const auth::Caller& caller, const v1::UpdateTimelineEventRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteTimelineEvent(
      const auth::Caller& caller, const v1::DeleteTimelineEventRequest& request);

  absl::StatusOr<v1::Source> GetSource(const auth::Caller& caller,
                                       const v1::GetSourceRequest& request);
  absl::StatusOr<v1::ListSourcesResponse> ListSources(
      const auth::Caller& caller, const v1::ListSourcesRequest& request);
  absl::StatusOr<v1::Source> CreateSource(
      const auth::Caller& caller, const v1::CreateSourceRequest& request);
  absl::StatusOr<v1::Source> UpdateSource(
      const auth::Caller& caller, const v1::UpdateSourceRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteSource(
      const auth::Caller& caller, const v1::DeleteSourceRequest& request);

 private:
  // Checks the writable fields of `incident` (under `field`) and
  // normalises them in place; then checks its victims with the catalog.
  absl::Status ValidateIncident(v1::Incident* incident, absl::string_view field);
  absl::Status CheckVictimsExist(const v1::Incident& incident,
                                 absl::string_view field);

  IncidentStore& store_;
  OrganizationDirectory& directory_;
  api::Clock& clock_;
  absl::Mutex write_mu_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_
