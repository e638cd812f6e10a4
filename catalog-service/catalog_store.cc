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

namespace atlas::catalog {
namespace {

constexpr absl::string_view kSep("\0", 1);
constexpr char kCursorKey[] = "incident_cursor";

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

std::string LinkPrefix(absl::string_view org_id) {
  return absl::StrCat("link", kSep, org_id, kSep);
}

std::string SummaryKey(absl::string_view org_id) {
  return absl::StrCat("summary", kSep, org_id);
}

std::string PublicSummaryKey(absl::string_view org_id) {
  return absl::StrCat("public_summary", kSep, org_id);
}

// The summary as a public caller may see it: members-only fields cleared
// but not listed (the organisation's public view lists them), so that
// appending it to that view stays the view of the merged record.
v1::Organization PublicSummary(v1::Organization summary) {
  auth::RedactForPublic(&summary);
  summary.clear_redacted_fields();
  return summary;
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
    const std::string& path, bool sync_writes) {
  storage::RocksStore::Options options;
  options.path = path;
  options.column_families = {"organizations", "indexes", "requests",
                             "read_model",    "meta",    "public_views"};
  options.sync_writes = sync_writes;
  auto db = storage::RocksStore::Open(std::move(options));
  if (!db.ok()) return db.status();
  auto store = std::make_unique<CatalogStore>(*std::move(db));
  absl::Status s = store->EnsureIndexCounts();
  if (!s.ok()) return s;
  return store;
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
  // Search keys; a whole-text entry wins over a word suffix with the same
  // folded text, and the display name over aliases over domains.
  auto search = [&](const std::string& text, char source) {
    std::string folded = FoldForSearch(text);
    if (folded.empty()) return;
    auto put = [&](const std::string& key_text, char kind) {
      std::string key = absl::StrCat("search", kSep, key_text, kSep, id);
      auto it = out.find(key);
      if (it != out.end() && (it->second[0] == 'W' || kind == 'S')) return;
      out[key] = absl::StrCat(absl::string_view(&kind, 1),
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
  batch->Delete(kReadModel, SummaryKey(id));
  batch->Delete(kReadModel, PublicSummaryKey(id));
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

absl::Status CatalogStore::ScanSearch(
    absl::string_view folded_prefix,
    absl::FunctionRef<bool(const SearchEntry&)> visit) const {
  const std::string prefix = absl::StrCat("search", kSep, folded_prefix);
  return db_->ScanPrefix(
      kIndexes, prefix, storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        if (value.size() < 2) return true;
        absl::string_view rest = key.substr(7);  // "search\0"
        size_t sep = rest.rfind('\0');
        if (sep == absl::string_view::npos) return true;
        SearchEntry entry{rest.substr(0, sep), rest.substr(sep + 1),
                          value[0] == 'W', value[1], value.substr(2)};
        return visit(entry);
      });
}

absl::StatusOr<std::map<std::string, type::v1::PartialDate>>
CatalogStore::GetLinks(absl::string_view org_id, storage::ReadView view) const {
  std::map<std::string, type::v1::PartialDate> out;
  const std::string prefix = LinkPrefix(org_id);
  bool corrupt = false;
  absl::Status s = db_->ScanPrefix(
      kReadModel, prefix, storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        type::v1::PartialDate date;
        if (!date.ParseFromString(std::string(value))) {
          corrupt = true;
          return false;
        }
        out[std::string(key.substr(prefix.size()))] = date;
        return true;
      },
      view);
  if (corrupt) return Corrupt("incident link");
  if (!s.ok()) return s;
  return out;
}

void CatalogStore::PutLink(absl::string_view org_id,
                           absl::string_view incident_id,
                           const type::v1::PartialDate& date,
                           storage::WriteBatch* batch) {
  batch->Put(kReadModel, absl::StrCat(LinkPrefix(org_id), incident_id),
             date.SerializeAsString());
}

void CatalogStore::DeleteLink(absl::string_view org_id,
                              absl::string_view incident_id,
                              storage::WriteBatch* batch) {
  batch->Delete(kReadModel, absl::StrCat(LinkPrefix(org_id), incident_id));
}

void CatalogStore::PutSummary(absl::string_view org_id,
                              const v1::Organization& summary,
                              storage::WriteBatch* batch) {
  if (summary.incident_count() == 0) {
    batch->Delete(kReadModel, SummaryKey(org_id));
    batch->Delete(kReadModel, PublicSummaryKey(org_id));
    return;
  }
  v1::Organization only;
  only.set_incident_count(summary.incident_count());
  *only.mutable_linked_incidents() = summary.linked_incidents();
  *only.mutable_latest_incident_date() = summary.latest_incident_date();
  batch->Put(kReadModel, SummaryKey(org_id), only.SerializeAsString());
  batch->Put(kReadModel, PublicSummaryKey(org_id),
             PublicSummary(std::move(only)).SerializeAsString());
}

absl::StatusOr<int64_t> CatalogStore::GetIncidentCursor(
    storage::ReadView view) const {
  auto value = db_->Get(kMeta, kCursorKey, view);
  if (absl::IsNotFound(value.status())) return 0;
  if (!value.ok()) return value.status();
  int64_t cursor = 0;
  if (!absl::SimpleAtoi(*value, &cursor)) return Corrupt("incident cursor");
  return cursor;
}

void CatalogStore::PutIncidentCursor(int64_t sequence,
                                     storage::WriteBatch* batch) {
  batch->Put(kMeta, kCursorKey, absl::StrCat(sequence));
}

}  // namespace atlas::catalog
