// Contract tests of the organisation fields VERIS records need (issue 13):
// external_references, industry_code, employee_count, government_levels,
// and ResolveOrganization by external reference, through a real
// CatalogServer on a free port over a real RocksDB
// (catalog_contract_fixture.h).
#include <atomic>
#include <cctype>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "atlas/type/v1/external_reference.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/catalog/catalog_contract_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::ContextWithKey;
using ::atlas::testing::EqualsProto;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::StatusIs;
using ::atlas::type::v1::ExternalReference;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Code = absl::StatusCode;

constexpr char kVerisId[] = "002599D4-A872-433B-9980-BD9F257B283F";

ExternalReference Ref(const std::string& system, const std::string& id,
                      const std::string& url = "") {
  ExternalReference ref;
  ref.set_system(system);
  ref.set_id(id);
  ref.set_url(url);
  return ref;
}

v1::Organization WithRefs(const std::string& display_name,
                          const std::vector<ExternalReference>& refs) {
  v1::Organization org = Named(display_name);
  for (const auto& r : refs) *org.add_external_references() = r;
  return org;
}

class VerisFieldsTest : public CatalogContractTest {
 protected:
  ::grpc::Status ResolveRef(const std::string& system, const std::string& id,
                            v1::ResolveOrganizationResponse* out,
                            const std::string& query = "") {
    v1::ResolveOrganizationRequest request;
    *request.mutable_external_reference() = Ref(system, id, "ignored");
    request.set_query(query);
    return stub_->ResolveOrganization(ContextWithKey("").get(), request, out);
  }
  // The holder of (system, id) by Resolve, or "" when NOT_FOUND.
  std::string Holder(const std::string& system, const std::string& id) {
    v1::ResolveOrganizationResponse out;
    ::grpc::Status s = ResolveRef(system, id, &out);
    if (s.error_code() == ::grpc::StatusCode::NOT_FOUND) return "";
    EXPECT_THAT(s, IsOk());
    EXPECT_EQ(out.resolved_by(),
              v1::ResolveOrganizationResponse::EXTERNAL_REFERENCE);
    return out.organization().name();
  }
};

// --- Round trip --------------------------------------------------------------

TEST_F(VerisFieldsTest, EveryNewFieldRoundTripsNormalisedAndIsPublic) {
  v1::Organization org = Named("City of Example");
  *org.add_external_references() =
      Ref("VERIS", kVerisId, "hxxps://WWW.vcdb[.]example/records/#top");
  *org.add_external_references() = Ref("wikidata", "Q193548");
  org.set_industry_code("921190");
  org.set_employee_count(v1::EMPLOYEES_1001_TO_10000);
  org.add_government_levels(v1::LOCAL_GOVERNMENT);
  org.add_government_levels(v1::REGIONAL_GOVERNMENT);
  v1::Organization created;
  ASSERT_THAT(Create(org, "example-city", &created), IsOk());

  v1::Organization expected = org;
  expected.mutable_external_references(0)->set_system("veris");
  expected.mutable_external_references(0)->set_url(
      "https://vcdb.example/records/");
  for (const v1::Organization& got :
       {created, Get("organizations/example-city"),
        Get("organizations/example-city", /*key=*/"")}) {
    v1::Organization fields;
    *fields.mutable_external_references() = got.external_references();
    fields.set_industry_code(got.industry_code());
    fields.set_employee_count(got.employee_count());
    *fields.mutable_government_levels() = got.government_levels();
    fields.set_display_name(got.display_name());
    EXPECT_THAT(fields, EqualsProto(expected));
  }
  // Public callers see every new field: nothing of them is redacted.
  v1::Organization as_public = Get("organizations/example-city", "");
  for (const std::string& path : as_public.redacted_fields()) {
    EXPECT_THAT(path, ::testing::Not(::testing::AnyOf(
                          "external_references", "industry_code",
                          "employee_count", "government_levels")));
  }
  // Lists carry them too, and they survive a restart.
  v1::ListOrganizationsResponse listed;
  ASSERT_THAT(List("", &listed), IsOk());
  ASSERT_EQ(listed.organizations_size(), 1);
  EXPECT_EQ(listed.organizations(0).industry_code(), "921190");
  server_.Stop();
  server_.Start();
  stub_ = server_.NewStub();
  EXPECT_THAT(Get("organizations/example-city"), EqualsProto(created));
  EXPECT_EQ(Holder("veris", kVerisId), "organizations/example-city");
}

