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
// Every write (incident, event or source create/update/delete) commits
// its records, index entries, the incident's refreshed counts and derived
// figures, an optional request_id record and exactly one IncidentChange in
// one WriteBatch (UPDATED for event and source changes, carrying the
// incident after the change and its victims as previous_victims). A
// rejected request writes nothing.
//
// Derived figures (Incident.derived_figures) are recomputed from the
// timeline on every event or source write and stored on the incident, so
// GetIncident stays one read.
//
// Thread safety: all methods may be called concurrently. Writes are
// serialised by one mutex from the reads that decide (on the store's
// kLatest view) to the append of their batch, so the changelog's sequences
// commit in order; the WAL sync happens after the mutex is released and is
// shared by every write appended meanwhile (group commit, see Serialized).
// A write is acknowledged only once synced; reads (and change streams) see
// only synced writes. The catalog check runs before the lock is taken, so
// a slow catalog does not stall other writes.
//
// Creates are combined: concurrent CreateIncident calls form a group with
// one catalog call for all their victims, one batch and one sync (see
// CombinedCreate), and each still gets the answer it would get alone.
// BatchCreateIncidents is one such group, all or nothing.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/clock.h"
#include "common/auth/api_keys.h"
#include "google/protobuf/empty.pb.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/catalog_client.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

class IncidentCore {
 public:
  // Most requests in one BatchCreateIncidents.
  static constexpr int kMaxBatchCreate = 1000;

  // All arguments must outlive the core.
  IncidentCore(IncidentStore& store, OrganizationDirectory& directory,
               const AttackCatalog& attack, api::Clock& clock)
      : store_(store), directory_(directory), attack_(attack), clock_(clock) {}

