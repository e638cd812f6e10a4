// CatalogServer: catalog-service wired and running. Opens the store, builds
// the core, the write executor and the gRPC service, serves them through a
// ServerRunner (health and reflection included) and, when an incident-service
// address is given, follows its change stream into the read model. main.cc
// and the tests start the service through this one class.
//
//   CatalogServer::Options options;
//   options.serving.listen_address = "127.0.0.1:0";
//   options.db_path = "/var/lib/atlas/catalog";
//   options.iso_codes_path = api::kDebianIso3166Path;
//   options.keys = &keys;
//   auto server = CatalogServer::Start(std::move(options));
//   if (!server.ok()) ...;            // logged by the caller, exit 1
//   ... (*server)->Shutdown() on SIGTERM ...
//   absl::Status closed = (*server)->Wait();
//
// Lifetime: the store, the core and the other parts live as long as the
// CatalogServer. Wait() stops the follower, tears the service down and
// closes the store; store() and core() stay valid objects after it but
// every storage call then fails.
//
// Thread safety: Shutdown() from any thread, any number of times; Wait()
// once; the accessors from any thread.
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_SERVER_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_service_impl.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/incident_follower.h"
#include "catalog-service/incident_references.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/server_runner.h"
#include "common/server/backup_service_impl.h"
#include "common/server/service_server.h"
#include "common/server/serving_options.h"
#include "common/storage/memory_budget.h"
#include "grpcpp/security/credentials.h"

namespace atlas::metrics {
class MetricsEndpoint;
}

namespace atlas::catalog {

class CatalogServer final : public server::ServiceServer {
 public:
  // The gRPC service name, also the readiness health-check name.
  static constexpr char kServiceName[] = "atlas.catalog.v1.CatalogService";
  // BackupHeader.service of this service's backups.
  static constexpr char kBackupName[] = "catalog-service";

  struct Options {
    server::ServingOptions serving;
    // RocksDB directory (created if missing).
    std::string db_path;
    // A backup file (atlasctl admin backup) to restore into db_path before
    // opening it: db_path must be empty or absent, or hold a finished
    // restore of this same backup (then it is opened as it is). See
    // common/storage/backup_restore.h.
    std::string restore_from;
    // Sync the WAL before acknowledging a write; off only for tests and
    // bulk loads that can be replayed.
    bool sync_writes = true;
    // RocksDB block cache and memtable sizes (--block_cache_mb,
    // --write_buffer_mb).
    storage::MemoryBudget memory;

    // incident-service host:port whose change stream to follow; empty: do
    // not follow (linked incidents stay as stored).
    std::string incident_address;
    // The raw SERVICE key presented to incident-service.
    std::string incident_api_key;
    // Credentials to dial incident-service with; null means plaintext.
    std::shared_ptr<::grpc::ChannelCredentials> peer_credentials;
    // The follower's reconnect backoff (see IncidentFollower::Options).
    absl::Duration follower_initial_backoff = absl::Milliseconds(200);
    absl::Duration follower_max_backoff = absl::Seconds(30);

    // Collaborators, not owned; each must outlive the server.
    // The ISO 3166-1 list countries are checked against. Required: when
    // null, it is loaded from `iso_codes_path`, and Start fails if that is
    // empty or cannot be loaded (no country is accepted unchecked).
    const api::CountryList* countries = nullptr;
    std::string iso_codes_path;
    // Who the callers are. Required (an empty registry makes every caller
    // public).
    const auth::KeyRegistry* keys = nullptr;
    // Time source for create and update times; null means the wall clock.
    api::Clock* clock = nullptr;
  };

  // Starts serving: Status errors name what failed.
  // INVALID_ARGUMENT for no key registry, no country list (neither
  // `countries` nor `iso_codes_path`), or a serving option ServerRunner
  // refuses; NOT_FOUND or DATA_LOSS if the country list cannot be loaded;
  // the store's error if the database does not open (UNAVAILABLE when
  // another process holds it); the restore's (storage::RestoreBackup:
  // FAILED_PRECONDITION for a non-empty db_path or another service's
  // backup, DATA_LOSS for a damaged one) and FAILED_PRECONDITION for a
  // db_path holding an unfinished restore; UNAVAILABLE if the address
  // cannot be bound.
  // On error nothing is left running and the database is closed.
  static absl::StatusOr<std::unique_ptr<CatalogServer>> Start(Options options);

  // Shuts down (if not done) and waits (if not done).
  ~CatalogServer() override;

  CatalogServer(const CatalogServer&) = delete;
  CatalogServer& operator=(const CatalogServer&) = delete;

  // server::ServiceServer. Shutdown: readiness goes NOT_SERVING, the
  // follower's stream is cancelled, in-flight calls drain within
  // serving.shutdown_grace. Wait: blocks until Shutdown has completed, then
  // stops the follower, destroys the service and the executor and closes
  // the store, returning the close status.
  int port() const override { return port_; }
  void Shutdown() override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Wait() override ABSL_LOCKS_EXCLUDED(mu_);

  CatalogStore& store() { return *store_; }
  CatalogCore& core() { return *core_; }
  // Null when no incident_address was given (and after Wait).
  IncidentFollower* follower() { return follower_.get(); }
  // The bound port of /metrics; 0 when serving.metrics_listen is empty.
  int metrics_port() const { return metrics_port_; }

 private:
  CatalogServer() = default;

  // Builds everything and starts serving; the follower's thread last.
  absl::Status Init(Options options);
  // Serves /metrics on `listen_address` with the service's figures.
  absl::Status StartMetrics(const std::string& listen_address);
  // Stops the follower, drops the server, the service and the executor,
  // and closes the store (whatever of them exists). Returns the close
  // status.
  absl::Status TearDown() ABSL_LOCKS_EXCLUDED(mu_);

  std::optional<api::CountryList> loaded_countries_;
  std::unique_ptr<CatalogStore> store_;
  // Null when no incident_address was given.
  std::unique_ptr<IncidentReferences> references_;
  std::unique_ptr<CatalogCore> core_;
  std::unique_ptr<IncidentFollower> follower_;
  std::unique_ptr<concurrency::BoundedExecutor> writers_;
  std::unique_ptr<concurrency::BoundedExecutor> public_reads_;
  std::unique_ptr<CatalogServiceImpl> service_;
  std::unique_ptr<server::BackupServiceImpl> backup_;
  // Reads the parts above at scrape time: stops serving first (TearDown).
  std::unique_ptr<metrics::MetricsEndpoint> metrics_;
  int port_ = 0;
  int metrics_port_ = 0;
  absl::Mutex mu_;
  // Reset by Wait(), once Shutdown() has completed.
  std::unique_ptr<grpc_util::ServerRunner> runner_ ABSL_GUARDED_BY(mu_);
  // Wait() ran (or Start failed); its result.
  bool waited_ = false;
  absl::Status close_status_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_SERVER_H_
