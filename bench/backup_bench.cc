// backup_bench: the figures of online backup and restore (issue 18 part 4)
// at N incidents, in one process, on loopback:
//
//   build/bench/bench_backup --incidents=100000       (default)
//   build/bench/bench_backup --incidents=1000000      (the size)
//
// 1. Loads N synthetic incidents (bench/synthetic.h) into a fresh
//    incident-service database through IncidentCore, WAL unsynced (the
//    load is not what is measured; bench_bulk_loader's path).
// 2. Starts IncidentServer on it (synced writes, as deployed) and runs
//    `atlasctl admin backup --service=incidents` in-process: backup_s is
//    the whole command (checkpoint, stream over gRPC, SHA-256 checks,
//    fsync and rename of the file), backup_bytes the file's size.
// 3. Restores the file into a fresh directory (storage::RestoreBackup
//    alone: read, verify, write, fsync: restore_s), then starts
//    IncidentServer with --restore_from into another one (restore, new
//    changelog generation, open, serving: restore_to_serving_s), and checks
//    the restored changelog ends where the source's did.
// Prints one line: `backup incidents=... db_bytes=... backup_bytes=...
// backup_s=... restore_s=... restore_to_serving_s=...`. Run from the repository
// root (ATT&CK and VERIS data). Temp dirs under --dir are removed unless
// --keep.
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/every_organization_exists.h"
#include "bench/synthetic.h"
#include "common/api/aip/digest.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/logging/log.h"
#include "common/storage/backup_restore.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_server.h"
#include "tools/atlasctl/admin_command.h"
#include "tools/atlasctl/cli.h"

ABSL_FLAG(int64_t, incidents, 100000, "incidents in the database");
ABSL_FLAG(int64_t, orgs, 1000, "organisations the victims are drawn from");
ABSL_FLAG(int, threads, 2, "threads loading incidents");
ABSL_FLAG(std::string, dir, "/tmp", "where the temp directories go");
ABSL_FLAG(bool, keep, false, "keep the databases and the backup file");
ABSL_FLAG(std::string, attack_dir, "incident-service/data/attack",
          "ATT&CK data directory");
ABSL_FLAG(std::string, veris_dir, "datasets/veris",
          "VERIS enumerations directory");

