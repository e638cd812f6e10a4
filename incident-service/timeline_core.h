// TimelineCore: an incident's timeline events and sources, the
// sub-resources of incidents/{incident}.
//
// Events are served in time order (their effective date: a date, or a
// relative date resolved against its anchor source's day-precision
// published_date; unresolved ones last). Every event or source write
// recomputes the incident's event and source counts and derived figures
// (derived_figures.h) and commits them with the sub-resource and one
// UPDATED change of the incident, in one batch (GroupCommitWriter). When a
// source's published_date changes, the relative dates anchored to it are
// resolved again in the same batch. A source cited by, or anchoring, an
// event cannot be deleted (FAILED_PRECONDITION naming the event).
//
// Bounded work per write: every write reloads the incident's events and
// sources under the write mutex (derived figures, references), so an
// incident holds at most kMaxEventsPerIncident events and
// kMaxSourcesPerIncident sources; a create past either is
// FAILED_PRECONDITION naming the limit.
//
// Errors: PERMISSION_DENIED / UNAUTHENTICATED (writes: role, checked
// first), INVALID_ARGUMENT (names, fields, update_mask, request_id reuse,
// a cited or anchor source that does not exist), NOT_FOUND, ALREADY_EXISTS,
// ABORTED (stale etag), FAILED_PRECONDITION (source still cited, or an
// incident at its event or source limit),
// UNAVAILABLE / INTERNAL (storage, logged).
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_TIMELINE_CORE_H_
#define ATLAS_INCIDENT_SERVICE_TIMELINE_CORE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/time/clock.h"
#include "common/auth/api_keys.h"
#include "common/storage/group_commit_writer.h"
#include "google/protobuf/empty.pb.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_store.h"
#include "incident-service/incident_validator.h"

namespace atlas::incident {

class TimelineCore {
 public:
  // Far above any real incident's timeline (tens of events), low enough
  // that reloading them all stays a few milliseconds under the mutex.
  static constexpr int kMaxEventsPerIncident = 500;
  static constexpr int kMaxSourcesPerIncident = 500;

  // All arguments must outlive the core.
  TimelineCore(IncidentStore& store, Changelog& changelog,
               storage::GroupCommitWriter& writer,
               const IncidentValidator& validator, api::Clock& clock)
      : store_(store),
        changelog_(changelog),
        writer_(writer),
        validator_(validator),
        clock_(clock) {}

  // --- Events (timeline_events.cc).
  absl::StatusOr<v1::TimelineEvent> GetTimelineEvent(
      const auth::Caller& caller, const v1::GetTimelineEventRequest& request);
  absl::StatusOr<v1::ListTimelineEventsResponse> ListTimelineEvents(
      const auth::Caller& caller, const v1::ListTimelineEventsRequest& request);
  absl::StatusOr<v1::TimelineEvent> CreateTimelineEvent(
      const auth::Caller& caller,
      const v1::CreateTimelineEventRequest& request);
  absl::StatusOr<v1::TimelineEvent> UpdateTimelineEvent(
      const auth::Caller& caller,
      const v1::UpdateTimelineEventRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteTimelineEvent(
      const auth::Caller& caller,
      const v1::DeleteTimelineEventRequest& request);

  // --- Sources (timeline_sources.cc).
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
  absl::StatusOr<v1::TimelineEvent> GetTimelineEvent(
      const auth::Caller& caller, const v1::GetTimelineEventRequest& request,
      storage::ReadView view);
  absl::StatusOr<v1::Source> GetSource(const auth::Caller& caller,
                                       const v1::GetSourceRequest& request,
                                       storage::ReadView view);
  // Adds to `batch` the incident with counts and derived figures refreshed
  // from `events` and `source_count`, and commits it with one UPDATED
  // change. Call from inside writer_.Run (the write mutex held).
  absl::Status CommitSubresourceChange(StoredIncident incident,
                                       const std::vector<StoredEvent>& events,
                                       int source_count,
                                       storage::WriteBatch batch,
                                       absl::string_view op);

  IncidentStore& store_;
  Changelog& changelog_;
  storage::GroupCommitWriter& writer_;
  const IncidentValidator& validator_;
  api::Clock& clock_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_TIMELINE_CORE_H_
