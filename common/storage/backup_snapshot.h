// BackupSnapshot: a consistent copy of a running RocksStore, read out as a
// backup stream (backup_format.h) while the store keeps taking writes.
//
// Take() makes a RocksDB checkpoint (RocksStore::CreateCheckpoint) in a new
// directory under the database directory, `backup-checkpoint-<random>`:
// the table files are hard links, so it costs little space until
// compaction replaces the originals, and it is on the same filesystem.
// Next() then yields the header, each file's chunks (reading one
// kBackupChunkBytes block at a time) and the trailer. The destructor
// removes the directory. A process that dies mid-backup leaves one behind:
// RemoveStaleCheckpoints (at start, before serving) removes them.
//
// Thread safety: one thread at a time.
#ifndef ATLAS_COMMON_STORAGE_BACKUP_SNAPSHOT_H_
#define ATLAS_COMMON_STORAGE_BACKUP_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atlas/admin/v1/backup_service.pb.h"
#include "common/storage/backup_format.h"
#include "common/storage/rocks_store.h"

namespace atlas::storage {

// The prefix of checkpoint directories in a database directory.
inline constexpr char kCheckpointPrefix[] = "backup-checkpoint-";

class BackupSnapshot {
 public:
  // Checkpoints `db` and lists the checkpoint's files. `header` carries the
  // service's fields (service, layout_version and what it describes);
  // format_version, backup_id and create_time are set here. The store's
  // errors (FAILED_PRECONDITION once closed); INTERNAL if the checkpoint's
  // files cannot be listed or hold a name a backup cannot carry. Nothing is
  // left on disk after an error.
  static absl::StatusOr<std::unique_ptr<BackupSnapshot>> Take(
      const RocksStore& db, admin::v1::BackupHeader header);
  // Removes the checkpoint directory (logged if it cannot).
  ~BackupSnapshot();
  BackupSnapshot(const BackupSnapshot&) = delete;
  BackupSnapshot& operator=(const BackupSnapshot&) = delete;

  // Fills `chunk` with the next chunk of the stream: true, or false once
  // the trailer has been given. INTERNAL if a file cannot be read or
  // changed size (logged).
  absl::StatusOr<bool> Next(admin::v1::BackupChunk* chunk);

  const admin::v1::BackupHeader& header() const { return header_; }
  const std::string& dir() const { return dir_; }
  // Totals of the files (known from Take on).
  int64_t file_count() const { return static_cast<int64_t>(files_.size()); }
  int64_t total_bytes() const { return total_bytes_; }

 private:
  struct File {
    std::string name;
    int64_t size = 0;
  };
  BackupSnapshot(std::string dir, admin::v1::BackupHeader header,
                 std::vector<File> files);
  // Reads up to kBackupChunkBytes of the current file into `chunk`.
  absl::Status ReadData(admin::v1::BackupChunk* chunk);

  const std::string dir_;
  const admin::v1::BackupHeader header_;
  const std::vector<File> files_;
  int64_t total_bytes_ = 0;

  enum class Step { kHeader, kFileStart, kData, kFileEnd, kTrailer, kDone };
  Step step_ = Step::kHeader;
  size_t file_ = 0;  // index into files_
  int fd_ = -1;      // the current file while reading it
  int64_t read_ = 0;
  Sha256Stream hash_;
};

// Removes every kCheckpointPrefix directory under `db_path` (left by a
// process that died mid-backup); each removal is logged. INTERNAL if one
// cannot be removed.
absl::Status RemoveStaleCheckpoints(const std::string& db_path);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_BACKUP_SNAPSHOT_H_
