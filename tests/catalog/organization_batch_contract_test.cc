// Contract tests of CatalogService.BatchCreateOrganizations and
// BatchResolveOrganizations through a real server: all or nothing, errors
// that name the failing request, claims checked within the batch, parents
// created earlier in the batch, request_id replays, and resolves that
// answer misses in place.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_contract_fixture.h"
#include "tests/testing/status_matchers.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class OrganizationBatchTest : public CatalogContractTest {
 protected:
  static v1::CreateOrganizationRequest Org(const std::string& id,
                                           const std::string& domain = "") {
    v1::CreateOrganizationRequest r;
    r.set_organization_id(id);
    r.mutable_organization()->set_display_name("Org " + id);
    if (!domain.empty()) r.mutable_organization()->add_domains(domain);
    return r;
  }

  ::grpc::Status BatchCreate(
      const std::vector<v1::CreateOrganizationRequest>& requests,
      v1::BatchCreateOrganizationsResponse* out,
      const std::string& key = kEditorKey) {
    v1::BatchCreateOrganizationsRequest r;
    for (const auto& c : requests) *r.add_requests() = c;
    return stub_->BatchCreateOrganizations(ContextWithKey(key).get(), r, out);
  }

  ::grpc::Status BatchResolve(
      const std::vector<v1::ResolveOrganizationRequest>& requests,
      v1::BatchResolveOrganizationsResponse* out, const std::string& key = "") {
    v1::BatchResolveOrganizationsRequest r;
    for (const auto& q : requests) *r.add_requests() = q;
    return stub_->BatchResolveOrganizations(ContextWithKey(key).get(), r, out);
  }

  bool Exists(const std::string& id) {
    v1::GetOrganizationRequest get;
    get.set_name("organizations/" + id);
    v1::Organization out;
    return stub_->GetOrganization(ContextWithKey(kMemberKey).get(), get, &out)
        .ok();
  }

  static v1::ResolveOrganizationRequest Query(const std::string& q) {
    v1::ResolveOrganizationRequest r;
    r.set_query(q);
    return r;
  }
};

TEST_F(OrganizationBatchTest, CreatesEveryOrganizationInRequestOrder) {
  v1::BatchCreateOrganizationsResponse out;
  ASSERT_THAT(
      BatchCreate({Org("alpha", "alpha.be"), Org("beta"), Org("gamma")}, &out),
      IsOk());
  ASSERT_EQ(out.organizations_size(), 3);
  EXPECT_EQ(out.organizations(0).name(), "organizations/alpha");
  EXPECT_EQ(out.organizations(1).name(), "organizations/beta");
  EXPECT_EQ(out.organizations(2).name(), "organizations/gamma");
  EXPECT_FALSE(out.organizations(0).etag().empty());
  EXPECT_TRUE(Exists("alpha") && Exists("beta") && Exists("gamma"));
  // Indexed like any create: the domain resolves.
  v1::ResolveOrganizationResponse resolved;
  ASSERT_THAT(Resolve("https://www.alpha.be/x", &resolved), IsOk());
  EXPECT_EQ(resolved.organization().name(), "organizations/alpha");
}

TEST_F(OrganizationBatchTest, OneRefusedRequestStoresNothingAndIsNamed) {
  v1::CreateOrganizationRequest bad = Org("bad");
  bad.mutable_organization()->set_country("XX");
  v1::BatchCreateOrganizationsResponse out;
  ::grpc::Status s = BatchCreate({Org("first"), bad, Org("third")}, &out);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("requests[1].organization.country"));
  EXPECT_FALSE(Exists("first"));
  EXPECT_FALSE(Exists("third"));
}

