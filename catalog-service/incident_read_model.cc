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
#include "common/status/error_details.h"
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

bool SameDate(const type::v1::PartialDate& a, const type::v1::PartialDate& b) {
  return a.year() == b.year() && a.month() == b.month() && a.day() == b.day();
}

}  // namespace

absl::StatusOr<int64_t> IncidentReadModel::IncidentCursor() {
  auto cursor = store_.GetIncidentCursor();
  if (!cursor.ok()) return StorageError(cursor.status(), "IncidentCursor");
  return cursor;
}

absl::StatusOr<std::string> IncidentReadModel::IncidentGeneration() {
  auto generation = store_.GetIncidentGeneration();
  if (!generation.ok()) {
    return StorageError(generation.status(), "IncidentGeneration");
  }
  return generation;
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
  storage::WriteBatch batch;
  // Sequences compare only within one changelog generation: check it
  // before the cursor.
  if (!change.changelog_generation().empty()) {
    auto generation = store_.GetIncidentGeneration(kLatest);
    if (!generation.ok()) {
      return StorageError(generation.status(), "ApplyIncidentChange");
    }
    if (generation->empty()) {
      CatalogStore::PutIncidentGeneration(change.changelog_generation(),
                                          &batch);
    } else if (*generation != change.changelog_generation()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "incident change ", change.sequence(), " is of changelog generation ",
          change.changelog_generation(), "; the read model follows ",
          *generation, ": resynchronise"));
    }
  }
  auto cursor = store_.GetIncidentCursor(kLatest);
  if (!cursor.ok()) return StorageError(cursor.status(), "ApplyIncidentChange");
  if (change.sequence() <= *cursor) return store_.last_write_token();
  if (change.sequence() != *cursor + 1) {
    return absl::OutOfRangeError(
        absl::StrCat("incident change ", change.sequence(),
                     " does not follow the cursor ", *cursor));
  }
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
    RETURN_IF_ERROR(UpdateOrganization(org, *incident_id,
                                       now_linked.contains(org), date, &batch));
  }
  auto token = store_.Append(batch);
  if (!token.ok()) return StorageError(token.status(), "ApplyIncidentChange");
  return token;
}

