// CatalogStore: catalog-service's key layout over common/storage.
//
// Column families and keys. Ids are [a-z0-9-] and stored text never holds
// control characters (validation refuses them), so '\0' never occurs
// inside a key part and separates them.
//
//   organizations  <id>                               -> Organization (binary;
//                                                        without read model)
//   indexes        domain\0<domain>                   -> <id>
//                  extref\0<system>\0<external id>    -> <id>
//                  created\0<inv time>\0<id>          -> ""
//                  f\0<field>\0<value>\0n\0<id>       -> ""  (by name)
//                  f\0<field>\0<value>\0c\0<inv time>\0<id> -> ""
//                                                        (by create_time desc)
//                  search\0<folded text>\0<id>        -> <kind><source><text>
//                  exact\0<folded text>\0<id>         -> the same, for whole
//                                                        texts (kind 'W') only
//                  count\0<field>\0<value>            -> decimal: entries of
//                                                        that f\0 index value
//                                                        (one per organisation)
//   requests       <request_id>                       -> RequestRecord: 32-byte
//                                                        fingerprint + name
//   read_model     link\0<org id>\0<incident id>      -> PartialDate (binary):
//                                                        the incident's start
//                                                        (else disclosure) date
//                  date\0<org id>\0<date key>\0<incident id> -> the same
//                                                        PartialDate: the links
//                                                        newest first (see
//                                                        DateKey)
//                  summary\0<org id>                  -> Organization holding
//                                                        only incident_count
//                                                        (the counter),
//                                                        linked_incidents (the
//                                                        newest
//                                                        kLinkedIncidentsShown)
//                                                        and
//                                                        latest_incident_date
//                  public_summary\0<org id>           -> the same with members-
//                                                        only fields cleared
//                                                        (written with it)
//   public_views   <id>                               -> Organization (binary):
//                                                        the record's public
//                                                        view
//                                                        (RedactForPublic),
//                                                        written with it
//   meta           incident_cursor                    -> last applied
//                                                        IncidentChange.sequence
//                                                        (decimal)
//                  incident_generation                -> the changelog
//                                                        generation the
//                                                        cursor belongs to
//                                                        (IncidentChange.
//                                                        changelog_generation;
//                                                        absent: none seen)
//                  read_model_layout                  -> "2" once the read
//                                                        model has the date
//                                                        index and bounded
//                                                        summaries (Open
//                                                        migrates older
//                                                        databases)
//                  index_counts                       -> "1" once counts kept
//                  layout_version                     -> decimal: the layout
//                                                        below (kLayoutVersion;
//                                                        common/storage/
//                                                        stored_layout.h)
//
// Layout versions (kLayoutVersion; Open refuses a newer one and migrates an
// older one, see common/storage/stored_layout.h):
//   1  no layout_version key: every release before layouts were versioned.
//      Its own markers (read_model_layout, search_layout) say which of its
//      later additions a database has.
//   2  the layout above. 1 -> 2 runs the migrations those markers gate
//      (MigrateReadModel, MigrateSearchIndex); at 2 they are done and no
//      longer checked. The index_counts marker is checked at every open,
//      whatever the layout: deleting it is how counts are recounted.
//
// Secondary indexes (all in `indexes`, written in the same batch as the
// record, moved atomically on update):
// - `f\0<field>\0<value>` for the List filters: field is one of country
//   (alpha-2), sector (one entry per sector), type (OrganizationType enum
//   name, always present), nonprofit ("true"/"false", always present) and
//   parent (the parent's id, when set). Each entry exists twice, once per
//   List order, so a filtered page in either order is a range scan.
// - `count\0<field>\0<value>`: how many organisations the `f\0` index
//   value holds, for the List planner only (never served to callers).
//   Kept by PutOrganization / DeleteOrganization in the same batch as the
//   entries (WriteBatch::Add: read-modify-write under RocksStore's append
//   lock); absent means 0. Open computes them in one pass over the `f\0`
//   entries when the meta marker `index_counts` is missing (a database
//   written before counts existed) and sets the marker in the same batch.
// - `extref\0<system>\0<external id>`: the holder of each external
//   reference pair, in stored form (system lower-cased, id as given; an id
//   holds no control character, so '\0' ends the system). Like `domain\0`
//   it is written, moved and removed with the record (IndexEntries), and
//   CatalogCore checks it under the writer's mutex. A database written
//   before external references existed has no such entry and needs none:
//   its records hold no reference, so nothing is migrated at Open.
// - `created\0` orders every organisation by create_time, newest first:
//   <inv time> is 16 hex digits of (2^64-1 - create_time in microseconds),
//   ties broken by id. Name order needs no index: it is `organizations`.
// - `search\0<folded text>` holds FoldForSearch() of the display name,
//   each alias and each domain (kind 'W', whole text) and of every
//   word-suffix of them (kind 'S', see WordSuffixes()); source is 'n'
//   (display name), 'a' (alias) or 'd' (domain); the value ends with the
//   text as stored, for SearchResult.matched_text. `exact\0` repeats the
//   whole-text entries alone, so that exact matches of a word that ends
//   many names ("group") are not behind that word's suffix entries.
//   Exact and prefix matches are prefix scans resumed at a position
//   (OrganizationSearch); there is no substring (mid-word) index.
//
// Read model: every key of one organisation's read model lies in two
// ranges (link\0<id>\0, date\0<id>\0) and two point keys, so
// DeleteReadModel drops it in four writes whatever its size. The per-link
// keys are read by scans only (see WriteBatch::DeleteRange).
//
// The store does not enforce business rules; CatalogCore and
// IncidentReadModel do, holding their GroupCommitWriter's mutex across the
// reads that decide and the batch that commits.
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_STORE_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/type/v1/partial_date.pb.h"
#include "common/storage/memory_budget.h"
#include "common/storage/request_records.h"
#include "common/storage/rocks_store.h"