// --- Validation
// ----------------------------------------------------------------

// Each rule on create and on update (one shared check), with the exact
// field path; nothing is stored.
TEST_F(VerisFieldsTest, EachRuleIsInvalidArgumentNamingTheFieldPath) {
  struct Case {
    std::function<void(v1::Organization*)> mutate;
    const char* mask;
    const char* path;
  };
  const auto refs = [](v1::Organization* o, int n) {
    for (int i = 0; i < n; ++i) {
      *o->add_external_references() = Ref("s", "id" + std::to_string(i));
    }
  };
  const Case cases[] = {
      {[&](auto* o) { refs(o, 17); }, "external_references",
       "organization.external_references: at most 16"},
      {[&](auto* o) {
         refs(o, 2);
         *o->add_external_references() = Ref("1veris", "x");
       },
       "external_references", "organization.external_references[2].system"},
      {[](auto* o) { *o->add_external_references() = Ref("", "x"); },
       "external_references", "organization.external_references[0].system"},
      {[](auto* o) {
         *o->add_external_references() = Ref(std::string(65, 'a'), "x");
       },
       "external_references", "organization.external_references[0].system"},
      {[](auto* o) { *o->add_external_references() = Ref("ve ris", "x"); },
       "external_references", "organization.external_references[0].system"},
      {[](auto* o) { *o->add_external_references() = Ref("veris", ""); },
       "external_references", "organization.external_references[0].id"},
      {[](auto* o) {
         *o->add_external_references() = Ref("veris", std::string(201, 'i'));
       },
       "external_references", "organization.external_references[0].id"},
      {[](auto* o) { *o->add_external_references() = Ref("veris", " x"); },
       "external_references", "organization.external_references[0].id"},
      {[](auto* o) { *o->add_external_references() = Ref("veris", "a\nb"); },
       "external_references", "organization.external_references[0].id"},
      {[](auto* o) {
         *o->add_external_references() = Ref("veris", "x", "ftp://a.example");
       },
       "external_references", "organization.external_references[0].url"},
      {[](auto* o) {
         *o->add_external_references() = Ref("veris", "x");
         *o->add_external_references() = Ref("VERIS", "x");
       },
       "external_references", "organization.external_references[1]: duplicate"},
      {[](auto* o) { o->set_industry_code("1"); }, "industry_code",
       "organization.industry_code"},
      {[](auto* o) { o->set_industry_code("1234567"); }, "industry_code",
       "organization.industry_code"},
      {[](auto* o) { o->set_industry_code("81a410"); }, "industry_code",
       "organization.industry_code"},
      {[](auto* o) { o->set_industry_code("\xd9\xa1\xd9\xa2"); },
       "industry_code", "organization.industry_code"},
      {[](auto* o) {
         o->set_employee_count(static_cast<v1::EmployeeCount>(11));
       },
       "employee_count", "organization.employee_count"},
      {[](auto* o) {
         o->add_government_levels(static_cast<v1::GovernmentLevel>(6));
       },
       "government_levels", "organization.government_levels[0]"},
      {[](auto* o) {
         o->add_government_levels(v1::LOCAL_GOVERNMENT);
         o->add_government_levels(v1::GOVERNMENT_LEVEL_UNSPECIFIED);
       },
       "government_levels", "organization.government_levels[1]"},
      {[](auto* o) {
         o->add_government_levels(v1::LOCAL_GOVERNMENT);
         o->add_government_levels(v1::LOCAL_GOVERNMENT);
       },
       "government_levels", "organization.government_levels[1]: duplicate"},
      {[](auto* o) {
         for (auto l : {v1::NATIONAL_GOVERNMENT, v1::REGIONAL_GOVERNMENT,
                        v1::LOCAL_GOVERNMENT, v1::OTHER_GOVERNMENT,
                        v1::NOT_GOVERNMENT}) {
           o->add_government_levels(l);
         }
       },
       "government_levels", "organization.government_levels: at most 4"},
      {[](auto* o) {
         o->add_government_levels(v1::LOCAL_GOVERNMENT);
         o->add_government_levels(v1::NOT_GOVERNMENT);
       },
       "government_levels", "organization.government_levels[1]: NOT_GOV"},
  };
  v1::Organization existing;
  ASSERT_THAT(Create(Named("Existing"), "existing", &existing), IsOk());
  for (const Case& c : cases) {
    v1::Organization org = Named("Refused");
    c.mutate(&org);
    EXPECT_THAT(Create(org, "refused"),
                StatusIs(Code::kInvalidArgument, StartsWith(c.path)))
        << "create: " << c.path;
    org.set_name(existing.name());
    v1::Organization out;
    EXPECT_THAT(Update(org, {c.mask}, &out),
                StatusIs(Code::kInvalidArgument, StartsWith(c.path)))
        << "update: " << c.path;
  }
  EXPECT_THAT(ListNames(""), ElementsAre("organizations/existing"));
  EXPECT_THAT(Get("organizations/existing"), EqualsProto(existing));
}

