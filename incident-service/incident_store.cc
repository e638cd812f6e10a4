#include "incident-service/incident_store.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/partial_date.h"
#include "common/auth/redaction.h"
#include "common/status/status_macros.h"
#include "common/storage/public_views.h"
#include "common/storage/stored_layout.h"
#include "incident-service/incident_order_index.h"
#include "incident-service/incident_store_internal.h"

namespace atlas::incident {
namespace {

using store_internal::Corrupt;
using store_internal::DecodeBigEndian;
using store_internal::kSepView;

std::string Hex16(int64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(v));
  return buf;
}

std::string Position(int64_t ordinal) {
  return Hex16(std::numeric_limits<int64_t>::max() - ordinal);
}

std::string DayDigits(absl::CivilDay d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d", static_cast<int>(d.year()),
                d.month(), d.day());
  return buf;
}

template <typename Proto>
std::string Encode(const Stored<Proto>& s) {
  return absl::StrCat(IncidentStore::SequenceKey(s.ordinal),
                      s.record.SerializeAsString());
}

template <typename Proto>
absl::StatusOr<Stored<Proto>> Decode(absl::string_view value,
                                     absl::string_view what) {
  if (value.size() < 8) return Corrupt(what);
  Stored<Proto> out;
  out.ordinal = DecodeBigEndian(value.substr(0, 8));
  if (!out.record.ParseFromArray(value.data() + 8,
                                 static_cast<int>(value.size() - 8))) {
    return Corrupt(what);
  }
  return out;
}

std::string ChildKey(absl::string_view incident_id, absl::string_view id) {
  return absl::StrCat(incident_id, kSepView, id);
}

std::string TimelinePrefix(absl::string_view incident_id) {
  return absl::StrCat("timeline", kSepView, incident_id, kSepView);
}

std::string SourceOrderPrefix(absl::string_view incident_id) {
  return absl::StrCat("source_order", kSepView, incident_id, kSepView);
}

std::string TimelineSortKey(const StoredEvent& e) {
  const auto& date = e.record.effective_date();
  if (api::IsEmpty(date)) return absl::StrCat("1", Hex16(e.ordinal));
  api::DayInterval in = api::Interval(date);
  return absl::StrCat("0", DayDigits(in.first), DayDigits(in.last),
                      Hex16(e.ordinal));
}

std::string IndexPrefix(IncidentIndex index, absl::string_view value) {
  if (index == IncidentIndex::kAll) return absl::StrCat("list", kSepView);
  return absl::StrCat(IndexName(index), kSepView, value, kSepView);
}

constexpr absl::string_view kCountsMarker = "index_counts";
constexpr size_t kPositionSize = 16;  // Hex16

// The count key of the index value an entry key (prefix ++ position)
// belongs to.
std::string CountKeyOfEntry(absl::string_view entry_key) {
  return absl::StrCat("count", kSepView,
                      entry_key.substr(0, entry_key.size() - kPositionSize));
}

std::string CountKey(IncidentIndex index, absl::string_view value) {
  return absl::StrCat("count", kSepView, IndexPrefix(index, value));
}

// Every list-index key of an incident.
std::set<std::string> IndexKeys(const StoredIncident& s) {
  const std::string pos = Position(s.ordinal);
  std::set<std::string> keys;
  for (const auto& [index, value] : ListIndexValues(s.record)) {
    keys.insert(absl::StrCat(IndexPrefix(index, value), pos));
  }
  return keys;
}

}  // namespace

absl::string_view IncidentIdOf(absl::string_view name) {
  absl::ConsumePrefix(&name, "incidents/");
  return name;
}

