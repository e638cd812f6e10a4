// Core-level tests of the catalog: CatalogCore, IncidentReadModel and
// OrganizationSearch on a real RocksDB in a per-test temp dir, with a fake
// clock and an injected ISO 3166-1 list, and no gRPC server; then
// OrganizationValidator on its own, without storage.
#include "catalog-service/catalog_core.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/organization_validator.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Code = absl::StatusCode;
using incident::v1::IncidentChange;

// Belgium and France only: a code outside this list (NL) is refused even
// though ISO 3166-1 assigns it, which shows the injected list is the one
// used.
constexpr char kCountriesJson[] = R"json({"3166-1": [
  {"alpha_2": "BE", "name": "Belgium"},
  {"alpha_2": "FR", "name": "France"}
]})json";

api::CountryList TestCountries() {
  auto list = api::CountryList::Parse(kCountriesJson);
  EXPECT_THAT(list, IsOk());
  return *std::move(list);
}

v1::Organization Vooruit() {
  v1::Organization org;
  org.set_display_name("Vooruit");
  org.add_aliases("Vooruit.brussels");
  org.add_domains("vooruit.be");
  org.set_country("BE");
  org.add_sectors("non-profit");
  org.set_organization_type(v1::POLITICAL_PARTY);
  org.set_non_profit(true);
  return org;
}

v1::Organization Named(const std::string& display_name) {
  v1::Organization org;
  org.set_display_name(display_name);
  return org;
}

IncidentChange Change(int64_t sequence, IncidentChange::ChangeType type,
                      const std::string& incident,
                      const std::vector<std::string>& victims,
                      int year = 2024) {
  IncidentChange change;
  change.set_sequence(sequence);
  change.set_change_type(type);
  change.mutable_incident()->set_name("incidents/" + incident);
  change.mutable_incident()->mutable_start_date()->set_year(year);
  for (const std::string& v : victims) {
    change.mutable_incident()->add_victims()->set_organization(
        "organizations/" + v);
  }
  return change;
}

class CatalogCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = CatalogStore::Open(temp_.Sub("catalog"));
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    core_ = std::make_unique<CatalogCore>(*store_, clock_, countries_);
  }
  void TearDown() override {
    core_.reset();
    EXPECT_THAT(store_->Close(), IsOk());
  }

  absl::StatusOr<v1::Organization> Create(const v1::Organization& org,
                                          const std::string& id,
                                          const std::string& request_id = "") {
    v1::CreateOrganizationRequest request;
    *request.mutable_organization() = org;
    request.set_organization_id(id);
    request.set_request_id(request_id);
    return core_->CreateOrganization(editor_, request);
  }
  absl::StatusOr<v1::Organization> Get(const std::string& id,
                                       const auth::Caller& caller) {
    v1::GetOrganizationRequest request;
    request.set_name("organizations/" + id);
    return core_->GetOrganization(caller, request);
  }
  absl::StatusOr<v1::Organization> Update(
      const v1::Organization& org, const std::vector<std::string>& paths) {
    v1::UpdateOrganizationRequest request;
    *request.mutable_organization() = org;
    for (const std::string& p : paths) {
      request.mutable_update_mask()->add_paths(p);
    }
    return core_->UpdateOrganization(editor_, request);
  }
  absl::Status Delete(const std::string& id, const std::string& etag = "") {
    v1::DeleteOrganizationRequest request;
    request.set_name("organizations/" + id);
    request.set_etag(etag);
    return core_->DeleteOrganization(editor_, request).status();
  }
  std::vector<std::string> ListNames(const std::string& filter = "") {
    v1::ListOrganizationsRequest request;
    request.set_filter(filter);
    request.set_page_size(1000);
    auto page = core_->ListOrganizations(public_, request);
    EXPECT_THAT(page, IsOk());
    std::vector<std::string> names;
    if (!page.ok()) return names;
    for (const auto& org : page->organizations()) names.push_back(org.name());
    return names;
  }

  TempDir temp_;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};  // 2026-01-01
  const api::CountryList countries_ = TestCountries();
  const auth::Caller public_{};
  const auth::Caller member_{auth::Role::kMember, "member"};
  const auth::Caller editor_{auth::Role::kEditor, "editor"};
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<CatalogCore> core_;
};

// --- Create and Get ----------------------------------------------------------

