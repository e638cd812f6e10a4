// ChangeNotifier: tells changelog subscribers (WatchIncidentChanges
// streams) that a change committed, without polling.
//
// IncidentStore calls Notify(change) after each successful commit, in
// sequence order (commits are serialised by IncidentCore's write mutex).
// A subscriber gets OnChangeCommitted for every commit made while it is
// subscribed; it may use the change directly when it is exactly the next
// one it needs, or read the changelog otherwise. Shutdown() tells every
// subscriber to finish (OnShutdown) and refuses new subscriptions, so
// that streams end promptly when the server drains.
//
// Thread safety: all methods are thread-safe. Callbacks run with the
// notifier's lock held, so a subscriber must not call Subscribe or
// Unsubscribe from inside them (gRPC never runs OnDone inline from a
// reactor's Finish, which is where streams unsubscribe); callbacks must not
// block.
#ifndef ATLAS_INCIDENT_SERVICE_CHANGE_NOTIFIER_H_
#define ATLAS_INCIDENT_SERVICE_CHANGE_NOTIFIER_H_

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "atlas/incident/v1/incident_service.pb.h"

namespace atlas::incident {

class ChangeSubscriber {
 public:
  virtual ~ChangeSubscriber() = default;
  // `change` has just committed (not redacted). Must not block.
  virtual void OnChangeCommitted(const v1::IncidentChange& change) = 0;
  // The server is shutting down: finish the stream.
  virtual void OnShutdown() = 0;
};

class ChangeNotifier {
 public:
  // False (and not subscribed) once Shutdown() has run.
  bool Subscribe(ChangeSubscriber* subscriber);
  // After this returns, no callback runs on `subscriber`.
  void Unsubscribe(ChangeSubscriber* subscriber);
  void Notify(const v1::IncidentChange& change);
  // Calls OnShutdown on every subscriber; later Subscribe calls fail.
  // Idempotent.
  void Shutdown();
  size_t subscriber_count();

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<ChangeSubscriber*> subscribers_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_CHANGE_NOTIFIER_H_
