// Contract tests of atlas.catalog.v1.CatalogService, one per API rule,
// through a real server on a free port and a real RocksDB.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::CatalogHarness;
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

// The seed organisation 000 (shared/seeds), as a client would send it.
constexpr char kVooruitJson[] = R"json({
  "displayName": "Vooruit",
  "aliases": ["Vooruit.brussels"],
  "primaryUrl": "vooruit[.]be",
  "domains": ["vooruit.be", "hxxps://www.vooruit[.]brussels/"],
  "country": "BE",
  "locality": "Brussels",
  "sectors": ["non-profit"],
  "organizationType": "POLITICAL_PARTY",
  "nonProfit": true,
  "profile": "Vooruit is a Dutch-speaking socialist political party headquartered in Belgium."
})json";

v1::Organization Vooruit() {
  v1::Organization org;
  auto s = google::protobuf::util::JsonStringToMessage(kVooruitJson, &org);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return org;
}

v1::Organization Named(const std::string& display_name) {
  v1::Organization org;
  org.set_display_name(display_name);
  return org;
}

class CatalogContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    stub_ = server_.NewStub();
  }

  ::grpc::Status Create(const v1::Organization& org, const std::string& id,
                        v1::Organization* out = nullptr,
                        const std::string& key = kEditorKey) {
    v1::CreateOrganizationRequest request;
    *request.mutable_organization() = org;
    request.set_organization_id(id);
    v1::Organization ignored;
    return stub_->CreateOrganization(ContextWithKey(key).get(), request,
                                     out ? out : &ignored);
  }
  v1::Organization Get(const std::string& name,
                       const std::string& key = kMemberKey) {
    v1::GetOrganizationRequest request;
    request.set_name(name);
    v1::Organization out;
    EXPECT_THAT(stub_->GetOrganization(ContextWithKey(key).get(), request, &out),
                IsOk());
    return out;
  }
  ::grpc::Status Update(const v1::Organization& org,
                        std::vector<std::string> paths, v1::Organization* out,
                        const std::string& key = kEditorKey) {
    v1::UpdateOrganizationRequest request;
    *request.mutable_organization() = org;
    for (auto& p : paths) request.mutable_update_mask()->add_paths(p);
    return stub_->UpdateOrganization(ContextWithKey(key).get(), request, out);
  }
  ::grpc::Status Delete(const std::string& name, const std::string& etag = "",
                        const std::string& key = kEditorKey) {
    v1::DeleteOrganizationRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty out;
    return stub_->DeleteOrganization(ContextWithKey(key).get(), request, &out);
  }
  ::grpc::Status List(const std::string& filter, v1::ListOrganizationsResponse* out,
                      int page_size = 0, const std::string& token = "",
                      const std::string& order_by = "") {
    v1::ListOrganizationsRequest request;
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_order_by(order_by);
    return stub_->ListOrganizations(ContextWithKey("").get(), request, out);
  }
  std::vector<std::string> ListNames(const std::string& filter) {
    v1::ListOrganizationsResponse response;
    EXPECT_THAT(List(filter, &response, 1000), IsOk()) << filter;
    std::vector<std::string> names;
    for (const auto& o : response.organizations()) names.push_back(o.name());
    return names;
  }
  ::grpc::Status Resolve(const std::string& query,
                         v1::ResolveOrganizationResponse* out) {
    v1::ResolveOrganizationRequest request;
    request.set_query(query);
    return stub_->ResolveOrganization(ContextWithKey("").get(), request, out);
  }
  ::grpc::Status Search(const std::string& query,
                        v1::SearchOrganizationsResponse* out, int page_size = 0,
                        const std::string& token = "") {
    v1::SearchOrganizationsRequest request;
    request.set_query(query);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return stub_->SearchOrganizations(ContextWithKey("").get(), request, out);
  }
  // Links incident `incident_id` to `orgs` as the follower would.
  void Link(int64_t sequence, const std::string& incident_id,
            const std::vector<std::string>& orgs, int year = 2024) {
    incident::v1::IncidentChange change;
    change.set_sequence(sequence);
    change.set_change_type(incident::v1::IncidentChange::CREATED);
    change.mutable_incident()->set_name("incidents/" + incident_id);
    change.mutable_incident()->mutable_start_date()->set_year(year);
    for (const auto& o : orgs) {
      change.mutable_incident()->add_victims()->set_organization(o);
    }
    ASSERT_THAT(server_.core().ApplyIncidentChange(change), IsOk());
  }

  CatalogHarness server_;
  std::unique_ptr<v1::CatalogService::Stub> stub_;
};

// --- The issue's "done when" ------------------------------------------------

