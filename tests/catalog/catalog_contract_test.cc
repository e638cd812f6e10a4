// Contract tests of atlas.catalog.v1.CatalogService, one per API rule,
// through a real server (CatalogServer, see tests/testing/catalog_harness.h)
// on a free port and a real RocksDB: creating, reading, updating and
// deleting organisations, access, and the read model as clients see it.
// List, Search and Resolve: catalog_query_contract_test.cc.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_contract_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kAdminKey;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Code = absl::StatusCode;

// --- The "done when" -------------------------------------------------

TEST_F(CatalogContractTest, SeedVooruitFromJsonResolvesAndListsByCountry) {
  v1::Organization created;
  ASSERT_THAT(Create(Vooruit(), "vooruit", &created), IsOk());
  EXPECT_EQ(created.primary_url(), "https://vooruit.be");
  EXPECT_EQ(created.primary_url_defanged(), "hxxps://vooruit[.]be");
  EXPECT_THAT(created.domains(), ElementsAre("vooruit.be", "vooruit.brussels"));

  v1::ResolveOrganizationResponse resolved;
  ASSERT_THAT(Resolve("hxxps://www.vooruit[.]brussels/nieuws", &resolved),
              IsOk());
  EXPECT_EQ(resolved.organization().name(), "organizations/vooruit");
  EXPECT_EQ(resolved.resolved_by(), v1::ResolveOrganizationResponse::DOMAIN);

  EXPECT_THAT(ListNames("country = \"BE\""),
              ElementsAre("organizations/vooruit"));
}

// --- Create, Get and BatchGet ------------------------------------------------

TEST_F(CatalogContractTest, CreateThenGetReturnsTheStoredOrganization) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
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
  ASSERT_THAT(
      stub_->GetOrganization(ContextWithKey(kMemberKey).get(), get, &fetched),
      IsOk());
  EXPECT_EQ(fetched.display_name(), "Vooruit");
  EXPECT_EQ(fetched.etag(), created.etag());
  EXPECT_THAT(fetched.domains(),
              ::testing::ElementsAre("vooruit.be", "vooruit.brussels"));
}

TEST_F(CatalogContractTest, CreateWithoutIdGeneratesOne) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
  v1::Organization created;
  ASSERT_THAT(Create(request, &created), IsOk());
  EXPECT_THAT(created.name(),
              ::testing::MatchesRegex("organizations/[0-9a-v]{16}"));
}

TEST_F(CatalogContractTest, DuplicateIdIsAlreadyExists) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
  request.set_organization_id("vooruit");
  v1::Organization out;
  ASSERT_THAT(Create(request, &out), IsOk());
  request.mutable_organization()->clear_domains();
  EXPECT_THAT(Create(request, &out),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("organizations/vooruit")));
}

TEST_F(CatalogContractTest, SameRequestIdTwiceCreatesOnce) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
  request.set_request_id("5f0c6a1e-0c43-4c1b-9d55-1f0e5a3b2c11");
  v1::Organization first, second;
  ASSERT_THAT(Create(request, &first), IsOk());
  ASSERT_THAT(Create(request, &second), IsOk());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(first.etag(), second.etag());

  // The same request_id with other content is refused.
  request.mutable_organization()->set_display_name("Someone else");
  v1::Organization third;
  EXPECT_THAT(
      Create(request, &third),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
}

TEST_F(CatalogContractTest, InvalidIdsAreInvalidArgumentNamingTheField) {
  for (const char* bad : {"Vooruit", "-x", "x-", "a_b", "a/b"}) {
    v1::CreateOrganizationRequest request;
    *request.mutable_organization() = MinimalVooruit();
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

TEST_F(CatalogContractTest, MissingDisplayNameIsInvalidArgument) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
  request.mutable_organization()->clear_display_name();
  v1::Organization out;
  EXPECT_THAT(Create(request, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("organization.display_name")));
}

TEST_F(CatalogContractTest, GetOfUnknownOrganizationIsNotFound) {
  v1::GetOrganizationRequest get;
  get.set_name("organizations/nobody");
  v1::Organization out;
  EXPECT_THAT(
      stub_->GetOrganization(ContextWithKey("").get(), get, &out),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("organizations/nobody")));
}

