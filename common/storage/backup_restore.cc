#include "common/storage/backup_restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/backup_archive.h"
#include "common/storage/backup_format.h"

namespace atlas::storage {
namespace {

namespace fs = std::filesystem;

// Left by mkfs at the root of an ext4 volume (a PVC mounted as DIR).
constexpr char kLostAndFound[] = "lost+found";
constexpr char kStarted[] = "started";
constexpr char kFinished[] = "finished";

absl::Status IoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return IoError("cannot sync", path);
  return absl::OkStatus();
}

struct Marker {
  std::string backup_id;
  std::string service;
  std::string state;
};

std::string MarkerPath(const std::string& db_path) {
  return (fs::path(db_path) / kRestoreMarker).string();
}

// The marker of `db_path`; nullopt when there is none.
absl::StatusOr<std::optional<Marker>> ReadMarker(const std::string& db_path) {
  std::ifstream in(MarkerPath(db_path));
  if (!in) return std::optional<Marker>();
  Marker marker;
  std::string line;
  while (std::getline(in, line)) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.first == "backup_id") marker.backup_id = kv.second;
    if (kv.first == "service") marker.service = kv.second;
    if (kv.first == "state") marker.state = kv.second;
  }
  return std::optional<Marker>(std::move(marker));
}

// Writes the marker through a temporary file and a rename, synced.
absl::Status WriteMarker(const std::string& db_path, const Marker& marker) {
  const std::string path = MarkerPath(db_path);
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << "# A restore from a backup (common/storage/backup_restore.h).\n"
        << "backup_id=" << marker.backup_id << "\n"
        << "service=" << marker.service << "\n"
        << "state=" << marker.state << "\n";
    out.flush();
    if (!out) return IoError("cannot write", temp);
  }
  RETURN_IF_ERROR(SyncPath(temp, O_RDONLY));
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return IoError("cannot rename to", path);
  }
  return SyncPath(db_path, O_RDONLY | O_DIRECTORY);
}

// The entries of `dir` but lost+found, sorted.
absl::StatusOr<std::vector<std::string>> Entries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name != kLostAndFound) names.push_back(name);
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list ", dir, ": ", error.message()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status RemoveEntries(const std::string& dir,
                           const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    std::error_code error;
    fs::remove_all(fs::path(dir) / name, error);
    if (error) {
      return absl::InternalError(absl::StrCat("cannot remove ",
                                              (fs::path(dir) / name).string(),
                                              ": ", error.message()));
    }
  }
  return absl::OkStatus();
}

// Writes each verified file into the database directory.
class DirectorySink final : public BackupSink {
 public:
  explicit DirectorySink(std::string dir) : dir_(std::move(dir)) {}
  ~DirectorySink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status BeginFile(const std::string& name, int64_t) override {
    path_ = (fs::path(dir_) / name).string();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return IoError("cannot create", path_);
    written_.push_back(name);
    return absl::OkStatus();
  }

  absl::Status Write(absl::string_view bytes) override {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return IoError("cannot write", path_);
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status EndFile() override {
    const bool synced = ::fsync(fd_) == 0;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!synced || !closed) return IoError("cannot sync", path_);
    return absl::OkStatus();
  }

  // Removes what this sink wrote (after a failure).
  void RemoveWritten() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    absl::Status s = RemoveEntries(dir_, written_);
    if (!s.ok())
      log::Error("restore: cannot clean up", {{"error", s.ToString()}});
  }

 private:
  const std::string dir_;
  std::vector<std::string> written_;
  std::string path_;
  int fd_ = -1;
};

// Checks the backup's header against the restoring service.
absl::Status CheckHeader(const RestoreOptions& options,
                         const admin::v1::BackupHeader& header) {
  if (header.service() != options.service) {
    return absl::FailedPreconditionError(
        absl::StrCat("--restore_from: ", options.backup_path,
                     " is a backup of ", header.service(), "; ",
                     options.service, " restores only its own backups"));
  }
  if (header.layout_version() > options.max_layout_version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--restore_from: ", options.backup_path,
        " holds a database of stored layout ", header.layout_version(),
        ", newer than this release's ", options.max_layout_version,
        ": restore it with the release that took it, or a newer one"));
  }
  return absl::OkStatus();
}