namespace atlas::catalog {

class CatalogStore {
 public:
  // Column family indexes, in the order passed to RocksStore::Open.
  enum Family : int {
    kOrganizations = 0,
    kIndexes = 1,
    kRequests = 2,
    kReadModel = 3,
    kMeta = 4,
    kPublicViews = 5,
  };

  // The stored layout this build reads and writes (see the file comment).
  static constexpr int kLayoutVersion = 2;

  // Opens the database at `path`, migrating an older layout to
  // kLayoutVersion. FAILED_PRECONDITION, before anything is read or
  // rewritten, if a newer release wrote it (storage::OpenLayout); the
  // RocksStore's errors (UNAVAILABLE if another process has it open).
  static absl::StatusOr<std::unique_ptr<CatalogStore>> Open(
      const std::string& path, bool sync_writes = true,
      const storage::MemoryBudget& memory = {});

  explicit CatalogStore(std::unique_ptr<storage::RocksStore> db)
      : db_(std::move(db)) {}

  // The organisation with `id`, its read model merged in; NOT_FOUND if
  // none.
  //
  // Reads take a `view`: kDurable (the default) sees only synced writes,
  // what API reads serve; kLatest also sees appended, unsynced ones, for
  // the writer's checks under the GroupCommitWriter's mutex (see
  // common/storage/rocks_store.h).
  // GetOrganization's answer as wire bytes (a serialized Organization with
  // its read model): the record as stored when `members_view`, else its
  // public view, written by PutOrganization (a record stored before views
  // existed is redacted here). NOT_FOUND if there is none.
  absl::StatusOr<std::string> GetOrganizationWire(
      absl::string_view id, bool members_view,
      storage::ReadView view = storage::ReadView::kDurable) const;
  absl::StatusOr<v1::Organization> GetOrganization(
      absl::string_view id,
      storage::ReadView view = storage::ReadView::kDurable) const;

  // The organisations with `ids`, in order, read model merged in; nullopt
  // for the missing ones.
  absl::StatusOr<std::vector<std::optional<v1::Organization>>> GetOrganizations(
      const std::vector<std::string>& ids) const;

  // The id of the organisation owning `domain`, if any.
  absl::StatusOr<std::optional<std::string>> DomainOwner(
      absl::string_view domain,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // The id of the organisation holding the external reference
  // (`system`, `id`), in stored form (system lower-case), if any.
  absl::StatusOr<std::optional<std::string>> ExternalReferenceHolder(
      absl::string_view system, absl::string_view id,
      storage::ReadView view = storage::ReadView::kDurable) const;

  // The request record of `request_id` (common/storage/request_records.h,
  // in the `requests` family); nullopt if none, DATA_LOSS if malformed.
  using RequestRecord = storage::RequestRecord;
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      absl::string_view request_id,
      storage::ReadView view = storage::ReadView::kDurable) const {
    return storage::GetRequestRecord(*db_, kRequests, request_id, view);
  }