namespace {

namespace fs = std::filesystem;
using atlas::incident::IncidentServer;

constexpr char kAdminKey[] = "bench-admin-key";

[[noreturn]] void Die(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

int64_t DirBytes(const std::string& dir) {
  int64_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += static_cast<int64_t>(e.file_size());
  }
  return bytes;
}

// Step 1: N incidents through the core, unsynced. Returns the changelog's
// last sequence.
int64_t Load(const std::string& db,
             atlas::bench::EveryOrganizationExists& directory) {
  auto attack =
      atlas::incident::AttackCatalog::Load(absl::GetFlag(FLAGS_attack_dir));
  if (!attack.ok()) Die("ATT&CK data", attack.status());
  auto veris =
      atlas::veris::VerisVocabulary::Load(absl::GetFlag(FLAGS_veris_dir));
  if (!veris.ok()) Die("VERIS data", veris.status());
  auto countries = atlas::api::CountryList::Default();
  if (!countries.ok()) Die("countries", countries.status());
  auto store = atlas::incident::IncidentStore::Open(db, /*sync_writes=*/false);
  if (!store.ok()) Die("open", store.status());
  auto changelog = atlas::incident::Changelog::Open(**store);
  if (!changelog.ok()) Die("changelog", changelog.status());
  atlas::incident::IncidentCore core({.store = store->get(),
                                      .changelog = changelog->get(),
                                      .directory = &directory,
                                      .attack = &*attack,
                                      .countries = *countries,
                                      .veris = &*veris,
                                      .clock = &atlas::api::RealClock::Get()});
  atlas::bench::Synthetic synth(
      absl::GetFlag(FLAGS_orgs),
      absl::GetFlag(FLAGS_attack_dir) + "/enterprise-techniques.tsv");
  const atlas::auth::Caller editor{atlas::auth::Role::kEditor, "bench"};
  const int64_t n = absl::GetFlag(FLAGS_incidents);
  std::atomic<int64_t> next{0}, failed{0};
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, absl::GetFlag(FLAGS_threads)); ++t) {
    threads.emplace_back([&] {
      for (int64_t i = next++; i < n; i = next++) {
        atlas::incident::v1::CreateIncidentRequest request;
        *request.mutable_incident() = synth.Incident(i);
        request.set_incident_id(atlas::bench::IncidentId(i));
        if (!core.CreateIncident(editor, request).ok()) ++failed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const int64_t last = (*changelog)->next_sequence() - 1;
  absl::Status closed = (*store)->Close();
  if (!closed.ok() || failed.load() > 0) {
    Die(absl::StrCat("load (", failed.load(), " failed)"), closed);
  }
  std::fprintf(stderr, "loaded %lld incidents in %.1f s\n",
               static_cast<long long>(n),
               absl::ToDoubleSeconds(absl::Now() - t0));
  return last;
}

std::unique_ptr<IncidentServer> Start(
    const std::string& db, const std::string& restore_from,
    atlas::bench::EveryOrganizationExists& directory) {
  IncidentServer::Options options;
  const std::string digest =
      absl::BytesToHexString(atlas::api::Sha256(kAdminKey));
  options.keys = *atlas::auth::KeyRegistry::Parse(digest + " admin bench\n");
  options.db_path = db;
  options.restore_from = restore_from;
  options.serving.listen_address = "127.0.0.1:0";
  options.attack_dir = absl::GetFlag(FLAGS_attack_dir);
  options.veris_dir = absl::GetFlag(FLAGS_veris_dir);
  IncidentServer::Collaborators collaborators;
  collaborators.directory = &directory;
  auto server = IncidentServer::Start(std::move(options), collaborators);
  if (!server.ok()) Die("start", server.status());
  return *std::move(server);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  atlas::log::SetMinLevel(atlas::log::Level::kWarning);
  std::string root = absl::GetFlag(FLAGS_dir) + "/atlas-bench-backup-XXXXXX";
  if (mkdtemp(root.data()) == nullptr) return 1;
  const std::string source = root + "/source";
  const std::string backup = root + "/incidents.bak";
  const std::string restored = root + "/restored";
  atlas::bench::EveryOrganizationExists directory;

  const int64_t last = Load(source, directory);
  const int64_t db_bytes = DirBytes(source);

  auto server = Start(source, "", directory);
  const absl::Time b0 = absl::Now();
  std::ostringstream out, err;
  const int code = atlas::atlasctl::Run(
      {absl::StrCat("--incidents=127.0.0.1:", server->port()),
       absl::StrCat("--key=", kAdminKey), "admin", "backup",
       "--service=incidents", "--output=" + backup},
      atlas::atlasctl::AdminCommands(), out, err);
  const double backup_s = absl::ToDoubleSeconds(absl::Now() - b0);
  if (code != 0) {
    std::fprintf(stderr, "backup failed: %s", err.str().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s", out.str().c_str());
  server->Shutdown();
  (void)server->Wait();
  server.reset();
  const int64_t backup_bytes = static_cast<int64_t>(fs::file_size(backup));

  // The restore alone (read, verify, write, fsync), then removed.
  const absl::Time r0 = absl::Now();
  auto result = atlas::storage::RestoreBackup(
      {.backup_path = backup,
       .db_path = restored + "-alone",
       .service = IncidentServer::kBackupName,
       .max_layout_version = atlas::incident::IncidentStore::kLayoutVersion});
  if (!result.ok()) Die("restore", result.status());
  const double restore_s = absl::ToDoubleSeconds(absl::Now() - r0);
  fs::remove_all(restored + "-alone");
  // What an operator waits for: --restore_from to serving (the restore, a
  // new changelog generation, the open).
  const absl::Time o0 = absl::Now();
  auto again = Start(restored, backup, directory);
  const double serving_s = absl::ToDoubleSeconds(absl::Now() - o0);
  const int64_t restored_last = again->changelog().next_sequence() - 1;
  again->Shutdown();
  (void)again->Wait();
  again.reset();

  std::printf(
      "backup incidents=%lld db_bytes=%lld backup_bytes=%lld backup_s=%.2f "
      "restore_s=%.2f restore_to_serving_s=%.2f changelog_last=%lld "
      "restored_last=%lld\n",
      static_cast<long long>(absl::GetFlag(FLAGS_incidents)),
      static_cast<long long>(db_bytes), static_cast<long long>(backup_bytes),
      backup_s, restore_s, serving_s, static_cast<long long>(last),
      static_cast<long long>(restored_last));
  if (!absl::GetFlag(FLAGS_keep)) fs::remove_all(root);
  return restored_last == last ? 0 : 1;
}
