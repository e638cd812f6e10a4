#include "incident-service/changelog.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/storage/storage_error.h"

namespace atlas::incident {

absl::StatusOr<std::unique_ptr<Changelog>> Changelog::Open(
    IncidentStore& store) {
  absl::StatusOr<int64_t> last = store.LastSequence();
  if (!last.ok()) return last.status();
  return std::unique_ptr<Changelog>(new Changelog(store, *last + 1));
}

absl::StatusOr<int64_t> Changelog::Commit(storage::WriteBatch batch,
                                          v1::IncidentChange change) {
  std::vector<v1::IncidentChange> changes;
  changes.push_back(std::move(change));
  return Commit(std::move(batch), std::move(changes));
}

absl::StatusOr<int64_t> Changelog::Commit(
    storage::WriteBatch batch, std::vector<v1::IncidentChange> changes) {
  const int64_t first = next_sequence_.load();
  int64_t sequence = first;
  for (v1::IncidentChange& change : changes) {
    change.set_sequence(sequence++);
    IncidentStore::PutChange(change, &batch);
  }
  // Appended under pending_mu_, so pending_ stays in token order.
  absl::MutexLock lock(&pending_mu_);
  absl::StatusOr<storage::WriteToken> token = store_.Append(batch);
  if (!token.ok()) return token.status();
  next_sequence_.store(sequence);
  for (v1::IncidentChange& change : changes) {
    pending_.push_back({*token, std::move(change)});
  }
  return first;
}

storage::WriteToken Changelog::last_write_token() const {
  return store_.db().last_write_token();
}

absl::Status Changelog::WaitDurable(storage::WriteToken token) {
  absl::Status s = store_.db().WaitDurable(token);
  if (!s.ok()) return s;
  // The first waiter of a group announces the whole group, in order; the
  // others find nothing left.
  absl::MutexLock lock(&pending_mu_);
  const storage::WriteToken durable = store_.db().durable_token();
  while (!pending_.empty() && pending_.front().token <= durable) {
    durable_next_sequence_.store(pending_.front().change.sequence() + 1);
    {
      absl::MutexLock subscribers(&subscribers_mu_);
      for (ChangeSubscriber* subscriber : subscribers_) {
        subscriber->OnChangeCommitted(pending_.front().change);
      }
    }
    pending_.pop_front();
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Changelog::WatchStart(
    const v1::WatchIncidentChangesRequest& request) const {
  if (request.start_sequence() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("start_sequence: must not be negative, got ",
                     request.start_sequence()));
  }
  // Durable changes only: a stream never serves what a crash could lose.
  const int64_t next = durable_next_sequence();
  if (request.start_sequence() > next) {
    return absl::OutOfRangeError(absl::StrCat(
        "start_sequence: ", request.start_sequence(),
        " is beyond the next sequence to be written (", next, ")"));
  }
  return std::max<int64_t>(1, request.start_sequence());
}

absl::Status Changelog::ReadChanges(int64_t from, size_t max,
                                    std::deque<v1::IncidentChange>* out) const {
  absl::Status s = store_.ReadChanges(from, max, out);
  if (!s.ok()) return storage::StorageError(s, "WatchIncidentChanges");
  return absl::OkStatus();
}

bool Changelog::Subscribe(ChangeSubscriber* subscriber) {
  absl::MutexLock lock(&subscribers_mu_);
  if (shut_down_) return false;
  subscribers_.insert(subscriber);
  return true;
}

void Changelog::Unsubscribe(ChangeSubscriber* subscriber) {
  absl::MutexLock lock(&subscribers_mu_);
  subscribers_.erase(subscriber);
}

void Changelog::Shutdown() {
  absl::MutexLock lock(&subscribers_mu_);
  shut_down_ = true;
  for (ChangeSubscriber* s : subscribers_) s->OnShutdown();
}

size_t Changelog::subscriber_count() {
  absl::MutexLock lock(&subscribers_mu_);
  return subscribers_.size();
}

}  // namespace atlas::incident