absl::string_view LastSegment(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

std::string IncidentStore::SequenceKey(int64_t sequence) {
  std::string key(8, '\0');
  uint64_t v = static_cast<uint64_t>(sequence);
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return key;
}

absl::StatusOr<std::unique_ptr<IncidentStore>> IncidentStore::Open(
    const std::string& path, bool sync_writes,
    const storage::MemoryBudget& memory) {
  storage::RocksStore::Options options;
  options.path = path;
  options.column_families = {"incidents", "events",      "sources",
                             "indexes",   "changelog",   "requests",
                             "meta",      "public_views"};
  options.sync_writes = sync_writes;
  options.block_cache_bytes = memory.block_cache_bytes;
  options.memtable_bytes = memory.write_buffer_bytes;
  auto db = storage::RocksStore::Open(std::move(options));
  if (!db.ok()) return db.status();
  // First the layout: a newer one is refused before anything below reads
  // or rewrites it.
  storage::LayoutSpec layout{.owner = "incident-service",
                             .meta_family = kMeta,
                             .current = kLayoutVersion,
                             .migrations = {}};
  // 1 -> 2 rewrites nothing: layout 2 is layout 1 with its version stored.
  layout.migrations.push_back(
      {.from = 1,
       .description = "version stored",
       .run = [](storage::WriteBatch*) { return absl::OkStatus(); }});
  // 2 -> 3 adds the order indexes (incident_order_index.h).
  storage::RocksStore* raw = db->get();
  layout.migrations.push_back(
      {.from = 2,
       .description = "order indexes of ListIncidents order_by",
       .run = [raw](storage::WriteBatch* last) {
         return IncidentOrderIndex::Backfill(*raw, kIncidents, kIndexes, last);
       }});
  RETURN_IF_ERROR(storage::OpenLayout(**db, layout).status());
  // Public views written under another redaction policy (an older build
  // with fewer members-only fields) are rewritten before anything reads
  // them.
  auto refreshed = storage::RefreshPublicViews(
      **db,
      {.records = kIncidents,
       .views = kPublicViews,
       .meta = kMeta,
       .policy_key = "public_view_policy",
       .records_prefix = "",
       .views_prefix = ""},
      auth::RedactionPolicy(v1::Incident::descriptor()),
      [](absl::string_view,
         absl::string_view value) -> absl::StatusOr<std::string> {
        ASSIGN_OR_RETURN(StoredIncident stored,
                         Decode<v1::Incident>(value, "incident"));
        auth::RedactForPublic(&stored.record);
        return stored.record.SerializeAsString();
      });
  if (!refreshed.ok()) return refreshed.status();
  std::unique_ptr<IncidentStore> store(new IncidentStore(*std::move(db)));
  RETURN_IF_ERROR(store->EnsureIndexCounts());
  return store;
}

absl::Status IncidentStore::EnsureIndexCounts() {
  absl::StatusOr<std::string> marker =
      db_->Get(kMeta, kCountsMarker, storage::ReadView::kLatest);
  if (marker.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(marker.status())) return marker.status();
  // One pass over every list index (their names, each followed by \0).
  std::map<std::string, int64_t> counts;
  for (IncidentIndex index :
       {IncidentIndex::kAll, IncidentIndex::kVictim, IncidentIndex::kCountry,
        IncidentIndex::kType, IncidentIndex::kDetermination,
        IncidentIndex::kMotive, IncidentIndex::kTechnique,
        IncidentIndex::kActorType, IncidentIndex::kStartYear,
        IncidentIndex::kExternalReference}) {
    RETURN_IF_ERROR(db_->ScanPrefix(
        kIndexes, absl::StrCat(IndexName(index), kSepView),
        storage::ScanDirection::kForward,
        [&](absl::string_view key, absl::string_view) {
          if (key.size() > kPositionSize) ++counts[CountKeyOfEntry(key)];
          return true;
        },
        storage::ReadView::kLatest));
  }
  storage::WriteBatch batch;
  // Stale counts (none expected) go first.
  RETURN_IF_ERROR(db_->ScanPrefix(
      kIndexes, absl::StrCat("count", kSepView),
      storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view) {
        if (!counts.contains(std::string(key))) batch.Delete(kIndexes, key);
        return true;
      },
      storage::ReadView::kLatest));
  for (const auto& [key, count] : counts) {
    batch.Put(kIndexes, key, absl::StrCat(count));
  }
  batch.Put(kMeta, kCountsMarker, "1");
  return db_->Write(batch);
}

