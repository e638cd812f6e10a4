#include "tests/testing/incident_harness.h"

#include <utility>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/harness_support.h"

namespace atlas::testing {

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
  if (attack_ == nullptr) {
    attack_ = std::make_unique<incident::AttackCatalog>(
        OrDie(incident::AttackCatalog::Load(SourceDir() +
                                            "/incident-service/data/attack"),
              "load ATT&CK data"));
  }
  if (veris_ == nullptr) {
    veris_ = std::make_unique<veris::VerisVocabulary>(
        OrDie(veris::VerisVocabulary::Load(SourceDir() + "/datasets/veris"),
              "load VERIS enumerations"));
  }
  incident::IncidentServer::Options options;
  options.keys = TestKeys();
  options.db_path = db_path_;
  options.restore_from = restore_from_;
  options.serving.shutdown_grace = absl::Seconds(2);
  options.serving.write_threads = 8;
  options.catalog_address = catalog_address_;
  options.catalog_timeout = catalog_timeout_;
  options.catalog_api_key = kServiceKey;
  incident::IncidentServer::Collaborators collaborators;
  collaborators.clock = &clock_;
  collaborators.attack = attack_.get();
  collaborators.veris = veris_.get();
  if (configure_serving_) configure_serving_(options.serving);
  // Reuse the previous port after a restart, so clients reconnect to it.
  options.serving.listen_address = "127.0.0.1:" + std::to_string(port_);
  auto server = incident::IncidentServer::Start(options, collaborators);
  if (!server.ok() && port_ != 0) {
    options.serving.listen_address = "127.0.0.1:0";
    server = incident::IncidentServer::Start(options, collaborators);
  }
  server_ = OrDie(std::move(server), "start incident-service");
  port_ = server_->port();
}

void IncidentHarness::Stop() {
  server_->Shutdown();
  EXPECT_TRUE(server_->Wait().ok());
  server_.reset();
}

std::unique_ptr<incident::v1::IncidentService::Stub> IncidentHarness::NewStub()
    const {
  return incident::v1::IncidentService::NewStub(
      ::grpc::CreateChannel(address(), ::grpc::InsecureChannelCredentials()));
}

}  // namespace atlas::testing
