// IncidentStore: incident-service's key layout over common/storage.
//
// Column families and keys ('\0' separates parts; ids never contain it):
//
//   incidents  <incident id>                    -> ordinal ++ Incident
//   events     <incident id>\0<event id>        -> ordinal ++ TimelineEvent
//   sources    <incident id>\0<source id>       -> ordinal ++ Source
//   indexes    (see below)                      -> id of the record
//   changelog  <sequence, 8 bytes big-endian>   -> IncidentChange
//   requests   <request_id>                     -> 32-byte fingerprint ++ name
//   meta       changelog_first                  -> oldest sequence kept
//                                                  (decimal; absent: 1)
//              changelog_generation             -> 32 hex digits, drawn
//                                                  when the database is
//                                                  made and on each restore
//                                                  from a backup (Changelog;
//                                                  absent before: drawn at
//                                                  the next Open)
//              changelog_listed                 -> "" (every kept entry
//                                                  listed below)
//              change_of\0<incident id>\0<sequence, 8 bytes big-endian>
//                                               -> "" (the CREATED and
//                                                  UPDATED entries of an
//                                                  incident, found and
//                                                  scrubbed when it is
//                                                  deleted)
//   public_views <incident id>                  -> Incident, public view
//
// `public_views` holds each incident as a caller without a MEMBER key sees
// it (auth::RedactForPublic applied, serialized), written by PutIncident in
// the same batch as the record, so GetIncident serves either view as
// stored bytes, with no parse or redaction per read.
//
// Values: `ordinal` is 8 bytes big-endian, the changelog sequence of the
// change that created the record. It is unique and grows with creation
// order, so it orders lists and breaks ties; it never changes. Records are
// stored whole (the incident with its counts and derived figures), so a Get
// is one read.
//
// Secondary index keys in `indexes` (the value is the id of the record):
//
//   timeline\0<incident>\0<sort key>            -> event id
//       sort key = '0' YYYYMMDD(first day) YYYYMMDD(last day) <ordinal hex16>
//                  for an event with an effective date (a date, or a
//                  resolved relative date), or
//                = '1' <ordinal hex16> for an unresolved relative date.
//       ListTimelineEvents is a range scan of this prefix: intervals by
//       start then end, unresolved last, ties in creation order. When an
//       event's effective date changes (its date is updated, its anchor
//       source gains or changes its published_date), the writer deletes
//       the old key and puts the new one in the same batch.
//   source_order\0<incident>\0<ordinal hex16>   -> source id
//       ListSources in creation order.
//   list\0<position>                            -> incident id   (all)
//   victim\0<organization id>\0<position>       -> incident id
//   country\0<CC>\0<position>                   -> incident id
//   type\0<IncidentType number>\0<position>     -> incident id
//   determination\0<number>\0<position>         -> incident id
//   motive\0<Motive number>\0<position>         -> incident id
//   technique\0<T1234[.001]>\0<position>        -> incident id
//   actor_type\0<ThreatActorType number>\0<position> -> incident id
//   start_year\0<YYYY>\0<position>              -> incident id
//   external_ref\0<system>:<id>\0<position>     -> incident id
//       (api::ExternalReferenceText: system lower-case, id as given; a system
//       never holds ':' and neither part holds '\0'). A pair names one
//       incident, so each value has at most one entry: the writers check
//       ExternalReferenceHolder on the kLatest view under the write mutex
//       before they add one. It serves the `external_reference` filter
//       like any list index. Written only for incidents stored since the
//       field exists: older records have no references, so a database
//       written before needs no migration (its counts stay right).
//       position = hex16(INT64_MAX - ordinal): newest first. A partial
//       date's interval never crosses a year boundary, so the year of
//       start_date buckets it exactly; a date range scans the years it
//       covers and checks the exact interval on the record.
//   order\0start_date\0<sort key>              -> incident id
//   order\0disclosed_date\0<sort key>          -> incident id
//   order\0update_time\0<sort key>             -> incident id
//       The order indexes of ListIncidents' order_by: one entry per
//       incident in each, keyed by date interval (or update time) then id;
//       the layout is in incident_order_index.h. PutIncident and
//       DeleteIncident keep them in the same batch as the record. No
//       counts: they never drive a filter.
//   count\0<index>\0<value>\0                  -> decimal
//       (count\0list\0 for all) the number of entries of that list index
//       value, for the list planner (IncidentQuery) only: never served to
//       callers (a count of a members-only value such as a motive would
//       reveal members-only data). Kept by PutIncident / DeleteIncident in
//       the same batch as the entries (WriteBatch::Add: a read-modify-write
//       under RocksStore's append lock, so batches of several incidents
//       add up); absent means 0.
//
// meta: `index_counts` -> "1" once the counts are kept. Open computes
// them in one pass over the list indexes (and sets the marker in the
// same batch) when the marker is missing: a database written before
// counts existed. A database written again by such an older build after
// that has stale counts: delete the marker to recount.
//
// meta: `layout_version` -> decimal, the stored layout (kLayoutVersion;
// common/storage/stored_layout.h). Open refuses a newer one and migrates an
// older one:
//   1  no layout_version key: every release before layouts were versioned.
//   2  layout 1 with its version stored. 1 -> 2 rewrites nothing; the
//      index_counts marker and the public-view policy are checked at every
//      open, whatever the layout.
//   3  the layout above: 2 plus the order\0 indexes. 2 -> 3 puts every
//      incident's order entries (IncidentOrderIndex::Backfill, in batches;
//      safe to run again after a crash, the version moves with the last
//      batch). A build of layout 2 would not maintain them, so it is
//      refused on a layout-3 database (docs/deploy.md, "Rolling back").
//
// Page stability: a list cursor is the position of the last item served,
// and the next page starts strictly after it. An incident created later
// has a smaller position (it sorts before every cursor already handed
// out), so concurrent inserts never shift or repeat a page.
//
// The changelog is written in the same batch as the change it records
// (Changelog::Commit), so a change and its log entry commit together or
// not at all. Sequences are 1, 2, 3, ... without gaps from the oldest
// entry kept (changelog_first) to the last; entries before it are trimmed
// (changelog_retention.h).
//
// Thread safety: reads may run concurrently with anything. Writes are
// appended by Changelog::Commit under the cores' one write mutex
// (GroupCommitWriter), so sequences commit in order.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/storage/memory_budget.h"
#include "common/storage/request_records.h"
#include "common/storage/rocks_store.h"
#include "incident-service/incident_index.h"
#include "incident-service/incident_order_index.h"

