#include "incident-service/changelog_retention.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status/status_macros.h"

namespace atlas::incident {

v1::IncidentChange ScrubbedChange(const v1::IncidentChange& change) {
  v1::IncidentChange out;
  out.set_sequence(change.sequence());
  out.set_change_type(change.change_type());
  if (change.has_commit_time()) {
    *out.mutable_commit_time() = change.commit_time();
  }
  out.mutable_incident()->set_name(change.incident().name());
  return out;
}

absl::Status ScrubDeletedIncident(const IncidentStore& store,
                                  int64_t first_kept,
                                  v1::IncidentChange* deleted,
                                  storage::WriteBatch* batch) {
  const std::string id(IncidentIdOf(deleted->incident().name()));
  absl::StatusOr<std::vector<int64_t>> sequences = store.ChangeSequencesOf(id);
  if (!sequences.ok()) return sequences.status();

  // The last victims first, then every other organisation a kept entry
  // named (as victim, or as a victim before an update), sorted.
  std::vector<std::string> last;
  for (const v1::Victim& v : deleted->incident().victims()) {
    last.push_back(v.organization());
  }
  std::set<std::string> earlier;
  for (int64_t sequence : *sequences) {
    IncidentStore::UnlistChange(sequence, id, batch);
    if (sequence < first_kept) continue;  // trimmed (in this batch or before)
    absl::StatusOr<v1::IncidentChange> entry = store.GetChange(sequence);
    if (absl::IsNotFound(entry.status())) continue;
    if (absl::IsDataLoss(entry.status())) {
      // Unreadable: nothing of it can be served; keep its place in the log.
      v1::IncidentChange placeholder;
      placeholder.set_sequence(sequence);
      placeholder.set_change_type(v1::IncidentChange::UPDATED);
      placeholder.mutable_incident()->set_name(deleted->incident().name());
      IncidentStore::ReplaceChange(placeholder, batch);
      continue;
    }
    if (!entry.ok()) return entry.status();
    for (const v1::Victim& v : entry->incident().victims()) {
      earlier.insert(v.organization());
    }
    for (const std::string& name : entry->previous_victims()) {
      earlier.insert(name);
    }
    IncidentStore::ReplaceChange(ScrubbedChange(*entry), batch);
  }
  for (const std::string& name : last) earlier.erase(name);

  v1::IncidentChange reduced = ScrubbedChange(*deleted);
  for (const std::string& name : last) {
    reduced.mutable_incident()->add_victims()->set_organization(name);
    reduced.add_previous_victims(name);
  }
  for (const std::string& name : earlier) reduced.add_previous_victims(name);
  *deleted = std::move(reduced);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> TrimChangelog(const IncidentStore& store,
                                      int64_t first_kept, int64_t first_new,
                                      int64_t count, int64_t retention,
                                      storage::WriteBatch* batch) {
  const int64_t end = first_new + count;
  // Never the entries being added; at most `count + kTrimSlack` at once.
  const int64_t target =
      std::min({end - retention, first_new, first_kept + count + kTrimSlack});
  if (target <= first_kept) return first_kept;
  for (int64_t sequence = first_kept; sequence < target; ++sequence) {
    absl::StatusOr<v1::IncidentChange> entry = store.GetChange(sequence);
    if (absl::IsNotFound(entry.status())) continue;
    if (absl::IsDataLoss(entry.status())) {
      // Unreadable (its listing, if any, stays: scrubbing skips it).
      IncidentStore::DeleteChange(sequence, "", batch);
      continue;
    }
    if (!entry.ok()) return entry.status();
    IncidentStore::DeleteChange(sequence,
                                IncidentIdOf(entry->incident().name()), batch);
  }
  IncidentStore::PutFirstKeptSequence(target, batch);
  return target;
}

absl::Status UpgradeChangelog(IncidentStore& store) {
  absl::StatusOr<bool> listed = store.ChangesListed();
  if (!listed.ok()) return listed.status();
  if (*listed) return absl::OkStatus();
  absl::StatusOr<int64_t> first = store.FirstKeptSequence();
  if (!first.ok()) return first.status();

  storage::WriteBatch batch;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    absl::StatusOr<storage::WriteToken> token = store.Append(batch);
    if (!token.ok()) return token.status();
    batch = storage::WriteBatch();
    return store.db().WaitDurable(*token);
  };
  // Per incident id, the CREATED/UPDATED entries in sequence order; the
  // DELETED entries in sequence order.
  std::map<std::string, std::vector<int64_t>> pending;
  std::vector<v1::IncidentChange> deletions;
  absl::Status scan =
      store.ScanChanges(*first, [&](const v1::IncidentChange& change) {
        if (change.change_type() == v1::IncidentChange::DELETED) {
          deletions.push_back(change);
        } else {
          pending[std::string(IncidentIdOf(change.incident().name()))]
              .push_back(change.sequence());
        }
        return true;
      });
  if (!scan.ok()) return scan;
  // Deletions in sequence order: each scrubs the entries of its incident
  // before it.
  size_t ops = 0;
  for (const v1::IncidentChange& deleted : deletions) {
    const std::string id(IncidentIdOf(deleted.incident().name()));
    std::vector<int64_t>& entries = pending[id];
    std::set<std::string> earlier(deleted.previous_victims().begin(),
                                  deleted.previous_victims().end());
    auto split =
        std::lower_bound(entries.begin(), entries.end(), deleted.sequence());
    for (auto it = entries.begin(); it != split; ++it) {
      absl::StatusOr<v1::IncidentChange> entry = store.GetChange(*it);
      if (absl::IsNotFound(entry.status())) continue;
      if (!entry.ok()) return entry.status();
      for (const v1::Victim& v : entry->incident().victims()) {
        earlier.insert(v.organization());
      }
      for (const std::string& v : entry->previous_victims()) earlier.insert(v);
      IncidentStore::ReplaceChange(ScrubbedChange(*entry), &batch);
      IncidentStore::UnlistChange(*it, id, &batch);
      if (++ops % kUpgradeBatch == 0) RETURN_IF_ERROR(flush());
    }
    entries.erase(entries.begin(), split);
    v1::IncidentChange reduced = ScrubbedChange(deleted);
    std::vector<std::string> last;
    for (const v1::Victim& v : deleted.incident().victims()) {
      last.push_back(v.organization());
      reduced.mutable_incident()->add_victims()->set_organization(
          v.organization());
      reduced.add_previous_victims(v.organization());
    }
    for (const std::string& v : last) earlier.erase(v);
    for (const std::string& v : earlier) reduced.add_previous_victims(v);
    IncidentStore::ReplaceChange(reduced, &batch);
    if (++ops % kUpgradeBatch == 0) RETURN_IF_ERROR(flush());
  }
  // What is left belongs to incidents that still exist: list it.
  for (const auto& [id, entries] : pending) {
    for (int64_t sequence : entries) {
      IncidentStore::ListChange(sequence, id, &batch);
      if (++ops % kUpgradeBatch == 0) RETURN_IF_ERROR(flush());
    }
  }
  IncidentStore::PutChangesListed(&batch);
  return flush();
}

}  // namespace atlas::incident
