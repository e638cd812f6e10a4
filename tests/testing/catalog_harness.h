// An in-process catalog-service for service, contract and two-service
// tests: a CatalogServer (the class main.cc runs) on a temp-dir database,
// serving on 127.0.0.1:<free port>, with the test keys (TestKeys()), a
// FakeClock and Debian's ISO 3166-1 list. Stop() and Start() again reopen
// the same database, which is how tests restart a service.
#ifndef ATLAS_TESTS_TESTING_CATALOG_HARNESS_H_
#define ATLAS_TESTS_TESTING_CATALOG_HARNESS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_server.h"
#include "catalog-service/catalog_store.h"
#include "common/api/time/clock.h"
#include "tests/testing/test_env.h"

namespace atlas::testing {

class CatalogHarness {
 public:
  // Database under `db_path` (a fresh temp dir when empty). Not started.
  explicit CatalogHarness(std::string db_path = "");
  ~CatalogHarness();

  // Opens the database and starts serving on a free port (the same port
  // after a restart when it is still free). Aborts the test on failure.
  void Start();
  // Graceful shutdown, then closes the database (a test failure if it does
  // not close cleanly).
  void Stop();
  bool running() const { return server_ != nullptr; }
  // From the next Start() on, follow incident-service at `address` and ask
  // it before deletes, with `api_key` (the two services start one after
  // the other: start the catalog, then incident-service, then restart the
  // catalog with this set).
  void set_incident_service(std::string address, std::string api_key) {
    incident_address_ = std::move(address);
    incident_api_key_ = std::move(api_key);
  }
  // The running server's follower; null without an incident-service.
  catalog::IncidentFollower* follower() { return server_->follower(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // A stub on a new channel to address().
  std::unique_ptr<catalog::v1::CatalogService::Stub> NewStub() const;
  // The running server's store and core (valid until Stop()).
  catalog::CatalogStore& store() { return server_->store(); }
  catalog::CatalogCore& core() { return server_->core(); }
  api::FakeClock& clock() { return clock_; }
  const std::string& db_path() const { return db_path_; }

  // From the next Start() on, restore `backup` (a backup file) into
  // db_path() before opening it (the server's restore_from); empty: none.
  void set_restore_from(std::string backup) {
    restore_from_ = std::move(backup);
  }

  // From the next Start() on, `configure` adjusts the serving options
  // (metrics, access log) before the server starts.
  void set_serving_options(
      std::function<void(server::ServingOptions&)> configure) {
    configure_serving_ = std::move(configure);
  }
  // The running server's /metrics port (0 without metrics).
  int metrics_port() const { return server_->metrics_port(); }

 private:
  std::function<void(server::ServingOptions&)> configure_serving_;
  std::string restore_from_;
  std::unique_ptr<TempDir> temp_;
  std::string db_path_;
  std::string incident_address_;
  std::string incident_api_key_;
  int port_ = 0;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};  // 2026-01-01
  std::unique_ptr<catalog::CatalogServer> server_;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_CATALOG_HARNESS_H_
