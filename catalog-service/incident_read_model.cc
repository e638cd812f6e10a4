#include "catalog-service/incident_read_model.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/api/aip/resource_name.h"
#include "common/api/types/partial_date.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"

namespace atlas::catalog {
namespace {

using storage::StorageError;
constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

// The incident's date for the read model: start, else disclosure.
type::v1::PartialDate IncidentDate(const incident::v1::Incident& incident) {
  if (!api::IsEmpty(incident.start_date())) return incident.start_date();
  return incident.disclosed_date();
}

// The id of an organisation named by a victim; nullopt if the name does
// not parse.
std::optional<std::string> OrganizationId(absl::string_view name) {
  auto id = api::ParseName(name, "organizations", "victim");
  if (!id.ok()) return std::nullopt;
  return *std::move(id);
}

// The summary of an organisation linked to `links`: newest first, undated
// incidents last, ties by name.
v1::Organization Summary(
    const std::map<std::string, type::v1::PartialDate>& links) {
  std::vector<std::pair<std::string, type::v1::PartialDate>> sorted(
      links.begin(), links.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    bool a_empty = api::IsEmpty(a.second), b_empty = api::IsEmpty(b.second);
    if (a_empty != b_empty) return b_empty;
    if (!a_empty) {
      int c = api::CompareIntervals(a.second, b.second);
      if (c != 0) return c > 0;
    }
    return a.first < b.first;
  });
  v1::Organization summary;
  summary.set_incident_count(static_cast<int32_t>(sorted.size()));
  for (const auto& [incident, when] : sorted) {
    summary.add_linked_incidents(absl::StrCat("incidents/", incident));
  }
  if (!sorted.empty() && !api::IsEmpty(sorted.front().second)) {
    *summary.mutable_latest_incident_date() = sorted.front().second;
  }
  return summary;
}

}  // namespace

absl::StatusOr<int64_t> IncidentReadModel::IncidentCursor() {
  auto cursor = store_.GetIncidentCursor();
  if (!cursor.ok()) return StorageError(cursor.status(), "IncidentCursor");
  return cursor;
}

absl::Status IncidentReadModel::ApplyIncidentChange(
    const incident::v1::IncidentChange& change) {
  ASSIGN_OR_RETURN(storage::WriteToken token, AppendIncidentChange(change));
  return WaitDurable(token);
}

absl::Status IncidentReadModel::WaitDurable(storage::WriteToken token) {
  absl::Status s = writer_.durability().WaitDurable(token);
  if (!s.ok()) return StorageError(s, "WaitDurable");
  return absl::OkStatus();
}

absl::StatusOr<storage::WriteToken> IncidentReadModel::AppendIncidentChange(
    const incident::v1::IncidentChange& change) {
  absl::MutexLock lock(&writer_.mutex());
  auto cursor = store_.GetIncidentCursor(kLatest);
  if (!cursor.ok()) return StorageError(cursor.status(), "ApplyIncidentChange");
  if (change.sequence() <= *cursor) return store_.last_write_token();
  if (change.sequence() != *cursor + 1) {
    return absl::OutOfRangeError(
        absl::StrCat("incident change ", change.sequence(),
                     " does not follow the cursor ", *cursor));
  }
  storage::WriteBatch batch;
  CatalogStore::PutIncidentCursor(change.sequence(), &batch);
  auto incident_id =
      api::ParseName(change.incident().name(), "incidents", "incident.name");
  if (!incident_id.ok()) {
    // Nothing can be linked; the cursor moves on so the stream does not
    // stall on one bad change.
    log::Error("incident change without a valid incident name; skipped",
               {{"sequence", change.sequence()},
                {"error", incident_id.status().ToString()}});
    auto token = store_.Append(batch);
    if (!token.ok()) return StorageError(token.status(), "ApplyIncidentChange");
    return token;
  }
  // A deleted incident names its last victims in `incident`; an update its
  // earlier ones in previous_victims.
  std::set<std::string> now_linked, before;
  std::set<std::string>& named =
      change.change_type() != incident::v1::IncidentChange::DELETED ? now_linked
                                                                    : before;
  for (const auto& victim : change.incident().victims()) {
    if (auto id = OrganizationId(victim.organization())) named.insert(*id);
  }
  for (const std::string& name : change.previous_victims()) {
    if (auto id = OrganizationId(name)) before.insert(*id);
  }
  std::set<std::string> affected = now_linked;
  affected.insert(before.begin(), before.end());
  const type::v1::PartialDate date = IncidentDate(change.incident());
  for (const std::string& org : affected) {
    auto links = store_.GetLinks(org, kLatest);
    if (!links.ok()) return StorageError(links.status(), "ApplyIncidentChange");
    if (now_linked.contains(org)) {
      (*links)[*incident_id] = date;
      CatalogStore::PutLink(org, *incident_id, date, &batch);
    } else {
      links->erase(*incident_id);
      CatalogStore::DeleteLink(org, *incident_id, &batch);
    }
    CatalogStore::PutSummary(org, Summary(*links), &batch);
  }
  auto token = store_.Append(batch);
  if (!token.ok()) return StorageError(token.status(), "ApplyIncidentChange");
  return token;
}

absl::Status IncidentReadModel::CheckUnlinked(absl::string_view org_id,
                                              absl::string_view name) {
  auto links = store_.GetLinks(org_id, kLatest);
  if (!links.ok()) return StorageError(links.status(), "DeleteOrganization");
  if (links->empty()) return absl::OkStatus();
  std::vector<std::string> names;
  for (const auto& [incident, date] : *links) {
    if (names.size() == 3) break;
    names.push_back(absl::StrCat("incidents/", incident));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      name, " is named as a victim by ", links->size(), " incident(s) (",
      absl::StrJoin(names, ", "), links->size() > names.size() ? ", ..." : "",
      "); remove it from their victims first"));
}

// --- Resynchronisation -----------------------------------------------------
// Kept apart from the incremental path above: it drops the whole family and
// rebuilds it with the same link and summary records.

absl::StatusOr<storage::WriteToken> IncidentReadModel::ResetToSnapshot(
    const std::vector<incident::v1::Incident>& incidents, int64_t cursor) {
  absl::MutexLock lock(&writer_.mutex());
  storage::WriteBatch batch;
  absl::Status s = store_.db().Scan(
      CatalogStore::kReadModel, "", "", storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view) {
        batch.Delete(CatalogStore::kReadModel, key);
        return true;
      },
      kLatest);
  if (!s.ok()) return StorageError(s, "ResetToSnapshot");
  std::map<std::string, std::map<std::string, type::v1::PartialDate>> links;
  for (const incident::v1::Incident& incident : incidents) {
    auto incident_id =
        api::ParseName(incident.name(), "incidents", "incident.name");
    if (!incident_id.ok()) continue;
    const type::v1::PartialDate date = IncidentDate(incident);
    for (const auto& victim : incident.victims()) {
      if (auto org = OrganizationId(victim.organization())) {
        links[*org][*incident_id] = date;
      }
    }
  }
  for (const auto& [org, linked] : links) {
    for (const auto& [incident_id, date] : linked) {
      CatalogStore::PutLink(org, incident_id, date, &batch);
    }
    CatalogStore::PutSummary(org, Summary(linked), &batch);
  }
  CatalogStore::PutIncidentCursor(cursor, &batch);
  auto token = store_.Append(batch);
  if (!token.ok()) return StorageError(token.status(), "ResetToSnapshot");
  return token;
}

}  // namespace atlas::catalog