TEST_F(CatalogCoreTest, CreateStampsTheClockAndGetServesTheStoredRecord) {
  auto created = Create(Vooruit(), "vooruit");
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->name(), "organizations/vooruit");
  EXPECT_EQ(created->create_time().seconds(), 1767225600);
  EXPECT_EQ(created->update_time().seconds(), 1767225600);
  EXPECT_FALSE(created->etag().empty());

  auto fetched = Get("vooruit", member_);
  ASSERT_THAT(fetched, IsOk());
  EXPECT_EQ(fetched->etag(), created->etag());
  EXPECT_THAT(fetched->domains(), ElementsAre("vooruit.be"));
  EXPECT_THAT(Get("nobody", member_),
              StatusIs(Code::kNotFound, HasSubstr("organizations/nobody")));
  EXPECT_THAT(Get("Not_An_Id", member_),
              StatusIs(Code::kInvalidArgument, HasSubstr("name")));
}

TEST_F(CatalogCoreTest, WritesCheckTheRoleBeforeAnythingElse) {
  v1::CreateOrganizationRequest create;
  create.set_organization_id("Not_An_Id");  // would be INVALID_ARGUMENT
  EXPECT_THAT(core_->CreateOrganization(public_, create),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(core_->CreateOrganization(member_, create),
              StatusIs(Code::kPermissionDenied));
  v1::DeleteOrganizationRequest del;
  del.set_name("organizations/nobody");  // would be NOT_FOUND
  EXPECT_THAT(core_->DeleteOrganization(member_, del),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(core_->DeleteOrganization(editor_, del),
              StatusIs(Code::kNotFound));
}

TEST_F(CatalogCoreTest, CreateRejectsATakenId) {
  ASSERT_THAT(Create(Named("Vooruit"), "vooruit"), IsOk());
  EXPECT_THAT(Create(Named("Other"), "vooruit"),
              StatusIs(Code::kAlreadyExists,
                       HasSubstr("organizations/vooruit already exists")));
}

TEST_F(CatalogCoreTest, CreateRejectsDomainOwnedByAnotherOrganization) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::Organization other = Named("Other");
  other.add_domains("mail.vooruit.be");
  EXPECT_THAT(Create(other, "other"),
              StatusIs(Code::kAlreadyExists,
                       AllOf(HasSubstr("organization.domains[0]"),
                             HasSubstr("belongs to organizations/vooruit"))));
  EXPECT_THAT(ListNames(), ElementsAre("organizations/vooruit"));
}

TEST_F(CatalogCoreTest, CreateRefusesACountryOutsideTheInjectedList) {
  v1::Organization org = Vooruit();
  org.set_country("NL");
  EXPECT_THAT(
      Create(org, "vooruit"),
      StatusIs(Code::kInvalidArgument, HasSubstr("organization.country")));
  v1::ListOrganizationsRequest list;
  list.set_filter("country = \"NL\"");
  EXPECT_THAT(core_->ListOrganizations(public_, list),
              StatusIs(Code::kInvalidArgument, HasSubstr("filter: country")));
}

TEST_F(CatalogCoreTest, CreateRefusesAParentThatDoesNotExist) {
  v1::Organization org = Named("Branch");
  org.set_parent("organizations/nobody");
  EXPECT_THAT(Create(org, "branch"),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("organization.parent: organizations/nobody")));
}

// --- request_id --------------------------------------------------------------

TEST_F(CatalogCoreTest, SameRequestIdReplaysTheFirstCreate) {
  auto first = Create(Vooruit(), "", "req-1");
  ASSERT_THAT(first, IsOk());
  clock_.Advance(absl::Seconds(5));
  auto second = Create(Vooruit(), "", "req-1");
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->name(), first->name());
  EXPECT_EQ(second->etag(), first->etag());
  EXPECT_THAT(ListNames(), ElementsAre(first->name()));

  v1::Organization different = Vooruit();
  different.set_display_name("Someone else");
  EXPECT_THAT(Create(different, "", "req-1"),
              StatusIs(Code::kInvalidArgument, HasSubstr("request_id")));
}

TEST_F(CatalogCoreTest, ReplayOfADeletedOrganizationIsNotFound) {
  auto first = Create(Vooruit(), "vooruit", "req-1");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(Delete("vooruit"), IsOk());
  EXPECT_THAT(Create(Vooruit(), "vooruit", "req-1"),
              StatusIs(Code::kNotFound, HasSubstr("organizations/vooruit")));
}

