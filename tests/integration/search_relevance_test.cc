// Search relevance over real records: the demo data of scripts/run.sh (the
// seeds) and the 40 VCDB incidents of datasets/vcdb-sample, loaded with
// atlasctl into both running binaries as an operator loads them. Each
// query names the incidents an analyst would expect at the top, and the
// test checks them there: the search is judged on its answers, not on its
// internals (issue 16).
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::reliability::Cluster;
using ::atlas::testing::BinaryDir;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::SourceDir;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
namespace v1 = ::atlas::incident::v1;

std::string Veris(const std::string& uuid_prefix) {
  return "incidents/veris-" + uuid_prefix;
}

class SearchRelevanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cluster_ = new Cluster({.dir = dir_->path()});
    ASSERT_THAT(cluster_->Start(), IsOk());
    const std::string atlasctl = absl::StrCat(
        BinaryDir(),
        "/tools/atlasctl/atlasctl --catalog=", cluster_->catalog().address(),
        " --incidents=", cluster_->incidents().address(), " --key=", kEditorKey,
        " import ");
    for (const std::string& args :
         {absl::StrCat(SourceDir(), "/scripts/demo/seeds.jsonl"),
          absl::StrCat("--format=veris --veris_dir=", SourceDir(),
                       "/datasets/veris ", SourceDir(),
                       "/datasets/vcdb-sample")}) {
      const int status = std::system(
          absl::StrCat(atlasctl, args, " 2>>", dir_->Sub("import.err"))
              .c_str());
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args;
    }
    // The index applies the changelog in order: once the newest incident
    // is found, every one is.
    auto stub = cluster_->IncidentStub();
    v1::ListIncidentsRequest newest;
    newest.set_page_size(1);
    v1::ListIncidentsResponse page;
    ASSERT_THAT(
        stub->ListIncidents(ContextWithKey(kMemberKey).get(), newest, &page),
        IsOk());
    ASSERT_EQ(page.incidents_size(), 1);
    const v1::Incident last = page.incidents(0);
    ASSERT_TRUE(WaitFor(
        [&] {
          v1::SearchIncidentsRequest r;
          r.set_query(absl::StrCat("\"", last.title(), "\""));
          r.set_page_size(100);
          v1::SearchIncidentsResponse out;
          if (!stub->SearchIncidents(ContextWithKey(kMemberKey).get(), r, &out)
                   .ok()) {
            return false;
          }
          for (const auto& result : out.results()) {
            if (result.incident().name() == last.name()) return true;
          }
          return false;
        },
        absl::Seconds(60)))
        << "the index never caught up with " << last.name();
  }

  static void TearDownTestSuite() {
    delete cluster_;
    delete dir_;
  }

  // The names of the first `n` results.
  static std::vector<std::string> Top(const std::string& query, size_t n,
                                      const std::string& key = kMemberKey,
                                      const std::string& filter = "") {
    v1::SearchIncidentsRequest r;
    r.set_query(query);
    r.set_filter(filter);
    r.set_page_size(static_cast<int>(n));
    v1::SearchIncidentsResponse out;
    ::grpc::Status s = cluster_->IncidentStub()->SearchIncidents(
        ContextWithKey(key).get(), r, &out);
    if (!s.ok()) return {"error: " + s.error_message()};
    std::vector<std::string> names;
    for (const auto& result : out.results()) {
      names.push_back(result.incident().name());
    }
    return names;
  }

  static TempDir* dir_;
  static Cluster* cluster_;
};

TempDir* SearchRelevanceTest::dir_ = nullptr;
Cluster* SearchRelevanceTest::cluster_ = nullptr;

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::StartsWith;

TEST_F(SearchRelevanceTest, TheSeedsAreFoundByWhatTheyAreAbout) {
  EXPECT_THAT(Top("vooruit ransom", 1),
              ElementsAre(StartsWith("incidents/vooruit")));
  EXPECT_THAT(Top("parliament cyberattack", 1),
              ElementsAre(::testing::HasSubstr("parliament")));
  // Both Brussels incidents, and no VCDB record, for "brussels".
  std::vector<std::string> brussels = Top("brussels", 10);
  EXPECT_EQ(brussels.size(), 2u) << absl::StrJoin(brussels, ", ");
}

TEST_F(SearchRelevanceTest, VcdbRecordsRankByTheirSubject) {
  EXPECT_THAT(Top("MOVEit", 1), ElementsAre(StartsWith(Veris("91830e0b"))));
  EXPECT_THAT(Top("dumpster", 1), ElementsAre(StartsWith(Veris("0143b312"))));
  EXPECT_THAT(Top("\"new york times\"", 1),
              ElementsAre(StartsWith(Veris("0199fef0"))));
  // Stems: "skimming" and "skim" are one word; the gas pump's "skimmer"
  // is another.
  std::vector<std::string> skim = Top("skim credit cards", 5);
  EXPECT_THAT(skim, Contains(StartsWith(Veris("017c0bc1"))));
  EXPECT_THAT(skim, Contains(StartsWith(Veris("0185d70f"))));
  // The two stolen laptops lead "stolen laptop".
  std::vector<std::string> laptops = Top("stolen laptop", 2);
  EXPECT_THAT(laptops,
              ::testing::UnorderedElementsAre(StartsWith(Veris("002599d4")),
                                              StartsWith(Veris("00eb741c"))));
  // Anonymous: the three hacktivist records in the top four.
  EXPECT_THAT(Top("anonymous", 4),
              IsSupersetOf({StartsWith(Veris("00ec558c")),
                            StartsWith(Veris("012e4242")),
                            StartsWith(Veris("01718628"))}));
}

TEST_F(SearchRelevanceTest, FiltersNarrowWithoutReordering) {
  const std::vector<std::string> all = Top("patients", 50);
  const std::vector<std::string> us =
      Top("patients", 50, kMemberKey, "country = \"US\"");
  ASSERT_FALSE(us.empty());
  // The filtered list is the unfiltered one with the others left out.
  std::vector<std::string> expected;
  for (const std::string& name : all) {
    if (std::find(us.begin(), us.end(), name) != us.end()) {
      expected.push_back(name);
    }
  }
  EXPECT_EQ(us, expected);
  EXPECT_LT(us.size(), all.size());
}

}  // namespace
}  // namespace atlas
