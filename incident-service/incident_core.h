// IncidentCore: incident-service's domain rules, the one object the gRPC
// layer (IncidentServiceImpl) calls. A facade (TF Serving's ServerCore):
// it owns one part per concept and forwards each RPC to it:
//
//   IncidentValidator  field rules of incidents, events and sources
//   IncidentCreator    CreateIncident, BatchCreateIncidents (combining,
//                      request_id replay, the victim check)
//   IncidentEditor     UpdateIncident, DeleteIncident
//   IncidentQuery      GetIncident, ListIncidents (list planning)
//   TimelineCore       events and sources, relative dates, derived figures
//   VictimReservations the victims in-flight creates and updates have asked
//                      the catalog about (CheckOrganizationReferences)
//
// and the one write path they share: a GroupCommitWriter over the
// Changelog, so every write of the service is ordered by one mutex from
// the reads that decide to the append of its batch (one IncidentChange per
// change, in the same batch), and acknowledged only once the WAL is synced.
// The change stream (WatchIncidentChanges) is served by the Changelog
// itself, handed to the service by the wiring (IncidentServer).
//
// Speaks protos and absl::Status, never gRPC. Every method takes the
// caller and checks the role first, before any existence check. The error
// codes of each method are those of the part it forwards to (see their
// headers): INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, ABORTED (stale
// etag), FAILED_PRECONDITION (a source still cited), UNAUTHENTICATED,
// PERMISSION_DENIED, UNAVAILABLE (catalog unreachable or storage says
// retry: nothing was written), INTERNAL (storage; logged, no internals).
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/storage/group_commit_writer.h"
#include "common/veris/veris_vocabulary.h"
#include "google/protobuf/empty.pb.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_creator.h"
#include "incident-service/incident_editor.h"
#include "incident-service/incident_query.h"
#include "incident-service/incident_store.h"
#include "incident-service/incident_validator.h"
#include "incident-service/organization_directory.h"
#include "incident-service/timeline_core.h"
#include "incident-service/victim_reservations.h"

namespace atlas::incident {

class IncidentCore {
 public:
  // What the core works with; all must outlive it.
  struct Collaborators {
    IncidentStore* store = nullptr;
    Changelog* changelog = nullptr;  // over `store`
    OrganizationDirectory* directory = nullptr;
    const AttackCatalog* attack = nullptr;
    const api::CountryList* countries = nullptr;
    const veris::VerisVocabulary* veris = nullptr;
    api::Clock* clock = nullptr;
  };
  // Every member of `c` must be set.
  explicit IncidentCore(const Collaborators& c);

  absl::StatusOr<v1::Incident> GetIncident(
      const auth::Caller& caller, const v1::GetIncidentRequest& request) {
    return query_.GetIncident(caller, request);
  }
  absl::StatusOr<std::string> GetIncidentWire(
      const auth::Caller& caller, const v1::GetIncidentRequest& request) {
    return query_.GetIncidentWire(caller, request);
  }
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const auth::Caller& caller, const v1::ListIncidentsRequest& request) {
    return query_.ListIncidents(caller, request);
  }
  // Creates and updates hold their victims (VictimReservations) from
  // before the catalog check until their write is done.
  absl::StatusOr<v1::Incident> CreateIncident(
      const auth::Caller& caller, const v1::CreateIncidentRequest& request);
  absl::StatusOr<v1::BatchCreateIncidentsResponse> BatchCreateIncidents(
      const auth::Caller& caller,
      const v1::BatchCreateIncidentsRequest& request);
  absl::StatusOr<v1::Incident> UpdateIncident(
      const auth::Caller& caller, const v1::UpdateIncidentRequest& request);
  // Up to 3 incidents naming `request.organization` as a victim (newest
  // first) and whether there are more, read from the store once every
  // create or update that reserved the organisation before this call has
  // finished (see VictimReservations). SERVICE or ADMIN keys only
  // (UNAUTHENTICATED / PERMISSION_DENIED); INVALID_ARGUMENT naming
  // `organization` for a malformed name; UNAVAILABLE if such writes are
  // still in flight after kReferenceCheckWait; INTERNAL or UNAVAILABLE for
  // a storage failure.
  static constexpr absl::Duration kReferenceCheckWait = absl::Seconds(5);
  absl::StatusOr<v1::CheckOrganizationReferencesResponse>
  CheckOrganizationReferences(
      const auth::Caller& caller,
      const v1::CheckOrganizationReferencesRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteIncident(
      const auth::Caller& caller, const v1::DeleteIncidentRequest& request) {
    return editor_.DeleteIncident(caller, request);
  }

  absl::StatusOr<v1::TimelineEvent> GetTimelineEvent(
      const auth::Caller& caller, const v1::GetTimelineEventRequest& request) {
    return timeline_.GetTimelineEvent(caller, request);
  }
  absl::StatusOr<v1::ListTimelineEventsResponse> ListTimelineEvents(
      const auth::Caller& caller,
      const v1::ListTimelineEventsRequest& request) {
    return timeline_.ListTimelineEvents(caller, request);
  }
  absl::StatusOr<v1::TimelineEvent> CreateTimelineEvent(
      const auth::Caller& caller,
      const v1::CreateTimelineEventRequest& request) {
    return timeline_.CreateTimelineEvent(caller, request);
  }
  absl::StatusOr<v1::TimelineEvent> UpdateTimelineEvent(
      const auth::Caller& caller,
      const v1::UpdateTimelineEventRequest& request) {
    return timeline_.UpdateTimelineEvent(caller, request);
  }
  absl::StatusOr<google::protobuf::Empty> DeleteTimelineEvent(
      const auth::Caller& caller,
      const v1::DeleteTimelineEventRequest& request) {
    return timeline_.DeleteTimelineEvent(caller, request);
  }

  absl::StatusOr<v1::Source> GetSource(const auth::Caller& caller,
                                       const v1::GetSourceRequest& request) {
    return timeline_.GetSource(caller, request);
  }
  absl::StatusOr<v1::ListSourcesResponse> ListSources(
      const auth::Caller& caller, const v1::ListSourcesRequest& request) {
    return timeline_.ListSources(caller, request);
  }
  absl::StatusOr<v1::Source> CreateSource(
      const auth::Caller& caller, const v1::CreateSourceRequest& request) {
    return timeline_.CreateSource(caller, request);
  }
  absl::StatusOr<v1::Source> UpdateSource(
      const auth::Caller& caller, const v1::UpdateSourceRequest& request) {
    return timeline_.UpdateSource(caller, request);
  }
  absl::StatusOr<google::protobuf::Empty> DeleteSource(
      const auth::Caller& caller, const v1::DeleteSourceRequest& request) {
    return timeline_.DeleteSource(caller, request);
  }

 private:
  IncidentValidator validator_;
  storage::GroupCommitWriter writer_;
  IncidentCreator creator_;
  IncidentEditor editor_;
  IncidentQuery query_;
  TimelineCore timeline_;
  VictimReservations reservations_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_
