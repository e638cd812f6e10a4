#include "tests/testing/catalog_harness.h"

#include <utility>

#include "common/api/types/countries.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/harness_support.h"

namespace atlas::testing {

CatalogHarness::CatalogHarness(std::string db_path)
    : db_path_(std::move(db_path)) {
  if (db_path_.empty()) {
    temp_ = std::make_unique<TempDir>();
    db_path_ = temp_->Sub("catalog");
  }
}

CatalogHarness::~CatalogHarness() {
  if (running()) Stop();
}

void CatalogHarness::Start() {
  catalog::CatalogServer::Options options;
  options.serving.shutdown_grace = absl::Seconds(2);
  options.db_path = db_path_;
  options.restore_from = restore_from_;
  options.keys = &TestKeys();
  options.clock = &clock_;
  options.countries = OrDie(api::CountryList::Default(), "load ISO 3166-1");
  options.incident_address = incident_address_;
  options.incident_api_key = incident_api_key_;
  options.follower_initial_backoff = absl::Milliseconds(10);
  options.follower_max_backoff = absl::Milliseconds(200);
  // Reuse the previous port after a restart, so clients reconnect to it.
  if (configure_serving_) configure_serving_(options.serving);
  options.serving.listen_address = "127.0.0.1:" + std::to_string(port_);
  auto server = catalog::CatalogServer::Start(options);
  if (!server.ok() && port_ != 0) {
    options.serving.listen_address = "127.0.0.1:0";
    server = catalog::CatalogServer::Start(options);
  }
  server_ = OrDie(std::move(server), "start catalog-service");
  port_ = server_->port();
}

void CatalogHarness::Stop() {
  server_->Shutdown();
  EXPECT_TRUE(server_->Wait().ok());
  server_.reset();
}

std::unique_ptr<catalog::v1::CatalogService::Stub> CatalogHarness::NewStub()
    const {
  return catalog::v1::CatalogService::NewStub(
      ::grpc::CreateChannel(address(), ::grpc::InsecureChannelCredentials()));
}

}  // namespace atlas::testing
