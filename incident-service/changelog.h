// Changelog: incident-service's change log, from the commit of a change to
// the streams that serve it.
//
// Every write commits exactly one IncidentChange (several for a create
// group) in the same WriteBatch as the records it changes: Commit gives
// the changes consecutive sequences (1, 2, 3, ... without gaps), adds them
// to the batch and appends it. WaitDurable (group commit) returns once the
// WAL is synced up to a token and then announces every change that became
// durable, in sequence order, to the subscribers (WatchIncidentChanges
// streams): a stream reads the durable view and is told only of durable
// changes, so it never serves a change a crash could still lose.
//
// Key layout: IncidentStore (the `changelog` family). The next sequence is
// recovered from the last stored key at Open, the oldest kept one from
// meta changelog_first.
//
// Retention (changelog_retention.h): Commit scrubs the earlier entries of
// a deleted incident in the delete's batch and trims the log to the newest
// `retention_entries` entries. A watch from before the oldest kept entry
// is refused with FAILED_PRECONDITION, and a stream whose next entry is
// trimmed under it ends with it: the caller rebuilds its state from
// ListIncidents and watches from start_sequence 0.
//
// Generation: a random id stored in meta (changelog_generation), drawn
// when the database is made (or first opened by a build that has them) and
// again when it is restored from a backup (StartNewGeneration). Sequences
// continue one another only within a generation: every change served
// carries it, and a watch naming another one is refused, so a follower
// never mistakes a restored log's sequences for the ones it applied.
//
// Thread safety: Commit must be serialised by the caller (the core's
// GroupCommitWriter holds its mutex around it), so sequences commit in
// order. Everything else may be called from any thread. Subscriber
// callbacks run with the subscriber lock held: a subscriber must not
// Subscribe or Unsubscribe from inside them (gRPC never runs OnDone inline
// from a reactor's Finish, which is where streams unsubscribe), and must
// not block.
#ifndef ATLAS_INCIDENT_SERVICE_CHANGELOG_H_
#define ATLAS_INCIDENT_SERVICE_CHANGELOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/storage/durability.h"
#include "incident-service/changelog_retention.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

// A reader of the live log (a WatchIncidentChanges stream).
class ChangeSubscriber {
 public:
  virtual ~ChangeSubscriber() = default;
  // `change` has just become durable (not redacted). Must not block.
  virtual void OnChangeCommitted(const v1::IncidentChange& change) = 0;
  // The server is shutting down: finish the stream.
  virtual void OnShutdown() = 0;
};

class Changelog : public storage::Durability {
 public:
  // Reads the last and oldest kept sequences of `store`, which must
  // outlive the changelog, and keeps `retention_entries` entries (>= 1;
  // INVALID_ARGUMENT otherwise). The first Open of a database written
  // before per-incident listings runs UpgradeChangelog (one pass over the
  // kept log). Storage errors as IncidentStore::LastSequence.
  // A database without a generation gets one (written, synced).
  static absl::StatusOr<std::unique_ptr<Changelog>> Open(
      IncidentStore& store,
      int64_t retention_entries = kDefaultChangelogRetention);

  // Stores a new random generation in `store` (synced) and returns it.
  // For a database just restored from a backup, before Open. The store's
  // errors.
  static absl::StatusOr<std::string> StartNewGeneration(IncidentStore& store);

  // The generation (32 hex digits); fixed while open.
  const std::string& generation() const { return generation_; }

