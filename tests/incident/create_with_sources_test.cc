// Contract tests of CreateIncidentRequest.sources through a real server and
// a real catalog-service: sources created with their incident in one write,
// listed first in request order, counted, checked as CreateSource checks
// them (errors naming sources[i]), covered by the incident's request_id,
// and later CreateSource calls ordered after them.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
using ::atlas::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::atlas::incident::v1;
using Code = absl::StatusCode;

class CreateWithSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
    auto catalog_stub = catalog_.NewStub();
    catalog::v1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    catalog::v1::Organization created;
    ASSERT_THAT(catalog_stub->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  static v1::CreateIncidentRequest WithSources(
      const std::string& id, const std::vector<std::string>& urls) {
    v1::CreateIncidentRequest r;
    r.set_incident_id(id);
    r.mutable_incident()->set_title("Incident " + id);
    r.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    for (size_t i = 0; i < urls.size(); ++i) {
      v1::CreateSourceRequest* s = r.add_sources();
      s->set_source_id("s" + std::to_string(i));
      s->mutable_source()->set_url(urls[i]);
    }
    return r;
  }

  ::grpc::Status Create(const v1::CreateIncidentRequest& r, v1::Incident* out) {
    return stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r, out);
  }

  std::vector<std::string> SourceNames(const std::string& incident) {
    v1::ListSourcesRequest list;
    list.set_parent(incident);
    v1::ListSourcesResponse page;
    EXPECT_THAT(
        stub_->ListSources(ContextWithKey(kMemberKey).get(), list, &page),
        IsOk());
    std::vector<std::string> names;
    for (const v1::Source& s : page.sources()) names.push_back(s.name());
    return names;
  }

  bool Exists(const std::string& name) {
    v1::GetIncidentRequest get;
    get.set_name(name);
    v1::Incident out;
    return stub_->GetIncident(ContextWithKey(kMemberKey).get(), get, &out).ok();
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<v1::IncidentService::Stub> stub_;
};

TEST_F(CreateWithSourcesTest, SourcesAreStoredWithTheIncidentInRequestOrder) {
  const int64_t before = incidents_->changelog().next_sequence();
  v1::Incident created;
  ASSERT_THAT(Create(WithSources("x", {"https://news.example/b",
                                       "hxxps://news[.]example/a"}),
                     &created),
              IsOk());
  EXPECT_EQ(created.source_count(), 2);
  // One change for the incident and its sources.
  EXPECT_EQ(incidents_->changelog().next_sequence(), before + 1);
  EXPECT_THAT(SourceNames("incidents/x"),
              ElementsAre("incidents/x/sources/s0", "incidents/x/sources/s1"));
  v1::GetSourceRequest get;
  get.set_name("incidents/x/sources/s1");
  v1::Source source;
  ASSERT_THAT(stub_->GetSource(ContextWithKey(kMemberKey).get(), get, &source),
              IsOk());
  EXPECT_EQ(source.url(), "https://news.example/a");  // refanged
  EXPECT_FALSE(source.etag().empty());
  EXPECT_TRUE(source.has_create_time());
}

TEST_F(CreateWithSourcesTest, LaterSourcesListAfterThoseCreatedWithIt) {
  v1::Incident created;
  ASSERT_THAT(
      Create(WithSources("y", {"https://a.example/1", "https://a.example/2",
                               "https://a.example/3"}),
             &created),
      IsOk());
  v1::CreateSourceRequest later;
  later.set_parent("incidents/y");
  later.set_source_id("later");
  later.mutable_source()->set_url("https://a.example/4");
  v1::Source out;
  ASSERT_THAT(
      stub_->CreateSource(ContextWithKey(kEditorKey).get(), later, &out),
      IsOk());
  EXPECT_THAT(
      SourceNames("incidents/y"),
      ElementsAre("incidents/y/sources/s0", "incidents/y/sources/s1",
                  "incidents/y/sources/s2", "incidents/y/sources/later"));
  v1::Incident got;
  v1::GetIncidentRequest get;
  get.set_name("incidents/y");
  ASSERT_THAT(stub_->GetIncident(ContextWithKey(kMemberKey).get(), get, &got),
              IsOk());
  EXPECT_EQ(got.source_count(), 4);
}

