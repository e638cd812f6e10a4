#include "common/storage/backup_format.h"

#include <openssl/evp.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace atlas::storage {

namespace v1 = ::atlas::admin::v1;

struct Sha256Stream::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256Stream::Sha256Stream() : context_(std::make_unique<Context>()) {
  EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr);
}

Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::Update(absl::string_view bytes) {
  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
}

std::string Sha256Stream::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_->ctx, digest, &size);
  EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

bool IsBackupFileName(absl::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

namespace {

absl::Status Broken(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("backup is damaged: ", what));
}

}  // namespace

absl::Status BackupVerifier::Accept(const v1::BackupChunk& chunk) {
  if (state_ == State::kDone) return Broken("data after the trailer");
  if (state_ == State::kStart &&
      chunk.chunk_case() != v1::BackupChunk::kHeader) {
    return Broken("it does not start with a header");
  }
  switch (chunk.chunk_case()) {
    case v1::BackupChunk::kHeader:
      return AcceptHeader(chunk.header());
    case v1::BackupChunk::kFile:
      return AcceptFile(chunk.file());
    case v1::BackupChunk::kData:
      return AcceptData(chunk.data());
    case v1::BackupChunk::kFileEnd:
      return AcceptFileEnd(chunk.file_end());
    case v1::BackupChunk::kTrailer:
      return AcceptTrailer(chunk.trailer());
    case v1::BackupChunk::CHUNK_NOT_SET:
      break;
  }
  return Broken("an empty chunk (written by a newer release?)");
}

absl::Status BackupVerifier::Finish() const {
  if (state_ == State::kDone) return absl::OkStatus();
  if (state_ == State::kStart) return Broken("it is empty");
  return Broken(absl::StrCat("it ends early, after ", files_,
                             " whole file(s) and before the trailer"));
}

absl::Status BackupVerifier::AcceptHeader(const v1::BackupHeader& header) {
  if (state_ != State::kStart) return Broken("a second header");
  if (header.format_version() != kBackupFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the backup is in format ", header.format_version(),
        "; this release reads format ", kBackupFormatVersion,
        " only (restore it with the release that wrote it, or a newer one)"));
  }
  if (header.service().empty() || header.backup_id().empty()) {
    return Broken("its header names no service or no backup id");
  }
  header_ = header;
  state_ = State::kBetweenFiles;
  return absl::OkStatus();
}

absl::Status BackupVerifier::AcceptFile(const v1::BackupFile& file) {
  if (state_ != State::kBetweenFiles) {
    return Broken(absl::StrCat("file ", file.name(), " starts inside ", file_));
  }
  if (!IsBackupFileName(file.name())) {
    return Broken(
        absl::StrCat("bad file name \"", absl::CEscape(file.name()), "\""));
  }
  if (!names_.insert(file.name()).second) {
    return Broken(absl::StrCat("file ", file.name(), " appears twice"));
  }
  if (file.size() < 0) {
    return Broken(absl::StrCat("file ", file.name(), " has a negative size"));
  }
  file_ = file.name();
  file_size_ = file.size();
  file_seen_ = 0;
  state_ = State::kInFile;
  if (sink_ != nullptr) return sink_->BeginFile(file_, file_size_);
  return absl::OkStatus();
}

absl::Status BackupVerifier::AcceptData(absl::string_view data) {
  if (state_ != State::kInFile) return Broken("data outside a file");
  if (static_cast<int64_t>(data.size()) > file_size_ - file_seen_) {
    return Broken(
        absl::StrCat("file ", file_, " is longer than its size ", file_size_));
  }
  file_seen_ += static_cast<int64_t>(data.size());
  hash_.Update(data);
  if (sink_ != nullptr) return sink_->Write(data);
  return absl::OkStatus();
}

absl::Status BackupVerifier::AcceptFileEnd(const v1::BackupFileEnd& end) {
  if (state_ != State::kInFile) return Broken("a file end outside a file");
  if (file_seen_ != file_size_) {
    return Broken(absl::StrCat("file ", file_, " has ", file_seen_,
                               " bytes; its size is ", file_size_));
  }
  if (hash_.Finish() != end.sha256()) {
    return Broken(absl::StrCat("file ", file_, " fails its SHA-256 check"));
  }
  ++files_;
  bytes_ += file_size_;
  state_ = State::kBetweenFiles;
  if (sink_ != nullptr) return sink_->EndFile();
  return absl::OkStatus();
}

absl::Status BackupVerifier::AcceptTrailer(const v1::BackupTrailer& trailer) {
  if (state_ != State::kBetweenFiles) {
    return Broken(absl::StrCat("the trailer comes inside file ", file_));
  }
  if (trailer.file_count() != files_ || trailer.total_bytes() != bytes_) {
    return Broken(absl::StrCat("the trailer counts ", trailer.file_count(),
                               " files and ", trailer.total_bytes(),
                               " bytes; the backup holds ", files_, " and ",
                               bytes_));
  }
  state_ = State::kDone;
  return absl::OkStatus();
}

}  // namespace atlas::storage
