// IncidentServer: incident-service wired and serving. The one place that
// builds the service from its parts (store, changelog, ATT&CK data, VERIS
// enumerations, country list, catalog client, core, executor, gRPC service,
// server), used by
// main.cc and by the tests' IncidentHarness alike.
//
//   auto server = IncidentServer::Start(options);  // serving on return
//   ... server->Shutdown() (from a signal) ...
//   absl::Status closed = server->Wait();          // drained and closed
//
// Collaborators may be injected (tests hand a FakeClock, a fake directory,
// a country list); those left null are built from Options. Nothing is
// optional at run time: a country list, ATT&CK data or VERIS enumerations
// that cannot be loaded fail Start (there is no degraded mode).
//
// Thread safety: Shutdown() from any thread, any number of times; Wait()
// once, from one thread.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_SERVER_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_SERVER_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/server_runner.h"
#include "common/server/backup_service_impl.h"
#include "common/server/service_server.h"
#include "common/server/serving_options.h"
#include "common/storage/memory_budget.h"
#include "common/veris/veris_vocabulary.h"
#include "grpcpp/security/credentials.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_service_impl.h"
#include "incident-service/incident_store.h"
#include "incident-service/organization_directory.h"
#include "incident-service/search/incident_search.h"
#include "incident-service/search/search_index.h"
#include "incident-service/search/search_indexer.h"

namespace atlas::metrics {
class ClientCallMetrics;
class MetricsEndpoint;
}  // namespace atlas::metrics

namespace atlas::incident {

class IncidentServer : public server::ServiceServer {
 public:
  // The full name readiness is reported under.
  static constexpr char kServiceName[] = "atlas.incident.v1.IncidentService";
  // BackupHeader.service of this service's backups.
  static constexpr char kBackupName[] = "incident-service";

  struct Options {
    server::ServingOptions serving;
    // Callers' keys (digests and roles); empty: every caller is public.
    auth::KeyRegistry keys;
    // RocksDB directory; created when missing.
    std::string db_path;
    // A backup file (atlasctl admin backup) to restore into db_path before
    // opening it: db_path must be empty or absent, or hold a finished
    // restore of this same backup (then it is opened as it is). A restore
    // starts a new changelog generation. See
    // common/storage/backup_restore.h.
    std::string restore_from;
    // Sync the WAL before acknowledging; only tests of unrelated logic
    // turn it off.
    bool sync_writes = true;
    // RocksDB block cache and memtable sizes (--block_cache_mb,
    // --write_buffer_mb).
    storage::MemoryBudget memory;
    // The pinned MITRE ATT&CK data (enterprise-techniques.tsv) and the ISO
    // 3166-1 list, unless injected.
    std::string attack_dir = "incident-service/data/attack";
    // The directory holding the VERIS enumerations (verisc-enum.json),
    // unless injected.
    std::string veris_dir = "datasets/veris";
    std::string iso_codes_path = api::kDebianIso3166Path;
    // catalog-service, asked whether victims exist, unless a directory is
    // injected: its gRPC target, the deadline of each call, the SERVICE
    // key presented, channel credentials (null: plaintext).
    std::string catalog_address = "127.0.0.1:50051";
    absl::Duration catalog_timeout = absl::Seconds(2);
    std::string catalog_api_key;
    std::shared_ptr<::grpc::ChannelCredentials> catalog_credentials;
    // Newest changelog entries kept (>= 1; see changelog_retention.h).
    int64_t changelog_retention_entries = 1000000;
    // The full-text index (search/search_index.h); empty:
    // <db_path>/search-index. Rebuilt from the store at start when
    // `rebuild_search_index` (--rebuild_search_index), and whenever it is
    // new, was cut short, or follows another changelog generation.
    std::string search_index_dir;
    bool rebuild_search_index = false;
  };

  // Injectable collaborators, not owned; each must outlive the server.
  struct Collaborators {
    api::Clock* clock = nullptr;                    // null: the real clock
    OrganizationDirectory* directory = nullptr;     // null: a CatalogClient
    const AttackCatalog* attack = nullptr;          // null: from attack_dir
    const api::CountryList* countries = nullptr;    // null: iso_codes_path
    const veris::VerisVocabulary* veris = nullptr;  // null: from veris_dir
  };

  // Opens the database, builds the service and starts serving; readiness
  // is SERVING on return. Errors (each logged by the caller): NOT_FOUND or
  // DATA_LOSS for ATT&CK data, VERIS enumerations or a country list that
  // cannot be loaded,
  // UNAVAILABLE for a database locked by another process or an address
  // that cannot be bound, INVALID_ARGUMENT for bad options, the restore's
  // errors (storage::RestoreBackup: FAILED_PRECONDITION for a non-empty
  // db_path or another service's backup, DATA_LOSS for a damaged one) and
  // FAILED_PRECONDITION for a db_path holding an unfinished restore,
  // INTERNAL otherwise.
  static absl::StatusOr<std::unique_ptr<IncidentServer>> Start(
      Options options, Collaborators collaborators);
  static absl::StatusOr<std::unique_ptr<IncidentServer>> Start(
      Options options) {
    return Start(std::move(options), Collaborators());
  }

  // Shuts down (if not yet) and waits, if Wait() was not called.
  ~IncidentServer() override;
  IncidentServer(const IncidentServer&) = delete;
  IncidentServer& operator=(const IncidentServer&) = delete;

  // server::ServiceServer: readiness NOT_SERVING, change streams closed,
  // in-flight calls drained within the grace; Wait() then closes the
  // database and returns its close status.
  int port() const override { return port_; }
  void Shutdown() override;
  absl::Status Wait() override;

  // The parts, for tests. Valid until Wait() returns.
  IncidentStore& store() { return *store_; }
  Changelog& changelog() { return *changelog_; }
  IncidentCore& core() { return *core_; }
  IncidentServiceImpl& service() { return *service_; }
  search::SearchIndexer& search_indexer() { return *search_indexer_; }
  // The bound port of /metrics; 0 when serving.metrics_listen is empty.
  int metrics_port() const { return metrics_port_; }

 private:
  IncidentServer() = default;
  // Adds the service's figures to metrics_ (once everything is built).
  void AddMetrics();

  // Serves /metrics (serving.metrics_listen); the victim checks' figures
  // are recorded into it from the start, the rest added once built. Stops
  // serving before the parts it reads go (Wait).
  std::unique_ptr<metrics::MetricsEndpoint> metrics_;
  std::unique_ptr<metrics::ClientCallMetrics> catalog_calls_;
  int metrics_port_ = 0;

  // Owned collaborators (those not injected).
  std::unique_ptr<api::CountryList> owned_countries_;
  std::unique_ptr<AttackCatalog> owned_attack_;
  std::unique_ptr<veris::VerisVocabulary> owned_veris_;
  std::unique_ptr<OrganizationDirectory> owned_directory_;
  Options options_;

  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<Changelog> changelog_;
  std::unique_ptr<IncidentCore> core_;
  std::unique_ptr<search::SearchIndex> search_index_;
  std::unique_ptr<search::SearchIndexer> search_indexer_;
  std::unique_ptr<search::IncidentSearch> search_;
  std::unique_ptr<concurrency::BoundedExecutor> writers_;
  std::unique_ptr<concurrency::BoundedExecutor> public_reads_;
  std::unique_ptr<IncidentServiceImpl> service_;
  std::unique_ptr<server::BackupServiceImpl> backup_;
  std::unique_ptr<grpc_util::ServerRunner> runner_;
  int port_ = 0;
  bool waited_ = false;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_SERVER_H_
