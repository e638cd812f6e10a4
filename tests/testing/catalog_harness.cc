#include "tests/testing/catalog_harness.h"

#include <cstdlib>
#include <functional>
#include <utility>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/harness_support.h"

namespace atlas::testing {
namespace {

std::unique_ptr<grpc_util::ServerRunner> StartRunner(
    int* port, const std::string& service_name, ::grpc::Service* service,
    std::function<void()> on_drain_start = nullptr) {
  grpc_util::ServerOptions options;
  options.on_drain_start = std::move(on_drain_start);
  options.service_name = service_name;
  options.shutdown_grace = absl::Seconds(2);
  // Reuse the previous port after a restart, so clients reconnect to it.
  options.listen_address = "127.0.0.1:" + std::to_string(*port);
  auto runner = grpc_util::ServerRunner::Start(options, {service});
  if (!runner.ok() && *port != 0) {
    options.listen_address = "127.0.0.1:0";
    runner = grpc_util::ServerRunner::Start(options, {service});
  }
  auto started = OrDie(std::move(runner), "start server");
  *port = started->port();
  return started;
}

}  // namespace

CatalogHarness::CatalogHarness(std::string db_path) : db_path_(std::move(db_path)) {
  if (db_path_.empty()) {
    temp_ = std::make_unique<TempDir>();
    db_path_ = temp_->Sub("catalog");
  }
}

CatalogHarness::~CatalogHarness() {
  if (running()) Stop();
}

void CatalogHarness::Start() {
  store_ = OrDie(catalog::CatalogStore::Open(db_path_), "open catalog store");
  core_ = std::make_unique<catalog::CatalogCore>(*store_, clock_);
  writers_ = std::make_unique<concurrency::BoundedExecutor>(4, 1024);
  service_ =
      std::make_unique<catalog::CatalogServiceImpl>(*core_, TestKeys(), *writers_);
  runner_ = StartRunner(&port_, "atlas.catalog.v1.CatalogService", service_.get());
}

void CatalogHarness::Stop() {
  runner_->Shutdown();
  runner_.reset();
  service_.reset();
  writers_.reset();
  core_.reset();
  EXPECT_TRUE(store_->Close().ok());
  store_.reset();
}

std::unique_ptr<catalog::v1::CatalogService::Stub> CatalogHarness::NewStub()
    const {
  return catalog::v1::CatalogService::NewStub(
      ::grpc::CreateChannel(address(), ::grpc::InsecureChannelCredentials()));
}

}  // namespace atlas::testing
