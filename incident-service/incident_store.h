// IncidentStore: incident-service's key layout over common/storage.
//
// Column families and keys ('\0' separates parts; ids never contain it):
//   incidents  <incident id>                     -> Incident (binary)
//   events     <incident id>\0<event id>         -> TimelineEvent
//   sources    <incident id>\0<source id>        -> Source
//   indexes    <index>\0<value>\0<incident id>   -> ""   (list filters)
//   changelog  <sequence, 8 bytes big-endian>    -> IncidentChange
//   requests   <request_id>                      -> 32-byte fingerprint+name
//   meta       <key>                             -> value
//
// The changelog is written in the same batch as the change it records, so
// a change and its log entry commit together or not at all. Sequences are
// 1, 2, 3, ... without gaps; the next one is recovered from the last key
// at open.
//
// Thread safety: reads may run concurrently with anything. Callers that
// append to the changelog must serialise their commits (IncidentCore holds
// one write mutex), so sequences commit in order.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/storage/rocks_store.h"

namespace atlas::incident {

class IncidentStore {
 public:
  enum Family : int {
    kIncidents = 0,
    kEvents = 1,
    kSources = 2,
    kIndexes = 3,
    kChangelog = 4,
    kRequests = 5,
    kMeta = 6,
  };

  static absl::StatusOr<std::unique_ptr<IncidentStore>> Open(
      const std::string& path, bool sync_writes = true);

  // The incident with `id`; NOT_FOUND if none.
  absl::StatusOr<v1::Incident> GetIncident(absl::string_view id) const;

  struct RequestRecord {
    std::string fingerprint;
    std::string name;
  };
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      absl::string_view request_id) const;

  // The sequence the next changelog entry gets (1 for an empty log).
  int64_t next_sequence() const { return next_sequence_; }

  // Adds the writes storing `incident` to `batch`.
  static void PutIncident(const v1::Incident& incident,
                          storage::WriteBatch* batch);
  static void PutRequest(absl::string_view request_id,
                         const RequestRecord& record,
                         storage::WriteBatch* batch);
  // Adds a changelog entry with the next sequence to `batch` and returns
  // that sequence. At most one change per batch; the sequence is taken
  // only when Commit succeeds.
  int64_t AppendChange(v1::IncidentChange change, storage::WriteBatch* batch);

  // Commits `batch`; on success a sequence appended to it is taken.
  absl::Status Commit(const storage::WriteBatch& batch, bool appended_change);

  // Visits changelog entries with sequence >= `from` in order until `visit`
  // returns false.
  absl::Status ScanChanges(
      int64_t from,
      absl::FunctionRef<bool(const v1::IncidentChange&)> visit) const;

  absl::Status Close() { return db_->Close(); }
  storage::RocksStore& db() { return *db_; }

  static std::string SequenceKey(int64_t sequence);

 private:
  IncidentStore(std::unique_ptr<storage::RocksStore> db, int64_t next)
      : db_(std::move(db)), next_sequence_(next) {}

  std::unique_ptr<storage::RocksStore> db_;
  int64_t next_sequence_;  // guarded by the caller's write mutex
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_H_
