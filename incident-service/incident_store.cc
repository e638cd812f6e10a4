#include "incident-service/incident_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace atlas::incident {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
}

int64_t DecodeSequence(absl::string_view key) {
  uint64_t v = 0;
  for (unsigned char c : key) v = (v << 8) | c;
  return static_cast<int64_t>(v);
}

}  // namespace

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
    const std::string& path, bool sync_writes) {
  storage::RocksStore::Options options;
  options.path = path;
  options.column_families = {"incidents", "events",    "sources", "indexes",
                             "changelog", "requests", "meta"};
  options.sync_writes = sync_writes;
  auto db = storage::RocksStore::Open(std::move(options));
  if (!db.ok()) return db.status();
  int64_t last = 0;
  absl::Status s = (*db)->Scan(
      kChangelog, "", "", storage::ScanDirection::kReverse,
      [&](absl::string_view key, absl::string_view) {
        last = DecodeSequence(key);
        return false;
      });
  if (!s.ok()) return s;
  return std::unique_ptr<IncidentStore>(
      new IncidentStore(*std::move(db), last + 1));
}

absl::StatusOr<v1::Incident> IncidentStore::GetIncident(
    absl::string_view id) const {
  auto bytes = db_->Get(kIncidents, id);
  if (!bytes.ok()) return bytes.status();
  v1::Incident incident;
  if (!incident.ParseFromString(*bytes)) return Corrupt("incident");
  return incident;
}

absl::StatusOr<std::optional<IncidentStore::RequestRecord>>
IncidentStore::GetRequest(absl::string_view request_id) const {
  auto value = db_->Get(kRequests, request_id);
  if (absl::IsNotFound(value.status())) return std::optional<RequestRecord>();
  if (!value.ok()) return value.status();
  if (value->size() < 32) return Corrupt("request record");
  return std::optional<RequestRecord>(
      RequestRecord{value->substr(0, 32), value->substr(32)});
}

void IncidentStore::PutIncident(const v1::Incident& incident,
                                storage::WriteBatch* batch) {
  absl::string_view id = incident.name();
  absl::ConsumePrefix(&id, "incidents/");
  batch->Put(kIncidents, id, incident.SerializeAsString());
}

void IncidentStore::PutRequest(absl::string_view request_id,
                               const RequestRecord& record,
                               storage::WriteBatch* batch) {
  batch->Put(kRequests, request_id,
             absl::StrCat(record.fingerprint, record.name));
}

int64_t IncidentStore::AppendChange(v1::IncidentChange change,
                                    storage::WriteBatch* batch) {
  // One change per batch: the sequence is the next one; Commit takes it.
  int64_t sequence = next_sequence_;
  change.set_sequence(sequence);
  batch->Put(kChangelog, SequenceKey(sequence), change.SerializeAsString());
  return sequence;
}

absl::Status IncidentStore::Commit(const storage::WriteBatch& batch,
                                   bool appended_change) {
  absl::Status s = db_->Write(batch);
  if (s.ok() && appended_change) ++next_sequence_;
  return s;
}

absl::Status IncidentStore::ScanChanges(
    int64_t from,
    absl::FunctionRef<bool(const v1::IncidentChange&)> visit) const {
  absl::Status parse_error;
  absl::Status s = db_->Scan(
      kChangelog, SequenceKey(from < 1 ? 1 : from), "",
      storage::ScanDirection::kForward,
      [&](absl::string_view, absl::string_view value) {
        v1::IncidentChange change;
        if (!change.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = Corrupt("change");
          return false;
        }
        return visit(change);
      });
  if (!parse_error.ok()) return parse_error;
  return s;
}

}  // namespace atlas::incident
