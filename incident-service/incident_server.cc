#include "incident-service/incident_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
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
  if (c.directory == nullptr) {
    server->owned_directory_ = std::make_unique<CatalogClient>(
        CatalogClient::Options{.target = options.catalog_address,
                               .timeout = options.catalog_timeout,
                               .api_key = options.catalog_api_key,
                               .credentials = options.catalog_credentials});
    c.directory = server->owned_directory_.get();
  }
  if (c.clock == nullptr) c.clock = &api::RealClock::Get();

  auto store =
      IncidentStore::Open(options.db_path, options.sync_writes, options.memory);
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat("cannot open database ", options.db_path,
                                     ": ", store.status().message()));
  }
  server->store_ = *std::move(store);
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
  server->options_ = std::move(options);
  const server::ServingOptions& serving = server->options_.serving;
  server->writers_ = std::make_unique<concurrency::BoundedExecutor>(
      serving.write_threads, serving.max_queued_writes);
  server->public_reads_ = server::NewPublicReadExecutor(serving);
  server->service_ = std::make_unique<IncidentServiceImpl>(
      *server->core_, *server->changelog_, server->options_.keys,
      *server->writers_, *server->public_reads_, serving.max_inflight_reads,
      serving.max_inflight_point_reads, serving.streams);

  grpc_util::ServerOptions runner =
      server::RunnerOptions(serving, kServiceName);
  // Change streams never end on their own: close them when the drain
  // starts so they do not hold it for the whole grace period.
  Changelog* changelog_ptr = server->changelog_.get();
  runner.on_drain_start = [changelog_ptr] { changelog_ptr->Shutdown(); };
  auto started = grpc_util::ServerRunner::Start(std::move(runner),
                                                {server->service_.get()});
  if (!started.ok()) {
    (void)server->store_->Close();
    server->waited_ = true;
    return started.status();
  }
  server->runner_ = *std::move(started);
  server->port_ = server->runner_->port();
  return server;
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
  // In dependency order: nothing calls the core once the server stopped
  // and the executor ran what it had queued.
  runner_.reset();
  public_reads_.reset();
  service_.reset();
  writers_.reset();
  core_.reset();
  changelog_.reset();
  if (store_ == nullptr) return absl::OkStatus();
  absl::Status closed = store_->Close();
  store_.reset();
  return closed;
}

}  // namespace atlas::incident