TEST_F(CatalogContractTest, SeedVooruitFromJsonResolvesAndListsByCountry) {
  v1::Organization created;
  ASSERT_THAT(Create(Vooruit(), "vooruit", &created), IsOk());
  EXPECT_EQ(created.primary_url(), "https://vooruit.be");
  EXPECT_EQ(created.primary_url_defanged(), "hxxps://vooruit[.]be");
  EXPECT_THAT(created.domains(), ElementsAre("vooruit.be", "vooruit.brussels"));

  v1::ResolveOrganizationResponse resolved;
  ASSERT_THAT(Resolve("hxxps://www.vooruit[.]brussels/nieuws", &resolved), IsOk());
  EXPECT_EQ(resolved.organization().name(), "organizations/vooruit");
  EXPECT_EQ(resolved.resolved_by(), v1::ResolveOrganizationResponse::DOMAIN);

  EXPECT_THAT(ListNames("country = \"BE\""), ElementsAre("organizations/vooruit"));
}

// --- Create: normalisation and validation --------------------------------

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
  EXPECT_THAT(Create(other, "other"),
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
      {[](v1::Organization* o) { o->set_country("XX"); }, "organization.country"},
      {[](v1::Organization* o) { o->set_country("be"); }, "organization.country"},
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
  EXPECT_EQ(updated.update_time().seconds(), created.create_time().seconds() + 5);
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(Get("organizations/vooruit").locality(), "Gent");
}

TEST_F(CatalogContractTest, UpdateMaskUnknownOrOutputOnlyPathsAreInvalidArgument) {
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
  ASSERT_THAT(Update(patch, {"country", "domains", "primary_url"}, &out), IsOk());
  EXPECT_THAT(out.domains(), ElementsAre("vooruit.brussels"));
  EXPECT_THAT(ListNames("country = \"BE\""), IsEmpty());
  EXPECT_THAT(ListNames("country = \"NL\""), ElementsAre("organizations/vooruit"));
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
  EXPECT_THAT(Update(patch, {"parent"}, &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("organization.parent")));
  patch.set_parent("organizations/vooruit");
  EXPECT_THAT(Update(patch, {"parent"}, &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("organization.parent")));
  EXPECT_THAT(Delete("organizations/vooruit"),
              StatusIs(Code::kFailedPrecondition,
                       HasSubstr("organizations/vooruit-brussel")));
}

// --- Delete --------------------------------------------------------------------

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

TEST_F(CatalogContractTest, DeleteOfAnOrganizationIncidentsNameIsFailedPrecondition) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  Link(1, "ransom-2024", {"organizations/vooruit"});
  EXPECT_THAT(Delete("organizations/vooruit"),
              StatusIs(Code::kFailedPrecondition,
                       HasSubstr("incidents/ransom-2024")));
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
  EXPECT_THAT(Update(patch, {"locality"}, &out, kServiceKey),
              StatusIs(Code::kNotFound));
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

// --- List --------------------------------------------------------------------

TEST_F(CatalogContractTest, ListFiltersCombineWithAnd) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization parliament = Named("Parlement de la Région de Bruxelles-Capitale");
  parliament.set_country("BE");
  parliament.add_sectors("government-regional");
  parliament.set_organization_type(v1::LEGISLATURE);
  ASSERT_THAT(Create(parliament, "parlement-brussels"), IsOk());
  v1::Organization french = Named("Parti socialiste");
  french.set_country("FR");
  french.add_sectors("non-profit");
  french.set_organization_type(v1::POLITICAL_PARTY);
  french.set_non_profit(true);
  ASSERT_THAT(Create(french, "ps-fr"), IsOk());

  EXPECT_THAT(ListNames("country = \"BE\""),
              ElementsAre("organizations/parlement-brussels",
                          "organizations/vooruit"));
  EXPECT_THAT(ListNames("country = \"BE\" AND sector = \"non-profit\""),
              ElementsAre("organizations/vooruit"));
  EXPECT_THAT(ListNames("sector = \"non-profit\""),
              ElementsAre("organizations/ps-fr", "organizations/vooruit"));
  EXPECT_THAT(ListNames("organization_type = LEGISLATURE"),
              ElementsAre("organizations/parlement-brussels"));
  EXPECT_THAT(ListNames("non_profit = true AND organization_type = POLITICAL_PARTY"
                        " AND country = FR"),
              ElementsAre("organizations/ps-fr"));
  EXPECT_THAT(ListNames("non_profit = false"),
              ElementsAre("organizations/parlement-brussels"));
}