absl::StatusOr<StoredIncident> IncidentStore::GetIncident(
    absl::string_view id, storage::ReadView view) const {
  auto bytes = db_->Get(kIncidents, id, view);
  if (!bytes.ok()) return bytes.status();
  return Decode<v1::Incident>(*bytes, "incident");
}

absl::StatusOr<std::string> IncidentStore::GetIncidentWire(
    absl::string_view id, bool members_view, storage::ReadView view) const {
  if (!members_view) {
    absl::StatusOr<std::string> bytes = db_->Get(kPublicViews, id, view);
    if (!absl::IsNotFound(bytes.status())) return bytes;
    // No view: the record was stored before views were written (or does
    // not exist). Redact it here.
    ASSIGN_OR_RETURN(StoredIncident stored, GetIncident(id, view));
    auth::RedactForPublic(&stored.record);
    return stored.record.SerializeAsString();
  }
  ASSIGN_OR_RETURN(std::string bytes, db_->Get(kIncidents, id, view));
  if (bytes.size() < 8) return Corrupt("incident");
  bytes.erase(0, 8);  // the ordinal; the rest is the Incident as stored
  return bytes;
}

absl::StatusOr<StoredEvent> IncidentStore::GetEvent(
    absl::string_view incident_id, absl::string_view event_id,
    storage::ReadView view) const {
  auto bytes = db_->Get(kEvents, ChildKey(incident_id, event_id), view);
  if (!bytes.ok()) return bytes.status();
  return Decode<v1::TimelineEvent>(*bytes, "event");
}

absl::StatusOr<StoredSource> IncidentStore::GetSource(
    absl::string_view incident_id, absl::string_view source_id,
    storage::ReadView view) const {
  auto bytes = db_->Get(kSources, ChildKey(incident_id, source_id), view);
  if (!bytes.ok()) return bytes.status();
  return Decode<v1::Source>(*bytes, "source");
}

absl::StatusOr<std::vector<StoredEvent>> IncidentStore::AllEvents(
    absl::string_view incident_id, storage::ReadView view) const {
  std::vector<std::string> ids;
  absl::Status s = ScanTimeline(
      incident_id, "",
      [&](absl::string_view, absl::string_view id) {
        ids.emplace_back(id);
        return true;
      },
      view);
  if (!s.ok()) return s;
  std::vector<StoredEvent> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    auto e = GetEvent(incident_id, id, view);
    if (!e.ok()) return e.status();
    out.push_back(*std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<StoredSource>> IncidentStore::AllSources(
    absl::string_view incident_id, storage::ReadView view) const {
  std::vector<StoredSource> out;
  absl::Status parse_error;
  absl::Status s = db_->ScanPrefix(
      kSources, ChildKey(incident_id, ""), storage::ScanDirection::kForward,
      [&](absl::string_view, absl::string_view value) {
        auto source = Decode<v1::Source>(value, "source");
        if (!source.ok()) {
          parse_error = source.status();
          return false;
        }
        out.push_back(*std::move(source));
        return true;
      },
      view);
  if (!parse_error.ok()) return parse_error;
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(),
            [](const StoredSource& a, const StoredSource& b) {
              return a.ordinal < b.ordinal;
            });
  return out;
}

namespace {

// Scans `prefix` strictly after prefix+cursor; visit(cursor, value).
// Reversed: backward, strictly before prefix+cursor.
absl::Status ScanAfter(const storage::RocksStore& db, absl::string_view prefix,
                       absl::string_view cursor,
                       IncidentStore::IndexVisitor visit,
                       storage::ReadView view = storage::ReadView::kDurable,
                       bool reversed = false) {
  std::string lower = std::string(prefix);
  std::string upper = storage::PrefixSuccessor(prefix);
  if (!cursor.empty() && reversed) {
    upper = absl::StrCat(prefix, cursor);
  } else if (!cursor.empty()) {
    // The smallest key greater than prefix+cursor.
    lower = absl::StrCat(prefix, cursor, kSepView);
  }
  return db.Scan(
      IncidentStore::kIndexes, lower, upper,
      reversed ? storage::ScanDirection::kReverse
               : storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        return visit(key.substr(prefix.size()), value);
      },
      view);
}

}  // namespace

