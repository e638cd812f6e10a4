// Contract tests of the catalog's queries (ListOrganizations,
// SearchOrganizations, ResolveOrganization), one per API rule, through a
// real server on a free port and a real RocksDB (catalog_contract_fixture.h).
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_contract_fixture.h"
#include "tests/testing/status_matchers.h"

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

// --- List --------------------------------------------------------------------

TEST_F(CatalogContractTest, ListFiltersCombineWithAnd) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization parliament =
      Named("Parlement de la Région de Bruxelles-Capitale");
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

  EXPECT_THAT(
      ListNames("country = \"BE\""),
      ElementsAre("organizations/parlement-brussels", "organizations/vooruit"));
  EXPECT_THAT(ListNames("country = \"BE\" AND sector = \"non-profit\""),
              ElementsAre("organizations/vooruit"));
  EXPECT_THAT(ListNames("sector = \"non-profit\""),
              ElementsAre("organizations/ps-fr", "organizations/vooruit"));
  EXPECT_THAT(ListNames("organization_type = LEGISLATURE"),
              ElementsAre("organizations/parlement-brussels"));
  EXPECT_THAT(
      ListNames("non_profit = true AND organization_type = POLITICAL_PARTY"
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
  ASSERT_THAT(List("country=\"BE\"", &other, 3, page.next_page_token()),
              IsOk());
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
  // A mid-word match is not one (no substring index; see the proto).
  v1::Organization substring = Named("Avooruitgang");
  ASSERT_THAT(Create(substring, "avooruitgang"), IsOk());

  v1::SearchOrganizationsResponse r;
  ASSERT_THAT(Search("vooruit", &r), IsOk());
  ASSERT_EQ(r.results_size(), 2);
  EXPECT_EQ(r.results(0).organization().name(), "organizations/vooruit");
  EXPECT_EQ(r.results(0).match_kind(), v1::SearchResult::EXACT);
  EXPECT_EQ(r.results(0).matched_text(), "Vooruit");
  EXPECT_EQ(r.results(1).organization().name(), "organizations/jong-vooruit");
  EXPECT_EQ(r.results(1).match_kind(), v1::SearchResult::PREFIX);

  ASSERT_THAT(Search("VOORUIT.BRUSSELS", &r), IsOk());
  ASSERT_GE(r.results_size(), 1);
  EXPECT_EQ(r.results(0).organization().name(), "organizations/vooruit");
  EXPECT_EQ(r.results(0).match_kind(), v1::SearchResult::EXACT);

  for (const char* q :
       {"Bruxelles", "bruxelles-capitale", "RÉGION", "region"}) {
    ASSERT_THAT(Search(q, &r), IsOk()) << q;
    ASSERT_EQ(r.results_size(), 1) << q;
    EXPECT_EQ(r.results(0).organization().name(),
              "organizations/parlement-brussels");
    EXPECT_EQ(r.results(0).match_kind(), v1::SearchResult::PREFIX) << q;
    EXPECT_EQ(r.results(0).matched_text(),
              "Parlement de la Région de Bruxelles-Capitale");
  }
  ASSERT_THAT(Search("  ", &r),
              StatusIs(Code::kInvalidArgument, HasSubstr("query")));
  ASSERT_THAT(Search("", &r),
              StatusIs(Code::kInvalidArgument, HasSubstr("query")));
}

TEST_F(CatalogContractTest, SearchPagesServeEachHitOnce) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_THAT(
        Create(Named("Stad " + std::to_string(i)), "stad-" + std::to_string(i)),
        IsOk());
  }
  ASSERT_THAT(Create(Named("Stad"), "stad"), IsOk());
  // Mid-word: not a match.
  ASSERT_THAT(Create(Named("Hoofdstad"), "hoofdstad"), IsOk());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::SearchOrganizationsResponse r;
    ASSERT_THAT(Search("stad", &r, 3, token), IsOk());
    for (const auto& hit : r.results())
      seen.push_back(hit.organization().name());
    token = r.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen.front(), "organizations/stad");
  EXPECT_EQ(seen.back(), "organizations/stad-6");
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 8u);
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
  EXPECT_THAT(Resolve("", &r),
              StatusIs(Code::kInvalidArgument, HasSubstr("query")));
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

}  // namespace
}  // namespace atlas::catalog
