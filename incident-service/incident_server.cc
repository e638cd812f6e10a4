#include "incident-service/incident_server.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/metrics/serving_metrics.h"
#include "common/storage/backup_restore.h"
#include "common/storage/backup_snapshot.h"
#include "incident-service/catalog_client.h"

namespace atlas::incident {

absl::StatusOr<std::unique_ptr<IncidentServer>> IncidentServer::Start(
    Options options, Collaborators c) {
  std::unique_ptr<IncidentServer> server(new IncidentServer());
  if (c.countries == nullptr) {
    auto countries = api::CountryList::LoadFile(options.iso_codes_path);
    if (!countries.ok()) {
      return absl::Status(
          countries.status().code(),
          absl::StrCat("cannot load the ISO 3166-1 country list from ",
                       options.iso_codes_path, ": ",
                       countries.status().message()));
    }
    server->owned_countries_ =
        std::make_unique<api::CountryList>(*std::move(countries));
    c.countries = server->owned_countries_.get();
  }
  if (c.attack == nullptr) {
    auto attack = AttackCatalog::Load(options.attack_dir);
    if (!attack.ok()) {
      return absl::Status(
          attack.status().code(),
          absl::StrCat("cannot load ATT&CK data from ", options.attack_dir,
                       ": ", attack.status().message()));
    }
    server->owned_attack_ = std::make_unique<AttackCatalog>(*std::move(attack));
    c.attack = server->owned_attack_.get();
    log::Info("ATT&CK data loaded", {{"release", c.attack->release()},
                                     {"techniques", c.attack->size()}});
  }
  if (c.veris == nullptr) {
    auto vocabulary = veris::VerisVocabulary::Load(options.veris_dir);
    if (!vocabulary.ok()) {
      return absl::Status(
          vocabulary.status().code(),
          absl::StrCat("cannot load VERIS enumerations from ",
                       options.veris_dir, ": ", vocabulary.status().message()));
    }
    server->owned_veris_ =
        std::make_unique<veris::VerisVocabulary>(*std::move(vocabulary));
    c.veris = server->owned_veris_.get();
    log::Info("VERIS enumerations loaded", {{"enumerations", c.veris->size()}});
  }
  if (!options.serving.metrics_listen.empty()) {
    auto endpoint =
        metrics::MetricsEndpoint::Start(options.serving.metrics_listen);
    if (!endpoint.ok()) return endpoint.status();
    server->metrics_ = *std::move(endpoint);
    server->metrics_port_ = server->metrics_->port();
    server->catalog_calls_ = std::make_unique<metrics::ClientCallMetrics>(
        *server->metrics_, "catalog", "BatchGetOrganizations");
  }
  if (c.directory == nullptr) {
    std::function<void(::grpc::StatusCode, absl::Duration)> on_call;
    if (metrics::ClientCallMetrics* calls = server->catalog_calls_.get()) {
      on_call = [calls](::grpc::StatusCode code, absl::Duration latency) {
        calls->Record(code, latency);
      };
    }
    server->owned_directory_ = std::make_unique<CatalogClient>(
        CatalogClient::Options{.target = options.catalog_address,
                               .timeout = options.catalog_timeout,
                               .api_key = options.catalog_api_key,
                               .credentials = options.catalog_credentials,
                               .on_call = std::move(on_call)});
    c.directory = server->owned_directory_.get();
  }
  if (c.clock == nullptr) c.clock = &api::RealClock::Get();

  auto restored = storage::PrepareDatabaseDirectory(
      {.backup_path = options.restore_from,
       .db_path = options.db_path,
       .service = kBackupName,
       .max_layout_version = IncidentStore::kLayoutVersion});
  if (!restored.ok()) return restored.status();
  auto store =
      IncidentStore::Open(options.db_path, options.sync_writes, options.memory);
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat("cannot open database ", options.db_path,
                                     ": ", store.status().message()));
  }
  server->store_ = *std::move(store);
  if (*restored) {
    // The restored changelog is another history than the one subscribers
    // followed: a new generation makes them resynchronise (changelog.h).
    auto generation = Changelog::StartNewGeneration(*server->store_);
    if (!generation.ok()) return generation.status();
    absl::Status finished = storage::FinishRestore(options.db_path);
    if (!finished.ok()) return finished;
  }
  absl::Status cleaned = storage::RemoveStaleCheckpoints(options.db_path);
  if (!cleaned.ok()) {
    log::Warning("cannot remove a stale backup checkpoint",
                 {{"error", cleaned.ToString()}});
  }
  auto changelog =
      Changelog::Open(*server->store_, options.changelog_retention_entries);
  if (!changelog.ok()) return changelog.status();
  server->changelog_ = *std::move(changelog);
  server->core_ = std::make_unique<IncidentCore>(IncidentCore::Collaborators{
      .store = server->store_.get(),
      .changelog = server->changelog_.get(),
      .directory = c.directory,
      .attack = c.attack,
      .countries = c.countries,
      .veris = c.veris,
      .clock = c.clock,
  });
  const std::string index_dir = options.search_index_dir.empty()
                                    ? options.db_path + "/search-index"
                                    : options.search_index_dir;
  auto search_index = search::SearchIndex::Open(index_dir);
  if (!search_index.ok()) return search_index.status();
  server->search_index_ = *std::move(search_index);
  server->search_indexer_ = std::make_unique<search::SearchIndexer>(
      *server->store_, *server->changelog_, *server->search_index_,
      search::SearchIndexer::Options{.rebuild = options.rebuild_search_index});
  server->search_ = std::make_unique<search::IncidentSearch>(
      *server->store_, *server->search_index_, *server->search_indexer_);
  server->options_ = std::move(options);
  const server::ServingOptions& serving = server->options_.serving;
  server->writers_ = std::make_unique<concurrency::BoundedExecutor>(
      serving.write_threads, serving.max_queued_writes);
  server->public_reads_ = server::NewPublicReadExecutor(serving);
  server->service_ = std::make_unique<IncidentServiceImpl>(
      *server->core_, *server->search_, *server->changelog_,
      server->options_.keys, *server->writers_, *server->public_reads_,
      serving.max_inflight_reads, serving.max_inflight_point_reads,
      serving.streams);

  const Changelog* changelog_for_backup = server->changelog_.get();
  server->backup_ = std::make_unique<server::BackupServiceImpl>(
      server::BackupServiceImpl::Options{
          .service = kBackupName,
          .layout_version = IncidentStore::kLayoutVersion,
          .db = &server->store_->db(),
          .keys = &server->options_.keys,
          .describe = [changelog_for_backup](admin::v1::BackupHeader* header) {
            header->set_changelog_head(
                changelog_for_backup->durable_next_sequence() - 1);
            header->set_changelog_generation(
                changelog_for_backup->generation());
          }});

  grpc_util::ServerOptions runner =
      server::RunnerOptions(serving, kServiceName);
  runner.keys = &server->options_.keys;
  runner.raw_methods = {absl::StrCat("/", kServiceName, "/GetIncident")};
  if (server->metrics_ != nullptr) {
    server->AddMetrics();
    runner.call_observers.push_back(server->metrics_->call_observer());
  }
  // Change streams never end on their own: close them when the drain
  // starts so they do not hold it for the whole grace period.
  Changelog* changelog_ptr = server->changelog_.get();
  server::BackupServiceImpl* backup_ptr = server->backup_.get();
  runner.on_drain_start = [changelog_ptr, backup_ptr] {
    changelog_ptr->Shutdown();
    backup_ptr->Shutdown();
  };
  // Searches answer UNAVAILABLE until the indexer's first catch-up or
  // rebuild completes; the rest of the service serves meanwhile.
  server->search_indexer_->Start();
  auto started = grpc_util::ServerRunner::Start(
      std::move(runner), {server->service_.get(), server->backup_.get()});
  if (!started.ok()) {
    if (server->metrics_ != nullptr) server->metrics_->StopServing();
    server->search_indexer_->Stop();
    (void)server->store_->Close();
    server->waited_ = true;
    return started.status();
  }
  server->runner_ = *std::move(started);
  server->port_ = server->runner_->port();
  return server;
}

