// Changelog retention: what Changelog::Commit adds to a write's batch so
// that the log forgets what it should not keep serving.
//
// - Scrub on delete. When an incident is deleted, every earlier CREATED
//   and UPDATED entry of it (found through its meta listing,
//   IncidentStore::ChangeSequencesOf) is overwritten, in the delete's own
//   batch, with ScrubbedChange: sequence, change_type, commit_time and
//   incident.name only. The DELETED entry itself carries the incident's
//   name and last victims, and in previous_victims every organisation the
//   incident named as a victim in any entry still kept (the last victims
//   first): what a follower needs to unlink it exactly from any cursor at
//   or after the oldest kept entry, and nothing else of its content.
// - Trim. Once the log holds more than `retention` entries, each commit
//   deletes the oldest ones (at most its own count plus kTrimSlack, never
//   the entries it adds) and moves changelog_first, in its own batch, so a
//   lowered retention catches up without a long write. Streams are not
//   waited for: a reader whose next entry was trimmed ends with
//   FAILED_PRECONDITION (see changelog.h) and resynchronises.
//
// An entry that does not parse never blocks a write: a delete overwrites
// it with {sequence, UPDATED, incident.name} (nothing to link), a trim
// deletes it.
//
// Cost: a delete reads and rewrites the kept entries of its incident
// (bounded by the retention); a commit beyond the retention reads the few
// entries it trims. Both run under the cores' write mutex, like the rest of
// Commit.
#ifndef ATLAS_INCIDENT_SERVICE_CHANGELOG_RETENTION_H_
#define ATLAS_INCIDENT_SERVICE_CHANGELOG_RETENTION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/storage/rocks_store.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

// Default of --changelog_retention_entries: the newest entries kept.
inline constexpr int64_t kDefaultChangelogRetention = 1000000;
// How many entries beyond its own count one commit may trim.
inline constexpr int64_t kTrimSlack = 16;

// What an entry of a deleted incident keeps: sequence, change_type,
// commit_time and incident.name.
v1::IncidentChange ScrubbedChange(const v1::IncidentChange& change);

// For `deleted`, a DELETED change about to be committed: adds to `batch`
// the scrubbed versions of the incident's entries at or after `first_kept`
// and the removal of its listings, and reduces `deleted` as the file
// comment says. Storage errors unmapped.
absl::Status ScrubDeletedIncident(const IncidentStore& store,
                                  int64_t first_kept,
                                  v1::IncidentChange* deleted,
                                  storage::WriteBatch* batch);

// The oldest sequence to keep once a commit adds `count` entries from
// `first_new` to a log whose oldest entry is `first_kept`, and adds to
// `batch` the deletes of the entries before it (with their listings and
// the new changelog_first). Returns `first_kept` when nothing is trimmed.
// `retention` must be >= 1. Storage errors unmapped.
absl::StatusOr<int64_t> TrimChangelog(const IncidentStore& store,
                                      int64_t first_kept, int64_t first_new,
                                      int64_t count, int64_t retention,
                                      storage::WriteBatch* batch);

// Once per database (until meta changelog_listed is set), at Open before
// any write: lists the kept CREATED and UPDATED entries of incidents that
// still exist (entries written before listings existed) and scrubs the
// entries of incidents deleted before, as a delete now does (their DELETED
// entries reduced, previous_victims completed). One pass over the kept
// log, in batches of at most kUpgradeBatch entries; a crash mid-way is
// resumed at the next Open (the pass is idempotent). Storage errors
// unmapped.
inline constexpr size_t kUpgradeBatch = 1024;
absl::Status UpgradeChangelog(IncidentStore& store);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_CHANGELOG_RETENTION_H_
