#include "tests/testing/incident_harness.h"

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

IncidentHarness::IncidentHarness(std::string catalog_address,
                                 std::string db_path,
                                 absl::Duration catalog_timeout)
    : catalog_address_(std::move(catalog_address)),
      catalog_timeout_(catalog_timeout),
      db_path_(std::move(db_path)) {
  if (db_path_.empty()) {
    temp_ = std::make_unique<TempDir>();
    db_path_ = temp_->Sub("incidents");
  }
}

IncidentHarness::~IncidentHarness() {
  if (running()) Stop();
}

void IncidentHarness::Start() {
  store_ = OrDie(incident::IncidentStore::Open(db_path_), "open incident store");
  catalog_ = std::make_unique<incident::CatalogClient>(incident::CatalogClient::Options{
      .target = catalog_address_,
      .timeout = catalog_timeout_,
      .api_key = kServiceKey,
      .credentials = nullptr,
  });
  if (attack_ == nullptr) {
    attack_ = std::make_unique<incident::AttackCatalog>(
        OrDie(incident::AttackCatalog::Load(SourceDir() +
                                            "/incident-service/data/attack"),
              "load ATT&CK data"));
  }
  core_ = std::make_unique<incident::IncidentCore>(*store_, *catalog_,
                                                   *attack_, clock_);
  writers_ = std::make_unique<concurrency::BoundedExecutor>(8, 1024);
  service_ = std::make_unique<incident::IncidentServiceImpl>(*core_, TestKeys(),
                                                             *writers_);
  incident::IncidentServiceImpl* service = service_.get();
  runner_ = StartRunner(&port_, "atlas.incident.v1.IncidentService", service,
                        [service] { service->CloseStreams(); });
}

void IncidentHarness::Stop() {
  runner_->Shutdown();
  runner_.reset();
  service_.reset();
  writers_.reset();
  core_.reset();
  catalog_.reset();
  EXPECT_TRUE(store_->Close().ok());
  store_.reset();
}

std::unique_ptr<incident::v1::IncidentService::Stub> IncidentHarness::NewStub()
    const {
  return incident::v1::IncidentService::NewStub(
      ::grpc::CreateChannel(address(), ::grpc::InsecureChannelCredentials()));
}

}  // namespace atlas::testing