TEST_F(VerisFieldsTest, ValuesAtTheLimitsAreAccepted) {
  v1::Organization org = Named("At the limits");
  for (int i = 0; i < 16; ++i) {
    *org.add_external_references() = Ref("s", "id-" + std::to_string(i));
  }
  org.set_industry_code("92");
  org.set_employee_count(v1::EMPLOYEES_LARGE);
  for (auto l : {v1::NATIONAL_GOVERNMENT, v1::REGIONAL_GOVERNMENT,
                 v1::LOCAL_GOVERNMENT, v1::OTHER_GOVERNMENT}) {
    org.add_government_levels(l);
  }
  ASSERT_THAT(Create(org, "limits"), IsOk());
  v1::Organization alone = Named("Not government");
  alone.add_government_levels(v1::NOT_GOVERNMENT);
  alone.set_industry_code("813410");
  EXPECT_THAT(Create(alone, "alone"), IsOk());
}

// --- Update mask
// -----------------------------------------------------------------

TEST_F(VerisFieldsTest, UpdateMaskAcceptsEachNewFieldAlone) {
  v1::Organization created;
  ASSERT_THAT(Create(Named("Masked"), "masked", &created), IsOk());
  v1::Organization patch;
  patch.set_name(created.name());
  *patch.add_external_references() = Ref("Veris", "A1");
  patch.set_industry_code("52");
  patch.set_employee_count(v1::EMPLOYEES_SMALL);
  patch.add_government_levels(v1::NOT_GOVERNMENT);
  patch.set_display_name("not in the mask");
  v1::Organization out;
  ASSERT_THAT(Update(patch, {"industry_code"}, &out), IsOk());
  EXPECT_EQ(out.industry_code(), "52");
  EXPECT_THAT(out.external_references(), IsEmpty());
  ASSERT_THAT(Update(patch, {"employee_count", "government_levels"}, &out),
              IsOk());
  EXPECT_EQ(out.employee_count(), v1::EMPLOYEES_SMALL);
  EXPECT_THAT(out.government_levels(), ElementsAre(v1::NOT_GOVERNMENT));
  ASSERT_THAT(Update(patch, {"external_references"}, &out), IsOk());
  ASSERT_EQ(out.external_references_size(), 1);
  EXPECT_EQ(out.external_references(0).system(), "veris");
  EXPECT_EQ(out.display_name(), "Masked");
  EXPECT_EQ(Holder("veris", "A1"), "organizations/masked");
}

// --- Uniqueness
// ----------------------------------------------------------------