TEST_F(CatalogContractTest, CreateNeedsAnEditorKey) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
  v1::Organization out;
  EXPECT_THAT(Create(request, &out, ""),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Create(request, &out, kMemberKey),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Create(request, &out, ::atlas::testing::kUnknownKey),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CatalogContractTest, BatchGetAnswersInOrderOrNamesTheMissingOne) {
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
  ASSERT_THAT(
      stub_->BatchGetOrganizations(ContextWithKey("").get(), batch, &response),
      IsOk());
  ASSERT_EQ(response.organizations_size(), 2);
  EXPECT_EQ(response.organizations(0).name(), "organizations/b");
  EXPECT_EQ(response.organizations(1).name(), "organizations/a");

  batch.add_names("organizations/zz");
  EXPECT_THAT(
      stub_->BatchGetOrganizations(ContextWithKey("").get(), batch, &response),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("organizations/zz")));
}

TEST_F(CatalogContractTest, DataSurvivesARestart) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = MinimalVooruit();
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

// --- Create: normalisation and validation ------------------------------------

TEST_F(CatalogContractTest, DomainOwnedByAnotherOrganizationIsAlreadyExists) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization other = Named("Other");
  other.add_domains("mail.vooruit.be");
  EXPECT_THAT(Create(other, "other"),
              StatusIs(Code::kAlreadyExists,
                       AllOf(HasSubstr("organization.domains[0]"),
                             HasSubstr("organizations/vooruit"))));
  other.clear_domains();
  other.set_primary_url("hxxp://www.vooruit[.]brussels/x");
  EXPECT_THAT(
      Create(other, "other"),
      StatusIs(Code::kAlreadyExists, HasSubstr("organizations/vooruit")));
}

TEST_F(CatalogContractTest, TwoConcurrentCreatesClaimingOneDomainOneWins) {
  for (int round = 0; round < 8; ++round) {
    std::atomic<int> ok{0}, exists{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        v1::Organization org = Named("Claimant");
        org.add_domains("www.race" + std::to_string(round) + ".org");
        auto stub = server_.NewStub();
        v1::CreateOrganizationRequest request;
        *request.mutable_organization() = org;
        request.set_organization_id("r" + std::to_string(round) + "-" +
                                    std::to_string(i));
        v1::Organization out;
        ::grpc::Status s = stub->CreateOrganization(
            ContextWithKey(kEditorKey).get(), request, &out);
        if (s.ok()) ++ok;
        if (s.error_code() == ::grpc::StatusCode::ALREADY_EXISTS) ++exists;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 1) << round;
    EXPECT_EQ(exists.load(), 1) << round;
  }
}