absl::Status IncidentReadModel::UpdateOrganization(
    absl::string_view org, absl::string_view incident_id, bool linked,
    const type::v1::PartialDate& date, storage::WriteBatch* batch) {
  // An organisation that does not exist (never created, or deleted with
  // its read model) gets no read model: a lagging change must not
  // resurrect one, nor give a later organisation with the same id a count.
  auto exists = store_.OrganizationExists(org, kLatest);
  if (!exists.ok()) return StorageError(exists.status(), "ApplyIncidentChange");
  if (!*exists) return absl::OkStatus();
  auto old = store_.GetLink(org, incident_id, kLatest);
  if (!old.ok()) return StorageError(old.status(), "ApplyIncidentChange");
  if (!linked && !old->has_value()) return absl::OkStatus();
  if (linked && old->has_value() && SameDate(**old, date)) {
    return absl::OkStatus();  // nothing this organisation shows changes
  }
  auto summary = store_.GetSummary(org, kLatest);
  if (!summary.ok()) {
    return StorageError(summary.status(), "ApplyIncidentChange");
  }
  int64_t count = summary->incident_count();
  std::string removed_key;
  if (old->has_value()) {
    CatalogStore::DeleteLink(org, incident_id, **old, batch);
    removed_key = CatalogStore::DateKey(**old, incident_id);
    --count;
  }
  // The newest links after this change: the first kShown + 1 stored ones
  // (one may be the link removed), plus the link added.
  constexpr int kShown = CatalogStore::kLinkedIncidentsShown;
  struct Entry {
    std::string key;
    std::string incident;
    type::v1::PartialDate date;
  };
  std::vector<Entry> newest;
  if (linked) {
    CatalogStore::PutLink(org, incident_id, date, batch);
    newest.push_back(Entry{CatalogStore::DateKey(date, incident_id),
                           std::string(incident_id), date});
    ++count;
  }
  int stored = 0;
  absl::Status s = store_.ScanNewestLinks(
      org,
      [&](absl::string_view incident, const type::v1::PartialDate& when,
          absl::string_view key) {
        if (key == removed_key) return true;
        newest.push_back(Entry{std::string(key), std::string(incident), when});
        return ++stored < kShown + 1;
      },
      kLatest);
  if (!s.ok()) return StorageError(s, "ApplyIncidentChange");
  std::sort(newest.begin(), newest.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  if (newest.size() > static_cast<size_t>(kShown)) newest.resize(kShown);
  v1::Organization next;
  next.set_incident_count(static_cast<int32_t>(std::max<int64_t>(count, 0)));
  for (const Entry& e : newest) {
    next.add_linked_incidents(absl::StrCat("incidents/", e.incident));
  }
  if (!newest.empty() && !api::IsEmpty(newest.front().date)) {
    *next.mutable_latest_incident_date() = newest.front().date;
  }
  CatalogStore::PutSummary(org, next, batch);
  return absl::OkStatus();
}

absl::Status IncidentReadModel::CheckUnlinked(absl::string_view org_id,
                                              absl::string_view name) {
  auto summary = store_.GetSummary(org_id, kLatest);
  if (!summary.ok()) {
    return StorageError(summary.status(), "DeleteOrganization");
  }
  const int64_t count = summary->incident_count();
  if (count == 0) return absl::OkStatus();
  std::vector<std::string> names;
  absl::Status s = store_.ScanNewestLinks(
      org_id,
      [&](absl::string_view incident, const type::v1::PartialDate&,
          absl::string_view) {
        names.push_back(absl::StrCat("incidents/", incident));
        return names.size() < 3;
      },
      kLatest);
  if (!s.ok()) return StorageError(s, "DeleteOrganization");
  return status::WithPreconditionViolation(
      status::WithErrorReason(
          absl::FailedPreconditionError(absl::StrCat(
              name, " is named as a victim by ", count, " incident(s) (",
              absl::StrJoin(names, ", "),
              count > static_cast<int64_t>(names.size()) ? ", ..." : "",
              "); remove it from their victims first")),
          status::kReasonOrganizationReferenced),
      "VICTIM_OF_INCIDENTS", name,
      "incidents name the organization as a victim");
}

// --- Resynchronisation -----------------------------------------------------
// Kept apart from the incremental path above: it drops the whole family and
// rebuilds it with the same records the incremental path keeps (links with
// their date index, bounded summaries), for existing organisations only.

absl::StatusOr<storage::WriteToken> IncidentReadModel::ResetToSnapshot(
    const std::vector<incident::v1::Incident>& incidents, int64_t cursor,
    absl::string_view generation) {
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
    // As in UpdateOrganization: no read model for an organisation that
    // does not exist.
    auto exists = store_.OrganizationExists(org, kLatest);
    if (!exists.ok()) return StorageError(exists.status(), "ResetToSnapshot");
    if (!*exists) continue;
    // The summary: the count, the newest kLinkedIncidentsShown in date-key
    // order (newest first), the latest date.
    std::vector<std::pair<std::string, std::string>> by_date;  // key, id
    for (const auto& [incident_id, date] : linked) {
      CatalogStore::PutLink(org, incident_id, date, &batch);
      by_date.emplace_back(CatalogStore::DateKey(date, incident_id),
                           incident_id);
    }
    std::sort(by_date.begin(), by_date.end());
    v1::Organization summary;
    summary.set_incident_count(static_cast<int32_t>(linked.size()));
    for (size_t i = 0;
         i < by_date.size() &&
         i < static_cast<size_t>(CatalogStore::kLinkedIncidentsShown);
         ++i) {
      summary.add_linked_incidents(
          absl::StrCat("incidents/", by_date[i].second));
    }
    const type::v1::PartialDate& newest = linked.at(by_date.front().second);
    if (!api::IsEmpty(newest)) {
      *summary.mutable_latest_incident_date() = newest;
    }
    CatalogStore::PutSummary(org, summary, &batch);
  }
  CatalogStore::PutIncidentCursor(cursor, &batch);
  CatalogStore::PutIncidentGeneration(generation, &batch);
  auto token = store_.Append(batch);
  if (!token.ok()) return StorageError(token.status(), "ResetToSnapshot");
  return token;
}

}  // namespace atlas::catalog
