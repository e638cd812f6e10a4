#include "common/storage/backup_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging/log.h"

namespace atlas::storage {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::atlas::admin::v1;

// 32 random hex digits.
std::string RandomId() {
  std::random_device device;
  std::string bytes(16, '\0');
  for (char& c : bytes) c = static_cast<char>(device() & 0xff);
  return absl::BytesToHexString(bytes);
}

void RemoveDir(const std::string& dir) {
  std::error_code error;
  fs::remove_all(dir, error);
  if (error) {
    log::Error("backup: cannot remove a checkpoint directory",
               {{"dir", dir}, {"error", error.message()}});
  }
  fs::remove_all(dir + ".tmp", error);  // RocksDB's staging name
}

}  // namespace

absl::StatusOr<std::unique_ptr<BackupSnapshot>> BackupSnapshot::Take(
    const RocksStore& db, v1::BackupHeader header) {
  const std::string id = RandomId();
  const std::string dir =
      (fs::path(db.path()) / absl::StrCat(kCheckpointPrefix, id)).string();
  absl::Status made = db.CreateCheckpoint(dir);
  if (!made.ok()) {
    RemoveDir(dir);
    log::Error("backup: checkpoint failed",
               {{"dir", dir}, {"error", made.ToString()}});
    return made;
  }
  std::vector<File> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    File file{entry.path().filename().string(), 0};
    std::error_code size_error;
    const uintmax_t size = entry.file_size(size_error);
    if (size_error || !entry.is_regular_file() ||
        !IsBackupFileName(file.name)) {
      RemoveDir(dir);
      return absl::InternalError(absl::StrCat("backup: unexpected entry ",
                                              file.name, " in the checkpoint"));
    }
    file.size = static_cast<int64_t>(size);
    files.push_back(std::move(file));
  }
  if (error) {
    RemoveDir(dir);
    return absl::InternalError(
        absl::StrCat("backup: cannot list ", dir, ": ", error.message()));
  }
  // A stable order: the small files (CURRENT, MANIFEST, OPTIONS) and the
  // table files by name.
  std::sort(files.begin(), files.end(),
            [](const File& a, const File& b) { return a.name < b.name; });
  header.set_format_version(kBackupFormatVersion);
  header.set_backup_id(id);
  const absl::Time now = absl::Now();
  header.mutable_create_time()->set_seconds(absl::ToUnixSeconds(now));
  header.mutable_create_time()->set_nanos(static_cast<int32_t>(
      (now - absl::FromUnixSeconds(absl::ToUnixSeconds(now))) /
      absl::Nanoseconds(1)));
  return std::unique_ptr<BackupSnapshot>(
      new BackupSnapshot(dir, std::move(header), std::move(files)));
}

BackupSnapshot::BackupSnapshot(std::string dir, v1::BackupHeader header,
                               std::vector<File> files)
    : dir_(std::move(dir)),
      header_(std::move(header)),
      files_(std::move(files)) {
  for (const File& f : files_) total_bytes_ += f.size;
}

BackupSnapshot::~BackupSnapshot() {
  if (fd_ >= 0) ::close(fd_);
  RemoveDir(dir_);
}

absl::StatusOr<bool> BackupSnapshot::Next(v1::BackupChunk* chunk) {
  chunk->Clear();
  switch (step_) {
    case Step::kHeader:
      *chunk->mutable_header() = header_;
      step_ = files_.empty() ? Step::kTrailer : Step::kFileStart;
      return true;
    case Step::kFileStart: {
      const File& file = files_[file_];
      const std::string path = (fs::path(dir_) / file.name).string();
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        return absl::InternalError(absl::StrCat("backup: cannot open ", path,
                                                ": ", std::strerror(errno)));
      }
      read_ = 0;
      chunk->mutable_file()->set_name(file.name);
      chunk->mutable_file()->set_size(file.size);
      step_ = file.size > 0 ? Step::kData : Step::kFileEnd;
      return true;
    }
    case Step::kData: {
      absl::Status s = ReadData(chunk);
      if (!s.ok()) {
        log::Error("backup: cannot read a checkpoint file",
                   {{"file", files_[file_].name}, {"error", s.ToString()}});
        return s;
      }
      if (read_ == files_[file_].size) step_ = Step::kFileEnd;
      return true;
    }
    case Step::kFileEnd:
      ::close(fd_);
      fd_ = -1;
      chunk->mutable_file_end()->set_sha256(hash_.Finish());
      ++file_;
      step_ = file_ < files_.size() ? Step::kFileStart : Step::kTrailer;
      return true;
    case Step::kTrailer:
      chunk->mutable_trailer()->set_file_count(file_count());
      chunk->mutable_trailer()->set_total_bytes(total_bytes_);
      step_ = Step::kDone;
      return true;
    case Step::kDone:
      break;
  }
  return false;
}

absl::Status BackupSnapshot::ReadData(v1::BackupChunk* chunk) {
  const File& file = files_[file_];
  const size_t want = static_cast<size_t>(
      std::min<int64_t>(kBackupChunkBytes, file.size - read_));
  std::string* data = chunk->mutable_data();
  data->resize(want);
  size_t done = 0;
  while (done < want) {
    ssize_t n = ::pread(fd_, data->data() + done, want - done,
                        static_cast<off_t>(read_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("read ", file.name, ": ", std::strerror(errno)));
    }
    if (n == 0) {
      // Checkpoint files are never written once made.
      return absl::InternalError(
          absl::StrCat(file.name, " is shorter than when listed"));
    }
    done += static_cast<size_t>(n);
  }
  hash_.Update(*data);
  read_ += static_cast<int64_t>(want);
  return absl::OkStatus();
}

absl::Status RemoveStaleCheckpoints(const std::string& db_path) {
  std::error_code error;
  std::vector<fs::path> stale;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(db_path, error)) {
    if (absl::StartsWith(entry.path().filename().string(), kCheckpointPrefix)) {
      stale.push_back(entry.path());
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list ", db_path, ": ", error.message()));
  }
  for (const fs::path& path : stale) {
    fs::remove_all(path, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot remove ", path.string(), ": ", error.message()));
    }
    log::Warning("removed a checkpoint left by an interrupted backup",
                 {{"dir", path.string()}});
  }
  return absl::OkStatus();
}

}  // namespace atlas::storage