TEST_F(CatalogContractTest, MalformedFiltersNameTheFailingToken) {
  v1::ListOrganizationsResponse out;
  EXPECT_THAT(List("country == \"BE\"", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"=\" at offset 9")));
  EXPECT_THAT(List("colour = \"red\"", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"colour\"")));
  EXPECT_THAT(List("country = \"BE\" OR country = \"FR\"", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"OR\"")));
  EXPECT_THAT(List("country = \"BE\" AND country = \"FR\"", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("more than once")));
  EXPECT_THAT(List("country = \"BE", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("unterminated")));
  EXPECT_THAT(List("country = \"XX\"", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("filter: country")));
  EXPECT_THAT(List("sector = \"politics\"", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("filter: sector")));
  EXPECT_THAT(List("organization_type = PARTY", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("PARTY")));
  EXPECT_THAT(List("non_profit = yes", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("yes")));
  EXPECT_THAT(List("country = \"BE\" AND", &out),
              StatusIs(Code::kInvalidArgument, HasSubstr("end of filter")));
  EXPECT_THAT(List("", &out, -1),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_size")));
  EXPECT_THAT(List("", &out, 0, "", "display_name"),
              StatusIs(Code::kInvalidArgument, HasSubstr("order_by")));
}

TEST_F(CatalogContractTest, PageTokensAreBoundToTheirQuery) {
  for (int i = 0; i < 5; ++i) {
    v1::Organization org = Named("Org " + std::to_string(i));
    org.set_country("BE");
    ASSERT_THAT(Create(org, "org-" + std::to_string(i)), IsOk());
  }
  v1::ListOrganizationsResponse page;
  ASSERT_THAT(List("country = \"BE\"", &page, 2), IsOk());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListOrganizationsResponse other;
  EXPECT_THAT(List("country = \"FR\"", &other, 2, page.next_page_token()),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_THAT(List("country = \"BE\"", &other, 2, page.next_page_token(),
                   "create_time desc"),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_THAT(List("country = \"BE\"", &other, 2, "garbage!"),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_token")));
  // The same query (spacing aside) continues; the last page has no token.
  ASSERT_THAT(List("country=\"BE\"", &other, 3, page.next_page_token()), IsOk());
  EXPECT_EQ(other.organizations_size(), 3);
  EXPECT_EQ(other.next_page_token(), "");
}

// --- Search ------------------------------------------------------------------

TEST_F(CatalogContractTest, SearchIsCaseAndAccentInsensitiveAndRanked) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization parliament = Named("Brussels Parliament");
  parliament.add_aliases("Parlement de la Région de Bruxelles-Capitale");
  parliament.add_domains("parlement.brussels");
  ASSERT_THAT(Create(parliament, "parlement-brussels"), IsOk());
  v1::Organization youth = Named("Jong Vooruit");
  ASSERT_THAT(Create(youth, "jong-vooruit"), IsOk());
  v1::Organization substring = Named("Avooruitgang");
  ASSERT_THAT(Create(substring, "avooruitgang"), IsOk());

  v1::SearchOrganizationsResponse r;
  ASSERT_THAT(Search("vooruit", &r), IsOk());
  ASSERT_EQ(r.results_size(), 3);
  EXPECT_EQ(r.results(0).organization().name(), "organizations/vooruit");
  EXPECT_EQ(r.results(0).match_kind(), v1::SearchResult::EXACT);
  EXPECT_EQ(r.results(0).matched_text(), "Vooruit");
  EXPECT_EQ(r.results(1).organization().name(), "organizations/jong-vooruit");
  EXPECT_EQ(r.results(1).match_kind(), v1::SearchResult::PREFIX);
  EXPECT_EQ(r.results(2).organization().name(), "organizations/avooruitgang");
  EXPECT_EQ(r.results(2).match_kind(), v1::SearchResult::SUBSTRING);

  ASSERT_THAT(Search("VOORUIT.BRUSSELS", &r), IsOk());
  ASSERT_GE(r.results_size(), 1);
  EXPECT_EQ(r.results(0).organization().name(), "organizations/vooruit");
  EXPECT_EQ(r.results(0).match_kind(), v1::SearchResult::EXACT);

  for (const char* q : {"Bruxelles", "bruxelles-capitale", "RÉGION", "region"}) {
    ASSERT_THAT(Search(q, &r), IsOk()) << q;
    ASSERT_EQ(r.results_size(), 1) << q;
    EXPECT_EQ(r.results(0).organization().name(),
              "organizations/parlement-brussels");
    EXPECT_EQ(r.results(0).match_kind(), v1::SearchResult::PREFIX) << q;
    EXPECT_EQ(r.results(0).matched_text(),
              "Parlement de la Région de Bruxelles-Capitale");
  }
  ASSERT_THAT(Search("  ", &r), StatusIs(Code::kInvalidArgument, HasSubstr("query")));
  ASSERT_THAT(Search("", &r), StatusIs(Code::kInvalidArgument, HasSubstr("query")));
}

TEST_F(CatalogContractTest, SearchPagesServeEachHitOnce) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_THAT(Create(Named("Stad " + std::to_string(i)), "stad-" + std::to_string(i)),
                IsOk());
  }
  ASSERT_THAT(Create(Named("Stad"), "stad"), IsOk());
  ASSERT_THAT(Create(Named("Hoofdstad"), "hoofdstad"), IsOk());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::SearchOrganizationsResponse r;
    ASSERT_THAT(Search("stad", &r, 3, token), IsOk());
    for (const auto& hit : r.results()) seen.push_back(hit.organization().name());
    token = r.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  ASSERT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen.front(), "organizations/stad");
  EXPECT_EQ(seen.back(), "organizations/hoofdstad");
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 9u);
  v1::SearchOrganizationsResponse r;
  ASSERT_THAT(Search("stad", &r, 3), IsOk());
  EXPECT_THAT(Search("other", &r, 3, r.next_page_token()),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_token")));
}

