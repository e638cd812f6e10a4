// Both services in one test process, each on its own port and RocksDB:
// the victim check over gRPC, and what happens when the catalog is down.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/members_only_paths.h"
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
using ::testing::HasSubstr;

class TwoServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address(), "",
                                                   absl::Milliseconds(500));
    incidents_->Start();
    catalog_stub_ = catalog_.NewStub();
    incident_stub_ = incidents_->NewStub();

    catalog::v1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    org.mutable_organization()->set_country("BE");
    catalog::v1::Organization created;
    ASSERT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  static incident::v1::CreateIncidentRequest VooruitIncident() {
    incident::v1::CreateIncidentRequest request;
    request.set_incident_id("vooruit-2024-website");
    incident::v1::Incident* i = request.mutable_incident();
    i->set_title("Vooruit.brussels website compromised, ransom demanded");
    i->add_victims()->set_organization("organizations/vooruit");
    i->add_countries("BE");
    i->mutable_start_date()->set_year(2024);
    i->mutable_start_date()->set_month(3);
    i->mutable_start_date()->set_day(28);
    i->mutable_disclosed_date()->set_year(2024);
    i->mutable_disclosed_date()->set_month(4);
    i->add_incident_types(incident::v1::WEBSITE_COMPROMISE);
    i->add_motives(incident::v1::FINANCIAL);
    i->add_motives(incident::v1::IDEOLOGY);
    return request;
  }

  ::grpc::Status GetIncident(const std::string& name,
                             incident::v1::Incident* out,
                             const std::string& key = kMemberKey) {
    incident::v1::GetIncidentRequest get;
    get.set_name(name);
    return incident_stub_->GetIncident(ContextWithKey(key).get(), get, out);
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<catalog::v1::CatalogService::Stub> catalog_stub_;
  std::unique_ptr<incident::v1::IncidentService::Stub> incident_stub_;
};

TEST_F(TwoServiceTest, IncidentNamingAnExistingVictimIsStoredAndReadable) {
  incident::v1::Incident created;
  ASSERT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             VooruitIncident(), &created),
              IsOk());
  EXPECT_EQ(created.name(), "incidents/vooruit-2024-website");
  EXPECT_EQ(created.motive_count(), 2);

  incident::v1::Incident member_view;
  ASSERT_THAT(GetIncident(created.name(), &member_view), IsOk());
  EXPECT_EQ(member_view.motives_size(), 2);
  EXPECT_TRUE(member_view.redacted_fields().empty());

  incident::v1::Incident public_view;
  ASSERT_THAT(GetIncident(created.name(), &public_view, ""), IsOk());
  EXPECT_EQ(public_view.motives_size(), 0);
  EXPECT_EQ(public_view.motive_count(), 2);
  EXPECT_THAT(public_view.redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
}

TEST_F(TwoServiceTest, IncidentNamingAnUnknownOrganizationIsRejected) {
  incident::v1::CreateIncidentRequest request = VooruitIncident();
  request.mutable_incident()->add_victims()->set_organization(
      "organizations/nobody");
  incident::v1::Incident out;
  EXPECT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             request, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.victims[1].organization")));
  EXPECT_THAT(GetIncident("incidents/vooruit-2024-website", &out),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(TwoServiceTest, CatalogDownMeansUnavailableAndNothingStored) {
  catalog_.Stop();
  incident::v1::Incident out;
  absl::Time start = absl::Now();
  EXPECT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             VooruitIncident(), &out),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("catalog")));
  // Within the configured catalog deadline (500 ms) plus scheduling slack.
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_THAT(GetIncident("incidents/vooruit-2024-website", &out),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(incidents_->changelog().next_sequence(), 1);

  // Once the catalog is back, the same request goes through.
  catalog_.Start();
  EXPECT_TRUE(::atlas::testing::WaitFor([&] {
    incident::v1::Incident created;
    return incident_stub_
        ->CreateIncident(ContextWithKey(kEditorKey).get(), VooruitIncident(),
                         &created)
        .ok();
  }));
  EXPECT_THAT(GetIncident("incidents/vooruit-2024-website", &out), IsOk());
}

TEST_F(TwoServiceTest, CreateIncidentValidatesBeforeAskingTheCatalog) {
  incident::v1::CreateIncidentRequest request = VooruitIncident();
  request.mutable_incident()->mutable_start_date()->set_month(2);
  request.mutable_incident()->mutable_start_date()->set_day(30);
  incident::v1::Incident out;
  EXPECT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             request, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.start_date")));
}

TEST_F(TwoServiceTest, SameRequestIdTwiceCreatesOneIncident) {
  incident::v1::CreateIncidentRequest request = VooruitIncident();
  request.clear_incident_id();
  request.set_request_id("import-vooruit-1");
  incident::v1::Incident first, second;
  ASSERT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             request, &first),
              IsOk());
  ASSERT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             request, &second),
              IsOk());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(incidents_->changelog().next_sequence(), 2);
}

}  // namespace
}  // namespace atlas
