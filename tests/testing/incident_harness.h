// An in-process incident-service for service, contract and two-service
// tests: IncidentServer (the same wiring as main.cc) with the real store on
// a temp dir, the test keys, a FakeClock and the catalog at the address it
// is given, serving on 127.0.0.1:<free port>. Stop() and Start() again
// reopen the same database on the same port (when still free), which is how
// tests restart a service.
#ifndef ATLAS_TESTS_TESTING_INCIDENT_HARNESS_H_
#define ATLAS_TESTS_TESTING_INCIDENT_HARNESS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/api/time/clock.h"
#include "common/veris/veris_vocabulary.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/incident_server.h"
#include "tests/testing/test_env.h"

namespace atlas::testing {

class IncidentHarness {
 public:
  // Talks to the catalog at `catalog_address` with the test SERVICE key.
  // The ATT&CK data and the VERIS enumerations are loaded from the source
  // tree (incident-service/data/attack, datasets/veris).
  IncidentHarness(std::string catalog_address, std::string db_path = "",
                  absl::Duration catalog_timeout = absl::Seconds(2));
  ~IncidentHarness();

  // Opens the database and starts serving. Aborts the test on failure.
  void Start();
  // Graceful shutdown, then closes the database.
  void Stop();
  bool running() const { return server_ != nullptr; }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::unique_ptr<incident::v1::IncidentService::Stub> NewStub() const;
  // The running server's parts (valid while running).
  incident::IncidentStore& store() { return server_->store(); }
  incident::Changelog& changelog() { return server_->changelog(); }
  incident::IncidentCore& core() { return server_->core(); }
  incident::IncidentServiceImpl& service() { return server_->service(); }
  incident::search::SearchIndexer& search_indexer() {
    return server_->search_indexer();
  }
  // The WatchIncidentChanges streams subscribed to the changelog: its
  // subscribers but the search indexer, which subscribes at start.
  size_t stream_subscribers() {
    return server_->changelog().subscriber_count() - 1;
  }
  api::FakeClock& clock() { return clock_; }
  const std::string& db_path() const { return db_path_; }
  int port() const { return port_; }

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
  std::string catalog_address_;
  absl::Duration catalog_timeout_;
  std::unique_ptr<TempDir> temp_;
  std::string db_path_;
  int port_ = 0;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};  // 2026-01-01
  std::unique_ptr<incident::AttackCatalog> attack_;
  std::unique_ptr<veris::VerisVocabulary> veris_;
  std::unique_ptr<incident::IncidentServer> server_;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_INCIDENT_HARNESS_H_