// --- Resolve -----------------------------------------------------------------

TEST_F(CatalogContractTest, ResolveByUrlDomainOrName) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  for (const char* q : {"hxxps://www.vooruit[.]brussels/nieuws", "vooruit[.]be",
                        "mail.vooruit.be", "www.vooruit.brussels",
                        "https://VOORUIT.BE:443/", "Vooruit.brussels"}) {
    v1::ResolveOrganizationResponse r;
    ASSERT_THAT(Resolve(q, &r), IsOk()) << q;
    EXPECT_EQ(r.organization().name(), "organizations/vooruit") << q;
    EXPECT_EQ(r.resolved_by(), v1::ResolveOrganizationResponse::DOMAIN) << q;
  }
  for (const char* q : {"Vooruit", "vooruit", "VOORÜIT"}) {
    v1::ResolveOrganizationResponse r;
    ASSERT_THAT(Resolve(q, &r), IsOk()) << q;
    EXPECT_EQ(r.organization().name(), "organizations/vooruit") << q;
    EXPECT_EQ(r.resolved_by(), v1::ResolveOrganizationResponse::NAME) << q;
  }
  v1::ResolveOrganizationResponse r;
  EXPECT_THAT(Resolve("https://unknown.example.org/x", &r),
              StatusIs(Code::kNotFound, HasSubstr("example.org")));
  EXPECT_THAT(Resolve("Nobody at all", &r), StatusIs(Code::kNotFound));
  EXPECT_THAT(Resolve("", &r), StatusIs(Code::kInvalidArgument, HasSubstr("query")));
}

TEST_F(CatalogContractTest, AmbiguousNameReturnsTheCandidates) {
  v1::Organization a = Named("Groen");
  a.set_country("BE");
  ASSERT_THAT(Create(a, "groen-be"), IsOk());
  v1::Organization b = Named("Die Grünen");
  b.add_aliases("groen");
  ASSERT_THAT(Create(b, "gruenen-de"), IsOk());
  v1::ResolveOrganizationResponse r;
  ASSERT_THAT(Resolve("GROEN", &r), IsOk());
  EXPECT_FALSE(r.has_organization());
  EXPECT_EQ(r.resolved_by(), v1::ResolveOrganizationResponse::NAME);
  std::vector<std::string> names;
  for (const auto& c : r.candidates()) names.push_back(c.name());
  EXPECT_THAT(names, UnorderedElementsAre("organizations/groen-be",
                                          "organizations/gruenen-de"));
}

// --- Idempotency ---------------------------------------------------------------

TEST_F(CatalogContractTest, RetriedCreateAfterAnUpdateReturnsTheCurrentResource) {
  v1::CreateOrganizationRequest request;
  *request.mutable_organization() = Vooruit();
  request.set_request_id("req-1");
  v1::Organization first;
  ASSERT_THAT(stub_->CreateOrganization(ContextWithKey(kEditorKey).get(), request,
                                        &first),
              IsOk());
  v1::Organization patch;
  patch.set_name(first.name());
  patch.set_locality("Gent");
  v1::Organization updated;
  ASSERT_THAT(Update(patch, {"locality"}, &updated), IsOk());
  v1::Organization retried;
  ASSERT_THAT(stub_->CreateOrganization(ContextWithKey(kEditorKey).get(), request,
                                        &retried),
              IsOk());
  EXPECT_EQ(retried.name(), first.name());
  EXPECT_EQ(retried.locality(), "Gent");
  EXPECT_THAT(ListNames(""), ElementsAre(first.name()));
}

}  // namespace
}  // namespace atlas::catalog