  // --- Writing (under the caller's write mutex).
  // Sets the next sequences on `changes` (in order), adds them to `batch`
  // and appends it (not yet synced; see WaitDurable). Returns the first
  // sequence. A DELETED change is reduced and its incident's earlier
  // entries scrubbed, and the oldest entries beyond the retention are
  // trimmed, in the same batch (changelog_retention.h). `changes` must not
  // be empty. Storage errors are returned unmapped (the caller maps them
  // with StorageError).
  absl::StatusOr<int64_t> Commit(storage::WriteBatch batch,
                                 std::vector<v1::IncidentChange> changes);
  absl::StatusOr<int64_t> Commit(storage::WriteBatch batch,
                                 v1::IncidentChange change);
  // The sequence the next change gets (appended changes counted), which is
  // also the ordinal a record created by that change takes.
  int64_t next_sequence() const { return next_sequence_.load(); }
  // The sequence after the last durable change.
  int64_t durable_next_sequence() const {
    return durable_next_sequence_.load();
  }
  // The oldest sequence kept (appended trims counted); 1 until trimmed.
  int64_t first_kept_sequence() const { return first_kept_.load(); }
  // The retention, changeable at run time (tests); the next commits trim
  // to it. Values below 1 are taken as 1.
  void set_retention_entries(int64_t entries) {
    retention_entries_.store(entries < 1 ? 1 : entries);
  }
  int64_t retention_entries() const { return retention_entries_.load(); }

  // --- storage::Durability: syncs, then announces what became durable.
  storage::WriteToken last_write_token() const override;
  absl::Status WaitDurable(storage::WriteToken token) override;

  // --- Reading (WatchIncidentChanges).
  // The first sequence to send for `request` (0 means the oldest kept).
  // INVALID_ARGUMENT for a negative start_sequence; FAILED_PRECONDITION
  // for a changelog_generation that is set and not this one;
  // OUT_OF_RANGE beyond the next durable sequence; FAILED_PRECONDITION
  // before the oldest kept sequence (naming both). Open to every caller;
  // streams redact each change and set its changelog_generation.
  absl::StatusOr<int64_t> WatchStart(
      const v1::WatchIncidentChangesRequest& request) const;
  // Appends up to `max` durable changes from sequence `from` to `out`,
  // unredacted, stopping once they hold `max_bytes` (serialized; at least
  // one change is read). FAILED_PRECONDITION (as WatchStart) if `from`
  // has been trimmed. Storage failures as StorageError (logged; INTERNAL,
  // or UNAVAILABLE when the storage says retry).
  absl::Status ReadChanges(
      int64_t from, size_t max, std::deque<v1::IncidentChange>* out,
      size_t max_bytes = std::numeric_limits<size_t>::max()) const;

  // --- Subscriptions.
  // False (and not subscribed) once Shutdown() has run.
  bool Subscribe(ChangeSubscriber* subscriber);
  // After this returns, no callback runs on `subscriber`.
  void Unsubscribe(ChangeSubscriber* subscriber);
  // Calls OnShutdown on every subscriber; later Subscribe calls fail.
  // Idempotent. Wired to the server's drain.
  void Shutdown();
  size_t subscriber_count();

 private:
  Changelog(IncidentStore& store, std::string generation, int64_t next,
            int64_t first_kept, int64_t retention)
      : store_(store),
        generation_(std::move(generation)),
        next_sequence_(next),
        durable_next_sequence_(next),
        first_kept_(first_kept),
        retention_entries_(retention) {}

  // FAILED_PRECONDITION for a start before the oldest kept entry.
  absl::Status Trimmed(int64_t start) const;

  IncidentStore& store_;
  const std::string generation_;
  std::atomic<int64_t> next_sequence_;
  std::atomic<int64_t> durable_next_sequence_;
  std::atomic<int64_t> first_kept_;
  std::atomic<int64_t> retention_entries_;

  // Changes appended but not yet announced, in sequence order, with the
  // token of their write. Announced (and popped) once durable.
  struct PendingChange {
    storage::WriteToken token;
    v1::IncidentChange change;
  };
  absl::Mutex pending_mu_;
  std::deque<PendingChange> pending_ ABSL_GUARDED_BY(pending_mu_);

  absl::Mutex subscribers_mu_;
  absl::flat_hash_set<ChangeSubscriber*> subscribers_
      ABSL_GUARDED_BY(subscribers_mu_);
  bool shut_down_ ABSL_GUARDED_BY(subscribers_mu_) = false;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_CHANGELOG_H_
