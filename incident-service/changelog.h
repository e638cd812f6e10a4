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
// recovered from the last stored key at Open.
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
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/storage/durability.h"
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
  // Reads the last sequence of `store`, which must outlive the changelog.
  // Storage errors as IncidentStore::LastSequence.
  static absl::StatusOr<std::unique_ptr<Changelog>> Open(IncidentStore& store);

  // --- Writing (under the caller's write mutex).
  // Sets the next sequences on `changes` (in order), adds them to `batch`
  // and appends it (not yet synced; see WaitDurable). Returns the first
  // sequence. `changes` must not be empty. Storage errors are returned
  // unmapped (the caller maps them with StorageError).
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

  // --- storage::Durability: syncs, then announces what became durable.
  storage::WriteToken last_write_token() const override;
  absl::Status WaitDurable(storage::WriteToken token) override;

  // --- Reading (WatchIncidentChanges).
  // The first sequence to send for `request` (0 means 1). INVALID_ARGUMENT
  // for a negative start_sequence, OUT_OF_RANGE beyond the next durable
  // sequence. Open to every caller; streams redact each change.
  absl::StatusOr<int64_t> WatchStart(
      const v1::WatchIncidentChangesRequest& request) const;
  // Appends up to `max` durable changes from sequence `from` to `out`,
  // unredacted. Storage failures as StorageError (logged; INTERNAL, or
  // UNAVAILABLE when the storage says retry).
  absl::Status ReadChanges(int64_t from, size_t max,
                           std::deque<v1::IncidentChange>* out) const;

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
  Changelog(IncidentStore& store, int64_t next)
      : store_(store), next_sequence_(next), durable_next_sequence_(next) {}

  IncidentStore& store_;
  std::atomic<int64_t> next_sequence_;
  std::atomic<int64_t> durable_next_sequence_;

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