TEST_F(OrganizationBatchTest,
       AnIdTakenInTheStoreFailsTheBatchNamingTheRequest) {
  v1::Organization created;
  ASSERT_THAT(Create(Org("taken").organization(), "taken", &created), IsOk());
  v1::BatchCreateOrganizationsResponse out;
  ::grpc::Status s = BatchCreate({Org("new-one"), Org("taken")}, &out);
  EXPECT_THAT(s, StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(s.error_message(),
              HasSubstr("requests[1].organization_id: organizations/taken "
                        "already exists"));
  EXPECT_FALSE(Exists("new-one"));
}

TEST_F(OrganizationBatchTest, TwoRequestsMayNotClaimOneIdOrOneDomain) {
  v1::BatchCreateOrganizationsResponse out;
  ::grpc::Status same_id = BatchCreate({Org("twin"), Org("twin")}, &out);
  EXPECT_THAT(same_id, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(same_id.error_message(),
              HasSubstr("requests[1].organization_id: \"twin\" is also "
                        "requests[0].organization_id"));

  ::grpc::Status same_domain =
      BatchCreate({Org("one", "shared.be"), Org("two", "shared.be")}, &out);
  EXPECT_THAT(same_domain, StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(same_domain.error_message(),
              HasSubstr("requests[1].organization.domains[0]: shared.be is "
                        "also claimed by requests[0]"));
  EXPECT_FALSE(Exists("one"));

  v1::CreateOrganizationRequest a = Org("ref-a"), b = Org("ref-b");
  for (auto* r : {&a, &b}) {
    auto* ref = r->mutable_organization()->add_external_references();
    ref->set_system("veris-victim");
    ref->set_id("Same Victim");
  }
  ::grpc::Status same_ref = BatchCreate({a, b}, &out);
  EXPECT_THAT(same_ref, StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(same_ref.error_message(),
              HasSubstr("requests[1].organization.external_references[0]"));
}

TEST_F(OrganizationBatchTest, ADomainOwnedInTheStoreIsRefusedNamingTheOwner) {
  v1::Organization created;
  ASSERT_THAT(
      Create(Org("owner", "owned.be").organization(), "owner", &created),
      IsOk());
  v1::BatchCreateOrganizationsResponse out;
  ::grpc::Status s = BatchCreate({Org("claimer", "owned.be")}, &out);
  EXPECT_THAT(s, StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(s.error_message(),
              HasSubstr("requests[0].organization.domains[0]: owned.be belongs "
                        "to organizations/owner"));
}

TEST_F(OrganizationBatchTest, AParentMayBeCreatedEarlierInTheSameBatch) {
  v1::CreateOrganizationRequest child = Org("branch");
  child.mutable_organization()->set_parent("organizations/party");
  v1::BatchCreateOrganizationsResponse out;
  // Later in the batch is not yet created: refused, nothing stored.
  ::grpc::Status s = BatchCreate({child, Org("party")}, &out);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(),
              HasSubstr("requests[0].organization.parent: organizations/party "
                        "does not exist"));
  ASSERT_THAT(BatchCreate({Org("party"), child}, &out), IsOk());
  EXPECT_EQ(out.organizations(1).parent(), "organizations/party");
}

TEST_F(OrganizationBatchTest, ARepeatedRequestIdAnswersTheFirstResultInPlace) {
  v1::CreateOrganizationRequest first = Org("replayed");
  first.set_request_id("req-replayed");
  v1::BatchCreateOrganizationsResponse out;
  ASSERT_THAT(BatchCreate({first}, &out), IsOk());
  const std::string etag = out.organizations(0).etag();
  ASSERT_THAT(BatchCreate({Org("fresh"), first}, &out), IsOk());
  EXPECT_EQ(out.organizations(0).name(), "organizations/fresh");
  EXPECT_EQ(out.organizations(1).name(), "organizations/replayed");
  EXPECT_EQ(out.organizations(1).etag(), etag);
  // The same request_id with other content is refused, naming it.
  v1::CreateOrganizationRequest changed = first;
  changed.mutable_organization()->set_display_name("Other");
  ::grpc::Status s = BatchCreate({changed}, &out);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("requests[0].request_id"));
}

TEST_F(OrganizationBatchTest,
       BatchCreateNeedsAnEditorAndOneToAThousandRequests) {
  v1::BatchCreateOrganizationsResponse out;
  EXPECT_THAT(BatchCreate({Org("x")}, &out, ""),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(BatchCreate({Org("x")}, &out, kMemberKey),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(BatchCreate({}, &out), StatusIs(Code::kInvalidArgument));
  std::vector<v1::CreateOrganizationRequest> many;
  for (int i = 0; i < 1001; ++i) many.push_back(Org(absl::StrCat("o", i)));
  ::grpc::Status s = BatchCreate(many, &out);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("requests"));
  EXPECT_FALSE(Exists("o0"));
}

TEST_F(OrganizationBatchTest, BatchResolveAnswersEachQueryAndMissesInPlace) {
  v1::Organization created;
  ASSERT_THAT(Create(Vooruit(), "vooruit", &created), IsOk());
  v1::ResolveOrganizationRequest by_ref;
  by_ref.mutable_external_reference()->set_system("veris-victim");
  by_ref.mutable_external_reference()->set_id("Nobody");
  v1::BatchResolveOrganizationsResponse out;
  ASSERT_THAT(BatchResolve({Query("hxxps://www.vooruit[.]brussels/nieuws"),
                            Query("Nowhere At All"), by_ref, Query("vooruit")},
                           &out),
              IsOk());
  ASSERT_EQ(out.responses_size(), 4);
  EXPECT_EQ(out.responses(0).organization().name(), "organizations/vooruit");
  EXPECT_EQ(out.responses(0).resolved_by(),
            v1::ResolveOrganizationResponse::DOMAIN);
  EXPECT_FALSE(out.responses(1).has_organization());
  EXPECT_EQ(out.responses(1).candidates_size(), 0);
  EXPECT_EQ(out.responses(1).resolved_by(),
            v1::ResolveOrganizationResponse::RESOLVED_BY_UNSPECIFIED);
  EXPECT_FALSE(out.responses(2).has_organization());
  EXPECT_EQ(out.responses(3).resolved_by(),
            v1::ResolveOrganizationResponse::NAME);
}

TEST_F(OrganizationBatchTest, BatchResolveNamesAnInvalidQueryAndIsBounded) {
  v1::BatchResolveOrganizationsResponse out;
  ::grpc::Status s = BatchResolve({Query("vooruit"), Query("")}, &out);
  EXPECT_THAT(s, StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(s.error_message(), HasSubstr("requests[1]."));
  EXPECT_THAT(BatchResolve({}, &out), StatusIs(Code::kInvalidArgument));
  std::vector<v1::ResolveOrganizationRequest> many(1001, Query("vooruit"));
  EXPECT_THAT(BatchResolve(many, &out), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace atlas::catalog