// --- Update and Delete -------------------------------------------------------

TEST_F(CatalogCoreTest, UpdateReplacesTheMaskedFieldsAndMovesTheClock) {
  auto created = Create(Vooruit(), "vooruit");
  ASSERT_THAT(created, IsOk());
  clock_.Advance(absl::Seconds(5));
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  patch.set_locality("Gent");
  patch.set_display_name("not in the mask");
  auto updated = Update(patch, {"locality"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->locality(), "Gent");
  EXPECT_EQ(updated->display_name(), "Vooruit");
  EXPECT_EQ(updated->update_time().seconds(), 1767225605);
  EXPECT_EQ(updated->create_time().seconds(), 1767225600);
  EXPECT_NE(updated->etag(), created->etag());

  patch.set_name("organizations/nobody");
  EXPECT_THAT(Update(patch, {"locality"}), StatusIs(Code::kNotFound));
  patch.set_name("organizations/vooruit");
  EXPECT_THAT(Update(patch, {"etag"}),
              StatusIs(Code::kInvalidArgument, HasSubstr("output only")));
}

TEST_F(CatalogCoreTest, StaleEtagIsAbortedForUpdateAndDelete) {
  auto created = Create(Vooruit(), "vooruit");
  ASSERT_THAT(created, IsOk());
  v1::Organization patch;
  patch.set_name("organizations/vooruit");
  patch.set_locality("Gent");
  patch.set_etag(created->etag());
  auto first = Update(patch, {"locality"});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(Update(patch, {"locality"}),
              StatusIs(Code::kAborted, HasSubstr("organization.etag")));
  EXPECT_THAT(Delete("vooruit", created->etag()),
              StatusIs(Code::kAborted, HasSubstr("etag")));
  EXPECT_THAT(Delete("vooruit", first->etag()), IsOk());
  EXPECT_THAT(Get("vooruit", member_), StatusIs(Code::kNotFound));
}

TEST_F(CatalogCoreTest, DeleteOfAParentIsFailedPrecondition) {
  ASSERT_THAT(Create(Named("Vooruit"), "vooruit"), IsOk());
  v1::Organization branch = Named("Vooruit Brussel");
  branch.set_parent("organizations/vooruit");
  ASSERT_THAT(Create(branch, "vooruit-brussel"), IsOk());
  EXPECT_THAT(Delete("vooruit"),
              StatusIs(Code::kFailedPrecondition,
                       HasSubstr("organizations/vooruit-brussel")));
  ASSERT_THAT(Delete("vooruit-brussel"), IsOk());
  EXPECT_THAT(Delete("vooruit"), IsOk());
}

TEST_F(CatalogCoreTest, DeleteIsRefusedWhileTheReadModelLinksIncidents) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  IncidentReadModel& read_model = core_->read_model();
  ASSERT_THAT(read_model.ApplyIncidentChange(Change(
                  1, IncidentChange::CREATED, "ransom-2024", {"vooruit"})),
              IsOk());
  EXPECT_THAT(Delete("vooruit"),
              StatusIs(Code::kFailedPrecondition,
                       AllOf(HasSubstr("organizations/vooruit"),
                             HasSubstr("incidents/ransom-2024"))));
  EXPECT_THAT(Get("vooruit", member_), IsOk());

  IncidentChange deleted =
      Change(2, IncidentChange::DELETED, "ransom-2024", {"vooruit"});
  ASSERT_THAT(read_model.ApplyIncidentChange(deleted), IsOk());
  EXPECT_THAT(Delete("vooruit"), IsOk());
}

// --- Read model --------------------------------------------------------------

TEST_F(CatalogCoreTest, ReadModelKeepsLinksNewestFirstAndRedactsThemForPublic) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  IncidentReadModel& read_model = core_->read_model();
  ASSERT_THAT(read_model.ApplyIncidentChange(Change(
                  1, IncidentChange::CREATED, "older", {"vooruit"}, 2022)),
              IsOk());
  ASSERT_THAT(read_model.ApplyIncidentChange(Change(
                  2, IncidentChange::CREATED, "newer", {"vooruit"}, 2024)),
              IsOk());
  auto member_view = Get("vooruit", member_);
  ASSERT_THAT(member_view, IsOk());
  EXPECT_EQ(member_view->incident_count(), 2);
  EXPECT_THAT(member_view->linked_incidents(),
              ElementsAre("incidents/newer", "incidents/older"));
  EXPECT_EQ(member_view->latest_incident_date().year(), 2024);
  auto public_view = Get("vooruit", public_);
  ASSERT_THAT(public_view, IsOk());
  EXPECT_EQ(public_view->incident_count(), 2);
  EXPECT_THAT(public_view->linked_incidents(), IsEmpty());
  // Not part of the etag: the read model is not what clients write.
  auto again = Get("vooruit", member_);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->etag(), member_view->etag());
}

