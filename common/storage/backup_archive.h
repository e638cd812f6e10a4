// The backup file: a backup stream (backup_format.h) stored as it came.
//
// Format (docs/deploy.md, "Backups"): the 8 bytes "ATLASBK1", then each
// atlas.admin.v1.BackupChunk of the stream, in order, as a varint32 length
// followed by that many bytes of the serialized message (protobuf's
// length-delimited form). Nothing else: the header, the per-file SHA-256
// and the trailer make it self-checking, and BackupVerifier checks it.
//
// Thread safety: each object is used by one thread at a time.
#ifndef ATLAS_COMMON_STORAGE_BACKUP_ARCHIVE_H_
#define ATLAS_COMMON_STORAGE_BACKUP_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atlas/admin/v1/backup_service.pb.h"

namespace google::protobuf::io {
class FileInputStream;
}

namespace atlas::storage {

// The first bytes of every backup file.
inline constexpr char kBackupMagic[] = "ATLASBK1";
// The largest chunk record a reader accepts: a 1 MiB data chunk and its
// framing fit with room to spare.
inline constexpr uint32_t kMaxBackupRecordBytes = 8 << 20;

// Writes a backup file at `path` through `path`.partial, so that a backup
// that did not finish never sits at `path`. The partial file is removed by
// the destructor unless Commit() succeeded.
class BackupFileWriter {
 public:
  // Creates (truncating) `path`.partial and writes the magic. INTERNAL
  // naming the path if it cannot be created.
  static absl::StatusOr<std::unique_ptr<BackupFileWriter>> Create(
      const std::string& path);
  ~BackupFileWriter();
  BackupFileWriter(const BackupFileWriter&) = delete;
  BackupFileWriter& operator=(const BackupFileWriter&) = delete;

  // Appends one chunk. INTERNAL for a write error (a full disk).
  absl::Status Append(const admin::v1::BackupChunk& chunk);
  // Syncs the file, renames it to `path` (replacing any file there) and
  // syncs the directory. INTERNAL for an I/O error.
  absl::Status Commit();
  // Bytes written so far (the magic included).
  int64_t bytes() const { return bytes_; }

 private:
  BackupFileWriter(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  absl::Status WriteAll(const std::string& bytes);

  const std::string path_;
  int fd_;
  bool committed_ = false;
  int64_t bytes_ = 0;
};

// Reads a backup file's chunks in order.
class BackupFileReader {
 public:
  // NOT_FOUND if `path` cannot be opened; INVALID_ARGUMENT if it does not
  // start with the magic (not a backup file).
  static absl::StatusOr<std::unique_ptr<BackupFileReader>> Open(
      const std::string& path);
  ~BackupFileReader();
  BackupFileReader(const BackupFileReader&) = delete;
  BackupFileReader& operator=(const BackupFileReader&) = delete;

  // Reads the next chunk into `chunk`: true, or false at the end of the
  // file (between records). DATA_LOSS for a record cut short, longer than
  // kMaxBackupRecordBytes or that does not parse; INTERNAL for a read
  // error.
  absl::StatusOr<bool> Next(admin::v1::BackupChunk* chunk);

 private:
  BackupFileReader(std::string path, int fd);

  const std::string path_;
  int fd_;
  std::unique_ptr<google::protobuf::io::FileInputStream> input_;
};

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_BACKUP_ARCHIVE_H_
