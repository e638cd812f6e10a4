// SearchQuery: queries and filters over a small in-memory index of
// documents built as the service builds them.
#include "incident-service/search/search_query.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/search/search_document.h"

namespace atlas::incident::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

IncidentText Record(const std::string& id, const std::string& title,
                    const std::string& summary, const std::string& country,
                    int year) {
  IncidentText t;
  t.incident.set_name("incidents/" + id);
  t.incident.set_title(title);
  t.incident.set_summary(summary);
  if (!country.empty()) t.incident.add_countries(country);
  if (year > 0) t.incident.mutable_start_date()->set_year(year);
  return t;
}

class SearchQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
    Add(Record("vooruit", "Vooruit website held to ransom",
               "The party refused to pay the attackers.", "BE", 2024));
    Add(Record("parliament", "Brussels Parliament under cyberattack",
               "Het parlement werd aangevallen; de aanvallers eisten losgeld.",
               "BE", 2024));
    Add(Record("moveit", "MOVEit transfer breach",
               "Data stolen through the MOVEit vulnerability.", "US", 2023));
    Add(Record("undated", "Ransom demand at a school", "", "FR", 0));
  }
  void Add(const IncidentText& t) {
    Xapian::Document d = BuildSearchDocument(t);
    db_.replace_document(absl::StrCat(kIdPrefix, DocumentIncidentId(d)), d);
  }
  std::vector<std::string> Ids(const std::string& query,
                               const std::string& filter = "") {
    auto q = ParseSearchQuery(query, db_);
    EXPECT_TRUE(q.ok()) << q.status();
    if (!q.ok()) return {};
    Xapian::Query full = *q;
    if (!filter.empty()) {
      auto f = ParseIncidentFilter(filter);
      EXPECT_TRUE(f.ok()) << f.status();
      full = Xapian::Query(Xapian::Query::OP_FILTER, full, FilterQuery(*f));
    }
    Xapian::Enquire enquire(db_);
    enquire.set_query(full);
    std::vector<std::string> ids;
    Xapian::MSet mset = enquire.get_mset(0, 10);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      ids.push_back(DocumentIncidentId(it.get_document()));
    }
    return ids;
  }
  absl::StatusCode Code(const std::string& query) {
    return ParseSearchQuery(query, db_).status().code();
  }

  Xapian::WritableDatabase db_;
};

TEST_F(SearchQueryTest, WordsMatchByStemAndAllAreRequired) {
  EXPECT_THAT(Ids("ransom refusing"), ElementsAre("vooruit"));
  EXPECT_THAT(Ids("ransom"), UnorderedElementsAre("vooruit", "undated"));
  EXPECT_THAT(Ids("moveit"), ElementsAre("moveit"));
}

TEST_F(SearchQueryTest, DutchWordsMatchByTheirDutchStem) {
  EXPECT_THAT(Ids("aanvaller"), ElementsAre("parliament"));
  EXPECT_THAT(Ids("losgeld"), ElementsAre("parliament"));
}

TEST_F(SearchQueryTest, PhrasesPrefixesAndFields) {
  EXPECT_THAT(Ids("\"held to ransom\""), ElementsAre("vooruit"));
  EXPECT_THAT(Ids("\"ransom to held\""), IsEmpty());
  EXPECT_THAT(Ids("title:breach"), ElementsAre("moveit"));
  EXPECT_THAT(Ids("title:stolen"), IsEmpty());
  EXPECT_THAT(Ids("ransom country:fr"), ElementsAre("undated"));
  EXPECT_THAT(Ids("parl*"), ElementsAre("parliament"));
  EXPECT_THAT(Ids("ransom OR moveit"),
              UnorderedElementsAre("vooruit", "undated", "moveit"));
  EXPECT_THAT(Ids("ransom -school"), ElementsAre("vooruit"));
}

TEST_F(SearchQueryTest, FiltersRestrictWithoutWeighing) {
  EXPECT_THAT(Ids("ransom", "country = \"BE\""), ElementsAre("vooruit"));
  EXPECT_THAT(Ids("ransom OR moveit", "start >= 2024"), ElementsAre("vooruit"));
  EXPECT_THAT(Ids("ransom OR moveit", "start <= 2023-12"),
              ElementsAre("moveit"));
  // An incident without a start date matches no date term.
  EXPECT_THAT(Ids("school", "start <= 2030"), IsEmpty());
}

TEST_F(SearchQueryTest, BadQueriesAreInvalidArgumentNamingQuery) {
  EXPECT_EQ(Code(""), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("   "), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(std::string(1001, 'a')), absl::StatusCode::kInvalidArgument);
  std::string many;
  for (int i = 0; i < 100; ++i) absl::StrAppend(&many, "w", i, " OR ");
  many += "last";
  auto s = ParseSearchQuery(many, db_).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("query: at most 64 distinct terms"));
  EXPECT_EQ(ParseSearchQuery("ransom", db_).status().code(),
            absl::StatusCode::kOk);
  // Unbalanced quotes and a lone wildcard parse to a bounded query.
  EXPECT_THAT(Ids("\"held to"), ElementsAre("vooruit"));
  EXPECT_EQ(Code("*"), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace atlas::incident::search
