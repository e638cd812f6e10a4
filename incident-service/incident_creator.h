// IncidentCreator: CreateIncident and BatchCreateIncidents.
//
// A create is checked (IncidentValidator), its victims are checked with the
// OrganizationDirectory before any lock is taken (so a slow catalog does not
// stall other writes), then, under the core's write mutex, its request_id
// replay and id are checked on the kLatest view and its records, index
// entries, request record and CREATED change are appended in one batch;
// the answer leaves once that batch is durable (GroupCommitWriter).
//
// Combining: concurrent CreateIncident calls form a group with one
// directory call for all their victims, one batch and one WAL sync, and
// each still gets the answer it would get alone. A caller that finds no
// group ahead of it still being checked leads one: it takes every create
// waiting, writes them, and hands leadership on once the group is
// appended; the others wait for their result. A create waits at most
// kMaxCombineWait for the group ahead (a slow or hung catalog) before
// leading its own alongside it, so its answer still comes within one
// catalog deadline. BatchCreateIncidents is one such group, all or nothing.
//
// Sources sent with a create (CreateIncidentRequest.sources) are checked
// as CreateSource checks them and written in the incident's batch, with
// ordinals from the incident's own sequence up, in request order (the
// ordinal only orders an incident's sources: TimelineCore numbers later
// ones past the highest).
//
// Errors: PERMISSION_DENIED / UNAUTHENTICATED (role, checked first),
// INVALID_ARGUMENT (a field, a missing victim, a request_id reused for a
// different request; in a batch prefixed "requests[i]."), ALREADY_EXISTS
// (the id is taken; an external reference is held by a stored incident,
// named, or by an earlier create of the same group: in a batch
// "requests[j].incident", else the incident that create makes), UNAVAILABLE
// (the catalog cannot answer, or storage says retry: nothing was written),
// INTERNAL (storage, logged).
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_CREATOR_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_CREATOR_H_

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/time/clock.h"
#include "common/auth/api_keys.h"
#include "common/storage/group_commit_writer.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_store.h"
#include "incident-service/incident_validator.h"
#include "incident-service/organization_directory.h"

namespace atlas::incident {

class IncidentCreator {
 public:
  // Most requests in one BatchCreateIncidents.
  static constexpr int kMaxBatchCreate = 1000;

  // All arguments must outlive the creator; `writer` is the core's one
  // write path (shared with every other writer of the store).
  IncidentCreator(IncidentStore& store, Changelog& changelog,
                  storage::GroupCommitWriter& writer,
                  OrganizationDirectory& directory,
                  const IncidentValidator& validator, api::Clock& clock)
      : store_(store),
        changelog_(changelog),
        writer_(writer),
        directory_(directory),
        validator_(validator),
        clock_(clock) {}

  absl::StatusOr<v1::Incident> CreateIncident(
      const auth::Caller& caller, const v1::CreateIncidentRequest& request);
  // All or nothing; see BatchCreateIncidents in the proto.
  absl::StatusOr<v1::BatchCreateIncidentsResponse> BatchCreateIncidents(
      const auth::Caller& caller,
      const v1::BatchCreateIncidentsRequest& request);

  // INVALID_ARGUMENT naming the victim of `incident` (under `field`) that
  // the directory does not know; UNAVAILABLE / INTERNAL as FindMissing.
  // For writers that change victims (UpdateIncident).
  static absl::Status CheckVictimsExist(OrganizationDirectory& directory,
                                        const v1::Incident& incident,
                                        absl::string_view field);

 private:
  // One create of CreateIncident or BatchCreateIncidents, validated.
  struct PendingCreate {
    const auth::Caller* caller = nullptr;
    const v1::CreateIncidentRequest* request = nullptr;
    // Prefixed to every field path in errors: "" alone, "requests[i]." in
    // a batch.
    std::string field_prefix;
    std::string id;         // empty: generated at commit
    v1::Incident incident;  // the writable fields, normalised
    // The sources to create with it, checked; ids still empty where the
    // request left them so (generated at commit).
    std::vector<v1::Source> sources;
    std::string fingerprint;
    // Set by CreateIncidents: the incident (redacted for `caller`) or why
    // it was not created.
    absl::StatusOr<v1::Incident> result;
  };
  // Checks `request` (errors name its fields, unprefixed) into `out`.
  absl::Status PrepareCreate(const v1::CreateIncidentRequest& request,
                             PendingCreate* out);
  // Checks `request.sources` into `out->sources` (errors name
  // "sources[i]...").
  absl::Status PrepareSources(const v1::CreateIncidentRequest& request,
                              PendingCreate* out);
  // Names, stamps and adds the sources of `create` (stored as `incident`,
  // numbered from `first_ordinal`) to `batch`.
  void PutSources(PendingCreate& create, int64_t first_ordinal, absl::Time now,
                  storage::WriteBatch* batch);
  // The first result of a committed request with the same request_id, or
  // nullopt.
  absl::StatusOr<std::optional<v1::Incident>> Replayed(
      const PendingCreate& create, absl::string_view op,
      storage::ReadView view);
  // Writes `creates` with one directory call (for the distinct victims of
  // all), one batch and one WAL sync, and sets each one's `result`. A
  // create replaying a committed request_id answers the first result.
  // `atomic` (BatchCreateIncidents): the first failure is every create's
  // result and the return value, and nothing is written. Otherwise each
  // create succeeds or fails on its own, as if sent alone. Calls
  // `on_appended` once, when the group's batch is appended (or nothing
  // will be), before waiting for the sync.
  absl::Status CreateIncidents(absl::string_view op,
                               const std::vector<PendingCreate*>& creates,
                               bool atomic,
                               absl::FunctionRef<void()> on_appended);
  // CreateIncident's combining (see the file comment).
  absl::StatusOr<v1::Incident> CombinedCreate(PendingCreate* create)
      ABSL_LOCKS_EXCLUDED(combine_mu_);
  static constexpr absl::Duration kMaxCombineWait = absl::Milliseconds(5);
  struct CreateSlot {
    PendingCreate* create = nullptr;
    bool queued = true;  // in combine_queue_, not yet taken by a leader
    bool done = false;   // result set and durable (or failed)
    absl::CondVar cv;    // its waiter's, signalled under combine_mu_
  };

  IncidentStore& store_;
  Changelog& changelog_;
  storage::GroupCommitWriter& writer_;
  OrganizationDirectory& directory_;
  const IncidentValidator& validator_;
  api::Clock& clock_;
  // CombinedCreate's queue of waiting creates and its leader count.
  absl::Mutex combine_mu_;
  std::deque<CreateSlot*> combine_queue_ ABSL_GUARDED_BY(combine_mu_);
  // Leaders whose group is not appended yet.
  int combine_leaders_ ABSL_GUARDED_BY(combine_mu_) = 0;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_CREATOR_H_
