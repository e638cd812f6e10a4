#include "catalog-service/catalog_server.h"

#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "catalog-service/incident_references_client.h"
#include "common/grpc/service_channel.h"
#include "common/logging/log.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/metrics/serving_metrics.h"
#include "common/storage/backup_restore.h"
#include "common/storage/backup_snapshot.h"

namespace atlas::catalog {
namespace {

// `s` with `what` in front of its message, code kept.
absl::Status Annotate(const absl::Status& s, absl::string_view what) {
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CatalogServer>> CatalogServer::Start(
    Options options) {
  auto server = absl::WrapUnique(new CatalogServer());
  absl::Status started = server->Init(std::move(options));
  if (!started.ok()) {
    absl::Status closed = server->TearDown();
    if (!closed.ok()) {
      log::Error("database did not close cleanly after a failed start",
                 {{"error", closed.ToString()}});
    }
    server->waited_ = true;
    server->close_status_ = closed;
    return started;
  }
  return server;
}

absl::Status CatalogServer::Init(Options options) {
  if (options.keys == nullptr) {
    return absl::InvalidArgumentError("keys: a key registry is required");
  }
  const api::CountryList* countries = options.countries;
  if (countries == nullptr) {
    // Fail closed: without the ISO 3166-1 list no country can be checked,
    // and none is accepted unchecked.
    if (options.iso_codes_path.empty()) {
      return absl::InvalidArgumentError(
          "countries: an ISO 3166-1 list is required (countries or "
          "iso_codes_path)");
    }
    // The error names the path.
    auto loaded = api::CountryList::LoadFile(options.iso_codes_path);
    if (!loaded.ok()) return loaded.status();
    loaded_countries_ = *std::move(loaded);
    countries = &*loaded_countries_;
  }
  api::Clock& clock =
      options.clock != nullptr ? *options.clock : api::RealClock::Get();

  auto restored = storage::PrepareDatabaseDirectory(
      {.backup_path = options.restore_from,
       .db_path = options.db_path,
       .service = kBackupName,
       .max_layout_version = CatalogStore::kLayoutVersion});
  if (!restored.ok()) return restored.status();
  auto store =
      CatalogStore::Open(options.db_path, options.sync_writes, options.memory);
  if (!store.ok()) {
    return Annotate(store.status(),
                    absl::StrCat("cannot open database ", options.db_path));
  }
  store_ = *std::move(store);
  if (*restored) {
    // Nothing to change: the follower compares the stored cursor and its
    // changelog generation with incident-service's and resynchronises.
    absl::Status finished = storage::FinishRestore(options.db_path);
    if (!finished.ok()) return finished;
  }
  absl::Status cleaned = storage::RemoveStaleCheckpoints(options.db_path);
  if (!cleaned.ok()) {
    log::Warning("cannot remove a stale backup checkpoint",
                 {{"error", cleaned.ToString()}});
  }
  // One channel to incident-service: its change stream (the follower) and
  // the reference checks of deletes.
  std::shared_ptr<::grpc::Channel> incident_channel;
  if (!options.incident_address.empty()) {
    incident_channel = grpc_util::MakeServiceChannel(options.incident_address,
                                                     options.peer_credentials);
    references_ = std::make_unique<IncidentReferencesClient>(
        incident_channel,
        IncidentReferencesClient::Options{.api_key = options.incident_api_key});
  }
  core_ = std::make_unique<CatalogCore>(*store_, clock, *countries,
                                        references_.get());

  if (!options.incident_address.empty()) {
    if (options.incident_api_key.empty()) {
      log::Warning("following incident-service without a key",
                   {{"hint", "set --incident_api_key_file"}});
    }
    IncidentFollower::Options follower_options;
    follower_options.api_key = options.incident_api_key;
    follower_options.initial_backoff = options.follower_initial_backoff;
    follower_options.max_backoff = options.follower_max_backoff;
    follower_ = std::make_unique<IncidentFollower>(
        core_->read_model(), incident_channel, std::move(follower_options));
  }

  const server::ServingOptions& serving = options.serving;
  writers_ = std::make_unique<concurrency::BoundedExecutor>(
      serving.write_threads, serving.max_queued_writes);
  public_reads_ = server::NewPublicReadExecutor(serving);
  service_ = std::make_unique<CatalogServiceImpl>(
      *core_, *options.keys, *writers_, *public_reads_,
      serving.max_inflight_reads, serving.max_inflight_point_reads,
      serving.max_inflight_searches);

  CatalogStore* catalog_store = store_.get();
  backup_ = std::make_unique<server::BackupServiceImpl>(
      server::BackupServiceImpl::Options{
          .service = kBackupName,
          .layout_version = CatalogStore::kLayoutVersion,
          .db = &store_->db(),
          .keys = options.keys,
          .describe = [catalog_store](admin::v1::BackupHeader* header) {
            auto cursor = catalog_store->GetIncidentCursor();
            auto generation = catalog_store->GetIncidentGeneration();
            if (cursor.ok()) header->set_incident_cursor(*cursor);
            if (generation.ok()) {
              header->set_changelog_generation(*generation);
            }
          }});

  grpc_util::ServerOptions runner_options =
      server::RunnerOptions(serving, kServiceName);
  runner_options.keys = options.keys;
  runner_options.raw_methods = {
      absl::StrCat("/", kServiceName, "/GetOrganization")};
  if (!serving.metrics_listen.empty()) {
    absl::Status started = StartMetrics(serving.metrics_listen);
    if (!started.ok()) return started;
    runner_options.call_observers.push_back(metrics_->call_observer());
  }
  // The follower's stream is cancelled as soon as draining starts.
  runner_options.on_drain_start = [this] {
    if (follower_ != nullptr) follower_->Stop();
    backup_->Shutdown();
  };
  auto runner = grpc_util::ServerRunner::Start(std::move(runner_options),
                                               {service_.get(), backup_.get()});
  if (!runner.ok()) {
    return Annotate(runner.status(),
                    absl::StrCat("cannot serve on ", serving.listen_address));
  }
  port_ = (*runner)->port();
  {
    absl::MutexLock lock(&mu_);
    runner_ = *std::move(runner);
  }
  if (follower_ != nullptr) {
    follower_->Start();
    log::Info("following incident changes",
              {{"address", options.incident_address}});
  }
  return absl::OkStatus();
}

absl::Status CatalogServer::StartMetrics(const std::string& listen_address) {
  auto endpoint = metrics::MetricsEndpoint::Start(listen_address);
  if (!endpoint.ok()) return endpoint.status();
  metrics_ = *std::move(endpoint);
  metrics_port_ = metrics_->port();
  metrics::AddServing(*metrics_, service_->budgets(), *writers_, *public_reads_,
                      store_->db());
  if (follower_ == nullptr) return absl::OkStatus();
  const IncidentFollower* follower = follower_.get();
  metrics::ScrapeCollector& scrape = metrics_->scrape();
  scrape.AddGauge(
      "atlas_catalog_follower_cursor_sequence",
      "Sequence of the last incident change applied to the read "
      "model (-1 before the stored cursor is read).",
      {}, [follower] { return static_cast<double>(follower->cursor()); });
  scrape.AddGauge(
      "atlas_catalog_follower_lag_seconds",
      "Apply time minus commit time of the last incident change "
      "applied.",
      {}, [follower] { return absl::ToDoubleSeconds(follower->lag()); });
  scrape.AddCounter(
      "atlas_catalog_follower_applied_total",
      "Incident changes applied to the read model.", {},
      [follower] { return static_cast<double>(follower->applied()); });
  scrape.AddCounter(
      "atlas_catalog_follower_streams_opened_total",
      "Change streams opened to incident-service.", {},
      [follower] { return static_cast<double>(follower->streams_opened()); });
  scrape.AddCounter(
      "atlas_catalog_follower_resyncs_total",
      "Read model rebuilds from an incident-service snapshot.", {},
      [follower] { return static_cast<double>(follower->resyncs()); });
  return absl::OkStatus();
}

CatalogServer::~CatalogServer() {
  if (!waited_) {
    Shutdown();
    (void)Wait();
  }
}

void CatalogServer::Shutdown() {
  absl::MutexLock lock(&mu_);
  if (runner_ != nullptr) runner_->Shutdown();
}

absl::Status CatalogServer::Wait() {
  if (waited_) return close_status_;
  grpc_util::ServerRunner* runner;
  {
    absl::MutexLock lock(&mu_);
    runner = runner_.get();
  }
  // Only Wait() resets runner_, so it stays valid here.
  if (runner != nullptr) runner->Wait();
  close_status_ = TearDown();
  waited_ = true;
  return close_status_;
}

absl::Status CatalogServer::TearDown() {
  // No scrape reads the parts below from here on.
  if (metrics_ != nullptr) metrics_->StopServing();
  if (follower_ != nullptr) follower_->Stop();
  follower_.reset();
  {
    absl::MutexLock lock(&mu_);
    runner_.reset();
  }
  // No call reaches the service any more. Queued writes (which call back
  // into the service) finish before it goes and before the store closes.
  public_reads_.reset();
  writers_.reset();
  service_.reset();
  backup_.reset();  // waits for backups still reading the store
  metrics_.reset();
  if (store_ == nullptr) return absl::OkStatus();
  return store_->Close();
}

}  // namespace atlas::catalog
