// atlasctl's orgs commands in process against a real CatalogServer on a
// free port (tests/testing/catalog_harness.h): the flags that set the
// organisation fields VERIS records need, `orgs resolve --external-ref`,
// and the parsers of those flags (tools/atlasctl/org_flags.h).
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/catalog_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tools/atlasctl/cli.h"
#include "tools/atlasctl/org_flags.h"
#include "tools/atlasctl/orgs_command.h"

namespace atlas::atlasctl {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace catalog = ::atlas::catalog::v1;

class AtlasctlOrgsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    args.insert(args.begin(), "--catalog=" + server_.address());
    return atlasctl::Run(args, OrgsCommands(), out_, err_);
  }

  catalog::Organization Get(const std::string& name) {
    catalog::GetOrganizationRequest request;
    request.set_name(name);
    catalog::Organization org;
    EXPECT_THAT(server_.NewStub()->GetOrganization(
                    ::atlas::testing::ContextWithKey("").get(), request, &org),
                IsOk());
    return org;
  }

  ::atlas::testing::CatalogHarness server_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(AtlasctlOrgsTest, CreateSetsTheVerisFieldsFromFlags) {
  ASSERT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--id", "city",
                 "--display-name", "City of Example", "--external-ref",
                 "VERIS:0025-AB,wikidata:Q1:hxxps://www.wikidata[.]org/wiki/Q1",
                 "--industry-code", "921190", "--employee-count", "1001-10000",
                 "--government", "local,regional"}),
            0)
      << err_.str();
  catalog::Organization org = Get("organizations/city");
  ASSERT_EQ(org.external_references_size(), 2);
  EXPECT_EQ(org.external_references(0).system(), "veris");
  EXPECT_EQ(org.external_references(0).id(), "0025-AB");
  EXPECT_EQ(org.external_references(1).id(), "Q1");
  EXPECT_EQ(org.external_references(1).url(), "https://wikidata.org/wiki/Q1");
  EXPECT_EQ(org.industry_code(), "921190");
  EXPECT_EQ(org.employee_count(), catalog::EMPLOYEES_1001_TO_10000);
  EXPECT_THAT(
      org.government_levels(),
      ElementsAre(catalog::LOCAL_GOVERNMENT, catalog::REGIONAL_GOVERNMENT));
}

TEST_F(AtlasctlOrgsTest, ResolveByExternalReferencePrintsTheHolder) {
  ASSERT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--id", "city",
                 "--display-name", "City", "--external-ref", "veris:A:B"}),
            0)
      << err_.str();
  ASSERT_EQ(Run({"orgs", "resolve", "--external-ref", "VERIS:A"}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("organizations/city  City"));
  ASSERT_EQ(Run({"orgs", "resolve", "--external-ref", "veris:A", "-o", "json"}),
            0);
  EXPECT_THAT(out_.str(), HasSubstr(R"("resolvedBy":"EXTERNAL_REFERENCE")"));
  // Without a url, everything after the first colon is the id.
  EXPECT_EQ(Run({"orgs", "resolve", "--external-ref", "veris:A:B"}), 1);
  EXPECT_THAT(err_.str(), StartsWith("error: NOT_FOUND: external_reference"));
}

TEST_F(AtlasctlOrgsTest, BadFlagValuesAreUsageErrorsAndServerRulesStay) {
  EXPECT_EQ(Run({"orgs", "resolve"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("give QUERY or --external-ref"));
  EXPECT_EQ(Run({"orgs", "resolve", "x", "--external-ref", "veris:A"}), 2);
  EXPECT_EQ(Run({"orgs", "resolve", "--external-ref", "veris"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--external-ref: \"veris\""));
  EXPECT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--display-name", "X",
                 "--employee-count", "lots"}),
            2);
  EXPECT_THAT(err_.str(), HasSubstr("--employee-count"));
  EXPECT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--display-name", "X",
                 "--government", "galactic"}),
            2);
  // The server judges what the flags let through.
  EXPECT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--display-name", "X",
                 "--government", "local,none"}),
            1);
  EXPECT_THAT(err_.str(), StartsWith("error: INVALID_ARGUMENT: "
                                     "organization.government_levels[1]"));
  EXPECT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--display-name", "X",
                 "--industry-code", "1"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("organization.industry_code"));
}

// The server's AIP-193 details are printed under the error line.
TEST_F(AtlasctlOrgsTest, ErrorsShowTheServersDetails) {
  EXPECT_EQ(Run({"orgs", "create", "--key", kEditorKey, "--display-name", "X",
                 "--government", "local,none"}),
            1);
  EXPECT_THAT(err_.str(),
              HasSubstr("\n  field organization.government_levels[1]: "));
  EXPECT_THAT(err_.str(),
              HasSubstr("\n  reason INVALID_REQUEST (incidentatlas.org)\n"));
  EXPECT_EQ(
      Run({"orgs", "create", "--key", "no-such-key", "--display-name", "X"}),
      1);
  EXPECT_THAT(err_.str(),
              HasSubstr("\n  reason API_KEY_INVALID (incidentatlas.org)\n"));
}

TEST(OrgFlagsTest, EmployeeCountAcceptsNamesLabelsAndRanges) {
  for (const char* text :
       {"EMPLOYEES_11_TO_100", "11_to_100", "11 to 100", "11-100"}) {
    auto band = ParseEmployeeCount(text);
    ASSERT_THAT(band, IsOk()) << text;
    EXPECT_EQ(*band, catalog::EMPLOYEES_11_TO_100) << text;
  }
  EXPECT_EQ(*ParseEmployeeCount("Over 100000"), catalog::EMPLOYEES_OVER_100000);
  EXPECT_EQ(*ParseEmployeeCount("over-100000"), catalog::EMPLOYEES_OVER_100000);
  EXPECT_EQ(*ParseEmployeeCount("Small"), catalog::EMPLOYEES_SMALL);
  EXPECT_EQ(*ParseEmployeeCount("large"), catalog::EMPLOYEES_LARGE);
  EXPECT_THAT(ParseEmployeeCount("unknown"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEmployeeCount("1-100"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OrgFlagsTest, GovernmentLevelsAndExternalRefsParse) {
  auto levels = ParseGovernmentLevels("national, Regional,NOT_GOVERNMENT,none");
  ASSERT_THAT(levels, IsOk());
  EXPECT_THAT(
      *levels,
      ElementsAre(catalog::NATIONAL_GOVERNMENT, catalog::REGIONAL_GOVERNMENT,
                  catalog::NOT_GOVERNMENT, catalog::NOT_GOVERNMENT));
  EXPECT_THAT(ParseGovernmentLevels("government_level_unspecified"),
              StatusIs(absl::StatusCode::kInvalidArgument));

  auto refs = ParseExternalRefs("a:b:https://x.example/p?q=1, c:d", true);
  ASSERT_THAT(refs, IsOk());
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[0].url(), "https://x.example/p?q=1");
  EXPECT_EQ((*refs)[1].system(), "c");
  EXPECT_EQ((*refs)[1].url(), "");
  auto no_url = ParseExternalRefs("mitre-attack:x:y", false);
  ASSERT_THAT(no_url, IsOk());
  EXPECT_EQ((*no_url)[0].id(), "x:y");
  EXPECT_THAT(ParseExternalRefs(":x", true),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseExternalRefs("", true),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace atlas::atlasctl