TEST_F(CatalogCoreTest, ReadModelSkipsChangesAtOrBelowTheCursorAndRefusesGaps) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  IncidentReadModel& read_model = core_->read_model();
  EXPECT_THAT(read_model.IncidentCursor(), IsOk());
  EXPECT_EQ(*read_model.IncidentCursor(), 0);
  ASSERT_THAT(read_model.ApplyIncidentChange(
                  Change(1, IncidentChange::CREATED, "a", {"vooruit"})),
              IsOk());
  // Resent: skipped, nothing counted twice.
  ASSERT_THAT(read_model.ApplyIncidentChange(
                  Change(1, IncidentChange::CREATED, "b", {"vooruit"})),
              IsOk());
  EXPECT_EQ(Get("vooruit", member_)->incident_count(), 1);
  // A gap: OUT_OF_RANGE, nothing applied, the cursor stays.
  EXPECT_THAT(read_model.ApplyIncidentChange(
                  Change(3, IncidentChange::CREATED, "c", {"vooruit"})),
              StatusIs(Code::kOutOfRange));
  EXPECT_EQ(*read_model.IncidentCursor(), 1);
  EXPECT_EQ(Get("vooruit", member_)->incident_count(), 1);
}

TEST_F(CatalogCoreTest, ReadModelMovesTheCursorPastAChangeWithABadName) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  IncidentChange bad = Change(1, IncidentChange::CREATED, "x", {"vooruit"});
  bad.mutable_incident()->set_name("not an incident name");
  ASSERT_THAT(core_->read_model().ApplyIncidentChange(bad), IsOk());
  EXPECT_EQ(*core_->read_model().IncidentCursor(), 1);
  EXPECT_EQ(Get("vooruit", member_)->incident_count(), 0);
}

// --- Search and Resolve ------------------------------------------------------

TEST_F(CatalogCoreTest, ResolveByDomainThenByFoldedName) {
  ASSERT_THAT(Create(Vooruit(), "vooruit"), IsOk());
  v1::ResolveOrganizationRequest request;
  request.set_query("hxxps://www.vooruit[.]be/nieuws");
  auto by_domain = core_->ResolveOrganization(public_, request);
  ASSERT_THAT(by_domain, IsOk());
  EXPECT_EQ(by_domain->organization().name(), "organizations/vooruit");
  EXPECT_EQ(by_domain->resolved_by(), v1::ResolveOrganizationResponse::DOMAIN);
  request.set_query("VOORÜIT");
  auto by_name = core_->ResolveOrganization(public_, request);
  ASSERT_THAT(by_name, IsOk());
  EXPECT_EQ(by_name->resolved_by(), v1::ResolveOrganizationResponse::NAME);
  request.set_query("https://unknown.example.org/");
  EXPECT_THAT(core_->ResolveOrganization(public_, request),
              StatusIs(Code::kNotFound, HasSubstr("example.org")));
}

TEST_F(CatalogCoreTest, SearchRanksExactBeforePrefixAndSkipsMidWord) {
  ASSERT_THAT(Create(Named("Avooruitgang"), "avooruitgang"), IsOk());
  ASSERT_THAT(Create(Named("Jong Vooruit"), "jong-vooruit"), IsOk());
  ASSERT_THAT(Create(Named("Vooruit"), "vooruit"), IsOk());
  v1::SearchOrganizationsRequest request;
  request.set_query("vooruit");
  auto found = core_->SearchOrganizations(public_, request);
  ASSERT_THAT(found, IsOk());
  std::vector<v1::SearchResult::MatchKind> kinds;
  for (const auto& r : found->results()) kinds.push_back(r.match_kind());
  EXPECT_THAT(kinds,
              ElementsAre(v1::SearchResult::EXACT, v1::SearchResult::PREFIX));
  request.set_query(" ");
  EXPECT_THAT(core_->SearchOrganizations(public_, request),
              StatusIs(Code::kInvalidArgument, HasSubstr("query")));
}