  // Adds to `batch` the writes that store `org` (new or changed), moving
  // its index entries from `previous` (null for a new one). Read-model
  // fields of `org` are not stored in the record.
  static void PutOrganization(const v1::Organization& org,
                              const v1::Organization* previous,
                              storage::WriteBatch* batch);
  // Adds to `batch` the removal of `org`, its index entries and its whole
  // read model (DeleteReadModel: O(1) writes, whatever its link count).
  static void DeleteOrganization(const v1::Organization& org,
                                 storage::WriteBatch* batch);
  static void PutRequest(absl::string_view request_id,
                         const RequestRecord& record,
                         storage::WriteBatch* batch) {
    storage::PutRequestRecord(kRequests, request_id, record, batch);
  }

  // --- Lists --------------------------------------------------------------
  enum class Order { kName, kCreateTimeDesc };
  // One index to drive a List: field is "" (every organisation), or one
  // of "country", "sector", "type", "nonprofit", "parent" with its value.
  struct ListIndex {
    std::string field;
    std::string value;
  };
  // The number of organisations in the `f\0<field>\0<value>` index (0 when
  // none). Internal to list planning: never serve it to a caller.
  absl::StatusOr<int64_t> IndexCount(
      absl::string_view field, absl::string_view value,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // Visits organisations of `index` in `order`, starting after position
  // `after` (empty: from the start). `visit(position, org)` returns false
  // to stop; `position` is opaque and resumes the scan just after `org`.
  // Records whose index entry has no record (never expected) are skipped.
  absl::Status ScanOrganizations(
      const ListIndex& index, Order order, absl::string_view after,
      absl::FunctionRef<bool(absl::string_view position,
                             const v1::Organization& org)>
          visit,
      storage::ReadView view = storage::ReadView::kDurable) const;

  // --- Search -------------------------------------------------------------
  struct SearchEntry {
    absl::string_view folded;  // the folded key text
    absl::string_view id;
    bool whole;              // the whole name/alias/domain, not a word suffix
    char source;             // 'n' display name, 'a' alias, 'd' domain
    absl::string_view text;  // the text as stored
    // Opaque position of this entry (<folded>\0<id>): a scan started
    // `after` it resumes just past it.
    absl::string_view position;
  };
  // Visits search entries whose folded text starts with `folded_prefix`
  // (every entry for an empty prefix), in key order (folded text, then
  // id), starting just after position `after` (empty: from the start),
  // until `visit` returns false.
  absl::Status ScanSearch(
      absl::string_view folded_prefix, absl::string_view after,
      absl::FunctionRef<bool(const SearchEntry&)> visit) const;
  absl::Status ScanSearch(
      absl::string_view folded_prefix,
      absl::FunctionRef<bool(const SearchEntry&)> visit) const {
    return ScanSearch(folded_prefix, "", visit);
  }
  // Visits the whole-text entries (exact\0) whose folded text is exactly
  // `folded`, by id, starting just after position `after` (empty: from
  // the start), until `visit` returns false.
  absl::Status ScanWholeTexts(
      absl::string_view folded, absl::string_view after,
      absl::FunctionRef<bool(const SearchEntry&)> visit) const;
  // Adds the exact\0 entries to a database indexed before they existed
  // (from its search\0 'W' entries; no record is read). Idempotent; a
  // no-op once done (meta search_layout). Called by Open; public for tests.
  absl::Status MigrateSearchIndex();
  // The search entries of `org`: folded text -> value (kind 'W' or 'S',
  // source, text as stored), as IndexEntries writes them.
  static std::map<std::string, std::string> SearchEntries(
      const v1::Organization& org);

  // --- Read model (catalog_store_read_model.cc) ---------------------------
  // How many linked incidents a summary holds (the newest).
  static constexpr int kLinkedIncidentsShown = 20;
  // True if the organisation record `id` exists (read model not read).
  absl::StatusOr<bool> OrganizationExists(
      absl::string_view id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // The date of the link from `org_id` to `incident_id`; nullopt if none.
  absl::StatusOr<std::optional<type::v1::PartialDate>> GetLink(
      absl::string_view org_id, absl::string_view incident_id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // Visits the links of `org_id` newest first (undated last, ties by
  // incident id) until `visit(incident_id, date, date_key)` returns false.
  // Reads only the entries visited.
  absl::Status ScanNewestLinks(
      absl::string_view org_id,
      absl::FunctionRef<bool(absl::string_view incident_id,
                             const type::v1::PartialDate& date,
                             absl::string_view date_key)>
          visit,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // The stored summary of `org_id` (incident_count, linked_incidents,
  // latest_incident_date); an empty one if none.
  absl::StatusOr<v1::Organization> GetSummary(
      absl::string_view org_id,
      storage::ReadView view = storage::ReadView::kDurable) const;
  // Adds the link (and its date index entry) to `batch`.
  static void PutLink(absl::string_view org_id, absl::string_view incident_id,
                      const type::v1::PartialDate& date,
                      storage::WriteBatch* batch);
  // Removes the link stored with `date` (and its date index entry).
  static void DeleteLink(absl::string_view org_id,
                         absl::string_view incident_id,
                         const type::v1::PartialDate& date,
                         storage::WriteBatch* batch);
  // The date index key of a link: sorts newest first (by interval start,
  // then end, descending), undated (or invalid) dates last, then by
  // incident id.
  static std::string DateKey(const type::v1::PartialDate& date,
                             absl::string_view incident_id);
  // Stores the summary (incident_count, linked_incidents,
  // latest_incident_date of `summary`) of `org_id`; removes it when the
  // count is 0.
  static void PutSummary(absl::string_view org_id,
                         const v1::Organization& summary,
                         storage::WriteBatch* batch);
  // Adds to `batch` the removal of the whole read model of `org_id`
  // (links, date index, summaries) in four writes, whatever its size.
  static void DeleteReadModel(absl::string_view org_id,
                              storage::WriteBatch* batch);
  // The last applied change sequence; 0 if none.
  absl::StatusOr<int64_t> GetIncidentCursor(
      storage::ReadView view = storage::ReadView::kDurable) const;
  static void PutIncidentCursor(int64_t sequence, storage::WriteBatch* batch);
  // The changelog generation the cursor belongs to; empty if none stored
  // (written with the cursor: see IncidentReadModel).
  absl::StatusOr<std::string> GetIncidentGeneration(
      storage::ReadView view = storage::ReadView::kDurable) const;
  // Stores `generation`; an empty one removes it.
  static void PutIncidentGeneration(absl::string_view generation,
                                    storage::WriteBatch* batch);
  // Brings a read model stored before the date index (layout 1: summaries
  // holding every link, links of deleted organisations kept) to layout 2:
  // rebuilt from the links of each existing organisation; the read model of
  // organisations that do not exist is dropped. Idempotent; a no-op once
  // done. Called by Open; public for tests.
  absl::Status MigrateReadModel();

  // Group commit (see RocksStore and storage::GroupCommitWriter): Append
  // under the writer's mutex; the writer waits for durability after
  // releasing it.
  absl::StatusOr<storage::WriteToken> Append(const storage::WriteBatch& batch) {
    return db_->Append(batch);
  }
  absl::Status WaitDurable(storage::WriteToken token) {
    return db_->WaitDurable(token);
  }
  storage::WriteToken last_write_token() const {
    return db_->last_write_token();
  }

  // Closes the database (see RocksStore::Close).
  absl::Status Close() { return db_->Close(); }

  storage::RocksStore& db() { return *db_; }

  // Key helpers, public for tests.
  static std::string DomainKey(absl::string_view domain);
  static std::string ExternalReferenceKey(absl::string_view system,
                                          absl::string_view id);
  static std::string IdOf(absl::string_view organization_name);
  // Every index entry (key -> value) `org` has.
  static std::map<std::string, std::string> IndexEntries(
      const v1::Organization& org);

 private:
  // Rewrites the stored public views and public summaries when the
  // redaction policy they were written under differs from this build's
  // (see common/storage/public_views.h). At Open, before serving.
  absl::Status RefreshPublicViews();
  absl::Status MergeReadModel(absl::string_view id, v1::Organization* org,
                              storage::ReadView view) const;
  static std::string SummaryKey(absl::string_view org_id);
  static std::string PublicSummaryKey(absl::string_view org_id);
  // The summary as a public caller may see it: members-only fields cleared
  // but not listed (the organisation's public view lists them), so that
  // appending it to that view stays the view of the merged record.
  static v1::Organization PublicSummary(v1::Organization summary);
  // Computes the index counts when the meta marker is missing.
  absl::Status EnsureIndexCounts();

  std::unique_ptr<storage::RocksStore> db_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_STORE_H_
