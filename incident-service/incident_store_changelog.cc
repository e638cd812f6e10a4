// IncidentStore: the changelog family (see incident_store.h for the layout
// and changelog_retention.h for what is scrubbed and trimmed).
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "incident-service/incident_store.h"
#include "incident-service/incident_store_internal.h"

namespace atlas::incident {

using store_internal::Corrupt;
using store_internal::DecodeBigEndian;
using store_internal::kSepView;

namespace {

constexpr char kFirstKeptKey[] = "changelog_first";
constexpr char kGenerationKey[] = "changelog_generation";
constexpr char kListedKey[] = "changelog_listed";

std::string ChangeOfPrefix(absl::string_view incident_id) {
  return absl::StrCat("change_of", kSepView, incident_id, kSepView);
}

}  // namespace

void IncidentStore::PutChange(const v1::IncidentChange& change,
                              storage::WriteBatch* batch) {
  ReplaceChange(change, batch);
  if (change.change_type() == v1::IncidentChange::CREATED ||
      change.change_type() == v1::IncidentChange::UPDATED) {
    ListChange(change.sequence(), IncidentIdOf(change.incident().name()),
               batch);
  }
}

void IncidentStore::ReplaceChange(const v1::IncidentChange& change,
                                  storage::WriteBatch* batch) {
  batch->Put(kChangelog, SequenceKey(change.sequence()),
             change.SerializeAsString());
}

void IncidentStore::DeleteChange(int64_t sequence,
                                 absl::string_view incident_id,
                                 storage::WriteBatch* batch) {
  batch->Delete(kChangelog, SequenceKey(sequence));
  UnlistChange(sequence, incident_id, batch);
}

void IncidentStore::UnlistChange(int64_t sequence,
                                 absl::string_view incident_id,
                                 storage::WriteBatch* batch) {
  batch->Delete(
      kMeta, absl::StrCat(ChangeOfPrefix(incident_id), SequenceKey(sequence)));
}

void IncidentStore::ListChange(int64_t sequence, absl::string_view incident_id,
                               storage::WriteBatch* batch) {
  batch->Put(kMeta,
             absl::StrCat(ChangeOfPrefix(incident_id), SequenceKey(sequence)),
             "");
}

absl::StatusOr<bool> IncidentStore::ChangesListed() const {
  auto value = db_->Get(kMeta, kListedKey, storage::ReadView::kLatest);
  if (absl::IsNotFound(value.status())) return false;
  if (!value.ok()) return value.status();
  return true;
}

void IncidentStore::PutChangesListed(storage::WriteBatch* batch) {
  batch->Put(kMeta, kListedKey, "");
}

void IncidentStore::PutFirstKeptSequence(int64_t sequence,
                                         storage::WriteBatch* batch) {
  batch->Put(kMeta, kFirstKeptKey, absl::StrCat(sequence));
}

absl::StatusOr<int64_t> IncidentStore::FirstKeptSequence() const {
  auto value = db_->Get(kMeta, kFirstKeptKey, storage::ReadView::kLatest);
  if (absl::IsNotFound(value.status())) return 1;
  if (!value.ok()) return value.status();
  int64_t first = 0;
  if (!absl::SimpleAtoi(*value, &first) || first < 1) {
    return Corrupt("changelog_first");
  }
  return first;
}

absl::StatusOr<std::string> IncidentStore::ChangelogGeneration() const {
  auto value = db_->Get(kMeta, kGenerationKey, storage::ReadView::kLatest);
  if (absl::IsNotFound(value.status())) return std::string();
  return value;
}

void IncidentStore::PutChangelogGeneration(absl::string_view generation,
                                           storage::WriteBatch* batch) {
  batch->Put(kMeta, kGenerationKey, generation);
}

absl::StatusOr<v1::IncidentChange> IncidentStore::GetChange(
    int64_t sequence) const {
  auto bytes =
      db_->Get(kChangelog, SequenceKey(sequence), storage::ReadView::kLatest);
  if (!bytes.ok()) return bytes.status();
  v1::IncidentChange change;
  if (!change.ParseFromString(*bytes)) return Corrupt("change");
  return change;
}

absl::StatusOr<std::vector<int64_t>> IncidentStore::ChangeSequencesOf(
    absl::string_view id) const {
  const std::string prefix = ChangeOfPrefix(id);
  std::vector<int64_t> out;
  absl::Status s = db_->ScanPrefix(
      kMeta, prefix, storage::ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view) {
        out.push_back(DecodeBigEndian(key.substr(prefix.size())));
        return true;
      },
      storage::ReadView::kLatest);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<int64_t> IncidentStore::LastSequence() const {
  int64_t last = 0;
  absl::Status s = db_->Scan(
      kChangelog, "", "", storage::ScanDirection::kReverse,
      [&](absl::string_view key, absl::string_view) {
        last = DecodeBigEndian(key);
        return false;
      },
      storage::ReadView::kLatest);
  if (!s.ok()) return s;
  return last;
}

absl::Status IncidentStore::ReadChanges(int64_t from, size_t max,
                                        std::deque<v1::IncidentChange>* out,
                                        size_t max_bytes) const {
  size_t n = 0, bytes = 0;
  return ScanChanges(from, [&](const v1::IncidentChange& change) {
    bytes += change.ByteSizeLong();
    out->push_back(change);
    return ++n < max && bytes < max_bytes;
  });
}

absl::Status IncidentStore::ScanChanges(
    int64_t from,
    absl::FunctionRef<bool(const v1::IncidentChange&)> visit) const {
  absl::Status parse_error;
  absl::Status s =
      db_->Scan(kChangelog, SequenceKey(from < 1 ? 1 : from), "",
                storage::ScanDirection::kForward,
                [&](absl::string_view, absl::string_view value) {
                  v1::IncidentChange change;
                  if (!change.ParseFromArray(value.data(),
                                             static_cast<int>(value.size()))) {
                    parse_error = Corrupt("change");
                    return false;
                  }
                  return visit(change);
                });
  if (!parse_error.ok()) return parse_error;
  return s;
}

}  // namespace atlas::incident