TEST_F(CreateWithSourcesTest, AnEmptySourceIdIsGenerated) {
  v1::CreateIncidentRequest r = WithSources("z", {"https://a.example/1"});
  r.mutable_sources(0)->clear_source_id();
  v1::Incident created;
  ASSERT_THAT(Create(r, &created), IsOk());
  std::vector<std::string> names = SourceNames("incidents/z");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_THAT(names[0], HasSubstr("incidents/z/sources/"));
}

TEST_F(CreateWithSourcesTest, ABadSourceRefusesTheIncidentNamingIt) {
  v1::Incident created;
  v1::CreateIncidentRequest r =
      WithSources("bad", {"https://a.example/1", "https://a.example/2"});
  r.mutable_sources(1)->mutable_source()->set_language(std::string(40, 'x'));
  ::grpc::Status s = Create(r, &created);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("sources[1].source.language"));

  r = WithSources("bad", {"https://a.example/1", "https://a.example/2"});
  r.mutable_sources(1)->set_source_id("s0");
  s = Create(r, &created);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(),
              HasSubstr("sources[1].source_id: \"s0\" is also "
                        "sources[0].source_id"));

  r = WithSources("bad", {"https://a.example/1"});
  r.mutable_sources(0)->set_parent("incidents/other");
  s = Create(r, &created);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("sources[0].parent"));

  r = WithSources("bad", {"https://a.example/1"});
  r.mutable_sources(0)->set_request_id("own-request");
  s = Create(r, &created);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("sources[0].request_id"));

  r = WithSources("bad", {"https://a.example/1"});
  r.mutable_sources(0)->clear_source();
  s = Create(r, &created);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("sources[0].source: required"));

  std::vector<std::string> many(501, "https://a.example/");
  for (size_t i = 0; i < many.size(); ++i) many[i] += std::to_string(i);
  s = Create(WithSources("bad", many), &created);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("sources"));

  EXPECT_FALSE(Exists("incidents/bad"));
}

TEST_F(CreateWithSourcesTest, ParentMayNameTheIncidentItself) {
  v1::CreateIncidentRequest r = WithSources("self", {"https://a.example/1"});
  r.mutable_sources(0)->set_parent("incidents/self");
  v1::Incident created;
  ASSERT_THAT(Create(r, &created), IsOk());
  EXPECT_THAT(SourceNames("incidents/self"),
              ElementsAre("incidents/self/sources/s0"));
}

TEST_F(CreateWithSourcesTest, TheIncidentsRequestIdReplaysWithoutNewSources) {
  v1::CreateIncidentRequest r = WithSources("replay", {"https://a.example/1"});
  r.set_request_id("req-with-sources");
  v1::Incident first, second;
  ASSERT_THAT(Create(r, &first), IsOk());
  ASSERT_THAT(Create(r, &second), IsOk());
  EXPECT_EQ(first.etag(), second.etag());
  EXPECT_THAT(SourceNames("incidents/replay"),
              ElementsAre("incidents/replay/sources/s0"));
  // Other sources under the same request_id are another request.
  r.mutable_sources(0)->mutable_source()->set_url("https://a.example/2");
  EXPECT_THAT(Create(r, &second), StatusIs(Code::kInvalidArgument));
}

TEST_F(CreateWithSourcesTest, BatchCreateCarriesEachIncidentsSources) {
  v1::BatchCreateIncidentsRequest batch;
  *batch.add_requests() = WithSources("b1", {"https://a.example/1"});
  *batch.add_requests() =
      WithSources("b2", {"https://a.example/1", "https://a.example/2"});
  v1::BatchCreateIncidentsResponse out;
  ASSERT_THAT(stub_->BatchCreateIncidents(ContextWithKey(kEditorKey).get(),
                                          batch, &out),
              IsOk());
  EXPECT_EQ(out.incidents(0).source_count(), 1);
  EXPECT_EQ(out.incidents(1).source_count(), 2);
  EXPECT_THAT(
      SourceNames("incidents/b2"),
      ElementsAre("incidents/b2/sources/s0", "incidents/b2/sources/s1"));
  // A bad source in a batch is named with its request.
  *batch.mutable_requests(0) = WithSources("b3", {"https://a.example/1"});
  batch.mutable_requests(1)->set_incident_id("b4");
  batch.mutable_requests(1)->mutable_sources(1)->set_source_id("BAD ID");
  ::grpc::Status s = stub_->BatchCreateIncidents(
      ContextWithKey(kEditorKey).get(), batch, &out);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("requests[1].sources[1].source_id"));
  EXPECT_FALSE(Exists("incidents/b3"));
}

}  // namespace
}  // namespace atlas
