// An in-process catalog-service for service, contract and two-service
// tests: the real store on a temp dir, the real core, the real gRPC server
// on 127.0.0.1:<free port>. Stop() and Start() again reopen the same
// database, which is how tests restart a service.
#ifndef ATLAS_TESTS_TESTING_CATALOG_HARNESS_H_
#define ATLAS_TESTS_TESTING_CATALOG_HARNESS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_service_impl.h"
#include "catalog-service/catalog_store.h"
#include "common/api/clock.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/server_runner.h"
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
  // Graceful shutdown, then closes the database.
  void Stop();
  bool running() const { return runner_ != nullptr; }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // A stub on a new channel to address().
  std::unique_ptr<catalog::v1::CatalogService::Stub> NewStub() const;
  catalog::CatalogStore& store() { return *store_; }
  catalog::CatalogCore& core() { return *core_; }
  api::FakeClock& clock() { return clock_; }
  const std::string& db_path() const { return db_path_; }

 private:
  std::unique_ptr<TempDir> temp_;
  std::string db_path_;
  int port_ = 0;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};  // 2026-01-01
  std::unique_ptr<catalog::CatalogStore> store_;
  std::unique_ptr<catalog::CatalogCore> core_;
  std::unique_ptr<concurrency::BoundedExecutor> writers_;
  std::unique_ptr<catalog::CatalogServiceImpl> service_;
  std::unique_ptr<grpc_util::ServerRunner> runner_;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_CATALOG_HARNESS_H_
