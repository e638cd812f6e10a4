#include "tools/atlasctl/admin_command.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "atlas/admin/v1/backup_service.grpc.pb.h"
#include "common/grpc/status_conversion.h"
#include "common/status/status_macros.h"
#include "common/storage/backup_archive.h"
#include "common/storage/backup_format.h"

namespace atlas::atlasctl {
namespace {

namespace admin = ::atlas::admin::v1;

// One line describing a verified backup.
std::string Describe(const storage::BackupVerifier& verifier) {
  const admin::BackupHeader& h = verifier.header();
  std::string line = absl::StrFormat(
      "%s backup %s: %d files, %d bytes, layout %d, taken %s", h.service(),
      h.backup_id(), verifier.files(), verifier.bytes(), h.layout_version(),
      absl::FormatTime(absl::RFC3339_sec,
                       absl::FromUnixSeconds(h.create_time().seconds()),
                       absl::UTCTimeZone()));
  if (h.service() == "incident-service") {
    absl::StrAppend(&line, ", changelog head >= ", h.changelog_head());
  } else {
    absl::StrAppend(&line, ", incident cursor >= ", h.incident_cursor());
  }
  if (!h.changelog_generation().empty()) {
    absl::StrAppend(&line, ", changelog generation ", h.changelog_generation());
  }
  return line;
}

// In directory mode, removes the oldest `<service>-*.bak` of `dir` beyond
// the newest `keep` (names sort by time).
absl::Status Prune(const std::string& dir, const std::string& service, int keep,
                   std::ostream& out) {
  std::vector<std::string> backups;
  std::error_code error;
  for (const auto& e : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = e.path().filename().string();
    if (absl::StartsWith(name, service + "-") && absl::EndsWith(name, ".bak")) {
      backups.push_back(e.path().string());
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list ", dir, ": ", error.message()));
  }
  std::sort(backups.begin(), backups.end());
  for (size_t i = 0; i + keep < backups.size(); ++i) {
    std::filesystem::remove(backups[i], error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot remove ", backups[i], ": ", error.message()));
    }
    out << "removed " << backups[i] << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunBackup(const Invocation& invocation, Env& env) {
  const std::string service = invocation.Flag("service").value_or("");
  std::string output = invocation.Flag("output").value_or("");
  if (service != "catalog" && service != "incidents") {
    return UsageError("--service must be catalog or incidents");
  }
  if (output.empty()) return UsageError("--output=FILE|DIR/ is required");
  ASSIGN_OR_RETURN(int keep, invocation.IntFlag("keep", 0));
  const bool catalog = service == "catalog";
  const std::string expected = catalog ? "catalog-service" : "incident-service";
  // Directory mode (a CronJob without a shell): a new file named after the
  // service and the UTC time, and --keep=N prunes the older ones.
  const bool into_dir =
      absl::EndsWith(output, "/") || std::filesystem::is_directory(output);
  if (keep < 0 || (keep > 0 && !into_dir)) {
    return UsageError("--keep=N (N >= 1) goes with --output=DIR/");
  }
  const std::string dir = output;

  // A backup runs as long as it takes: no deadline unless one was asked
  // for.
  auto context = env.options().timeout_set
                     ? env.NewContext()
                     : std::make_unique<::grpc::ClientContext>();
  if (!env.options().timeout_set && !env.options().key.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", env.options().key));
  }
  auto stub = admin::BackupService::NewStub(catalog ? env.CatalogChannel()
                                                    : env.IncidentsChannel());
  std::unique_ptr<storage::BackupFileWriter> writer;
  const absl::Time start = absl::Now();
  auto reader = stub->StreamBackup(context.get(), admin::StreamBackupRequest());
  storage::BackupVerifier verifier;
  admin::BackupChunk chunk;
  absl::Status status;
  while (status.ok() && reader->Read(&chunk)) {
    status = verifier.Accept(chunk);
    if (status.ok() && verifier.header().service() != expected) {
      status = absl::FailedPreconditionError(absl::StrCat(
          "the server answering is ", verifier.header().service(), ", not ",
          expected, ": check --", catalog ? "catalog" : "incidents"));
    }
    if (status.ok() && writer == nullptr) {
      // After the header: in directory mode the name holds its time and id.
      if (into_dir) {
        const admin::BackupHeader& h = verifier.header();
        output =
            (std::filesystem::path(dir) /
             absl::StrCat(expected, "-",
                          absl::FormatTime(
                              "%Y%m%dT%H%M%SZ",
                              absl::FromUnixSeconds(h.create_time().seconds()),
                              absl::UTCTimeZone()),
                          "-", h.backup_id().substr(0, 8), ".bak"))
                .string();
      }
      absl::StatusOr<std::unique_ptr<storage::BackupFileWriter>> created =
          storage::BackupFileWriter::Create(output);
      status = created.status();
      if (created.ok()) writer = *std::move(created);
    }
    if (status.ok()) status = writer->Append(chunk);
  }
  if (!status.ok()) {
    context->TryCancel();
    reader->Finish();
    return status;  // the partial file is removed with the writer
  }
  RETURN_IF_ERROR(grpc_util::FromGrpcStatus(reader->Finish()));
  RETURN_IF_ERROR(verifier.Finish());  // also: no chunk at all
  RETURN_IF_ERROR(writer->Commit());
  const absl::Duration took = absl::Now() - start;
  if (into_dir && keep > 0)
    RETURN_IF_ERROR(Prune(dir, expected, keep, env.err()));
  if (env.json()) {
    env.PrintJson(verifier.header());
  } else {
    env.out() << Describe(verifier) << "\n"
              << absl::StrFormat("written to %s (%d bytes) in %.1f s\n", output,
                                 writer->bytes(), absl::ToDoubleSeconds(took));
  }
  return absl::OkStatus();
}

absl::Status RunVerify(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(std::unique_ptr<storage::BackupFileReader> reader,
                   storage::BackupFileReader::Open(invocation.args[0]));
  storage::BackupVerifier verifier;
  admin::BackupChunk chunk;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&chunk));
    if (!more) break;
    RETURN_IF_ERROR(verifier.Accept(chunk));
  }
  RETURN_IF_ERROR(verifier.Finish());
  if (env.json()) {
    env.PrintJson(verifier.header());
  } else {
    env.out() << Describe(verifier)
              << "\nOK: every file matches its size "
                 "and SHA-256\n";
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> AdminCommands() {
  return {
      {.words = {"admin", "backup"},
       .args_usage = "",
       .help = "stream an online backup of a running service into a file "
               "(admin key)",
       .min_args = 0,
       .max_args = 0,
       .flags = {"service", "output", "keep"},
       .handler = RunBackup},
      {.words = {"admin", "verify-backup"},
       .args_usage = "FILE",
       .help = "check a backup file (format, sizes, SHA-256) without "
               "restoring it",
       .min_args = 1,
       .max_args = 1,
       .flags = {},
       .handler = RunVerify},
  };
}

}  // namespace atlas::atlasctl
