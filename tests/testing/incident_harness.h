// An in-process incident-service for service, contract and two-service
// tests (see catalog_harness.h): it checks victims with the catalog at the
// address it is given.
#ifndef ATLAS_TESTS_TESTING_INCIDENT_HARNESS_H_
#define ATLAS_TESTS_TESTING_INCIDENT_HARNESS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/api/clock.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/server_runner.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/catalog_client.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_service_impl.h"
#include "incident-service/incident_store.h"
#include "tests/testing/test_env.h"

namespace atlas::testing {

class IncidentHarness {
 public:
  // Talks to the catalog at `catalog_address` with the test SERVICE key.
  // The ATT&CK data is loaded from the source tree
  // (incident-service/data/attack).
  IncidentHarness(std::string catalog_address, std::string db_path = "",
                  absl::Duration catalog_timeout = absl::Seconds(2));
  ~IncidentHarness();

  void Start();
  void Stop();
  bool running() const { return runner_ != nullptr; }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::unique_ptr<incident::v1::IncidentService::Stub> NewStub() const;
  incident::IncidentStore& store() { return *store_; }
  incident::IncidentCore& core() { return *core_; }
  incident::IncidentServiceImpl& service() { return *service_; }
  api::FakeClock& clock() { return clock_; }
  const std::string& db_path() const { return db_path_; }
  int port() const { return port_; }

 private:
  std::string catalog_address_;
  absl::Duration catalog_timeout_;
  std::unique_ptr<TempDir> temp_;
  std::string db_path_;
  int port_ = 0;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  std::unique_ptr<incident::IncidentStore> store_;
  std::unique_ptr<incident::CatalogClient> catalog_;
  std::unique_ptr<incident::AttackCatalog> attack_;
  std::unique_ptr<incident::IncidentCore> core_;
  std::unique_ptr<concurrency::BoundedExecutor> writers_;
  std::unique_ptr<incident::IncidentServiceImpl> service_;
  std::unique_ptr<grpc_util::ServerRunner> runner_;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_INCIDENT_HARNESS_H_
