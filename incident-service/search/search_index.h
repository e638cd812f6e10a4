// SearchIndex: the two Xapian databases of one incident-service instance,
// `<dir>/public` and `<dir>/members` (see search_document.h for why two).
//
// One writer thread (SearchIndexer) puts and removes incidents and commits
// both databases with the changelog position they reflect; any number of
// reader threads search the last commit through Readers.
//
// Metadata, written with every commit of each database:
//   changelog_generation   the incident changelog generation followed
//   changelog_next         the next changelog sequence to apply (decimal)
//   index_generation       random 32 hex digits drawn when the index is
//                          made or cleared; page tokens are bound to it
//   complete               "1" once a rebuild finished; "" while one runs
// A database whose two halves disagree (a crash between their commits) is
// resumed from the smaller position: reapplying a change is idempotent.
//
// Errors: Xapian's exceptions are caught and returned as UNAVAILABLE
// (a lock held by another process) or INTERNAL, naming the database.
#ifndef ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_INDEX_H_
#define ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_INDEX_H_

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "incident-service/search/search_document.h"

namespace atlas::incident::search {

enum class Tier { kPublic, kMembers };

// Where the index stands in the changelog.
struct IndexPosition {
  std::string changelog_generation;
  int64_t changelog_next = 0;
  bool complete = false;
};

class SearchIndex {
 public:
  // Opens (making them if missing) the databases under `dir`.
  static absl::StatusOr<std::unique_ptr<SearchIndex>> Open(
      const std::string& dir);

  // --- The writer (one thread at a time).
  // Indexes `members_view` (the records as stored) in the members'
  // database and its public view in the public one, replacing what either
  // held for that incident.
  absl::Status Put(const IncidentText& members_view);
  absl::Status Remove(absl::string_view incident_id);
  // Commits both databases with `position`.
  absl::Status Commit(const IndexPosition& position);
  // Empties both databases and draws a new index generation (committed,
  // with position {generation, 0, incomplete}).
  absl::Status Clear(const std::string& changelog_generation);
  // The committed position (the smaller of the two databases').
  IndexPosition position() const;
  std::string index_generation() const;

  // --- Readers (any thread).
  // A database of `tier` at its last commit, for one search: not shared
  // between threads. Return it with Release to reuse it.
  absl::StatusOr<std::unique_ptr<Xapian::Database>> Acquire(Tier tier);
  void Release(Tier tier, std::unique_ptr<Xapian::Database> database);

  const std::string& dir() const { return dir_; }

 private:
  explicit SearchIndex(std::string dir) : dir_(std::move(dir)) {}
  std::string PathOf(Tier tier) const;
  Xapian::WritableDatabase& Writable(Tier tier) {
    return tier == Tier::kPublic ? public_ : members_;
  }

  const std::string dir_;
  Xapian::WritableDatabase public_;
  Xapian::WritableDatabase members_;

  mutable absl::Mutex mu_;
  IndexPosition position_ ABSL_GUARDED_BY(mu_);
  std::string index_generation_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Xapian::Database>> idle_public_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Xapian::Database>> idle_members_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::incident::search

#endif  // ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_INDEX_H_
