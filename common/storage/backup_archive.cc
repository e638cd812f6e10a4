#include "common/storage/backup_archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"

namespace atlas::storage {
namespace {

constexpr size_t kMagicBytes = sizeof(kBackupMagic) - 1;

absl::Status IoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Syncs the directory holding `path`, so that a rename in it is durable.
absl::Status SyncParent(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory", parent.string());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return IoError("cannot sync directory", parent.string());
  return absl::OkStatus();
}

}  // namespace

// --- Writer ------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<BackupFileWriter>> BackupFileWriter::Create(
    const std::string& path) {
  const std::string partial = path + ".partial";
  // 0600: a backup holds every members-only field.
  int fd =
      ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", partial);
  std::unique_ptr<BackupFileWriter> writer(new BackupFileWriter(path, fd));
  absl::Status s = writer->WriteAll(std::string(kBackupMagic, kMagicBytes));
  if (!s.ok()) return s;
  return writer;
}

BackupFileWriter::~BackupFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) std::remove((path_ + ".partial").c_str());
}

absl::Status BackupFileWriter::WriteAll(const std::string& bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError("backup file is closed");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write", path_ + ".partial");
    done += static_cast<size_t>(n);
  }
  bytes_ += static_cast<int64_t>(bytes.size());
  return absl::OkStatus();
}

absl::Status BackupFileWriter::Append(const admin::v1::BackupChunk& chunk) {
  const size_t size = chunk.ByteSizeLong();
  std::string record;
  record.resize(google::protobuf::io::CodedOutputStream::VarintSize32(
                    static_cast<uint32_t>(size)) +
                size);
  uint8_t* out = reinterpret_cast<uint8_t*>(record.data());
  out = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(size), out);
  chunk.SerializeWithCachedSizesToArray(out);
  return WriteAll(record);
}

absl::Status BackupFileWriter::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError("backup file is closed");
  const std::string partial = path_ + ".partial";
  if (::fsync(fd_) != 0) return IoError("cannot sync", partial);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return IoError("cannot close", partial);
  }
  fd_ = -1;
  if (std::rename(partial.c_str(), path_.c_str()) != 0) {
    return IoError("cannot rename to", path_);
  }
  committed_ = true;
  return SyncParent(path_);
}

// --- Reader ------------------------------------------------------------------

BackupFileReader::BackupFileReader(std::string path, int fd)
    : path_(std::move(path)),
      fd_(fd),
      input_(std::make_unique<google::protobuf::io::FileInputStream>(fd)) {}

BackupFileReader::~BackupFileReader() {
  input_.reset();
  ::close(fd_);
}

absl::StatusOr<std::unique_ptr<BackupFileReader>> BackupFileReader::Open(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open backup file ", path,
                                            ": ", std::strerror(errno)));
  }
  std::unique_ptr<BackupFileReader> reader(new BackupFileReader(path, fd));
  std::string magic;
  google::protobuf::io::CodedInputStream coded(reader->input_.get());
  if (!coded.ReadString(&magic, static_cast<int>(kMagicBytes)) ||
      magic != absl::string_view(kBackupMagic, kMagicBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     " is not an Atlas backup file (it does not start "
                     "with \"",
                     kBackupMagic, "\")"));
  }
  return reader;
}

absl::StatusOr<bool> BackupFileReader::Next(admin::v1::BackupChunk* chunk) {
  // A clean end is the end of the file between two records.
  const void* data;
  int size;
  if (!input_->Next(&data, &size)) {
    if (input_->GetErrno() != 0) {
      errno = input_->GetErrno();
      return IoError("cannot read", path_);
    }
    return false;
  }
  input_->BackUp(size);
  google::protobuf::io::CodedInputStream coded(input_.get());
  uint32_t length = 0;
  if (!coded.ReadVarint32(&length)) {
    return absl::DataLossError(
        absl::StrCat("backup is damaged: ", path_, " ends inside a record"));
  }
  if (length > kMaxBackupRecordBytes) {
    return absl::DataLossError(
        absl::StrCat("backup is damaged: a record of ", path_, " claims ",
                     length, " bytes (at most ", kMaxBackupRecordBytes, ")"));
  }
  std::string bytes;
  if (!coded.ReadString(&bytes, static_cast<int>(length))) {
    if (input_->GetErrno() != 0) {
      errno = input_->GetErrno();
      return IoError("cannot read", path_);
    }
    return absl::DataLossError(
        absl::StrCat("backup is damaged: ", path_, " ends inside a record"));
  }
  if (!chunk->ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("backup is damaged: a record of ",
                                            path_, " does not parse"));
  }
  return true;
}

}  // namespace atlas::storage