// --- OrganizationValidator, without storage ----------------------------------

class OrganizationValidatorTest : public ::testing::Test {
 protected:
  const api::CountryList countries_ = TestCountries();
  const OrganizationValidator validator_{countries_};
};

TEST_F(OrganizationValidatorTest, NormalizesDomainsAndThePrimaryUrl) {
  v1::Organization org = Named("Vooruit");
  org.add_domains("www.vooruit.be");
  org.add_domains("vooruit.be");
  org.set_primary_url("hxxps://www.vooruit[.]brussels/");
  org.set_primary_url_defanged("set by a client: replaced");
  ASSERT_THAT(validator_.ValidateAndNormalize(&org, "organization"), IsOk());
  EXPECT_THAT(org.domains(), ElementsAre("vooruit.be", "vooruit.brussels"));
  EXPECT_EQ(org.primary_url(), "https://vooruit.brussels");
  EXPECT_EQ(org.primary_url_defanged(), "hxxps://vooruit[.]brussels");
}

TEST_F(OrganizationValidatorTest, ErrorsNameTheFieldUnderTheGivenPrefix) {
  v1::Organization org = Named("");
  EXPECT_THAT(validator_.ValidateAndNormalize(&org, "organizations[3]"),
              StatusIs(Code::kInvalidArgument,
                       StartsWith("organizations[3].display_name")));
}

TEST_F(OrganizationValidatorTest, ChecksCountriesAgainstTheInjectedList) {
  v1::Organization org = Named("Org");
  org.set_country("FR");
  EXPECT_THAT(validator_.ValidateAndNormalize(&org, "organization"), IsOk());
  for (const char* bad : {"NL", "fr", "FRA"}) {
    org.set_country(bad);
    EXPECT_THAT(
        validator_.ValidateAndNormalize(&org, "organization"),
        StatusIs(Code::kInvalidArgument, HasSubstr("organization.country")))
        << bad;
  }
  EXPECT_THAT(validator_.ValidateCountry("", "filter: country"), IsOk());
  EXPECT_THAT(validator_.ValidateCountry("NL", "filter: country"),
              StatusIs(Code::kInvalidArgument, HasSubstr("filter: country")));
}

TEST_F(OrganizationValidatorTest, SectorsComeFromTheStixVocabularyOnce) {
  EXPECT_TRUE(IsStixIndustrySector("non-profit"));
  EXPECT_TRUE(IsStixIndustrySector("government-regional"));
  EXPECT_FALSE(IsStixIndustrySector("politics"));
  EXPECT_FALSE(IsStixIndustrySector("Non-Profit"));
  v1::Organization org = Named("Org");
  org.add_sectors("education");
  org.add_sectors("politics");
  EXPECT_THAT(validator_.ValidateAndNormalize(&org, "organization"),
              StatusIs(Code::kInvalidArgument,
                       AllOf(HasSubstr("organization.sectors[1]"),
                             HasSubstr("STIX 2.1"))));
  org.set_sectors(1, "education");
  EXPECT_THAT(validator_.ValidateAndNormalize(&org, "organization"),
              StatusIs(Code::kInvalidArgument, HasSubstr("duplicate sector")));
}

TEST_F(OrganizationValidatorTest, AliasesCompareFolded) {
  v1::Organization org = Named("Groen");
  org.add_aliases("Die Grünen");
  org.add_aliases("DIE GRUNEN");
  EXPECT_THAT(validator_.ValidateAndNormalize(&org, "organization"),
              StatusIs(Code::kInvalidArgument,
                       AllOf(HasSubstr("organization.aliases[1]"),
                             HasSubstr("duplicate alias"))));
}

TEST_F(OrganizationValidatorTest, ParentMustBeAnOrganizationName) {
  v1::Organization org = Named("Branch");
  org.set_parent("parties/x");
  EXPECT_THAT(
      validator_.ValidateAndNormalize(&org, "organization"),
      StatusIs(Code::kInvalidArgument, HasSubstr("organization.parent")));
  org.set_parent("organizations/vooruit");
  EXPECT_THAT(validator_.ValidateAndNormalize(&org, "organization"), IsOk());
}

}  // namespace
}  // namespace atlas::catalog
