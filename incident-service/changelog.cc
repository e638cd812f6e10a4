#include "incident-service/changelog.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"

namespace atlas::incident {

absl::StatusOr<std::unique_ptr<Changelog>> Changelog::Open(
    IncidentStore& store, int64_t retention_entries) {
  if (retention_entries < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("changelog_retention_entries: must be at least 1, got ",
                     retention_entries));
  }
  // Entries written before per-incident listings existed (once).
  RETURN_IF_ERROR(UpgradeChangelog(store));
  absl::StatusOr<int64_t> last = store.LastSequence();
  if (!last.ok()) return last.status();
  absl::StatusOr<int64_t> first = store.FirstKeptSequence();
  if (!first.ok()) return first.status();
  ASSIGN_OR_RETURN(std::string generation, store.ChangelogGeneration());
  if (generation.empty()) {
    ASSIGN_OR_RETURN(generation, StartNewGeneration(store));
  }
  return std::unique_ptr<Changelog>(new Changelog(
      store, std::move(generation), *last + 1, *first, retention_entries));
}

absl::StatusOr<std::string> Changelog::StartNewGeneration(
    IncidentStore& store) {
  std::random_device device;
  std::string bytes(16, '\0');
  for (char& c : bytes) c = static_cast<char>(device() & 0xff);
  std::string generation = absl::BytesToHexString(bytes);
  storage::WriteBatch batch;
  IncidentStore::PutChangelogGeneration(generation, &batch);
  RETURN_IF_ERROR(store.db().Write(batch));
  log::Info("changelog generation started", {{"generation", generation}});
  return generation;
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
  // Retention first: what is trimmed here is not scrubbed.
  absl::StatusOr<int64_t> first_kept = TrimChangelog(
      store_, first_kept_.load(), first, static_cast<int64_t>(changes.size()),
      retention_entries_.load(), &batch);
  if (!first_kept.ok()) return first_kept.status();
  int64_t sequence = first;
  for (v1::IncidentChange& change : changes) {
    change.set_sequence(sequence++);
    if (change.change_type() == v1::IncidentChange::DELETED) {
      absl::Status s =
          ScrubDeletedIncident(store_, *first_kept, &change, &batch);
      if (!s.ok()) return s;
    }
    IncidentStore::PutChange(change, &batch);
  }
  // Appended under pending_mu_, so pending_ stays in token order.
  absl::MutexLock lock(&pending_mu_);
  absl::StatusOr<storage::WriteToken> token = store_.Append(batch);
  if (!token.ok()) return token.status();
  first_kept_.store(*first_kept);
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
  if (!request.changelog_generation().empty() &&
      request.changelog_generation() != generation_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "changelog_generation: this changelog is generation ", generation_,
        ", not ", request.changelog_generation(),
        " (incident-service was restored from a backup): rebuild from "
        "ListIncidents and watch from start_sequence 0"));
  }
  // Durable changes only: a stream never serves what a crash could lose.
  const int64_t next = durable_next_sequence();
  if (request.start_sequence() > next) {
    return absl::OutOfRangeError(absl::StrCat(
        "start_sequence: ", request.start_sequence(),
        " is beyond the next sequence to be written (", next, ")"));
  }
  if (request.start_sequence() == 0) return first_kept_sequence();
  RETURN_IF_ERROR(Trimmed(request.start_sequence()));
  return request.start_sequence();
}

absl::Status Changelog::Trimmed(int64_t start) const {
  const int64_t first = first_kept_sequence();
  if (start >= first) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "start_sequence: ", start, " is older than the oldest change kept (",
      first, "); rebuild from ListIncidents and watch from start_sequence 0"));
}

absl::Status Changelog::ReadChanges(int64_t from, size_t max,
                                    std::deque<v1::IncidentChange>* out,
                                    size_t max_bytes) const {
  RETURN_IF_ERROR(Trimmed(from));
  const size_t before = out->size();
  absl::Status s = store_.ReadChanges(from, max, out, max_bytes);
  if (!s.ok()) return storage::StorageError(s, "WatchIncidentChanges");
  // Trimmed between the check and the read: the first entry read is later.
  if (out->size() > before && (*out)[before].sequence() != from) {
    out->resize(before);
    return Trimmed(from);
  }
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
