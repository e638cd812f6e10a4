// Starts the built binaries as child processes (reliability::ChildServer),
// writes through them, sends SIGTERM, and checks exit code 0 and that the
// data is there after a restart on the same database directories.

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::reliability::ChildServer;
using ::atlas::testing::BinaryDir;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::SourceDir;
using ::atlas::testing::TempDir;

TEST(BinaryShutdownTest, SigtermExitsZeroAndDataSurvivesRestart) {
  TempDir dir;
  {
    std::ofstream keys(dir.Sub("keys"));
    keys << ::atlas::testing::TestKeyFileText();
    std::ofstream service_key(dir.Sub("service-key"));
    service_key << ::atlas::testing::kServiceKey << "\n";
  }
  ChildServer catalog(BinaryDir() + "/catalog-service/catalog-service",
                      dir.path(), "catalog");
  catalog.set_args({"--db_path=" + dir.Sub("catalog-db"),
                    "--api_keys_file=" + dir.Sub("keys"),
                    "--shutdown_grace=2s"});
  ASSERT_THAT(catalog.Start(), IsOk());
  ChildServer incidents(BinaryDir() + "/incident-service/incident-service",
                        dir.path(), "incidents");
  incidents.set_args(
      {"--db_path=" + dir.Sub("incident-db"),
       "--api_keys_file=" + dir.Sub("keys"),
       "--catalog_address=" + catalog.address(),
       "--catalog_api_key_file=" + dir.Sub("service-key"),
       "--attack_dir=" + SourceDir() + "/incident-service/data/attack",
       "--veris_dir=" + SourceDir() + "/datasets/veris",
       "--shutdown_grace=2s"});
  ASSERT_THAT(incidents.Start(), IsOk());

  auto catalog_stub =
      catalog::v1::CatalogService::NewStub(::grpc::CreateChannel(
          catalog.address(), ::grpc::InsecureChannelCredentials()));
  catalog::v1::CreateOrganizationRequest org;
  org.set_organization_id("vooruit");
  org.mutable_organization()->set_display_name("Vooruit");
  catalog::v1::Organization created_org;
  ASSERT_THAT(catalog_stub->CreateOrganization(ContextWithKey(kEditorKey).get(),
                                               org, &created_org),
              IsOk());
  auto incident_stub =
      incident::v1::IncidentService::NewStub(::grpc::CreateChannel(
          incidents.address(), ::grpc::InsecureChannelCredentials()));
  incident::v1::CreateIncidentRequest request;
  request.set_incident_id("vooruit-2024");
  request.mutable_incident()->set_title("Website compromised");
  request.mutable_incident()->add_victims()->set_organization(
      "organizations/vooruit");
  incident::v1::Incident created;
  ASSERT_THAT(incident_stub->CreateIncident(ContextWithKey(kEditorKey).get(),
                                            request, &created),
              IsOk());

  // Both pass their readiness checks before shutdown.
  auto health = grpc::health::v1::Health::NewStub(::grpc::CreateChannel(
      incidents.address(), ::grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest check;
  check.set_service("atlas.incident.v1.IncidentService");
  grpc::health::v1::HealthCheckResponse answer;
  ASSERT_THAT(health->Check(ContextWithKey("").get(), check, &answer), IsOk());
  EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  EXPECT_EQ(incidents.Terminate(), 0);
  EXPECT_EQ(catalog.Terminate(), 0);

  ASSERT_THAT(catalog.Start(), IsOk());
  ASSERT_THAT(incidents.Start(), IsOk());
  catalog_stub = catalog::v1::CatalogService::NewStub(::grpc::CreateChannel(
      catalog.address(), ::grpc::InsecureChannelCredentials()));
  incident_stub = incident::v1::IncidentService::NewStub(::grpc::CreateChannel(
      incidents.address(), ::grpc::InsecureChannelCredentials()));
  catalog::v1::GetOrganizationRequest get_org;
  get_org.set_name("organizations/vooruit");
  catalog::v1::Organization org_after;
  EXPECT_THAT(catalog_stub->GetOrganization(ContextWithKey("").get(), get_org,
                                            &org_after),
              IsOk());
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/vooruit-2024");
  incident::v1::Incident after;
  EXPECT_THAT(incident_stub->GetIncident(ContextWithKey("").get(), get, &after),
              IsOk());
  EXPECT_EQ(after.etag(), created.etag());
  EXPECT_EQ(incidents.Terminate(), 0);
  EXPECT_EQ(catalog.Terminate(), 0);
}

}  // namespace
}  // namespace atlas
