// Hardening finding 2, with both services running: an organisation that an
// incident names cannot be deleted, whatever the catalog's read model has
// seen, and the protocol (fence, then CheckOrganizationReferences) works
// over the wire with the SERVICE key. Core-level cases (the fence while the
// check runs, an unreachable incident-service) are in
// tests/catalog/organization_delete_test.cc and
// tests/incident/incident_core_test.cc.
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/catalog_harness.h"
#include "tests/testing/incident_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

class DeleteAcrossServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each needs the other's address: catalog, incident-service, then the
    // catalog again (same port) pointed at incident-service.
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    catalog_.Stop();
    catalog_.set_incident_service(incidents_->address(), kServiceKey);
    catalog_.Start();
    catalog_stub_ = catalog_.NewStub();
    incident_stub_ = incidents_->NewStub();
    cv1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    cv1::Organization created;
    ASSERT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  // Creates an incident naming vooruit; retries while incident-service's
  // channel to the restarted catalog reconnects (UNAVAILABLE: nothing was
  // written).
  void CreateIncident(const std::string& id) {
    iv1::CreateIncidentRequest r;
    r.set_incident_id(id);
    r.set_request_id("create-" + id);
    r.mutable_incident()->set_title("Website held to ransom");
    r.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    ::grpc::Status s;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    do {
      iv1::Incident out;
      s = incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r,
                                         &out);
    } while (s.error_code() == ::grpc::StatusCode::UNAVAILABLE &&
             absl::Now() < deadline);
    ASSERT_THAT(s, IsOk());
  }
  ::grpc::Status DeleteOrganization() {
    cv1::DeleteOrganizationRequest r;
    r.set_name("organizations/vooruit");
    google::protobuf::Empty out;
    return catalog_stub_->DeleteOrganization(ContextWithKey(kEditorKey).get(),
                                             r, &out);
  }
  ::grpc::Status GetOrganization(cv1::Organization* out) {
    cv1::GetOrganizationRequest r;
    r.set_name("organizations/vooruit");
    return catalog_stub_->GetOrganization(ContextWithKey(kMemberKey).get(), r,
                                          out);
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<cv1::CatalogService::Stub> catalog_stub_;
  std::unique_ptr<iv1::IncidentService::Stub> incident_stub_;
};

TEST_F(DeleteAcrossServicesTest,
       RefusedWhileAnIncidentNamesItThoughTheReadModelLags) {
  // The read model stops following (as after a long reconnect backoff):
  // it will never see the incident below.
  ASSERT_NE(catalog_.follower(), nullptr);
  catalog_.follower()->Stop();
  CreateIncident("vooruit-2024");
  cv1::Organization org;
  ASSERT_THAT(GetOrganization(&org), IsOk());
  EXPECT_EQ(org.incident_count(), 0);  // the lag the finding exploited

  EXPECT_THAT(DeleteOrganization(),
              StatusIs(::grpc::StatusCode::FAILED_PRECONDITION,
                       HasSubstr("incidents/vooruit-2024")));
  EXPECT_THAT(GetOrganization(&org), IsOk());

  // Once no incident names it, the delete goes through (the read model,
  // still lagging, does not hold it back either).
  iv1::DeleteIncidentRequest del;
  del.set_name("incidents/vooruit-2024");
  google::protobuf::Empty empty;
  ASSERT_THAT(incident_stub_->DeleteIncident(ContextWithKey(kEditorKey).get(),
                                             del, &empty),
              IsOk());
  EXPECT_THAT(DeleteOrganization(), IsOk());
  EXPECT_THAT(GetOrganization(&org), StatusIs(::grpc::StatusCode::NOT_FOUND));
}

TEST_F(DeleteAcrossServicesTest, UnreachableIncidentServiceDeletesNothing) {
  incidents_->Stop();
  EXPECT_THAT(DeleteOrganization(), StatusIs(::grpc::StatusCode::UNAVAILABLE,
                                             HasSubstr("nothing was deleted")));
  cv1::Organization org;
  EXPECT_THAT(GetOrganization(&org), IsOk());
}

}  // namespace
}  // namespace atlas