namespace atlas::incident {

// A record with its creation ordinal (see the file comment).
template <typename Proto>
struct Stored {
  Proto record;
  int64_t ordinal = 0;
};
using StoredIncident = Stored<v1::Incident>;
using StoredEvent = Stored<v1::TimelineEvent>;
using StoredSource = Stored<v1::Source>;

class IncidentStore {
 public:
  enum Family : int {
    kIncidents = 0,
    kEvents = 1,
    kSources = 2,
    kIndexes = 3,
    kChangelog = 4,
    kRequests = 5,
    kMeta = 6,
    kPublicViews = 7,
  };

  // The stored layout this build reads and writes (see the file comment).
  static constexpr int kLayoutVersion = 3;

  // Opens the database at `path`, migrating an older layout to
  // kLayoutVersion. FAILED_PRECONDITION, before anything is read or
  // rewritten, if a newer release wrote it (storage::OpenLayout); the
  // RocksStore's errors (UNAVAILABLE if another process has it open).
  static absl::StatusOr<std::unique_ptr<IncidentStore>> Open(
      const std::string& path, bool sync_writes = true,
      const storage::MemoryBudget& memory = {});

  // --- Reads. NOT_FOUND if the record does not exist; DATA_LOSS if it
  // does not parse; other codes for storage failures.
  //
  // `view`: kDurable (the default) sees only synced writes, what API reads
  // serve; kLatest also sees appended, unsynced ones, for the writer's
  // checks under IncidentCore's write mutex (see common/storage/
  // rocks_store.h).
  absl::StatusOr<StoredIncident> GetIncident(
      absl::string_view id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // GetIncident's answer as wire bytes (a serialized Incident): the record
  // as stored when `members_view`, else its public view (members-only
  // fields cleared and listed in redacted_fields, as auth::RedactForPublic
  // does). A record stored before public views existed is redacted here.
  absl::StatusOr<std::string> GetIncidentWire(
      absl::string_view id, bool members_view,
      storage::ReadView view = storage::ReadView::kDurable) const;
  absl::StatusOr<StoredEvent> GetEvent(
      absl::string_view incident_id, absl::string_view event_id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  absl::StatusOr<StoredSource> GetSource(
      absl::string_view incident_id, absl::string_view source_id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // Every event of an incident, in timeline order.
  absl::StatusOr<std::vector<StoredEvent>> AllEvents(
      absl::string_view incident_id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // Every source of an incident, in creation order.
  absl::StatusOr<std::vector<StoredSource>> AllSources(
      absl::string_view incident_id,
      storage::ReadView view = storage::ReadView::kDurable) const;

  // Visits up to the end (or until `visit` returns false) the ids in the
  // timeline / source-order index of an incident strictly after `cursor`
  // (empty: from the start). `visit(cursor, id)`.
  using IndexVisitor =
      absl::FunctionRef<bool(absl::string_view cursor, absl::string_view id)>;
  absl::Status ScanTimeline(
      absl::string_view incident_id, absl::string_view cursor,
      IndexVisitor visit,
      storage::ReadView view = storage::ReadView::kDurable) const;
  absl::Status ScanSourceOrder(absl::string_view incident_id,
                               absl::string_view cursor,
                               IndexVisitor visit) const;
  // Visits incident ids of one list index (`value` selects the entry:
  // organization id, country, enum number, technique id, year; empty for
  // kAll) newest first, strictly after the position `cursor`; with
  // `oldest_first`, oldest first, strictly before it.
  absl::Status ScanIncidentIndex(IncidentIndex index, absl::string_view value,
                                 absl::string_view cursor, IndexVisitor visit,
                                 bool oldest_first = false) const;
  // Visits incident ids in `order` (not create_time: ScanIncidentIndex of
  // kAll is that) strictly after the sort key `cursor`, within `bounds`
  // (IncidentOrderIndex::Scan).
  absl::Status ScanOrderIndex(const IncidentOrder& order,
                              absl::string_view cursor,
                              const IncidentOrderIndex::Bounds& bounds,
                              IndexVisitor visit) const;
  // The number of entries of one list index value (0 when none). Internal
  // to list planning: never serve it to a caller.
  absl::StatusOr<int64_t> IndexCount(
      IncidentIndex index, absl::string_view value,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // The id of the incident holding the external reference `key`
  // ("system:id", api::ExternalReferenceText), or nullopt when none does.
  absl::StatusOr<std::optional<std::string>> ExternalReferenceHolder(
      absl::string_view key,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // The start years in [first, last] that index at least one incident,
  // ascending, with their counts (one key per year, no entry is read).
  absl::StatusOr<std::vector<std::pair<int, int64_t>>> StartYearCounts(
      int first, int last) const;

  using RequestRecord = storage::RequestRecord;
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      absl::string_view request_id,
      storage::ReadView view = storage::ReadView::kDurable) const;

  // --- The changelog family (see changelog.h for the stream it serves,
  // changelog_retention.h for what is scrubbed and trimmed).
  // Loads durable changelog entries with sequence >= `from` (at most
  // `max`, and no more once they hold `max_bytes` serialized; at least
  // one) into `out`, in order.
  absl::Status ReadChanges(
      int64_t from, size_t max, std::deque<v1::IncidentChange>* out,
      size_t max_bytes = std::numeric_limits<size_t>::max()) const;
  absl::Status ScanChanges(
      int64_t from,
      absl::FunctionRef<bool(const v1::IncidentChange&)> visit) const;
  // The sequence of the last change stored (appended writes included); 0
  // for an empty log.
  absl::StatusOr<int64_t> LastSequence() const;
  // One entry (kLatest view: for the writer, under its mutex). NOT_FOUND
  // if trimmed or never written; DATA_LOSS if it does not parse.
  absl::StatusOr<v1::IncidentChange> GetChange(int64_t sequence) const;
  // The sequences of the CREATED and UPDATED entries of incident `id`
  // still listed in meta (change_of\0...), ascending (kLatest view).
  absl::StatusOr<std::vector<int64_t>> ChangeSequencesOf(
      absl::string_view id) const;
  // The oldest sequence kept (meta changelog_first); 1 for a log never
  // trimmed (appended writes included).
  absl::StatusOr<int64_t> FirstKeptSequence() const;
  // Adds `change` (its sequence set) to `batch`, and for CREATED and
  // UPDATED lists it under its incident (change_of\0<id>\0<sequence>).
  static void PutChange(const v1::IncidentChange& change,
                        storage::WriteBatch* batch);
  // Overwrites the entry of `change.sequence()`; the listing is untouched.
  static void ReplaceChange(const v1::IncidentChange& change,
                            storage::WriteBatch* batch);
  // Removes the entry of `sequence` and its listing under `incident_id`.
  static void DeleteChange(int64_t sequence, absl::string_view incident_id,
                           storage::WriteBatch* batch);
  // Removes only the listing of `sequence` under `incident_id`.
  static void UnlistChange(int64_t sequence, absl::string_view incident_id,
                           storage::WriteBatch* batch);
  static void PutFirstKeptSequence(int64_t sequence,
                                   storage::WriteBatch* batch);
  // Lists `sequence` under `incident_id` (PutChange's listing alone).
  static void ListChange(int64_t sequence, absl::string_view incident_id,
                         storage::WriteBatch* batch);
  // The changelog's generation (meta changelog_generation, kLatest view);
  // empty if none is stored (a database written before generations).
  absl::StatusOr<std::string> ChangelogGeneration() const;
  static void PutChangelogGeneration(absl::string_view generation,
                                     storage::WriteBatch* batch);
  // Whether the CREATED/UPDATED entries are listed (meta
  // changelog_listed, set once UpgradeChangelog has run; kLatest view).
  absl::StatusOr<bool> ChangesListed() const;
  static void PutChangesListed(storage::WriteBatch* batch);

  // --- Batch builders. `before` (may be null) is the stored state being
  // replaced, whose index entries are removed.
  static void PutIncident(const StoredIncident& now,
                          const StoredIncident* before,
                          storage::WriteBatch* batch);
  static void DeleteIncident(const StoredIncident& incident,
                             storage::WriteBatch* batch);
  static void PutEvent(absl::string_view incident_id, const StoredEvent& now,
                       const StoredEvent* before, storage::WriteBatch* batch);
  static void DeleteEvent(absl::string_view incident_id,
                          const StoredEvent& event, storage::WriteBatch* batch);
  static void PutSource(absl::string_view incident_id, const StoredSource& now,
                        storage::WriteBatch* batch);
  static void DeleteSource(absl::string_view incident_id,
                           const StoredSource& source,
                           storage::WriteBatch* batch);
  static void PutRequest(absl::string_view request_id,
                         const RequestRecord& record,
                         storage::WriteBatch* batch);

  // Appends `batch` (not yet synced: see RocksStore::Append). Writers
  // commit through Changelog, which adds the change records.
  absl::StatusOr<storage::WriteToken> Append(const storage::WriteBatch& batch) {
    return db_->Append(batch);
  }

  absl::Status Close() { return db_->Close(); }
  storage::RocksStore& db() { return *db_; }
  const storage::RocksStore& db() const { return *db_; }

  static std::string SequenceKey(int64_t sequence);

 private:
  explicit IncidentStore(std::unique_ptr<storage::RocksStore> db)
      : db_(std::move(db)) {}
  // Computes the index counts when the meta marker is missing (see the
  // file comment).
  absl::Status EnsureIndexCounts();

  std::unique_ptr<storage::RocksStore> db_;
};

// The id part of "incidents/{id}" (the name itself if it has no prefix).
absl::string_view IncidentIdOf(absl::string_view name);
// The last segment of a resource name.
absl::string_view LastSegment(absl::string_view name);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_