absl::Status IncidentStore::ScanTimeline(absl::string_view incident_id,
                                         absl::string_view cursor,
                                         IndexVisitor visit,
                                         storage::ReadView view) const {
  return ScanAfter(*db_, TimelinePrefix(incident_id), cursor, visit, view);
}

absl::Status IncidentStore::ScanSourceOrder(absl::string_view incident_id,
                                            absl::string_view cursor,
                                            IndexVisitor visit) const {
  return ScanAfter(*db_, SourceOrderPrefix(incident_id), cursor, visit);
}

absl::Status IncidentStore::ScanIncidentIndex(IncidentIndex index,
                                              absl::string_view value,
                                              absl::string_view cursor,
                                              IndexVisitor visit,
                                              bool oldest_first) const {
  return ScanAfter(*db_, IndexPrefix(index, value), cursor, visit,
                   storage::ReadView::kDurable, oldest_first);
}

absl::Status IncidentStore::ScanOrderIndex(
    const IncidentOrder& order, absl::string_view cursor,
    const IncidentOrderIndex::Bounds& bounds, IndexVisitor visit) const {
  return IncidentOrderIndex::Scan(*db_, kIndexes, order, cursor, bounds, visit);
}

absl::StatusOr<int64_t> IncidentStore::IndexCount(
    IncidentIndex index, absl::string_view value,
    storage::ReadView view) const {
  absl::StatusOr<std::string> stored =
      db_->Get(kIndexes, CountKey(index, value), view);
  if (absl::IsNotFound(stored.status())) return 0;
  if (!stored.ok()) return stored.status();
  int64_t count = 0;
  if (!absl::SimpleAtoi(*stored, &count)) return Corrupt("index count");
  return count;
}

absl::StatusOr<std::optional<std::string>>
IncidentStore::ExternalReferenceHolder(absl::string_view key,
                                       storage::ReadView view) const {
  std::optional<std::string> holder;
  RETURN_IF_ERROR(db_->ScanPrefix(
      kIndexes, IndexPrefix(IncidentIndex::kExternalReference, key),
      storage::ScanDirection::kForward,
      [&](absl::string_view, absl::string_view id) {
        holder = std::string(id);
        return false;
      },
      view));
  return holder;
}

absl::StatusOr<std::vector<std::pair<int, int64_t>>>
IncidentStore::StartYearCounts(int first, int last) const {
  std::vector<std::pair<int, int64_t>> out;
  if (first > last) return out;
  const std::string prefix = CountKey(IncidentIndex::kStartYear, "");
  char lower[8], upper[8];
  std::snprintf(lower, sizeof(lower), "%04d", std::clamp(first, 0, 9999));
  std::snprintf(upper, sizeof(upper), "%04d", std::clamp(last, 0, 9999));
  absl::Status parse_error;
  // prefix is count\0start_year\0\0: the value goes before the last \0.
  const absl::string_view head(prefix.data(), prefix.size() - 1);
  RETURN_IF_ERROR(
      db_->Scan(kIndexes, absl::StrCat(head, lower),
                storage::PrefixSuccessor(absl::StrCat(head, upper)),
                storage::ScanDirection::kForward,
                [&](absl::string_view key, absl::string_view value) {
                  int year = 0;
                  int64_t count = 0;
                  if (!absl::SimpleAtoi(key.substr(head.size(), 4), &year) ||
                      !absl::SimpleAtoi(value, &count)) {
                    parse_error = Corrupt("index count");
                    return false;
                  }
                  if (count > 0) out.emplace_back(year, count);
                  return true;
                }));
  RETURN_IF_ERROR(parse_error);
  return out;
}

