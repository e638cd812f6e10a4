// SearchIndexer: keeps a SearchIndex in step with the incident changelog,
// in-process, on a thread of its own.
//
// It never blocks a write: the changelog only tells it (OnChangeCommitted,
// a flag and a signal) that durable changes exist; the thread then reads
// them from the store (Changelog::ReadChanges, up to `batch` at a time),
// reloads each incident they name (with its events and sources, the
// durable view) and puts or removes it, and commits the index with the
// position after the last change applied. After a crash it resumes from
// the position of its last commit; reapplying a change is idempotent.
//
// It rebuilds the index from the store (every incident, via the `list`
// index) when the index is new or a rebuild was cut short, when it follows
// another changelog generation (a restore from a backup), when the changes
// it needs were trimmed from the log, or when asked (Options::rebuild,
// the --rebuild_search_index flag). A rebuild starts from the durable next
// sequence it read first, so changes made meanwhile are applied after it.
// Searches are answered only once the index is complete (ready()).
#ifndef ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_INDEXER_H_
#define ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_INDEXER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_store.h"
#include "incident-service/search/search_index.h"

namespace atlas::incident::search {

class SearchIndexer : public ChangeSubscriber {
 public:
  struct Options {
    // Changes read (and incidents indexed in a rebuild) per commit.
    size_t batch = 1000;
    // Rebuild at start, whatever the index holds.
    bool rebuild = false;
  };

  // All must outlive the indexer.
  SearchIndexer(IncidentStore& store, Changelog& changelog, SearchIndex& index,
                Options options);
  ~SearchIndexer() override;

  // Subscribes to the changelog and starts the thread.
  void Start();
  // Stops the thread (after its current batch) and unsubscribes.
  // Idempotent.
  void Stop();

  // Whether the index is complete (no rebuild running).
  bool ready() const { return ready_.load(); }
  // The next changelog sequence the index has not committed yet.
  int64_t applied_next() const { return applied_next_.load(); }
  // Waits until the committed index reflects every change before
  // `next_sequence` (tests, benchmarks). False on timeout or stop.
  bool WaitApplied(int64_t next_sequence, absl::Duration timeout);

  // ChangeSubscriber: signals the thread; never blocks.
  void OnChangeCommitted(const v1::IncidentChange& change) override;
  void OnShutdown() override {}

 private:
  void Run();
  // One step: rebuild if needed, else apply up to `batch` changes.
  // Returns whether anything was done.
  absl::StatusOr<bool> Step();
  absl::Status Rebuild();
  absl::Status Reindex(const std::string& incident_id);

  IncidentStore& store_;
  Changelog& changelog_;
  SearchIndex& index_;
  const Options options_;
  bool rebuild_requested_;

  std::atomic<bool> ready_{false};
  std::atomic<int64_t> applied_next_{0};
  absl::Mutex mu_;
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool subscribed_ = false;
  std::thread thread_;
};

}  // namespace atlas::incident::search

#endif  // ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_INDEXER_H_
