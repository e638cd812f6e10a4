// IncidentReadModel: what the catalog derives from incident-service's
// change stream, per organisation: the incidents that name it as a victim
// (with their dates) and the summary merged into every read of it
// (incident_count, linked_incidents, latest_incident_date), with the
// sequence of the last change applied (the cursor).
//
// Cost: each change does O(log n) work per organisation it names, n being
// that organisation's links: incident_count is a counter, the links have a
// date index (newest first), and the summary holds only the newest
// CatalogStore::kLinkedIncidentsShown of them, rebuilt from a bounded
// prefix scan of that index. Only organisations that exist (on the kLatest
// view, under the writer's mutex) get a read model; a delete drops it
// whole (CatalogStore::DeleteReadModel), so a lagging change never
// resurrects it.
//
// A change and the cursor it moves to are stored in one batch, so the read
// model is exactly the stream up to the cursor: after a crash the follower
// resumes at cursor + 1 and nothing is counted twice or missed. These
// fields are not part of an organisation's etag (the etag versions what
// clients write), and the model can be rebuilt by replaying the stream
// from 0.
//
// Writes go through the GroupCommitWriter CatalogCore writes through: one
// mutex orders read-model updates with creates, updates and deletes, so a
// delete of an organisation cannot race a change that links it.
//
// Thread safety: any number of threads may call it at once;
// CheckUnlinked must be called with the writer's mutex held.
#ifndef ATLAS_CATALOG_SERVICE_INCIDENT_READ_MODEL_H_
#define ATLAS_CATALOG_SERVICE_INCIDENT_READ_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "common/storage/group_commit_writer.h"

namespace atlas::catalog {

class IncidentReadModel {
 public:
  // `store` and `writer` (the writer over `store.db()`) must outlive the
  // read model.
  IncidentReadModel(CatalogStore& store, storage::GroupCommitWriter& writer)
      : store_(store), writer_(writer) {}

  // The sequence of the last applied change, as durable; 0 if none.
  // INTERNAL or UNAVAILABLE for a storage failure (logged).
  absl::StatusOr<int64_t> IncidentCursor();
  // The changelog generation (IncidentChange.changelog_generation) the
  // cursor belongs to, as durable; empty if none was seen. Errors as
  // IncidentCursor.
  absl::StatusOr<std::string> IncidentGeneration();

  // Applies one change and stores its sequence as the cursor, in one
  // batch, and returns once that batch is synced (AppendIncidentChange +
  // WaitDurable).
  // - FAILED_PRECONDITION, and nothing written, for a change of another
  //   changelog generation than the stored one (incident-service was
  //   restored from a backup: its sequences do not continue the cursor's;
  //   resynchronise with ResetToSnapshot). A change with a generation when
  //   none is stored sets it, with the cursor; one without is not checked.
  // - OK, and nothing written, for a change with sequence <= cursor (one
  //   resent by the stream).
  // - OK, and only the cursor moved, for a change whose incident name does
  //   not parse (logged: nothing can be linked, and the stream must not
  //   stall on it). Victims whose names do not parse are ignored.
  // - OUT_OF_RANGE for sequence > cursor + 1 (a gap: nothing is written).
  // - INTERNAL or UNAVAILABLE for a storage failure (logged).
  absl::Status ApplyIncidentChange(const incident::v1::IncidentChange& change);

  // ApplyIncidentChange without the wait: returns once the batch is
  // appended, with its write token. Readers see the change (and a crash
  // may lose it, cursor included, so the stream resends it) only after
  // WaitDurable covers the token. Lets the follower apply many changes per
  // WAL sync. Same errors as ApplyIncidentChange.
  absl::StatusOr<storage::WriteToken> AppendIncidentChange(
      const incident::v1::IncidentChange& change);

  // Returns once every write up to `token` is synced. INTERNAL if the sync
  // fails (every later write fails too; see RocksStore::WaitDurable).
  absl::Status WaitDurable(storage::WriteToken token);

  // OK if no incident names organisation `org_id` (on the kLatest view);
  // FAILED_PRECONDITION naming `name`, how many incidents name it and up
  // to three of them otherwise; INTERNAL or UNAVAILABLE for a storage
  // failure. For CatalogCore's delete: call with writer.mutex() held, so
  // that no change links the organisation between the check and the
  // delete.
  absl::Status CheckUnlinked(absl::string_view org_id, absl::string_view name);

  // --- Resynchronisation (IncidentFollower, when incident-service no
  // longer keeps the changes after the cursor; see
  // docs/reliability.md "Changelog retention and deleted incidents").
  // Replaces the whole read model, in one batch, by the links of
  // `incidents` (each incident's name, victims and dates as
  // incident-service lists them) and sets the cursor to `cursor`: every
  // earlier link and summary is dropped. Returns once appended, with the
  // write token (WaitDurable before relying on it). The cursor's
  // generation becomes `generation` (empty: none, the next change's is
  // taken). INTERNAL or UNAVAILABLE for a storage failure (logged).
  absl::StatusOr<storage::WriteToken> ResetToSnapshot(
      const std::vector<incident::v1::Incident>& incidents, int64_t cursor,
      absl::string_view generation = "");

 private:
  // Adds to `batch` what one change does to organisation `org`: links
  // `incident_id` with `date` (`linked`) or unlinks it, moves the counter
  // and rewrites the summary from the newest kLinkedIncidentsShown links.
  // O(log n) reads and a bounded number of writes, whatever the number n
  // of the organisation's links. Nothing for an organisation that does not
  // exist on the kLatest view. Call with the writer's mutex held.
  absl::Status UpdateOrganization(absl::string_view org,
                                  absl::string_view incident_id, bool linked,
                                  const type::v1::PartialDate& date,
                                  storage::WriteBatch* batch);

  CatalogStore& store_;
  storage::GroupCommitWriter& writer_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_INCIDENT_READ_MODEL_H_