absl::StatusOr<std::optional<IncidentStore::RequestRecord>>
IncidentStore::GetRequest(absl::string_view request_id,
                          storage::ReadView view) const {
  return storage::GetRequestRecord(*db_, kRequests, request_id, view);
}

void IncidentStore::PutIncident(const StoredIncident& now,
                                const StoredIncident* before,
                                storage::WriteBatch* batch) {
  absl::string_view id = IncidentIdOf(now.record.name());
  std::set<std::string> new_keys = IndexKeys(now);
  std::set<std::string> old_keys;
  if (before != nullptr) old_keys = IndexKeys(*before);
  for (const std::string& k : old_keys) {
    if (new_keys.count(k) == 0) {
      batch->Delete(kIndexes, k);
      batch->Add(kIndexes, CountKeyOfEntry(k), -1);
    }
  }
  for (const std::string& k : new_keys) {
    batch->Put(kIndexes, k, id);
    if (old_keys.count(k) == 0) batch->Add(kIndexes, CountKeyOfEntry(k), 1);
  }
  IncidentOrderIndex::Put(kIndexes, now.record,
                          before == nullptr ? nullptr : &before->record, batch);
  batch->Put(kIncidents, id, Encode(now));
  v1::Incident public_view = now.record;
  auth::RedactForPublic(&public_view);
  batch->Put(kPublicViews, id, public_view.SerializeAsString());
}

void IncidentStore::DeleteIncident(const StoredIncident& incident,
                                   storage::WriteBatch* batch) {
  for (const std::string& k : IndexKeys(incident)) {
    batch->Delete(kIndexes, k);
    batch->Add(kIndexes, CountKeyOfEntry(k), -1);
  }
  IncidentOrderIndex::Delete(kIndexes, incident.record, batch);
  batch->Delete(kIncidents, IncidentIdOf(incident.record.name()));
  batch->Delete(kPublicViews, IncidentIdOf(incident.record.name()));
}

void IncidentStore::PutEvent(absl::string_view incident_id,
                             const StoredEvent& now, const StoredEvent* before,
                             storage::WriteBatch* batch) {
  absl::string_view id = LastSegment(now.record.name());
  const std::string new_key =
      absl::StrCat(TimelinePrefix(incident_id), TimelineSortKey(now));
  if (before != nullptr) {
    std::string old_key =
        absl::StrCat(TimelinePrefix(incident_id), TimelineSortKey(*before));
    if (old_key != new_key) batch->Delete(kIndexes, old_key);
  }
  batch->Put(kIndexes, new_key, id);
  batch->Put(kEvents, ChildKey(incident_id, id), Encode(now));
}

void IncidentStore::DeleteEvent(absl::string_view incident_id,
                                const StoredEvent& event,
                                storage::WriteBatch* batch) {
  batch->Delete(kIndexes, absl::StrCat(TimelinePrefix(incident_id),
                                       TimelineSortKey(event)));
  batch->Delete(kEvents,
                ChildKey(incident_id, LastSegment(event.record.name())));
}

void IncidentStore::PutSource(absl::string_view incident_id,
                              const StoredSource& now,
                              storage::WriteBatch* batch) {
  absl::string_view id = LastSegment(now.record.name());
  batch->Put(kIndexes,
             absl::StrCat(SourceOrderPrefix(incident_id), Hex16(now.ordinal)),
             id);
  batch->Put(kSources, ChildKey(incident_id, id), Encode(now));
}

void IncidentStore::DeleteSource(absl::string_view incident_id,
                                 const StoredSource& source,
                                 storage::WriteBatch* batch) {
  batch->Delete(kIndexes, absl::StrCat(SourceOrderPrefix(incident_id),
                                       Hex16(source.ordinal)));
  batch->Delete(kSources,
                ChildKey(incident_id, LastSegment(source.record.name())));
}

void IncidentStore::PutRequest(absl::string_view request_id,
                               const RequestRecord& record,
                               storage::WriteBatch* batch) {
  storage::PutRequestRecord(kRequests, request_id, record, batch);
}

}  // namespace atlas::incident