// Makes `db_path` ready to receive the backup `header`: created if absent,
// emptied if it holds an unfinished restore of this very backup. Sets
// `*finished` when it holds a finished restore of it.
absl::Status PrepareDirectory(const RestoreOptions& options,
                              const admin::v1::BackupHeader& header,
                              bool* finished) {
  *finished = false;
  std::error_code error;
  fs::create_directories(options.db_path, error);
  if (error) {
    return absl::InternalError(absl::StrCat(
        "cannot create --db_path ", options.db_path, ": ", error.message()));
  }
  ASSIGN_OR_RETURN(std::optional<Marker> marker, ReadMarker(options.db_path));
  ASSIGN_OR_RETURN(std::vector<std::string> entries, Entries(options.db_path));
  if (marker.has_value() && marker->backup_id == header.backup_id()) {
    if (marker->state == kFinished) {
      *finished = true;
      return absl::OkStatus();
    }
    log::Warning(
        "restore: an earlier restore of this backup did not finish; "
        "starting it again",
        {{"db_path", options.db_path}, {"backup_id", header.backup_id()}});
    return RemoveEntries(options.db_path, entries);
  }
  if (marker.has_value() && marker->state != kFinished) {
    return absl::FailedPreconditionError(
        absl::StrCat("--db_path ", options.db_path,
                     " holds an unfinished restore of another backup (",
                     marker->backup_id, "): empty the directory first"));
  }
  if (!entries.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--db_path ", options.db_path, " is not empty (it holds ",
        entries.size(), " entries, e.g. ", entries.front(),
        "): a restore writes only into an empty or absent directory"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestoreResult> RestoreBackup(const RestoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<BackupFileReader> reader,
                   BackupFileReader::Open(options.backup_path));
  DirectorySink sink(options.db_path);
  BackupVerifier verifier(&sink);
  admin::v1::BackupChunk chunk;
  ASSIGN_OR_RETURN(bool any, reader->Next(&chunk));
  if (!any) {
    return absl::DataLossError(absl::StrCat(
        "backup is damaged: ", options.backup_path, " holds no chunk"));
  }
  RETURN_IF_ERROR(verifier.Accept(chunk));
  RestoreResult result;
  result.header = verifier.header();
  RETURN_IF_ERROR(CheckHeader(options, result.header));
  bool finished = false;
  RETURN_IF_ERROR(PrepareDirectory(options, result.header, &finished));
  if (finished) {
    log::Info("restore: this backup was already restored here; opening it",
              {{"db_path", options.db_path},
               {"backup_id", result.header.backup_id()}});
    return result;
  }
  const Marker marker{result.header.backup_id(), options.service, kStarted};
  RETURN_IF_ERROR(WriteMarker(options.db_path, marker));
  absl::Status s;
  while (s.ok()) {
    absl::StatusOr<bool> next = reader->Next(&chunk);
    if (!next.ok()) {
      s = next.status();
    } else if (!*next) {
      s = verifier.Finish();
      break;
    } else {
      s = verifier.Accept(chunk);
    }
  }
  if (s.ok()) s = SyncPath(options.db_path, O_RDONLY | O_DIRECTORY);
  if (!s.ok()) {
    // Leave DIR as it was: empty, ready for another backup.
    sink.RemoveWritten();
    std::remove(MarkerPath(options.db_path).c_str());
    return s;
  }
  result.restored = true;
  result.files = verifier.files();
  result.bytes = verifier.bytes();
  log::Info("restore: backup written and verified",
            {{"db_path", options.db_path},
             {"backup_id", result.header.backup_id()},
             {"files", result.files},
             {"bytes", result.bytes}});
  return result;
}

absl::StatusOr<bool> PrepareDatabaseDirectory(const RestoreOptions& options) {
  if (options.backup_path.empty()) {
    RETURN_IF_ERROR(CheckNoUnfinishedRestore(options.db_path));
    return false;
  }
  ASSIGN_OR_RETURN(RestoreResult result, RestoreBackup(options));
  return result.restored;
}

absl::Status FinishRestore(const std::string& db_path) {
  ASSIGN_OR_RETURN(std::optional<Marker> marker, ReadMarker(db_path));
  if (!marker.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no restore to finish in ", db_path));
  }
  marker->state = kFinished;
  return WriteMarker(db_path, *marker);
}

absl::Status CheckNoUnfinishedRestore(const std::string& db_path) {
  ASSIGN_OR_RETURN(std::optional<Marker> marker, ReadMarker(db_path));
  if (!marker.has_value() || marker->state == kFinished) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "--db_path ", db_path, " holds a restore of backup ", marker->backup_id,
      " that did not finish: start again with --restore_from set to that "
      "backup (the restore starts over), or empty the directory"));
}

}  // namespace atlas::storage
