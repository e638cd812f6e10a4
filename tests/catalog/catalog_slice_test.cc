// Contract tests for the catalog's first slice (Create, Get, BatchGet)
// through a real server on a free port and a real RocksDB.
#include <memory>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

v1::Organization Vooruit() {
  v1::Organization org;
  org.set_display_name("Vooruit");
  org.add_aliases("Vooruit.brussels");
  org.add_domains("vooruit.be");
  org.add_domains("vooruit.brussels");
  org.set_country("BE");
  org.add_sectors("non-profit");
  org.set_organization_type(v1::POLITICAL_PARTY);
  org.set_non_profit(true);
  return org;
}

class CatalogSliceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    stub_ = server_.NewStub();
  }

  ::grpc::Status Create(const v1::CreateOrganizationRequest& request,
                        v1::Organization* out,
                        const std::string& key = kEditorKey) {
    return stub_->CreateOrganization(ContextWithKey(key).get(), request, out);
  }

  CatalogHarness server_;
  std::unique_ptr<v1::CatalogService::Stub> stub_;
};

TEST_F(CatalogSliceTest, CreateThenGetReturnsTheStoredOrganization) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.set_organization_id("vooruit");
  v1::Organization created;
  ASSERT_THAT(Create(request, &created), IsOk());
  EXPECT_EQ(created.name(), "organizations/vooruit");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_EQ(created.create_time().seconds(), created.update_time().seconds());
  EXPECT_FALSE(created.etag().empty());

  v1::GetOrganizationRequest get;
  get.set_name("organizations/vooruit");
  v1::Organization fetched;
  ASSERT_THAT(stub_->GetOrganization(ContextWithKey(kMemberKey).get(), get,
                                     &fetched),
              IsOk());
  EXPECT_EQ(fetched.display_name(), "Vooruit");
  EXPECT_EQ(fetched.etag(), created.etag());
  EXPECT_THAT(fetched.domains(),
              ::testing::ElementsAre("vooruit.be", "vooruit.brussels"));
}

TEST_F(CatalogSliceTest, CreateWithoutIdGeneratesOne) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  v1::Organization created;
  ASSERT_THAT(Create(request, &created), IsOk());
  EXPECT_THAT(created.name(), ::testing::MatchesRegex("organizations/[0-9a-v]{16}"));
}

TEST_F(CatalogSliceTest, DuplicateIdIsAlreadyExists) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.set_organization_id("vooruit");
  v1::Organization out;
  ASSERT_THAT(Create(request, &out), IsOk());
  request.mutable_organization()->clear_domains();
  EXPECT_THAT(Create(request, &out),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("organizations/vooruit")));
}

TEST_F(CatalogSliceTest, SameRequestIdTwiceCreatesOnce) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.set_request_id("5f0c6a1e-0c43-4c1b-9d55-1f0e5a3b2c11");
  v1::Organization first, second;
  ASSERT_THAT(Create(request, &first), IsOk());
  ASSERT_THAT(Create(request, &second), IsOk());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(first.etag(), second.etag());

  // The same request_id with other content is refused.
  request.mutable_organization()->set_display_name("Someone else");
  v1::Organization third;
  EXPECT_THAT(Create(request, &third),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
}

TEST_F(CatalogSliceTest, InvalidIdsAreInvalidArgumentNamingTheField) {
  for (const char* bad : {"Vooruit", "-x", "x-", "a_b", "a/b"}) {
    v1::CreateOrganizationRequest request;
    *request.mutable_organization() = Vooruit();
    request.set_organization_id(bad);
    v1::Organization out;
    EXPECT_THAT(Create(request, &out),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("organization_id")))
        << bad;
  }
  v1::GetOrganizationRequest get;
  get.set_name("organisations/vooruit");
  v1::Organization out;
  EXPECT_THAT(stub_->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
}

TEST_F(CatalogSliceTest, MissingDisplayNameIsInvalidArgument) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.mutable_organization()->clear_display_name();
  v1::Organization out;
  EXPECT_THAT(Create(request, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("organization.display_name")));
}

TEST_F(CatalogSliceTest, GetOfUnknownOrganizationIsNotFound) {
  v1::GetOrganizationRequest get;
  get.set_name("organizations/nobody");
  v1::Organization out;
  EXPECT_THAT(stub_->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("organizations/nobody")));
}

TEST_F(CatalogSliceTest, CreateNeedsAnEditorKey) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  v1::Organization out;
  EXPECT_THAT(Create(request, &out, ""),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Create(request, &out, kMemberKey),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Create(request, &out, ::atlas::testing::kUnknownKey),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CatalogSliceTest, BatchGetAnswersInOrderOrNamesTheMissingOne) {
  for (const char* id : {"a", "b"}) {
    v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name(id);
    request.set_organization_id(id);
    v1::Organization out;
    ASSERT_THAT(Create(request, &out), IsOk());
  }
  v1::BatchGetOrganizationsRequest batch;
  batch.add_names("organizations/b");
  batch.add_names("organizations/a");
  v1::BatchGetOrganizationsResponse response;
  ASSERT_THAT(stub_->BatchGetOrganizations(ContextWithKey("").get(), batch,
                                           &response),
              IsOk());
  ASSERT_EQ(response.organizations_size(), 2);
  EXPECT_EQ(response.organizations(0).name(), "organizations/b");
  EXPECT_EQ(response.organizations(1).name(), "organizations/a");

  batch.add_names("organizations/zz");
  EXPECT_THAT(stub_->BatchGetOrganizations(ContextWithKey("").get(), batch,
                                           &response),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("organizations/zz")));
}

TEST_F(CatalogSliceTest, DataSurvivesARestart) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.set_organization_id("vooruit");
  v1::Organization created;
  ASSERT_THAT(Create(request, &created), IsOk());
  server_.Stop();
  server_.Start();
  stub_ = server_.NewStub();
  v1::GetOrganizationRequest get;
  get.set_name("organizations/vooruit");
  v1::Organization fetched;
  ASSERT_THAT(stub_->GetOrganization(ContextWithKey("").get(), get, &fetched),
              IsOk());
  EXPECT_EQ(fetched.etag(), created.etag());
}

}  // namespace
}  // namespace atlas::catalog
