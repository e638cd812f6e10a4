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
//   meta       (reserved)
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
//       position = hex16(INT64_MAX - ordinal): newest first. A partial
//       date's interval never crosses a year boundary, so the year of
//       start_date buckets it exactly; a date range scans the years it
//       covers and checks the exact interval on the record.
//
// Page stability: a list cursor is the position of the last item served,
// and the next page starts strictly after it. An incident created later
// has a smaller position (it sorts before every cursor already handed
// out), so concurrent inserts never shift or repeat a page.
//
// The changelog is written in the same batch as the change it records
// (CommitChange), so a change and its log entry commit together or not at
// all. Sequences are 1, 2, 3, ... without gaps; the next one is recovered
// from the last key at open.
//
// Thread safety: reads may run concurrently with anything. CommitChange
// must be serialised by the caller (IncidentCore holds one write mutex),
// so sequences commit in order. Group commit: CommitChange appends without
// syncing; the writer releases its mutex and calls WaitDurable, which
// syncs for many writers at once and only then signals the notifier, so
// a change stream (which reads the durable view) never serves a change a
// crash could still lose.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/storage/rocks_store.h"
#include "incident-service/change_notifier.h"

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

// The secondary indexes an incident list can be driven by.
enum class IncidentIndex {
  kAll,
  kVictim,
  kCountry,
  kType,
  kDetermination,
  kMotive,
  kTechnique,
  kActorType,
  kStartYear,
};

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

  static absl::StatusOr<std::unique_ptr<IncidentStore>> Open(
      const std::string& path, bool sync_writes = true);

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
  // kAll) newest first, strictly after the position `cursor`.
  absl::Status ScanIncidentIndex(IncidentIndex index, absl::string_view value,
                                 absl::string_view cursor,
                                 IndexVisitor visit) const;
  // The smallest and largest start year indexed; nullopt when none.
  absl::StatusOr<std::optional<std::pair<int, int>>> StartYearRange() const;

  struct RequestRecord {
    std::string fingerprint;
    std::string name;
  };
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      absl::string_view request_id,
      storage::ReadView view = storage::ReadView::kDurable) const;

  // Loads durable changelog entries with sequence >= `from` (at most
  // `max`) into `out`, in order.
  absl::Status ReadChanges(int64_t from, size_t max,
                           std::deque<v1::IncidentChange>* out) const;
  absl::Status ScanChanges(
      int64_t from,
      absl::FunctionRef<bool(const v1::IncidentChange&)> visit) const;

  // The sequence the next changelog entry gets (1 for an empty log),
  // counting appended changes that may not be durable yet.
  int64_t next_sequence() const { return next_sequence_.load(); }
  // The sequence after the last durable change: the changelog a
  // WatchIncidentChanges stream may serve ends before it.
  int64_t durable_next_sequence() const {
    return durable_next_sequence_.load();
  }

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

  // Adds `change` with the next sequence to `batch`, appends it (not yet
  // synced: see RocksStore::Append) and on success takes the sequence.
  // Returns the sequence. The caller serialises calls (see the file
  // comment) and, after releasing its lock, calls WaitDurable before
  // acknowledging.
  absl::StatusOr<int64_t> CommitChange(storage::WriteBatch batch,
                                       v1::IncidentChange change);
  // CommitChange for several changes in one write (BatchCreateIncidents):
  // they take consecutive sequences in order and commit with `batch`, all
  // or nothing. Returns the first sequence. `changes` must not be empty.
  absl::StatusOr<int64_t> CommitChanges(storage::WriteBatch batch,
                                        std::vector<v1::IncidentChange> changes);

  // Returns once every write up to `token` (a last_write_token() taken by
  // the writer under its lock) is synced; then tells the notifier, in
  // sequence order, about every change that became durable. Errors: see
  // RocksStore::WaitDurable.
  absl::Status WaitDurable(storage::WriteToken token);
  storage::WriteToken last_write_token() const {
    return db_->last_write_token();
  }

  ChangeNotifier& notifier() { return notifier_; }

  absl::Status Close() { return db_->Close(); }
  storage::RocksStore& db() { return *db_; }

  static std::string SequenceKey(int64_t sequence);

 private:
  IncidentStore(std::unique_ptr<storage::RocksStore> db, int64_t next)
      : db_(std::move(db)), next_sequence_(next), durable_next_sequence_(next) {}

  std::unique_ptr<storage::RocksStore> db_;
  std::atomic<int64_t> next_sequence_;
  std::atomic<int64_t> durable_next_sequence_;
  ChangeNotifier notifier_;
  // Changes appended but not yet announced, in sequence order, with the
  // token of their write. Announced (and popped) once durable.
  struct PendingChange {
    storage::WriteToken token;
    v1::IncidentChange change;
  };
  absl::Mutex pending_mu_;
  std::deque<PendingChange> pending_ ABSL_GUARDED_BY(pending_mu_);
};

// The id part of "incidents/{id}" (the name itself if it has no prefix).
absl::string_view IncidentIdOf(absl::string_view name);
// The last segment of a resource name.
absl::string_view LastSegment(absl::string_view name);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_
