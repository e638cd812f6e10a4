#include "incident-service/search/search_indexer.h"

#include <deque>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::incident::search {
namespace {

std::string IdOf(absl::string_view name) {
  absl::ConsumePrefix(&name, "incidents/");
  return std::string(name);
}

}  // namespace

SearchIndexer::SearchIndexer(IncidentStore& store, Changelog& changelog,
                             SearchIndex& index, Options options)
    : store_(store),
      changelog_(changelog),
      index_(index),
      options_(options),
      rebuild_requested_(options.rebuild) {
  applied_next_.store(index.position().changelog_next);
}

SearchIndexer::~SearchIndexer() { Stop(); }

void SearchIndexer::Start() {
  subscribed_ = changelog_.Subscribe(this);
  {
    absl::MutexLock lock(&mu_);
    pending_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void SearchIndexer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (subscribed_) {
    changelog_.Unsubscribe(this);
    subscribed_ = false;
  }
}

void SearchIndexer::OnChangeCommitted(const v1::IncidentChange&) {
  absl::MutexLock lock(&mu_);
  pending_ = true;
}

bool SearchIndexer::WaitApplied(int64_t next_sequence, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready() && applied_next() >= next_sequence) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return ready() && applied_next() >= next_sequence;
}

void SearchIndexer::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes on a change, on stop, or every second (a missed signal, a
      // failed step to retry).
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](SearchIndexer* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                   self->mu_) { return self->pending_ || self->stop_; },
              this),
          absl::Seconds(1));
      if (stop_) return;
      pending_ = false;
    }
    while (true) {
      absl::StatusOr<bool> progressed = Step();
      if (!progressed.ok()) {
        log::Error("search index: step failed; retrying",
                   {{"error", progressed.status().ToString()}});
        break;
      }
      if (!*progressed) break;
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
  }
}

absl::StatusOr<bool> SearchIndexer::Step() {
  IndexPosition position = index_.position();
  const bool needs_rebuild =
      rebuild_requested_ || !position.complete ||
      position.changelog_generation != changelog_.generation() ||
      position.changelog_next < changelog_.first_kept_sequence();
  if (needs_rebuild) {
    RETURN_IF_ERROR(Rebuild());
    rebuild_requested_ = false;
    return true;
  }
  ready_.store(true);
  int64_t from = std::max<int64_t>(position.changelog_next,
                                   changelog_.first_kept_sequence());
  if (from >= changelog_.durable_next_sequence()) return false;
  std::deque<v1::IncidentChange> changes;
  absl::Status read = changelog_.ReadChanges(from, options_.batch, &changes);
  if (absl::IsFailedPrecondition(read)) {  // trimmed under us
    rebuild_requested_ = true;
    return true;
  }
  RETURN_IF_ERROR(read);
  if (changes.empty()) return false;
  std::set<std::string> ids;
  for (const v1::IncidentChange& c : changes)
    ids.insert(IdOf(c.incident().name()));
  for (const std::string& id : ids) RETURN_IF_ERROR(Reindex(id));
  position.changelog_next = changes.back().sequence() + 1;
  RETURN_IF_ERROR(index_.Commit(position));
  applied_next_.store(position.changelog_next);
  return true;
}

absl::Status SearchIndexer::Reindex(const std::string& id) {
  absl::StatusOr<StoredIncident> incident = store_.GetIncident(id);
  if (absl::IsNotFound(incident.status())) return index_.Remove(id);
  RETURN_IF_ERROR(incident.status());
  IncidentText text;
  text.incident = std::move(incident->record);
  ASSIGN_OR_RETURN(std::vector<StoredEvent> events, store_.AllEvents(id));
  for (StoredEvent& e : events) text.events.push_back(std::move(e.record));
  ASSIGN_OR_RETURN(std::vector<StoredSource> sources, store_.AllSources(id));
  for (StoredSource& s : sources) text.sources.push_back(std::move(s.record));
  return index_.Put(text);
}

absl::Status SearchIndexer::Rebuild() {
  ready_.store(false);
  const int64_t start = changelog_.durable_next_sequence();
  RETURN_IF_ERROR(index_.Clear(changelog_.generation()));
  log::Info("search index: rebuilding from the store",
            {{"from_sequence", absl::StrCat(start)}});
  std::string cursor;
  int64_t indexed = 0;
  while (true) {
    std::vector<std::string> ids;
    std::string last;
    RETURN_IF_ERROR(store_.ScanIncidentIndex(
        IncidentIndex::kAll, "", cursor,
        [&](absl::string_view position, absl::string_view id) {
          ids.emplace_back(id);
          last = std::string(position);
          return ids.size() < options_.batch;
        }));
    for (const std::string& id : ids) RETURN_IF_ERROR(Reindex(id));
    indexed += static_cast<int64_t>(ids.size());
    if (ids.size() < options_.batch) break;
    // A commit per batch keeps Xapian's buffer of pending postings small
    // (bench_search: about twice the rate of one commit at the end); the
    // index stays marked incomplete until the last one.
    RETURN_IF_ERROR(
        index_.Commit({std::string(changelog_.generation()), start, false}));
    cursor = last;
    absl::MutexLock lock(&mu_);
    if (stop_) return absl::CancelledError("search index: rebuild stopped");
  }
  // Complete: a rebuild cut short before this commit starts over.
  RETURN_IF_ERROR(
      index_.Commit({std::string(changelog_.generation()), start, true}));
  applied_next_.store(start);
  ready_.store(true);
  log::Info("search index: rebuilt", {{"incidents", absl::StrCat(indexed)}});
  return absl::OkStatus();
}

}  // namespace atlas::incident::search
