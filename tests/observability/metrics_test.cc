// The Prometheus endpoint of both services, scraped over loopback HTTP
// from real servers (port 0, metrics on an ephemeral port): the gRPC
// server metrics under grpc-ecosystem's names, budget and executor
// refusals, RocksDB's figures, the changelog head, the follower's cursor
// and the victim-check client's calls.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/observability/scrape.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::SampleLines;
using ::atlas::testing::ScrapeMetrics;
using ::atlas::testing::StatusIs;
using ::testing::Contains;
using ::testing::StartsWith;

void WithMetrics(server::ServingOptions& serving) {
  serving.metrics_listen = "127.0.0.1:0";
}

incident::v1::CreateIncidentRequest IncidentOf(const std::string& id) {
  incident::v1::CreateIncidentRequest request;
  request.set_incident_id(id);
  incident::v1::Incident* i = request.mutable_incident();
  i->set_title("Website defaced");
  i->add_victims()->set_organization("organizations/vooruit");
  i->add_countries("BE");
  i->mutable_start_date()->set_year(2024);
  i->add_incident_types(incident::v1::WEBSITE_COMPROMISE);
  return request;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.set_serving_options(WithMetrics);
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->set_serving_options(WithMetrics);
    incidents_->Start();
    catalog::v1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    org.mutable_organization()->set_country("BE");
    catalog::v1::Organization created;
    ASSERT_THAT(catalog_.NewStub()->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
};

TEST_F(MetricsTest, CountsCallsPerMethodAndCodeUnderGrpcEcosystemNames) {
  auto stub = incidents_->NewStub();
  incident::v1::Incident incident;
  ASSERT_THAT(stub->CreateIncident(ContextWithKey(kEditorKey).get(),
                                   IncidentOf("defaced"), &incident),
              IsOk());
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/defaced");
  for (int i = 0; i < 2; ++i) {
    ASSERT_THAT(
        stub->GetIncident(ContextWithKey(kMemberKey).get(), get, &incident),
        IsOk());
  }
  get.set_name("incidents/missing");
  ASSERT_THAT(
      stub->GetIncident(ContextWithKey(kMemberKey).get(), get, &incident),
      StatusIs(::grpc::StatusCode::NOT_FOUND));

  const std::vector<std::string> lines =
      SampleLines(ScrapeMetrics(incidents_->metrics_port()));
  const std::string get_labels =
      "grpc_method=\"GetIncident\","
      "grpc_service=\"atlas.incident.v1.IncidentService\","
      "grpc_type=\"unary\"";
  EXPECT_THAT(lines,
              Contains("grpc_server_started_total{" + get_labels + "} 3"));
  EXPECT_THAT(lines, Contains("grpc_server_handled_total{grpc_code=\"OK\"," +
                              get_labels + "} 2"));
  EXPECT_THAT(lines,
              Contains("grpc_server_handled_total{grpc_code=\"NotFound\"," +
                       get_labels + "} 1"));
  EXPECT_THAT(lines, Contains("grpc_server_handling_seconds_count{" +
                              get_labels + "} 3"));
  EXPECT_THAT(lines,
              Contains(StartsWith("grpc_server_handling_seconds_bucket{" +
                                  get_labels + ",le=\"+Inf\"} 3")));
  EXPECT_THAT(lines,
              Contains("grpc_server_handled_total{grpc_code=\"OK\","
                       "grpc_method=\"CreateIncident\","
                       "grpc_service=\"atlas.incident.v1.IncidentService\","
                       "grpc_type=\"unary\"} 1"));
  // The victim check: one call to the catalog.
  EXPECT_THAT(lines, Contains("atlas_client_calls_total{grpc_code=\"OK\","
                              "method=\"BatchGetOrganizations\","
                              "target=\"catalog\"} 1"));
  EXPECT_THAT(lines, Contains("atlas_client_call_seconds_count{"
                              "method=\"BatchGetOrganizations\","
                              "target=\"catalog\"} 1"));
  EXPECT_THAT(lines, Contains("atlas_incident_changelog_head_sequence 1"));
  EXPECT_THAT(lines,
              Contains("atlas_incident_changelog_first_kept_sequence 1"));
  EXPECT_THAT(lines, Contains("atlas_budget_refusals_total{budget=\"point_"
                              "reads\",caller_class=\"keyed\"} 0"));
  EXPECT_THAT(lines, Contains("atlas_executor_refusals_total{executor="
                              "\"writes\"} 0"));
  for (const char* rocks :
       {"atlas_rocksdb_block_cache_hit_ratio ", "atlas_rocksdb_memtable_bytes ",
        "atlas_rocksdb_pending_compaction_bytes ",
        "atlas_rocksdb_live_data_bytes ", "atlas_rocksdb_wal_bytes "}) {
    EXPECT_THAT(lines, Contains(StartsWith(rocks))) << rocks;
  }
  // The write is in the WAL (synced), so the WAL is not empty.
  EXPECT_THAT(lines, ::testing::Not(Contains("atlas_rocksdb_wal_bytes 0")));

  // The catalog answered the victim check: counted on its side too.
  const std::vector<std::string> catalog_lines =
      SampleLines(ScrapeMetrics(catalog_.metrics_port()));
  EXPECT_THAT(catalog_lines,
              Contains("grpc_server_handled_total{grpc_code=\"OK\","
                       "grpc_method=\"BatchGetOrganizations\","
                       "grpc_service=\"atlas.catalog.v1.CatalogService\","
                       "grpc_type=\"unary\"} 1"));
}

TEST_F(MetricsTest, CountsWritesRefusedByAFullQueue) {
  // A catalog whose write queue holds nothing refuses every write.
  CatalogHarness full;
  full.set_serving_options([](server::ServingOptions& serving) {
    serving.metrics_listen = "127.0.0.1:0";
    serving.max_queued_writes = 0;
  });
  full.Start();
  catalog::v1::CreateOrganizationRequest org;
  org.set_organization_id("refused");
  org.mutable_organization()->set_display_name("Refused");
  catalog::v1::Organization created;
  ASSERT_THAT(full.NewStub()->CreateOrganization(
                  ContextWithKey(kEditorKey).get(), org, &created),
              StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED));

  const std::vector<std::string> lines =
      SampleLines(ScrapeMetrics(full.metrics_port()));
  EXPECT_THAT(lines, Contains("atlas_executor_refusals_total{executor="
                              "\"writes\"} 1"));
  EXPECT_THAT(lines,
              Contains("grpc_server_handled_total{"
                       "grpc_code=\"ResourceExhausted\","
                       "grpc_method=\"CreateOrganization\","
                       "grpc_service=\"atlas.catalog.v1.CatalogService\","
                       "grpc_type=\"unary\"} 1"));
}