TEST_F(VerisFieldsTest,
       PairHeldByAnotherIsAlreadyExistsNamingTheHolderOnCreate) {
  ASSERT_THAT(Create(WithRefs("First", {Ref("veris", kVerisId)}), "first"),
              IsOk());
  // The system compares lower-cased, the id exactly.
  v1::Organization second =
      WithRefs("Second", {Ref("wikidata", "Q1"), Ref("VERIS", kVerisId)});
  EXPECT_THAT(Create(second, "second"),
              StatusIs(Code::kAlreadyExists,
                       AllOf(StartsWith("organization.external_references[1]"),
                             HasSubstr(std::string("veris:") + kVerisId),
                             HasSubstr("organizations/first"))));
  EXPECT_EQ(Holder("wikidata", "Q1"), "");
  std::string lower_id = kVerisId;
  for (char& c : lower_id) c = static_cast<char>(std::tolower(c));
  ASSERT_THAT(Create(WithRefs("Third", {Ref("veris", lower_id)}), "third"),
              IsOk());
  EXPECT_EQ(Holder("veris", lower_id), "organizations/third");
  EXPECT_EQ(Holder("Veris", kVerisId), "organizations/first");
}

TEST_F(VerisFieldsTest,
       PairHeldByAnotherIsAlreadyExistsNamingTheHolderOnUpdate) {
  ASSERT_THAT(Create(WithRefs("First", {Ref("veris", "A")}), "first"), IsOk());
  v1::Organization second;
  ASSERT_THAT(
      Create(WithRefs("Second", {Ref("veris", "B")}), "second", &second),
      IsOk());
  v1::Organization patch = WithRefs("", {Ref("veris", "B"), Ref("veris", "A")});
  patch.set_name(second.name());
  v1::Organization out;
  EXPECT_THAT(
      Update(patch, {"external_references"}, &out),
      StatusIs(Code::kAlreadyExists,
               AllOf(StartsWith("organization.external_references[1]"),
                     HasSubstr("veris:A"), HasSubstr("organizations/first"))));
  EXPECT_THAT(Get("organizations/second"), EqualsProto(second));
  EXPECT_EQ(Holder("veris", "A"), "organizations/first");
  // Keeping its own pair is no conflict.
  patch.clear_external_references();
  *patch.add_external_references() = Ref("veris", "B", "https://b.example");
  EXPECT_THAT(Update(patch, {"external_references"}, &out), IsOk());
}

TEST_F(VerisFieldsTest, ConcurrentCreatesWithOnePairOneWins) {
  for (int round = 0; round < 8; ++round) {
    std::atomic<int> ok{0}, exists{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] {
        v1::CreateOrganizationRequest request;
        *request.mutable_organization() = WithRefs(
            "Claimant", {Ref("veris", "race-" + std::to_string(round))});
        request.set_organization_id("r" + std::to_string(round) + "-" +
                                    std::to_string(i));
        v1::Organization out;
        ::grpc::Status s = server_.NewStub()->CreateOrganization(
            ContextWithKey(kEditorKey).get(), request, &out);
        if (s.ok()) ++ok;
        if (s.error_code() == ::grpc::StatusCode::ALREADY_EXISTS) ++exists;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 1) << round;
    EXPECT_EQ(exists.load(), 2) << round;
    EXPECT_THAT(Holder("veris", "race-" + std::to_string(round)),
                StartsWith("organizations/r" + std::to_string(round) + "-"));
  }
}

// --- Resolve
// -------------------------------------------------------------------

TEST_F(VerisFieldsTest, ResolveByExternalReferenceFindsTheHolderOrNotFound) {
  v1::Organization org = Vooruit();
  *org.add_external_references() = Ref("veris", kVerisId);
  ASSERT_THAT(Create(org, "vooruit"), IsOk());
  v1::ResolveOrganizationResponse out;
  ASSERT_THAT(ResolveRef("VERIS", kVerisId, &out), IsOk());
  EXPECT_EQ(out.resolved_by(),
            v1::ResolveOrganizationResponse::EXTERNAL_REFERENCE);
  EXPECT_EQ(out.organization().name(), "organizations/vooruit");
  EXPECT_THAT(out.candidates(), IsEmpty());
  // The public view: linked incidents are members-only, references not.
  EXPECT_EQ(out.organization().external_references_size(), 1);

  EXPECT_THAT(ResolveRef("veris", "unknown-id", &out),
              StatusIs(Code::kNotFound, AllOf(StartsWith("external_reference"),
                                              HasSubstr("veris:unknown-id"))));
  EXPECT_THAT(ResolveRef("wikidata", kVerisId, &out),
              StatusIs(Code::kNotFound));
}

