// AIP-193 over the wire, with both services running: the google.rpc details
// a client reads for the errors it can act on. (Every error any contract
// test provokes is also checked for the general rules by StatusIs, see
// tests/testing/status_matchers.h; this test pins the specific details.)
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/grpc/status_conversion.h"
#include "common/status/error_details.h"
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

namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

class StructuredErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
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
    ASSERT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &vooruit_),
                IsOk());
  }

  ::grpc::Status CreateIncident(const std::string& id, const std::string& key,
                                const std::string& title = "Website ransom") {
    iv1::CreateIncidentRequest r;
    r.set_incident_id(id);
    r.mutable_incident()->set_title(title);
    r.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    iv1::Incident out;
    return incident_stub_->CreateIncident(ContextWithKey(key).get(), r, &out);
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<cv1::CatalogService::Stub> catalog_stub_;
  std::unique_ptr<iv1::IncidentService::Stub> incident_stub_;
  cv1::Organization vooruit_;
};

std::string ReasonOf(const ::grpc::Status& s) {
  auto info = status::GetErrorInfo(grpc_util::FromGrpcStatus(s));
  return info.has_value() ? info->reason() : "(no ErrorInfo)";
}

TEST_F(StructuredErrorsTest, InvalidArgumentNamesTheFieldAndRule) {
  ::grpc::Status s = CreateIncident("vooruit-2024", kEditorKey, "");
  ASSERT_THAT(s, StatusIs(::grpc::StatusCode::INVALID_ARGUMENT));
  absl::Status back = grpc_util::FromGrpcStatus(s);
  auto bad = status::GetBadRequest(back);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), "incident.title");
  EXPECT_EQ(bad->field_violations(0).reason(), "REQUIRED");
  EXPECT_EQ(ReasonOf(s), "INVALID_REQUEST");
  EXPECT_EQ(status::GetErrorInfo(back)->domain(), "incidentatlas.org");
}

TEST_F(StructuredErrorsTest, NotFoundHasItsReason) {
  iv1::GetIncidentRequest r;
  r.set_name("incidents/nothing-here");
  iv1::Incident out;
  ::grpc::Status s =
      incident_stub_->GetIncident(ContextWithKey("").get(), r, &out);
  ASSERT_THAT(s, StatusIs(::grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(ReasonOf(s), "RESOURCE_NOT_FOUND");
}

TEST_F(StructuredErrorsTest, StaleEtagIsAPreconditionFailure) {
  cv1::UpdateOrganizationRequest r;
  *r.mutable_organization() = vooruit_;
  r.mutable_organization()->set_display_name("Vooruit (Brussels)");
  r.mutable_organization()->set_etag("\"stale\"");
  r.mutable_update_mask()->add_paths("display_name");
  cv1::Organization out;
  ::grpc::Status s = catalog_stub_->UpdateOrganization(
      ContextWithKey(kEditorKey).get(), r, &out);
  ASSERT_THAT(s, StatusIs(::grpc::StatusCode::ABORTED));
  EXPECT_EQ(ReasonOf(s), "ETAG_MISMATCH");
  auto failure = status::GetPreconditionFailure(grpc_util::FromGrpcStatus(s));
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).type(), "ETAG");
  EXPECT_EQ(failure->violations(0).subject(), "organizations/vooruit");
}

TEST_F(StructuredErrorsTest, ReferencedOrganizationDeleteNamesTheCause) {
  ASSERT_THAT(CreateIncident("vooruit-2024", kEditorKey), IsOk());
  cv1::DeleteOrganizationRequest r;
  r.set_name("organizations/vooruit");
  google::protobuf::Empty out;
  ::grpc::Status s = catalog_stub_->DeleteOrganization(
      ContextWithKey(kEditorKey).get(), r, &out);
  ASSERT_THAT(s, StatusIs(::grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ReasonOf(s), "ORGANIZATION_REFERENCED");
  auto failure = status::GetPreconditionFailure(grpc_util::FromGrpcStatus(s));
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->violations(0).type(), "VICTIM_OF_INCIDENTS");
  EXPECT_EQ(failure->violations(0).subject(), "organizations/vooruit");
}

TEST_F(StructuredErrorsTest, KeysAndRolesHaveDistinctReasons) {
  ::grpc::Status none = CreateIncident("a", "");
  EXPECT_THAT(none, StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(ReasonOf(none), "API_KEY_MISSING");
  ::grpc::Status unknown = CreateIncident("a", "not-a-key");
  EXPECT_THAT(unknown, StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(ReasonOf(unknown), "API_KEY_INVALID");
  ::grpc::Status member = CreateIncident("a", kMemberKey);
  EXPECT_THAT(member, StatusIs(::grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_EQ(ReasonOf(member), "ROLE_NOT_ALLOWED");
  auto info = status::GetErrorInfo(grpc_util::FromGrpcStatus(member));
  EXPECT_EQ(info->metadata().at("required_role"), "editor");
}

TEST_F(StructuredErrorsTest, UnreachableCatalogSaysWhenToRetry) {
  catalog_.Stop();
  ::grpc::Status s = CreateIncident("vooruit-2024", kEditorKey);
  ASSERT_THAT(s, StatusIs(::grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(ReasonOf(s), "CATALOG_UNAVAILABLE");
  auto retry = status::GetRetryInfo(grpc_util::FromGrpcStatus(s));
  ASSERT_TRUE(retry.has_value());
  EXPECT_GT(retry->retry_delay().seconds(), 0);
}

}  // namespace
}  // namespace atlas
