#include "catalog-service/catalog_store.h"

#include <cinttypes>
#include <cstdio>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "catalog-service/search_key.h"
#include "common/auth/redaction.h"
#include "common/storage/public_views.h"
#include "common/storage/stored_layout.h"

namespace atlas::catalog {
namespace {

constexpr absl::string_view kSep("\0", 1);

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
}

// 16 hex digits that sort newest first.
std::string InvertedTime(const google::protobuf::Timestamp& t) {
  uint64_t micros = static_cast<uint64_t>(t.seconds()) * 1000000u +
                    static_cast<uint64_t>(t.nanos() / 1000);
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, UINT64_MAX - micros);
  return buf;
}

std::string FilterPrefix(absl::string_view field, absl::string_view value,
                         char order) {
  return absl::StrCat("f", kSep, field, kSep, value, kSep,
                      absl::string_view(&order, 1), kSep);
}

constexpr char kCountsMarker[] = "index_counts";

std::string CountKey(absl::string_view field, absl::string_view value) {
  return absl::StrCat("count", kSep, field, kSep, value);
}

// The count key of a name-order filter entry (f\0<field>\0<value>\0n\0<id>),
// so that each organisation counts once per value; nullopt for any other
// index key.
std::optional<std::string> CountKeyOfEntry(absl::string_view key) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, kSep);
  if (parts.size() != 5 || parts[0] != "f" || parts[3] != "n") {
    return std::nullopt;
  }
  return CountKey(parts[1], parts[2]);
}

// The part of a key after its last separator: the id.
absl::string_view LastPart(absl::string_view key) {
  size_t pos = key.rfind('\0');
  return pos == absl::string_view::npos ? key : key.substr(pos + 1);
}

void ClearReadModel(v1::Organization* org) {
  org->clear_incident_count();
  org->clear_linked_incidents();
  org->clear_latest_incident_date();
  org->clear_redacted_fields();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CatalogStore>> CatalogStore::Open(
    const std::string& path, bool sync_writes,
    const storage::MemoryBudget& memory) {
  storage::RocksStore::Options options;
  options.path = path;
  options.column_families = {"organizations", "indexes", "requests",
                             "read_model",    "meta",    "public_views"};
  options.sync_writes = sync_writes;
  options.block_cache_bytes = memory.block_cache_bytes;
  options.memtable_bytes = memory.write_buffer_bytes;
  auto db = storage::RocksStore::Open(std::move(options));
  if (!db.ok()) return db.status();
  auto store = std::make_unique<CatalogStore>(*std::move(db));
  CatalogStore* s = store.get();
  // First the layout: a newer one is refused before anything below reads
  // or rewrites it.
  auto layout = storage::OpenLayout(
      *store->db_,
      {.owner = "catalog-service",
       .meta_family = kMeta,
       .current = kLayoutVersion,
       .migrations = {
           {.from = 1,
            .description = "read model date index, exact search entries",
            .run = [s](storage::WriteBatch*) -> absl::Status {
              // Each writes its own marker with its last batch, so a crash
              // between them redoes only what is missing.
              absl::Status done = s->MigrateReadModel();
              if (done.ok()) done = s->MigrateSearchIndex();
              return done;
            }}}});
  if (!layout.ok()) return layout.status();
  absl::Status refreshed = store->RefreshPublicViews();
  if (!refreshed.ok()) return refreshed;
  // Not a layout step: deleting the marker is how stale counts are
  // recounted (docs/reliability.md, finding 6), at any layout.
  absl::Status counted = store->EnsureIndexCounts();
  if (!counted.ok()) return counted;
  return store;
}

absl::Status CatalogStore::RefreshPublicViews() {
  // Records and read-model summaries, each against the policy it was
  // written under (common/storage/public_views.h).
  const std::string policy =
      auth::RedactionPolicy(v1::Organization::descriptor());
  auto records = storage::RefreshPublicViews(
      *db_,
      {.records = kOrganizations,
       .views = kPublicViews,
       .meta = kMeta,
       .policy_key = "public_view_policy",
       .records_prefix = "",
       .views_prefix = ""},
      policy,
      [](absl::string_view,
         absl::string_view value) -> absl::StatusOr<std::string> {
        v1::Organization org;
        if (!org.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return Corrupt("organization");
        }
        auth::RedactForPublic(&org);
        return org.SerializeAsString();
      });
  if (!records.ok()) return records.status();
  auto summaries = storage::RefreshPublicViews(
      *db_,
      {.records = kReadModel,
       .views = kReadModel,
       .meta = kMeta,
       .policy_key = "public_summary_policy",
       .records_prefix = SummaryKey(""),
       .views_prefix = PublicSummaryKey("")},
      policy,
      [](absl::string_view,
         absl::string_view value) -> absl::StatusOr<std::string> {
        v1::Organization summary;
        if (!summary.ParseFromArray(value.data(),
                                    static_cast<int>(value.size()))) {
          return Corrupt("read model");
        }
        return PublicSummary(std::move(summary)).SerializeAsString();
      });
  return summaries.status();
}

absl::Status CatalogStore::EnsureIndexCounts() {
  absl::StatusOr<std::string> marker =
      db_->Get(kMeta, kCountsMarker, storage::ReadView::kLatest);
  if (marker.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(marker.status())) return marker.status();
  std::map<std::string, int64_t> counts;
  absl::Status s = db_->ScanPrefix(
      kIndexes, absl::StrCat("f", kSep), storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view) {
        std::optional<std::string> count_key = CountKeyOfEntry(key);
        if (count_key.has_value()) ++counts[*count_key];
        return true;
      },
      storage::ReadView::kLatest);
  if (!s.ok()) return s;
  storage::WriteBatch batch;
  // Stale counts (none expected) go first.
  s = db_->ScanPrefix(
      kIndexes, absl::StrCat("count", kSep), storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view) {
        if (!counts.contains(std::string(key))) batch.Delete(kIndexes, key);
        return true;
      },
      storage::ReadView::kLatest);
  if (!s.ok()) return s;
  for (const auto& [key, count] : counts) {
    batch.Put(kIndexes, key, absl::StrCat(count));
  }
  batch.Put(kMeta, kCountsMarker, "1");
  return db_->Write(batch);
}