TEST_F(VerisFieldsTest, ResolveWithBothOrNeitherOrAMalformedPairIsRefused) {
  ASSERT_THAT(Create(WithRefs("Held", {Ref("veris", "X")}), "held"), IsOk());
  v1::ResolveOrganizationResponse out;
  EXPECT_THAT(ResolveRef("veris", "X", &out, "held"),
              StatusIs(Code::kInvalidArgument,
                       StartsWith("external_reference: set either query")));
  v1::ResolveOrganizationRequest neither;
  EXPECT_THAT(
      stub_->ResolveOrganization(ContextWithKey("").get(), neither, &out),
      StatusIs(Code::kInvalidArgument, StartsWith("query: required")));
  EXPECT_THAT(ResolveRef("", "X", &out),
              StatusIs(Code::kInvalidArgument,
                       StartsWith("external_reference.system")));
  EXPECT_THAT(ResolveRef("9veris", "X", &out),
              StatusIs(Code::kInvalidArgument,
                       StartsWith("external_reference.system")));
  EXPECT_THAT(
      ResolveRef("veris", "", &out),
      StatusIs(Code::kInvalidArgument, StartsWith("external_reference.id")));
  EXPECT_THAT(
      ResolveRef("veris", "X\t", &out),
      StatusIs(Code::kInvalidArgument, StartsWith("external_reference.id")));
}

// --- Release
// -------------------------------------------------------------------

TEST_F(VerisFieldsTest, DeleteFreesThePairForReuse) {
  ASSERT_THAT(
      Create(WithRefs("Gone", {Ref("veris", "P"), Ref("misp", "Q")}), "gone"),
      IsOk());
  ASSERT_THAT(Delete("organizations/gone"), IsOk());
  EXPECT_EQ(Holder("veris", "P"), "");
  EXPECT_EQ(Holder("misp", "Q"), "");
  ASSERT_THAT(Create(WithRefs("Next", {Ref("veris", "P")}), "next"), IsOk());
  EXPECT_EQ(Holder("veris", "P"), "organizations/next");
  // Re-creating the deleted id starts with no reference of its own.
  ASSERT_THAT(Create(Named("Gone again"), "gone"), IsOk());
  EXPECT_EQ(Holder("misp", "Q"), "");
}

TEST_F(VerisFieldsTest, UpdateDroppingAPairFreesIt) {
  v1::Organization first;
  ASSERT_THAT(
      Create(WithRefs("First", {Ref("veris", "P1"), Ref("veris", "P2")}),
             "first", &first),
      IsOk());
  v1::Organization patch = WithRefs("", {Ref("veris", "P2")});
  patch.set_name(first.name());
  v1::Organization out;
  ASSERT_THAT(Update(patch, {"external_references"}, &out), IsOk());
  EXPECT_EQ(Holder("veris", "P1"), "");
  EXPECT_EQ(Holder("veris", "P2"), "organizations/first");
  ASSERT_THAT(Create(WithRefs("Second", {Ref("veris", "P1")}), "second"),
              IsOk());
  EXPECT_EQ(Holder("veris", "P1"), "organizations/second");
  // A mask of "*" without references drops them all.
  v1::Organization all = Named("First");
  all.set_name(first.name());
  ASSERT_THAT(Update(all, {"*"}, &out), IsOk());
  EXPECT_EQ(Holder("veris", "P2"), "");
}

// A record stored before references existed (no `extref` entries) gains
// them by an update after a restart, like any other.
TEST_F(VerisFieldsTest, AnOrganizationStoredWithoutReferencesGainsThemLater) {
  v1::Organization created;
  ASSERT_THAT(Create(Vooruit(), "vooruit", &created), IsOk());
  server_.Stop();
  server_.Start();
  stub_ = server_.NewStub();
  v1::Organization patch = WithRefs("", {Ref("veris", "V")});
  patch.set_name(created.name());
  patch.set_etag(created.etag());
  v1::Organization out;
  ASSERT_THAT(Update(patch, {"external_references"}, &out), IsOk());
  EXPECT_EQ(Holder("veris", "V"), "organizations/vooruit");
  EXPECT_EQ(out.domains_size(), created.domains_size());
}

}  // namespace
}  // namespace atlas::catalog
