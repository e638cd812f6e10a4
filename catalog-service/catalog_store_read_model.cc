// CatalogStore's read-model keys (see catalog_store.h for the layout):
// links, the date index, the summaries, the incident cursor, and the
// migration of layout-1 databases.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "catalog-service/catalog_store.h"
#include "common/api/types/partial_date.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"

namespace atlas::catalog {
namespace {

using type::v1::PartialDate;

constexpr absl::string_view kSep("\0", 1);
constexpr char kCursorKey[] = "incident_cursor";
constexpr char kGenerationKey[] = "incident_generation";
constexpr char kLayoutKey[] = "read_model_layout";
constexpr char kLayout[] = "2";
// The migration appends a batch once it holds this many writes.
constexpr size_t kMigrationBatch = 4096;

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
}

std::string LinkPrefix(absl::string_view org_id) {
  return absl::StrCat("link", kSep, org_id, kSep);
}

std::string DatePrefix(absl::string_view org_id) {
  return absl::StrCat("date", kSep, org_id, kSep);
}

int DayNumber(absl::CivilDay day) {
  return static_cast<int>(day.year()) * 10000 + day.month() * 100 + day.day();
}

// The summary of the newest links (date key order) and their count.
v1::Organization MakeSummary(
    int64_t count,
    const std::vector<std::pair<std::string, PartialDate>>& newest_by_id) {
  v1::Organization summary;
  summary.set_incident_count(static_cast<int32_t>(count));
  for (const auto& [incident, date] : newest_by_id) {
    summary.add_linked_incidents(absl::StrCat("incidents/", incident));
  }
  if (!newest_by_id.empty() && !api::IsEmpty(newest_by_id.front().second)) {
    *summary.mutable_latest_incident_date() = newest_by_id.front().second;
  }
  return summary;
}

}  // namespace

std::string CatalogStore::SummaryKey(absl::string_view org_id) {
  return absl::StrCat("summary", kSep, org_id);
}

std::string CatalogStore::PublicSummaryKey(absl::string_view org_id) {
  return absl::StrCat("public_summary", kSep, org_id);
}

v1::Organization CatalogStore::PublicSummary(v1::Organization summary) {
  auth::RedactForPublic(&summary);
  summary.clear_redacted_fields();
  return summary;
}

std::string CatalogStore::DateKey(const PartialDate& date,
                                  absl::string_view incident_id) {
  if (api::IsEmpty(date) || !api::ValidatePartialDate(date, "date").ok()) {
    return absl::StrCat("1", kSep, incident_id);
  }
  api::DayInterval interval = api::Interval(date);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%08d%08d",
                99999999 - DayNumber(interval.first),
                99999999 - DayNumber(interval.last));
  return absl::StrCat("0", buf, kSep, incident_id);
}

absl::StatusOr<bool> CatalogStore::OrganizationExists(
    absl::string_view id, storage::ReadView view) const {
  auto bytes = db_->Get(kOrganizations, id, view);
  if (absl::IsNotFound(bytes.status())) return false;
  if (!bytes.ok()) return bytes.status();
  return true;
}

absl::StatusOr<std::optional<PartialDate>> CatalogStore::GetLink(
    absl::string_view org_id, absl::string_view incident_id,
    storage::ReadView view) const {
  // A scan of [key, key + "\0"), which holds only `key`: link keys are
  // removed by range deletes, which point reads do not honour.
  const std::string key = absl::StrCat(LinkPrefix(org_id), incident_id);
  std::optional<PartialDate> out;
  bool corrupt = false;
  absl::Status s = db_->Scan(
      kReadModel, key, absl::StrCat(key, kSep),
      storage::ScanDirection::kForward,
      [&](absl::string_view, absl::string_view value) {
        PartialDate date;
        if (!date.ParseFromString(std::string(value))) {
          corrupt = true;
          return false;
        }
        out = std::move(date);
        return false;
      },
      view);
  if (corrupt) return Corrupt("incident link");
  if (!s.ok()) return s;
  return out;
}

absl::Status CatalogStore::ScanNewestLinks(
    absl::string_view org_id,
    absl::FunctionRef<bool(absl::string_view incident_id,
                           const PartialDate& date, absl::string_view date_key)>
        visit,
    storage::ReadView view) const {
  const std::string prefix = DatePrefix(org_id);
  bool corrupt = false;
  absl::Status s = db_->ScanPrefix(
      kReadModel, prefix, storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        PartialDate date;
        absl::string_view date_key = key.substr(prefix.size());
        size_t sep = date_key.find('\0');
        if (sep == absl::string_view::npos ||
            !date.ParseFromString(std::string(value))) {
          corrupt = true;
          return false;
        }
        return visit(date_key.substr(sep + 1), date, date_key);
      },
      view);
  if (corrupt) return Corrupt("incident date index");
  return s;
}

absl::StatusOr<v1::Organization> CatalogStore::GetSummary(
    absl::string_view org_id, storage::ReadView view) const {
  v1::Organization summary;
  auto bytes = db_->Get(kReadModel, SummaryKey(org_id), view);
  if (absl::IsNotFound(bytes.status())) return summary;
  if (!bytes.ok()) return bytes.status();
  if (!summary.ParseFromString(*bytes)) return Corrupt("read model");
  return summary;
}

void CatalogStore::PutLink(absl::string_view org_id,
                           absl::string_view incident_id,
                           const PartialDate& date,
                           storage::WriteBatch* batch) {
  const std::string value = date.SerializeAsString();
  batch->Put(kReadModel, absl::StrCat(LinkPrefix(org_id), incident_id), value);
  batch->Put(kReadModel,
             absl::StrCat(DatePrefix(org_id), DateKey(date, incident_id)),
             value);
}

