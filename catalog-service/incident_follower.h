// IncidentFollower: keeps the catalog's read model (linked incidents per
// organisation) from incident-service's WatchIncidentChanges stream.
//
// A background thread opens the stream from (stored cursor + 1) with the
// SERVICE key and hands each change to
// IncidentReadModel::AppendIncidentChange, which stores the read-model
// update and the new cursor in one WriteBatch: after a crash the stream
// resumes exactly after the last change applied, so nothing is counted
// twice or missed. Group commit: changes are appended without waiting for
// the WAL sync; a second thread syncs (IncidentReadModel::WaitDurable) for
// every change appended so far, so a burst of changes costs one sync per
// group rather than one per change, and the read model becomes visible to
// readers only once synced. A crash loses at most the unsynced tail,
// cursor included, which the stream resends. Changes at or below the
// cursor (a resent change) are skipped. A gap in sequence numbers (never
// expected) is logged as an error and the stream is reopened from
// cursor + 1. When the stream fails or ends, it is reopened after an
// exponential backoff (doubling from initial_backoff to max_backoff, full
// jitter), reset after a change is applied.
//
// Resynchronisation: incident-service keeps a bounded changelog. When the
// stream ends with FAILED_PRECONDITION (the changes after the cursor are
// no longer kept), the follower (1) opens a stream from start_sequence 0
// and reads the sequence F of the oldest change kept, (2) lists every
// incident (ListIncidents pages, SERVICE key), (3) replaces the read model
// by that snapshot with the cursor at F - 1 (one batch,
// IncidentReadModel::ResetToSnapshot), then follows from F as usual. The
// snapshot is taken after F was served, so each incident's listed state is
// at or after F - 1, and replaying F onwards over it is exact: each change
// links the incident's victims after the change and unlinks the ones
// before it (an update's previous_victims, a deletion's every kept victim),
// so whatever state the snapshot caught, the last change of each incident
// decides its links. A failure at any step (or a trim during it) leaves
// the cursor where it was and the follower retries after the backoff.
//
// Restores (docs/deploy.md, "Backups"): the cursor is stored with the
// changelog generation of the changes it counts (IncidentChange.
// changelog_generation; incident-service draws a new one when it is
// restored from a backup). The stream is opened with that generation, and
// the follower resynchronises as above, taking the new generation with F,
// when incident-service refuses it (FAILED_PRECONDITION), when a change of
// another generation arrives, and when the cursor is ahead of
// incident-service's changelog (OUT_OF_RANGE: a database restored by other
// means, whose next changes would reuse sequences already applied here).
// An empty changelog has no F to read: after `empty_log_wait` without a
// change the follower takes F = 1, which is exact for an empty log and
// merely retried if the log was only slow to answer.
//
// Stop() cancels the open call and wakes a sleeping backoff, so shutdown is
// prompt; CatalogServer calls it from ServerRunner's on_drain_start hook.
//
// Thread safety: Start() once; Stop() from one thread at a time (the
// drain hook, then the thread that tears the server down); the counters
// from any thread.
#ifndef ATLAS_CATALOG_SERVICE_INCIDENT_FOLLOWER_H_
#define ATLAS_CATALOG_SERVICE_INCIDENT_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "catalog-service/incident_read_model.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace atlas::catalog {

class IncidentFollower {
 public:
  struct Options {
    // The raw SERVICE key sent as `authorization: Bearer <key>`.
    std::string api_key;
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
    // How long a resynchronisation waits for the oldest change kept before
    // it takes the changelog as empty (see the file comment).
    absl::Duration empty_log_wait = absl::Seconds(2);
  };

  // `read_model` must outlive the follower. `channel` is to
  // incident-service.
  IncidentFollower(IncidentReadModel& read_model,
                   std::shared_ptr<::grpc::Channel> channel, Options options);
  // Stops the thread if still running.
  ~IncidentFollower();

  IncidentFollower(const IncidentFollower&) = delete;
  IncidentFollower& operator=(const IncidentFollower&) = delete;

  // Starts the background thread. Call once.
  void Start();
  // Cancels the stream, stops the thread and waits for it. Idempotent.
  void Stop();

  // For tests and metrics. `applied` counts changes applied (appended;
  // visible to reads once the sync thread has synced them).
  int64_t applied() const { return applied_.load(); }
  int64_t streams_opened() const { return streams_opened_.load(); }
  int64_t gaps_seen() const { return gaps_seen_.load(); }
  // Completed resynchronisations from a snapshot.
  int64_t resyncs() const { return resyncs_.load(); }
  // The sequence of the last change applied (the stored cursor once read;
  // -1 before). And how far behind incident-service the follower was when
  // it applied it: apply time minus the change's commit_time (zero before
  // any; it does not grow while no change comes, so read it with the
  // cursor and incident-service's head).
  int64_t cursor() const { return cursor_.load(); }
  absl::Duration lag() const { return absl::Microseconds(lag_micros_.load()); }

 private:
  void Run();
  // Follows one stream until it ends, fails or a gap is seen; returns true
  // if at least one change was applied.
  bool FollowOnce();
  // Rebuilds the read model from incident-service's current state (see the
  // file comment); true once the snapshot is durable.
  bool Resync();
  // The oldest change incident-service keeps: its sequence and changelog
  // generation ({1, ""} for an empty log, see the file comment); nullopt
  // if it could not be read.
  struct LogStart {
    int64_t sequence = 0;
    std::string generation;
  };
  std::optional<LogStart> OldestKept();
  // Calls `call` with a context carrying the key, cancellable by Stop();
  // false (without calling) once stopping.
  bool WithContext(absl::FunctionRef<void(::grpc::ClientContext&)> call);
  // Sleeps `d` unless Stop() comes first.
  void SleepUnlessStopped(absl::Duration d);
  // The sync thread: waits for appended changes and syncs them (one sync
  // for all appended so far); after Stop, syncs what is left and returns.
  void SyncLoop();

  IncidentReadModel& read_model_;
  std::unique_ptr<incident::v1::IncidentService::Stub> stub_;
  const Options options_;
  std::thread thread_;
  std::thread sync_thread_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  ::grpc::ClientContext* open_call_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The last appended change's write token, and how many changes were
  // appended since the sync thread last took them.
  storage::WriteToken appended_token_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t unsynced_changes_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by Stop() once the follower thread has ended.
  bool appends_done_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> cursor_{-1};
  std::atomic<int64_t> lag_micros_{0};
  std::atomic<int64_t> streams_opened_{0};
  std::atomic<int64_t> gaps_seen_{0};
  std::atomic<int64_t> resyncs_{0};
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_INCIDENT_FOLLOWER_H_