void IncidentServer::AddMetrics() {
  metrics::AddServing(*metrics_, service_->budgets(), *writers_, *public_reads_,
                      store_->db());
  const Changelog* changelog = changelog_.get();
  metrics_->scrape().AddGauge(
      "atlas_incident_changelog_head_sequence",
      "Sequence of the last durable change in the changelog (0 when empty).",
      {}, [changelog] {
        return static_cast<double>(changelog->durable_next_sequence() - 1);
      });
  metrics_->scrape().AddGauge(
      "atlas_incident_changelog_first_kept_sequence",
      "Oldest sequence the changelog keeps (retention).", {}, [changelog] {
        return static_cast<double>(changelog->first_kept_sequence());
      });
  const search::SearchIndexer* indexer = search_indexer_.get();
  metrics_->scrape().AddGauge(
      "atlas_incident_search_lag_changes",
      "Durable changelog entries the search index has not committed yet.", {},
      [changelog, indexer] {
        return static_cast<double>(std::max<int64_t>(
            0, changelog->durable_next_sequence() - indexer->applied_next()));
      });
  metrics_->scrape().AddGauge(
      "atlas_incident_search_ready",
      "1 when searches are served, 0 while the index is being (re)built.", {},
      [indexer] { return indexer->ready() ? 1.0 : 0.0; });
}

IncidentServer::~IncidentServer() {
  if (!waited_) {
    Shutdown();
    (void)Wait();
  }
}

void IncidentServer::Shutdown() {
  if (runner_ != nullptr) runner_->Shutdown();
}

absl::Status IncidentServer::Wait() {
  if (waited_) return absl::OkStatus();
  waited_ = true;
  // A Start that failed part-way has no runner (and maybe no store).
  if (runner_ != nullptr) runner_->Wait();
  // No scrape reads the parts below from here on.
  if (metrics_ != nullptr) metrics_->StopServing();
  // In dependency order: nothing calls the core once the server stopped
  // and the executor ran what it had queued.
  runner_.reset();
  public_reads_.reset();
  service_.reset();
  backup_.reset();  // waits for backups still reading the store
  writers_.reset();
  // The indexer reads the store and follows the changelog: stopped first.
  if (search_indexer_ != nullptr) search_indexer_->Stop();
  search_.reset();
  search_indexer_.reset();
  search_index_.reset();
  core_.reset();
  changelog_.reset();
  if (store_ == nullptr) return absl::OkStatus();
  absl::Status closed = store_->Close();
  store_.reset();
  return closed;
}

}  // namespace atlas::incident