void CatalogStore::DeleteLink(absl::string_view org_id,
                              absl::string_view incident_id,
                              const PartialDate& date,
                              storage::WriteBatch* batch) {
  batch->Delete(kReadModel, absl::StrCat(LinkPrefix(org_id), incident_id));
  batch->Delete(kReadModel,
                absl::StrCat(DatePrefix(org_id), DateKey(date, incident_id)));
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

void CatalogStore::DeleteReadModel(absl::string_view org_id,
                                   storage::WriteBatch* batch) {
  const std::string links = LinkPrefix(org_id);
  const std::string dates = DatePrefix(org_id);
  batch->DeleteRange(kReadModel, links, storage::PrefixSuccessor(links));
  batch->DeleteRange(kReadModel, dates, storage::PrefixSuccessor(dates));
  batch->Delete(kReadModel, SummaryKey(org_id));
  batch->Delete(kReadModel, PublicSummaryKey(org_id));
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

absl::StatusOr<std::string> CatalogStore::GetIncidentGeneration(
    storage::ReadView view) const {
  auto value = db_->Get(kMeta, kGenerationKey, view);
  if (absl::IsNotFound(value.status())) return std::string();
  return value;
}

void CatalogStore::PutIncidentGeneration(absl::string_view generation,
                                         storage::WriteBatch* batch) {
  if (generation.empty()) {
    batch->Delete(kMeta, kGenerationKey);
  } else {
    batch->Put(kMeta, kGenerationKey, generation);
  }
}

absl::Status CatalogStore::MigrateReadModel() {
  constexpr storage::ReadView kLatest = storage::ReadView::kLatest;
  auto layout = db_->Get(kMeta, kLayoutKey, kLatest);
  if (layout.ok() && *layout == kLayout) return absl::OkStatus();
  if (!layout.ok() && !absl::IsNotFound(layout.status())) {
    return layout.status();
  }
  storage::WriteBatch batch;
  absl::Status inner;
  auto flush = [&](bool force) {
    if (batch.empty() || (!force && batch.size() < kMigrationBatch)) return;
    inner = db_->Write(batch);
    batch = storage::WriteBatch();
  };
  int64_t orgs = 0, links_seen = 0;
  // One organisation's links at a time (keys are grouped by org id).
  std::string org;
  std::vector<std::pair<std::string, PartialDate>> links;
  auto finish_org = [&]() {
    if (org.empty() || !inner.ok()) return;
    auto exists = OrganizationExists(org, kLatest);
    if (!exists.ok()) {
      inner = exists.status();
      return;
    }
    if (!*exists) {
      DeleteReadModel(org, &batch);
    } else {
      std::vector<std::pair<std::string, size_t>> order;  // date key, index
      for (size_t i = 0; i < links.size(); ++i) {
        PutLink(org, links[i].first, links[i].second, &batch);
        order.emplace_back(DateKey(links[i].second, links[i].first), i);
      }
      size_t shown = std::min<size_t>(order.size(), kLinkedIncidentsShown);
      std::partial_sort(order.begin(), order.begin() + shown, order.end());
      std::vector<std::pair<std::string, PartialDate>> newest;
      for (size_t i = 0; i < shown; ++i)
        newest.push_back(links[order[i].second]);
      PutSummary(org, MakeSummary(static_cast<int64_t>(links.size()), newest),
                 &batch);
    }
    ++orgs;
    flush(false);
  };
  const std::string link_head = absl::StrCat("link", kSep);
  absl::Status s = db_->ScanPrefix(
      kReadModel, link_head, storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        absl::string_view rest = key.substr(link_head.size());
        size_t sep = rest.find('\0');
        PartialDate date;
        if (sep == absl::string_view::npos ||
            !date.ParseFromString(std::string(value))) {
          inner = Corrupt("incident link");
          return false;
        }
        if (rest.substr(0, sep) != org) {
          finish_org();
          org = std::string(rest.substr(0, sep));
          links.clear();
        }
        links.emplace_back(std::string(rest.substr(sep + 1)), std::move(date));
        ++links_seen;
        return inner.ok();
      },
      kLatest);
  if (!s.ok()) return s;
  finish_org();
  flush(true);
  if (!inner.ok()) return inner;
  // Summaries without links (none expected): dropped.
  for (absl::string_view head : {"summary", "public_summary"}) {
    const std::string prefix = absl::StrCat(head, kSep);
    s = db_->ScanPrefix(
        kReadModel, prefix, storage::ScanDirection::kForward,
        [&](absl::string_view key, absl::string_view) {
          absl::string_view id = key.substr(prefix.size());
          bool any = false;
          inner = db_->ScanPrefix(
              kReadModel, LinkPrefix(id), storage::ScanDirection::kForward,
              [&](absl::string_view, absl::string_view) {
                any = true;
                return false;
              },
              kLatest);
          if (inner.ok() && !any) batch.Delete(kReadModel, key);
          return inner.ok();
        },
        kLatest);
    if (!s.ok()) return s;
    if (!inner.ok()) return inner;
  }
  batch.Put(kMeta, kLayoutKey, kLayout);
  flush(true);
  if (!inner.ok()) return inner;
  if (links_seen > 0) {
    log::Info("read model migrated to layout 2",
              {{"organizations", orgs}, {"links", links_seen}});
  }
  return absl::OkStatus();
}

}  // namespace atlas::catalog