TEST_F(CatalogContractTest, InvalidFieldsNameTheFieldAndStoreNothing) {
  struct Case {
    std::function<void(v1::Organization*)> mutate;
    const char* field;
  };
  const std::string long_text(201, 'x');
  const Case cases[] = {
      {[](v1::Organization* o) { o->set_country("XX"); },
       "organization.country"},
      {[](v1::Organization* o) { o->set_country("be"); },
       "organization.country"},
      {[](v1::Organization* o) { o->add_sectors("politics"); },
       "organization.sectors[1]"},
      {[](v1::Organization* o) { o->add_sectors("non-profit"); },
       "organization.sectors[1]"},
      {[&](v1::Organization* o) { o->set_display_name(long_text); },
       "organization.display_name"},
      {[](v1::Organization* o) {
         for (int i = 0; i < 33; ++i) o->add_aliases("a" + std::to_string(i));
       },
       "organization.aliases"},
      {[&](v1::Organization* o) { o->add_aliases(long_text); },
       "organization.aliases[1]"},
      {[](v1::Organization* o) { o->add_aliases("VOORUIT.BRUSSELS"); },
       "organization.aliases[1]"},
      {[](v1::Organization* o) { o->add_domains("co.uk"); },
       "organization.domains[2]"},
      {[](v1::Organization* o) {
         for (int i = 0; i < 65; ++i) {
           o->add_domains("d" + std::to_string(i) + ".example.org");
         }
       },
       "organization.domains"},
      {[](v1::Organization* o) { o->set_primary_url("ftp://vooruit.be"); },
       "organization.primary_url"},
      {[](v1::Organization* o) { o->set_locality(std::string(201, 'x')); },
       "organization.locality"},
      {[](v1::Organization* o) { o->set_profile(std::string(20001, 'x')); },
       "organization.profile"},
      {[](v1::Organization* o) { o->set_parent("organizations/nobody"); },
       "organization.parent"},
      {[](v1::Organization* o) { o->set_parent("parties/x"); },
       "organization.parent"},
      {[](v1::Organization* o) {
         o->set_organization_type(static_cast<v1::OrganizationType>(99));
       },
       "organization.organization_type"},
  };
  for (const Case& c : cases) {
    v1::Organization org = Vooruit();
    c.mutate(&org);
    EXPECT_THAT(Create(org, "vooruit"),
                StatusIs(Code::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
  EXPECT_THAT(ListNames(""), IsEmpty());
}

// --- Update ------------------------------------------------------------------

TEST_F(CatalogContractTest, UpdateReplacesOnlyTheMaskedFields) {
  v1::Organization created;
  ASSERT_THAT(Create(Vooruit(), "vooruit", &created), IsOk());
  server_.clock().Advance(absl::Seconds(5));
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  patch.set_locality("Gent");
  patch.set_display_name("ignored: not in the mask");
  patch.clear_aliases();
  v1::Organization updated;
  ASSERT_THAT(Update(patch, {"locality", "aliases"}, &updated), IsOk());
  EXPECT_EQ(updated.locality(), "Gent");
  EXPECT_EQ(updated.display_name(), "Vooruit");
  EXPECT_THAT(updated.aliases(), IsEmpty());
  EXPECT_EQ(updated.country(), "BE");
  EXPECT_EQ(updated.create_time().seconds(), created.create_time().seconds());
  EXPECT_EQ(updated.update_time().seconds(),
            created.create_time().seconds() + 5);
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(Get("organizations/vooruit").locality(), "Gent");
}

TEST_F(CatalogContractTest,
       UpdateMaskUnknownOrOutputOnlyPathsAreInvalidArgument) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  v1::Organization out;
  EXPECT_THAT(Update(patch, {"colour"}, &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("colour")));
  for (const char* path : {"create_time", "etag", "incident_count", "name",
                           "linked_incidents", "primary_url_defanged"}) {
    EXPECT_THAT(Update(patch, {path}, &out),
                StatusIs(Code::kInvalidArgument, HasSubstr("output only")))
        << path;
  }
  EXPECT_THAT(Update(patch, {}, &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("update_mask")));
  // A rejected update changed nothing.
  EXPECT_EQ(Get("organizations/vooruit").display_name(), "Vooruit");
}

TEST_F(CatalogContractTest, UpdateWithStarReplacesEveryWritableField) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization replacement = Named("Vooruit (new)");
  replacement.set_name("organizations/vooruit");
  v1::Organization out;
  ASSERT_THAT(Update(replacement, {"*"}, &out), IsOk());
  EXPECT_EQ(out.display_name(), "Vooruit (new)");
  EXPECT_THAT(out.domains(), IsEmpty());
  EXPECT_EQ(out.country(), "");
  EXPECT_FALSE(out.non_profit());
}

TEST_F(CatalogContractTest, UpdateMovesIndexEntriesAndReleasesDomains) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  patch.set_country("NL");
  patch.add_domains("vooruit.brussels");
  v1::Organization out;
  ASSERT_THAT(Update(patch, {"country", "domains", "primary_url"}, &out),
              IsOk());
  EXPECT_THAT(out.domains(), ElementsAre("vooruit.brussels"));
  EXPECT_THAT(ListNames("country = \"BE\""), IsEmpty());
  EXPECT_THAT(ListNames("country = \"NL\""),
              ElementsAre("organizations/vooruit"));
  // vooruit.be is free again.
  v1::Organization other = Named("Other");
  other.add_domains("vooruit.be");
  EXPECT_THAT(Create(other, "other"), IsOk());
  // And cannot be taken back.
  patch.clear_domains();
  patch.add_domains("www.vooruit.be");
  EXPECT_THAT(Update(patch, {"domains"}, &out),
              StatusIs(Code::kAlreadyExists, HasSubstr("organizations/other")));
}

