// bulk_loader: a profiling aid, not part of scripts/bench.sh. Writes
// incidents [--start, --end) straight into an incident-service database
// (the service must be stopped) through the service's own IncidentCore and
// IncidentStore: the same validation, ATT&CK check, key layout, secondary
// indexes and changelog as CreateIncident, but in-process (no gRPC, no
// catalog call: victims are taken as existing) and with the WAL not synced.
//
// Run it under `perf record` to see what the create path itself costs
// without the network and the sync (docs/benchmarks.md, profile findings).
// Prints `phase=bulk_loader count=... seconds=... per_s=...`.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/every_organization_exists.h"
#include "bench/synthetic.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/logging/log.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/catalog_client.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_store.h"

ABSL_FLAG(std::string, db_path, "", "incident-service RocksDB directory");
ABSL_FLAG(std::string, attack_dir, "incident-service/data/attack",
          "ATT&CK data directory");
ABSL_FLAG(std::string, veris_dir, "datasets/veris",
          "VERIS enumerations directory (verisc-enum.json)");
ABSL_FLAG(int64_t, orgs, 1000, "organisations the victims are drawn from");
ABSL_FLAG(int64_t, start, 0, "first incident");
ABSL_FLAG(int64_t, end, 1000000, "one past the last incident");
ABSL_FLAG(int, threads, 2, "threads calling CreateIncident");
ABSL_FLAG(int64_t, changelog_retention_entries, 1000000,
          "changelog entries kept (a small value trims on every create)");

namespace {}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  namespace log = atlas::log;
  log::SetMinLevel(log::Level::kWarning);
  auto attack =
      atlas::incident::AttackCatalog::Load(absl::GetFlag(FLAGS_attack_dir));
  if (!attack.ok()) {
    std::fprintf(stderr, "%s\n", attack.status().ToString().c_str());
    return 1;
  }
  auto veris =
      atlas::veris::VerisVocabulary::Load(absl::GetFlag(FLAGS_veris_dir));
  if (!veris.ok()) {
    std::fprintf(stderr, "%s\n", veris.status().ToString().c_str());
    return 1;
  }
  auto store =
      atlas::incident::IncidentStore::Open(absl::GetFlag(FLAGS_db_path),
                                           /*sync_writes=*/false);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  auto countries = atlas::api::CountryList::Default();
  if (!countries.ok()) {
    std::fprintf(stderr, "%s\n", countries.status().ToString().c_str());
    return 1;
  }
  auto changelog = atlas::incident::Changelog::Open(
      **store, absl::GetFlag(FLAGS_changelog_retention_entries));
  if (!changelog.ok()) {
    std::fprintf(stderr, "%s\n", changelog.status().ToString().c_str());
    return 1;
  }
  atlas::bench::EveryOrganizationExists directory;
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
  const atlas::auth::Caller editor{atlas::auth::Role::kEditor, "bench-bulk"};
  const int64_t start = absl::GetFlag(FLAGS_start);
  const int64_t end = absl::GetFlag(FLAGS_end);
  std::atomic<int64_t> next{start};
  std::atomic<int64_t> ok{0}, failed{0};
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, absl::GetFlag(FLAGS_threads)); ++t) {
    threads.emplace_back([&] {
      for (int64_t i = next++; i < end; i = next++) {
        atlas::incident::v1::CreateIncidentRequest request;
        *request.mutable_incident() = synth.Incident(i);
        request.set_incident_id(atlas::bench::IncidentId(i));
        auto created = core.CreateIncident(editor, request);
        if (created.ok() || absl::IsAlreadyExists(created.status())) {
          ++ok;
        } else if (failed++ == 0) {
          std::fprintf(stderr, "incident %lld: %s\n", static_cast<long long>(i),
                       created.status().ToString().c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  absl::Status closed = (*store)->Close();
  const double with_close = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf(
      "phase=bulk_loader count=%lld errors=%lld seconds=%.2f "
      "per_s=%.0f seconds_with_close=%.2f close=%s\n",
      static_cast<long long>(ok.load()), static_cast<long long>(failed.load()),
      secs, secs > 0 ? ok.load() / secs : 0.0, with_close,
      closed.ok() ? "ok" : closed.ToString().c_str());
  return failed.load() == 0 && closed.ok() ? 0 : 1;
}
