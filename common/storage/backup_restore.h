// Restoring a backup file (backup_archive.h) into a database directory,
// before the service opens it: `--restore_from=FILE --db_path=DIR`.
//
// A restore writes only into an empty or absent DIR (a `lost+found` left
// by mkfs is allowed). It keeps a marker file, DIR/ATLAS-RESTORE, that
// names the backup and whether the restore finished:
//   1. RestoreBackup checks the header (the service's own backup, a layout
//      this build reads), writes the marker ("started"), then writes each
//      file as it verifies it (size and SHA-256) and syncs them.
//   2. The service opens the database and makes the changes a restore
//      needs (incident-service draws a new changelog generation).
//   3. FinishRestore marks the restore finished.
// A process that dies between 1 and 3 leaves a "started" marker: every
// later start refuses the directory (CheckNoUnfinishedRestore), except a
// start with the same --restore_from, which empties the directory and
// restores again. A start with the same --restore_from after a finished
// restore simply opens the database (a restarted pod keeps its flags), so
// the flag can stay on until the operator removes it.
//
// Thread safety: call before the database is opened, from one thread.
#ifndef ATLAS_COMMON_STORAGE_BACKUP_RESTORE_H_
#define ATLAS_COMMON_STORAGE_BACKUP_RESTORE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atlas/admin/v1/backup_service.pb.h"

namespace atlas::storage {

// The marker's name in the database directory.
inline constexpr char kRestoreMarker[] = "ATLAS-RESTORE";

struct RestoreOptions {
  // The backup file (--restore_from).
  std::string backup_path;
  // The database directory (--db_path).
  std::string db_path;
  // The service restoring: BackupHeader.service must be this.
  std::string service;
  // The newest stored layout this build opens.
  int max_layout_version = 0;
};

struct RestoreResult {
  // False when DIR already held a finished restore of this backup and
  // nothing was written (the service opens the database as it is, and
  // skips step 2).
  bool restored = false;
  admin::v1::BackupHeader header;
  int64_t files = 0;
  int64_t bytes = 0;
};

// Step 1 (see the file comment). Errors, with nothing left in DIR but
// what was there:
//   NOT_FOUND: the backup file cannot be opened;
//   INVALID_ARGUMENT: it is not a backup file;
//   FAILED_PRECONDITION: DIR is not empty (the message names an entry),
//     or holds an unfinished restore of another backup; the backup is of
//     another service; its layout or format is newer than this build's;
//   DATA_LOSS: the backup is truncated or damaged (what and where named):
//     the files written so far are removed again;
//   INTERNAL: DIR or a file in it cannot be written.
absl::StatusOr<RestoreResult> RestoreBackup(const RestoreOptions& options);

// Step 3: marks the restore into `db_path` finished. INTERNAL if the
// marker cannot be written.
absl::Status FinishRestore(const std::string& db_path);

// What a service's start does before it opens its database:
// RestoreBackup when `options.backup_path` is set (errors as there), else
// CheckNoUnfinishedRestore. True when a restore was written: open the
// database, make the restore's changes, then call FinishRestore.
absl::StatusOr<bool> PrepareDatabaseDirectory(const RestoreOptions& options);

// For every start without --restore_from, before opening: OK unless
// `db_path` holds an unfinished restore, which is FAILED_PRECONDITION
// naming the backup and what to do.
absl::Status CheckNoUnfinishedRestore(const std::string& db_path);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_BACKUP_RESTORE_H_