TEST_F(CatalogContractTest, StaleEtagIsAborted) {
  v1::Organization created;
  ASSERT_THAT(Create(Vooruit(), "vooruit", &created), IsOk());
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  patch.set_locality("Gent");
  patch.set_etag(created.etag());
  v1::Organization first;
  ASSERT_THAT(Update(patch, {"locality"}, &first), IsOk());
  v1::Organization second;
  EXPECT_THAT(Update(patch, {"locality"}, &second),
              StatusIs(Code::kAborted, HasSubstr("etag")));
  EXPECT_THAT(Delete("organizations/vooruit", created.etag()),
              StatusIs(Code::kAborted, HasSubstr("etag")));
  EXPECT_THAT(Delete("organizations/vooruit", first.etag()), IsOk());
}

TEST_F(CatalogContractTest, ParentMustExistAndNotMakeACycle) {
  ASSERT_THAT(Create(Named("Vooruit"), "vooruit"), IsOk());
  v1::Organization branch = Named("Vooruit Brussel");
  branch.set_parent("organizations/vooruit");
  ASSERT_THAT(Create(branch, "vooruit-brussel"), IsOk());
  EXPECT_THAT(ListNames("parent = \"organizations/vooruit\""),
              ElementsAre("organizations/vooruit-brussel"));
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  patch.set_parent("organizations/vooruit-brussel");
  v1::Organization out;
  EXPECT_THAT(
      Update(patch, {"parent"}, &out),
      StatusIs(Code::kInvalidArgument, HasSubstr("organization.parent")));
  patch.set_parent("organizations/vooruit");
  EXPECT_THAT(
      Update(patch, {"parent"}, &out),
      StatusIs(Code::kInvalidArgument, HasSubstr("organization.parent")));
  EXPECT_THAT(Delete("organizations/vooruit"),
              StatusIs(Code::kFailedPrecondition,
                       HasSubstr("organizations/vooruit-brussel")));
}

// --- Delete ------------------------------------------------------------------

TEST_F(CatalogContractTest, DeleteRemovesRecordIndexesAndDomains) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  ASSERT_THAT(Delete("organizations/vooruit"), IsOk());
  v1::GetOrganizationRequest get;
  get.set_name("organizations/vooruit");
  v1::Organization out;
  EXPECT_THAT(stub_->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Delete("organizations/vooruit"), StatusIs(Code::kNotFound));
  EXPECT_THAT(ListNames("country = \"BE\""), IsEmpty());
  v1::SearchOrganizationsResponse found;
  ASSERT_THAT(Search("vooruit", &found), IsOk());
  EXPECT_THAT(found.results(), IsEmpty());
  ASSERT_THAT(Create(Vooruit(), "vooruit-again"), IsOk());
}