  absl::StatusOr<v1::Incident> GetIncident(const auth::Caller& caller,
                                           const v1::GetIncidentRequest& request);
  // GetIncident as the serialized Incident the caller may see, served from
  // stored bytes (the server's GetIncident handler); same errors.
  absl::StatusOr<std::string> GetIncidentWire(
      const auth::Caller& caller, const v1::GetIncidentRequest& request);
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const auth::Caller& caller, const v1::ListIncidentsRequest& request);
  absl::StatusOr<v1::Incident> CreateIncident(
      const auth::Caller& caller, const v1::CreateIncidentRequest& request);
  // All or nothing; see BatchCreateIncidents in the proto.
  absl::StatusOr<v1::BatchCreateIncidentsResponse> BatchCreateIncidents(
      const auth::Caller& caller, const v1::BatchCreateIncidentsRequest& request);
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

  // WatchIncidentChanges, the parts without gRPC: the first sequence to
  // send for `request` (0 means 1); INVALID_ARGUMENT for a negative one,
  // OUT_OF_RANGE beyond the next sequence to be written. Open to every
  // caller; the stream redacts each change for its caller.
  absl::StatusOr<int64_t> WatchStart(
      const auth::Caller& caller,
      const v1::WatchIncidentChangesRequest& request);
  // Appends up to `max` committed changes from sequence `from` to `out`,
  // unredacted. INTERNAL on storage failure.
  absl::Status ReadChanges(int64_t from, size_t max,
                           std::deque<v1::IncidentChange>* out);
  // Signalled after every commit; shut down when the server drains.
  ChangeNotifier& notifier() { return store_.notifier(); }

  // Figures derived from a timeline (see DerivedFigures in the proto).
  // Exposed for tests.
  static v1::DerivedFigures ComputeDerivedFigures(
      const std::vector<v1::TimelineEvent>& events);

 private:
  // Checks the writable fields of `incident` (under `field`) and
  // normalises them in place; then checks its victims with the catalog.
  absl::Status ValidateIncident(v1::Incident* incident, absl::string_view field);
  absl::Status CheckVictimsExist(const v1::Incident& incident,
                                 absl::string_view field);

  // One create of CreateIncident or BatchCreateIncidents, validated.
  struct PendingCreate {
    const auth::Caller* caller = nullptr;
    const v1::CreateIncidentRequest* request = nullptr;
    // Prefixed to every field path in errors: "" alone, "requests[i]." in
    // a batch.
    std::string field_prefix;
    std::string id;  // empty: generated at commit
    v1::Incident incident;  // the writable fields, normalised
    std::string fingerprint;
    // Set by CreateIncidents: the incident (redacted for `caller`) or why
    // it was not created.
    absl::StatusOr<v1::Incident> result;
  };
  // Checks `request` (errors name its fields, unprefixed) into `out`.
  absl::Status PrepareCreate(const v1::CreateIncidentRequest& request,
                             PendingCreate* out);
  // The first result of a committed request with the same request_id, or
  // nullopt.
  absl::StatusOr<std::optional<v1::Incident>> Replayed(
      const PendingCreate& create, absl::string_view op, storage::ReadView view);
  // Writes `creates` with one catalog call (for the distinct victims of
  // all), one batch and one WAL sync, and sets each one's `result`. A
  // create replaying a committed request_id answers the first result.
  // `atomic` (BatchCreateIncidents): the first failure is every create's
  // result and the return value, and nothing is written. Otherwise each
  // create succeeds or fails on its own, as if sent alone. Calls
  // `on_appended` once, when the group's batch is appended (or nothing
  // will be), before waiting for the sync.
  absl::Status CreateIncidents(absl::string_view op,
                               const std::vector<PendingCreate*>& creates,
                               bool atomic, absl::FunctionRef<void()> on_appended)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // CreateIncident: concurrent calls are combined (group commit for the
  // whole create, catalog call included). A caller that finds no group
  // ahead of it still being checked leads one: it takes every create
  // waiting, runs CreateIncidents for them, and hands leadership on once
  // the group is appended; the others wait for their result. A create
  // waits at most kMaxCombineWait for the group ahead (a slow or hung
  // catalog) before leading its own alongside it, so its answer still
  // comes within one catalog deadline.
  absl::StatusOr<v1::Incident> CombinedCreate(PendingCreate* create)
      ABSL_LOCKS_EXCLUDED(combine_mu_);
  static constexpr absl::Duration kMaxCombineWait = absl::Milliseconds(5);
  struct CreateSlot {
    PendingCreate* create = nullptr;
    bool queued = true;  // in combine_queue_, not yet taken by a leader
    bool done = false;   // result set and durable (or failed)
    absl::CondVar cv;    // its waiter's, signalled under combine_mu_
  };

  absl::StatusOr<StoredIncident> LoadIncident(
      absl::string_view id, absl::string_view op,
      storage::ReadView view = storage::ReadView::kDurable);
  absl::StatusOr<std::optional<std::string>> ReplayedName(
      absl::string_view request_id, absl::string_view fingerprint,
      absl::string_view op, storage::ReadView view);
  absl::StatusOr<v1::TimelineEvent> GetTimelineEvent(
      const auth::Caller& caller, const v1::GetTimelineEventRequest& request,
      storage::ReadView view);
  absl::StatusOr<v1::Source> GetSource(const auth::Caller& caller,
                                       const v1::GetSourceRequest& request,
                                       storage::ReadView view);
  // Group commit. Runs `body` with write_mu_ held (checks on the kLatest
  // view, the batch, CommitChange: the write is appended, not synced),
  // releases the lock, then waits until the WAL is synced up to the last
  // write `body` made or could have read, and only then returns its
  // result. So no acknowledgement, and no answer derived from unsynced
  // state (ALREADY_EXISTS, a stale etag, a replayed request), leaves before
  // the state it reflects is durable. INTERNAL if the sync fails.
  template <typename T>
  absl::StatusOr<T> Serialized(absl::string_view op,
                               absl::FunctionRef<absl::StatusOr<T>()> body)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Builds the batch and change for a write to a sub-resource of
  // `incident`: refreshes counts and derived figures from `events` and
  // `source_count`, then commits. Caller holds write_mu_.
  absl::Status CommitSubresourceChange(StoredIncident incident,
                                       const std::vector<StoredEvent>& events,
                                       int source_count,
                                       storage::WriteBatch batch,
                                       absl::string_view op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  IncidentStore& store_;
  OrganizationDirectory& directory_;
  const AttackCatalog& attack_;
  api::Clock& clock_;
  absl::Mutex write_mu_;
  // CombinedCreate's queue of waiting creates and its leader flag.
  absl::Mutex combine_mu_;
  std::deque<CreateSlot*> combine_queue_ ABSL_GUARDED_BY(combine_mu_);
  // Leaders whose group is not appended yet.
  int combine_leaders_ ABSL_GUARDED_BY(combine_mu_) = 0;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_CORE_H_
