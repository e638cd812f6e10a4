// The backup stream (atlas.admin.v1.BackupService.StreamBackup) and the
// rules that make one whole: what BackupVerifier checks on every stream
// and every backup file, wherever it is read (atlasctl while it saves a
// stream, a service while it restores one).
//
// A stream is: one header; for each file a `file` (name, size), its bytes
// as `data` chunks, a `file_end` (SHA-256); one trailer (file count, total
// bytes). backup_archive.h stores the same chunks in a file.
//
// Thread safety: a verifier is used by one thread at a time.
#ifndef ATLAS_COMMON_STORAGE_BACKUP_FORMAT_H_
#define ATLAS_COMMON_STORAGE_BACKUP_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/admin/v1/backup_service.pb.h"

namespace atlas::storage {

// BackupHeader.format_version this build writes and reads.
inline constexpr int kBackupFormatVersion = 1;
// The most bytes one `data` chunk carries.
inline constexpr size_t kBackupChunkBytes = 1 << 20;

// Incremental SHA-256 (OpenSSL EVP). Not copyable.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(absl::string_view bytes);
  // The 32-byte digest of everything updated; the stream starts over.
  std::string Finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Whether `name` may be a file of a backup: 1-255 of [A-Za-z0-9._-], not
// starting with '.' (so no "..", no directory part, nothing hidden).
bool IsBackupFileName(absl::string_view name);

// Receives the bytes of a stream's files as the verifier accepts them (a
// restore writes them to disk). Any error stops the verification with it.
class BackupSink {
 public:
  virtual ~BackupSink() = default;
  virtual absl::Status BeginFile(const std::string& name, int64_t size) = 0;
  virtual absl::Status Write(absl::string_view bytes) = 0;
  // The file's bytes matched its size and checksum.
  virtual absl::Status EndFile() = 0;
};

// Checks a stream of chunks, one Accept per chunk, in order.
class BackupVerifier {
 public:
  // `sink` (may be null; not owned) gets the files' bytes.
  explicit BackupVerifier(BackupSink* sink = nullptr) : sink_(sink) {}

  // Takes the next chunk. DATA_LOSS naming what is wrong: a first chunk
  // that is not a header, a second header, a header without service or
  // backup id, `data` or `file_end` outside a file, a bad or repeated file
  // name, a negative size, more bytes than the file announced, a file
  // ending short or with another checksum, a file left open at the
  // trailer, trailer totals other than the files seen, an empty chunk,
  // anything after the trailer. FAILED_PRECONDITION for a header of a
  // format_version this build does not read (a newer release wrote it).
  // The sink's errors as they are.
  absl::Status Accept(const admin::v1::BackupChunk& chunk);
  // OK once the trailer was accepted; DATA_LOSS otherwise (the stream or
  // file ended early).
  absl::Status Finish() const;

  // The header (empty before the first chunk).
  const admin::v1::BackupHeader& header() const { return header_; }
  int64_t files() const { return files_; }
  int64_t bytes() const { return bytes_; }
  bool complete() const { return state_ == State::kDone; }

 private:
  enum class State { kStart, kBetweenFiles, kInFile, kDone };
  absl::Status AcceptHeader(const admin::v1::BackupHeader& header);
  absl::Status AcceptFile(const admin::v1::BackupFile& file);
  absl::Status AcceptData(absl::string_view data);
  absl::Status AcceptFileEnd(const admin::v1::BackupFileEnd& end);
  absl::Status AcceptTrailer(const admin::v1::BackupTrailer& trailer);

  BackupSink* const sink_;
  State state_ = State::kStart;
  admin::v1::BackupHeader header_;
  absl::flat_hash_set<std::string> names_;
  std::string file_;  // the current file's name
  int64_t file_size_ = 0;
  int64_t file_seen_ = 0;
  Sha256Stream hash_;
  int64_t files_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_BACKUP_FORMAT_H_