absl::StatusOr<int64_t> CatalogStore::IndexCount(absl::string_view field,
                                                 absl::string_view value,
                                                 storage::ReadView view) const {
  absl::StatusOr<std::string> stored =
      db_->Get(kIndexes, CountKey(field, value), view);
  if (absl::IsNotFound(stored.status())) return 0;
  if (!stored.ok()) return stored.status();
  int64_t count = 0;
  if (!absl::SimpleAtoi(*stored, &count)) return Corrupt("index count");
  return count;
}

std::string CatalogStore::DomainKey(absl::string_view domain) {
  return absl::StrCat("domain", kSep, domain);
}

std::string CatalogStore::ExternalReferenceKey(absl::string_view system,
                                               absl::string_view id) {
  return absl::StrCat("extref", kSep, system, kSep, id);
}

std::string CatalogStore::IdOf(absl::string_view organization_name) {
  absl::string_view id = organization_name;
  absl::ConsumePrefix(&id, "organizations/");
  return std::string(id);
}

std::map<std::string, std::string> CatalogStore::IndexEntries(
    const v1::Organization& org) {
  std::map<std::string, std::string> out;
  const std::string id = IdOf(org.name());
  const std::string inv = InvertedTime(org.create_time());
  for (const std::string& d : org.domains()) out[DomainKey(d)] = id;
  for (const auto& ref : org.external_references()) {
    out[ExternalReferenceKey(ref.system(), ref.id())] = id;
  }
  out[absl::StrCat("created", kSep, inv, kSep, id)] = "";
  auto filter = [&](absl::string_view field, absl::string_view value) {
    out[absl::StrCat(FilterPrefix(field, value, 'n'), id)] = "";
    out[absl::StrCat(FilterPrefix(field, value, 'c'), inv, kSep, id)] = "";
  };
  if (!org.country().empty()) filter("country", org.country());
  for (const std::string& s : org.sectors()) filter("sector", s);
  filter("type", v1::OrganizationType_Name(org.organization_type()));
  filter("nonprofit", org.non_profit() ? "true" : "false");
  if (!org.parent().empty()) filter("parent", IdOf(org.parent()));
  for (auto& [folded, value] : SearchEntries(org)) {
    if (value[0] == 'W') {
      out[absl::StrCat("exact", kSep, folded, kSep, id)] = value;
    }
    out[absl::StrCat("search", kSep, folded, kSep, id)] = std::move(value);
  }
  return out;
}