TEST_F(MetricsTest, CatalogExportsTheFollowersCursor) {
  catalog_.Stop();
  catalog_.set_incident_service(incidents_->address(),
                                ::atlas::testing::kServiceKey);
  catalog_.Start();
  incident::v1::Incident incident;
  ASSERT_THAT(
      incidents_->NewStub()->CreateIncident(ContextWithKey(kEditorKey).get(),
                                            IncidentOf("followed"), &incident),
      IsOk());
  ASSERT_TRUE(::atlas::testing::WaitFor(
      [&] { return catalog_.follower()->cursor() == 1; }));

  const std::vector<std::string> lines =
      SampleLines(ScrapeMetrics(catalog_.metrics_port()));
  EXPECT_THAT(lines, Contains("atlas_catalog_follower_cursor_sequence 1"));
  EXPECT_THAT(lines, Contains("atlas_catalog_follower_applied_total 1"));
  EXPECT_THAT(lines,
              Contains(StartsWith("atlas_catalog_follower_lag_seconds ")));
  // The follower's stream is a call to incident-service, counted there.
  EXPECT_THAT(SampleLines(ScrapeMetrics(incidents_->metrics_port())),
              Contains("grpc_server_started_total{"
                       "grpc_method=\"WatchIncidentChanges\","
                       "grpc_service=\"atlas.incident.v1.IncidentService\","
                       "grpc_type=\"server_stream\"} 1"));
}

TEST_F(MetricsTest, MetricsAddressInUseFailsStart) {
  const int taken = catalog_.metrics_port();
  ::atlas::testing::TempDir dir;
  catalog::CatalogServer::Options options;
  options.serving.metrics_listen = "127.0.0.1:" + std::to_string(taken);
  options.db_path = dir.Sub("catalog");
  options.keys = &::atlas::testing::TestKeys();
  options.iso_codes_path = api::kDebianIso3166Path;
  auto server = catalog::CatalogServer::Start(std::move(options));
  EXPECT_THAT(server.status(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace atlas