TEST_F(CatalogContractTest,
       DeleteOfAnOrganizationIncidentsNameIsFailedPrecondition) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  Link(1, "ransom-2024", {"organizations/vooruit"});
  EXPECT_THAT(
      Delete("organizations/vooruit"),
      StatusIs(Code::kFailedPrecondition, HasSubstr("incidents/ransom-2024")));
  EXPECT_EQ(Get("organizations/vooruit").display_name(), "Vooruit");
  // Once the incident no longer names it, delete works.
  incident::v1::IncidentChange change;
  change.set_sequence(2);
  change.set_change_type(incident::v1::IncidentChange::DELETED);
  change.mutable_incident()->set_name("incidents/ransom-2024");
  change.add_previous_victims("organizations/vooruit");
  ASSERT_THAT(server_.core().ApplyIncidentChange(change), IsOk());
  EXPECT_THAT(Delete("organizations/vooruit"), IsOk());
}

// --- Access ------------------------------------------------------------------

TEST_F(CatalogContractTest, WritesNeedAnEditorKeyCheckedBeforeExistence) {
  v1::Organization patch;
  patch.set_name("organizations/nobody");
  v1::Organization out;
  EXPECT_THAT(Update(patch, {"locality"}, &out, ""),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(Update(patch, {"locality"}, &out, kMemberKey),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Delete("organizations/nobody", "", ""),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(Delete("organizations/nobody", "", kMemberKey),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Delete("organizations/nobody", "", kAdminKey),
              StatusIs(Code::kNotFound));
  // Least privilege: the other service's key writes nothing.
  EXPECT_THAT(Update(patch, {"locality"}, &out, kServiceKey),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Delete("organizations/nobody", "", kServiceKey),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(CatalogContractTest, LinkedIncidentsAreRedactedForNonMembers) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  Link(1, "older", {"organizations/vooruit"}, 2023);
  Link(2, "newer", {"organizations/vooruit"}, 2024);
  for (const char* key : {kMemberKey, kEditorKey, kAdminKey, kServiceKey}) {
    v1::Organization org = Get("organizations/vooruit", key);
    EXPECT_EQ(org.incident_count(), 2) << key;
    EXPECT_THAT(org.linked_incidents(),
                ElementsAre("incidents/newer", "incidents/older"))
        << key;
    EXPECT_EQ(org.latest_incident_date().year(), 2024) << key;
    EXPECT_THAT(org.redacted_fields(), IsEmpty()) << key;
  }
  v1::Organization pub = Get("organizations/vooruit", "");
  EXPECT_EQ(pub.incident_count(), 2);
  EXPECT_THAT(pub.linked_incidents(), IsEmpty());
  EXPECT_THAT(pub.redacted_fields(), ElementsAre("linked_incidents"));
  // Lists, searches and resolves redact the same way.
  v1::ListOrganizationsResponse list;
  ASSERT_THAT(List("", &list), IsOk());
  EXPECT_THAT(list.organizations(0).linked_incidents(), IsEmpty());
  EXPECT_THAT(list.organizations(0).redacted_fields(),
              ElementsAre("linked_incidents"));
  v1::ResolveOrganizationResponse resolved;
  ASSERT_THAT(Resolve("vooruit.be", &resolved), IsOk());
  EXPECT_THAT(resolved.organization().redacted_fields(),
              ElementsAre("linked_incidents"));
}

// --- Idempotency -------------------------------------------------------------

TEST_F(CatalogContractTest,
       RetriedCreateAfterAnUpdateReturnsTheCurrentResource) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.set_request_id("req-1");
  v1::Organization first;
  ASSERT_THAT(stub_->CreateOrganization(ContextWithKey(kEditorKey).get(),
                                        request, &first),
              IsOk());
  v1::Organization patch;
  patch.set_name(first.name());
  patch.set_locality("Gent");
  v1::Organization updated;
  ASSERT_THAT(Update(patch, {"locality"}, &updated), IsOk());
  v1::Organization retried;
  ASSERT_THAT(stub_->CreateOrganization(ContextWithKey(kEditorKey).get(),
                                        request, &retried),
              IsOk());
  EXPECT_EQ(retried.name(), first.name());
  EXPECT_EQ(retried.locality(), "Gent");
  EXPECT_THAT(ListNames(""), ElementsAre(first.name()));
}

}  // namespace
}  // namespace atlas::catalog