std::map<std::string, std::string> CatalogStore::SearchEntries(
    const v1::Organization& org) {
  // A whole-text entry wins over a word suffix with the same folded text,
  // and the display name over aliases over domains.
  std::map<std::string, std::string> out;
  auto search = [&](const std::string& text, char source) {
    std::string folded = FoldForSearch(text);
    if (folded.empty()) return;
    auto put = [&](const std::string& key_text, char kind) {
      auto it = out.find(key_text);
      if (it != out.end() && (it->second[0] == 'W' || kind == 'S')) return;
      out[key_text] = absl::StrCat(absl::string_view(&kind, 1),
                                   absl::string_view(&source, 1), text);
    };
    put(folded, 'W');
    for (const std::string& suffix : WordSuffixes(folded)) put(suffix, 'S');
  };
  search(org.display_name(), 'n');
  for (const std::string& a : org.aliases()) search(a, 'a');
  for (const std::string& d : org.domains()) search(d, 'd');
  return out;
}

absl::Status CatalogStore::MergeReadModel(absl::string_view id,
                                          v1::Organization* org,
                                          storage::ReadView view) const {
  auto bytes = db_->Get(kReadModel, SummaryKey(id), view);
  if (absl::IsNotFound(bytes.status())) return absl::OkStatus();
  if (!bytes.ok()) return bytes.status();
  v1::Organization summary;
  if (!summary.ParseFromString(*bytes)) return Corrupt("read model");
  org->set_incident_count(summary.incident_count());
  *org->mutable_linked_incidents() = summary.linked_incidents();
  if (summary.has_latest_incident_date()) {
    *org->mutable_latest_incident_date() = summary.latest_incident_date();
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Organization> CatalogStore::GetOrganization(
    absl::string_view id, storage::ReadView view) const {
  auto bytes = db_->Get(kOrganizations, id, view);
  if (!bytes.ok()) return bytes.status();
  v1::Organization org;
  if (!org.ParseFromString(*bytes)) return Corrupt("organization");
  absl::Status s = MergeReadModel(id, &org, view);
  if (!s.ok()) return s;
  return org;
}

absl::StatusOr<std::string> CatalogStore::GetOrganizationWire(
    absl::string_view id, bool members_view, storage::ReadView view) const {
  absl::StatusOr<std::string> bytes =
      db_->Get(members_view ? kOrganizations : kPublicViews, id, view);
  if (!members_view && absl::IsNotFound(bytes.status())) {
    // No view: stored before views were written (or no such record).
    bytes = db_->Get(kOrganizations, id, view);
    if (!bytes.ok()) return bytes.status();
    v1::Organization org;
    if (!org.ParseFromString(*bytes)) return Corrupt("organization");
    auth::RedactForPublic(&org);
    bytes = org.SerializeAsString();
  }
  if (!bytes.ok()) return bytes.status();
  // The stored record holds no read-model field, so appending the summary
  // (which holds only those) is exactly MergeReadModel: concatenated
  // messages parse as their merge.
  absl::StatusOr<std::string> summary = db_->Get(
      kReadModel, members_view ? SummaryKey(id) : PublicSummaryKey(id), view);
  if (!members_view && absl::IsNotFound(summary.status())) {
    // No public summary: written before they existed (or no summary).
    summary = db_->Get(kReadModel, SummaryKey(id), view);
    if (summary.ok()) {
      v1::Organization full;
      if (!full.ParseFromString(*summary)) return Corrupt("read model");
      summary = PublicSummary(std::move(full)).SerializeAsString();
    }
  }
  if (summary.ok()) {
    bytes->append(*summary);
  } else if (!absl::IsNotFound(summary.status())) {
    return summary.status();
  }
  return bytes;
}

absl::StatusOr<std::vector<std::optional<v1::Organization>>>
CatalogStore::GetOrganizations(const std::vector<std::string>& ids) const {
  std::vector<std::string> values;
  std::vector<bool> found;
  absl::Status s = db_->MultiGet(kOrganizations, ids, &values, &found);
  if (!s.ok()) return s;
  std::vector<std::optional<v1::Organization>> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!found[i]) continue;
    v1::Organization org;
    if (!org.ParseFromString(values[i])) return Corrupt("organization");
    s = MergeReadModel(ids[i], &org, storage::ReadView::kDurable);
    if (!s.ok()) return s;
    out[i] = std::move(org);
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> CatalogStore::DomainOwner(
    absl::string_view domain, storage::ReadView view) const {
  auto owner = db_->Get(kIndexes, DomainKey(domain), view);
  if (absl::IsNotFound(owner.status())) return std::optional<std::string>();
  if (!owner.ok()) return owner.status();
  return std::optional<std::string>(*std::move(owner));
}

absl::StatusOr<std::optional<std::string>>
CatalogStore::ExternalReferenceHolder(absl::string_view system,
                                      absl::string_view id,
                                      storage::ReadView view) const {
  auto holder = db_->Get(kIndexes, ExternalReferenceKey(system, id), view);
  if (absl::IsNotFound(holder.status())) return std::optional<std::string>();
  if (!holder.ok()) return holder.status();
  return std::optional<std::string>(*std::move(holder));
}

void CatalogStore::PutOrganization(const v1::Organization& org,
                                   const v1::Organization* previous,
                                   storage::WriteBatch* batch) {
  std::map<std::string, std::string> entries = IndexEntries(org);
  std::map<std::string, std::string> before;
  if (previous != nullptr) before = IndexEntries(*previous);
  for (const auto& [key, value] : before) {
    if (entries.contains(key)) continue;
    batch->Delete(kIndexes, key);
    std::optional<std::string> count_key = CountKeyOfEntry(key);
    if (count_key.has_value()) batch->Add(kIndexes, *count_key, -1);
  }
  for (const auto& [key, value] : entries) {
    batch->Put(kIndexes, key, value);
    if (before.contains(key)) continue;
    std::optional<std::string> count_key = CountKeyOfEntry(key);
    if (count_key.has_value()) batch->Add(kIndexes, *count_key, 1);
  }
  v1::Organization record = org;
  ClearReadModel(&record);
  batch->Put(kOrganizations, IdOf(org.name()), record.SerializeAsString());
  auth::RedactForPublic(&record);
  batch->Put(kPublicViews, IdOf(org.name()), record.SerializeAsString());
}

void CatalogStore::DeleteOrganization(const v1::Organization& org,
                                      storage::WriteBatch* batch) {
  for (const auto& [key, value] : IndexEntries(org)) {
    batch->Delete(kIndexes, key);
    std::optional<std::string> count_key = CountKeyOfEntry(key);
    if (count_key.has_value()) batch->Add(kIndexes, *count_key, -1);
  }
  const std::string id = IdOf(org.name());
  batch->Delete(kOrganizations, id);
  batch->Delete(kPublicViews, id);
  DeleteReadModel(id, batch);
}

absl::Status CatalogStore::ScanOrganizations(
    const ListIndex& index, Order order, absl::string_view after,
    absl::FunctionRef<bool(absl::string_view position,
                           const v1::Organization& org)>
        visit,
    storage::ReadView view) const {
  absl::Status inner;
  if (index.field.empty() && order == Order::kName) {
    // Name order over every organisation is the record family itself.
    std::string lower = after.empty() ? "" : absl::StrCat(after, kSep);
    absl::Status s = db_->Scan(
        kOrganizations, lower, "", storage::ScanDirection::kForward,
        [&](absl::string_view key, absl::string_view value) {
          v1::Organization org;
          if (!org.ParseFromString(std::string(value))) {
            inner = Corrupt("organization");
            return false;
          }
          inner = MergeReadModel(key, &org, view);
          if (!inner.ok()) return false;
          return visit(key, org);
        },
        view);
    return inner.ok() ? s : inner;
  }
  const std::string prefix =
      index.field.empty() ? absl::StrCat("created", kSep)
                          : FilterPrefix(index.field, index.value,
                                         order == Order::kName ? 'n' : 'c');
  const std::string lower =
      after.empty() ? prefix : absl::StrCat(prefix, after, kSep);
  absl::Status s = db_->Scan(
      kIndexes, lower, storage::PrefixSuccessor(prefix),
      storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view) {
        absl::string_view position = key.substr(prefix.size());
        auto org = GetOrganization(LastPart(key), view);
        if (absl::IsNotFound(org.status())) return true;
        if (!org.ok()) {
          inner = org.status();
          return false;
        }
        return visit(position, *org);
      },
      view);
  return inner.ok() ? s : inner;
}

namespace {

// Scans `prefix` of one search family ("search\0" or "exact\0" as `head`)
// from just past position `after`.
absl::Status ScanSearchFamily(
    const storage::RocksStore& db, absl::string_view head,
    absl::string_view prefix, absl::string_view after,
    absl::FunctionRef<bool(const CatalogStore::SearchEntry&)> visit) {
  // Just past `after`: keys are unique, so `after` + "\0" is the least key
  // greater than it.
  const std::string lower =
      after.empty() ? std::string(prefix) : absl::StrCat(head, after, kSep);
  if (lower < prefix) return absl::OkStatus();  // not a position of this scan
  return db.Scan(CatalogStore::kIndexes, lower,
                 storage::PrefixSuccessor(prefix),
                 storage::ScanDirection::kForward,
                 [&](absl::string_view key, absl::string_view value) {
                   if (value.size() < 2) return true;
                   absl::string_view rest = key.substr(head.size());
                   size_t sep = rest.rfind('\0');
                   if (sep == absl::string_view::npos) return true;
                   CatalogStore::SearchEntry entry{
                       rest.substr(0, sep), rest.substr(sep + 1),
                       value[0] == 'W',     value[1],
                       value.substr(2),     rest};
                   return visit(entry);
                 });
}

}  // namespace

absl::Status CatalogStore::ScanSearch(
    absl::string_view folded_prefix, absl::string_view after,
    absl::FunctionRef<bool(const SearchEntry&)> visit) const {
  const std::string head = absl::StrCat("search", kSep);
  return ScanSearchFamily(*db_, head, absl::StrCat(head, folded_prefix), after,
                          visit);
}

absl::Status CatalogStore::ScanWholeTexts(
    absl::string_view folded, absl::string_view after,
    absl::FunctionRef<bool(const SearchEntry&)> visit) const {
  const std::string head = absl::StrCat("exact", kSep);
  return ScanSearchFamily(*db_, head, absl::StrCat(head, folded, kSep), after,
                          visit);
}

absl::Status CatalogStore::MigrateSearchIndex() {
  constexpr char kLayoutKey[] = "search_layout";
  constexpr storage::ReadView kLatest = storage::ReadView::kLatest;
  auto layout = db_->Get(kMeta, kLayoutKey, kLatest);
  if (layout.ok() && *layout == "2") return absl::OkStatus();
  if (!layout.ok() && !absl::IsNotFound(layout.status())) {
    return layout.status();
  }
  storage::WriteBatch batch;
  absl::Status inner;
  const std::string head = absl::StrCat("search", kSep);
  absl::Status s = db_->ScanPrefix(
      kIndexes, head, storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        if (value.empty() || value[0] != 'W') return true;
        batch.Put(kIndexes,
                  absl::StrCat("exact", kSep, key.substr(head.size())), value);
        if (batch.size() >= 4096) {
          inner = db_->Write(batch);
          batch = storage::WriteBatch();
        }
        return inner.ok();
      },
      kLatest);
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  batch.Put(kMeta, kLayoutKey, "2");
  return db_->Write(batch);
}

}  // namespace atlas::catalog
