// SearchIndex: the two databases, their commits and positions, in a temp
// directory.
#include "incident-service/search/search_index.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace atlas::incident::search {
namespace {

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name())
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static IncidentText Record(const std::string& id, const std::string& title) {
    IncidentText t;
    t.incident.set_name("incidents/" + id);
    t.incident.set_title(title);
    t.incident.add_threat_actors()->set_name("NoName057");
    return t;
  }

  static int Count(SearchIndex& index, Tier tier, const std::string& term) {
    auto db = index.Acquire(tier);
    EXPECT_TRUE(db.ok()) << db.status();
    int n = (*db)->get_termfreq(term);
    index.Release(tier, std::move(*db));
    return n;
  }

  std::string dir_;
};

TEST_F(SearchIndexTest, ReadersSeeOnlyCommittedWrites) {
  auto index = SearchIndex::Open(dir_);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_TRUE((*index)->Clear("gen-a").ok());
  ASSERT_TRUE((*index)->Put(Record("a", "Ransom at Vooruit")).ok());
  EXPECT_EQ(Count(**index, Tier::kPublic, "ransom"), 0);
  ASSERT_TRUE((*index)->Commit({"gen-a", 7, true}).ok());
  EXPECT_EQ(Count(**index, Tier::kPublic, "ransom"), 1);
  EXPECT_EQ(Count(**index, Tier::kMembers, "ransom"), 1);
  // The threat actor is members-only.
  EXPECT_EQ(Count(**index, Tier::kPublic, "noname057"), 0);
  EXPECT_EQ(Count(**index, Tier::kMembers, "noname057"), 1);
}

TEST_F(SearchIndexTest, PutReplacesAndRemoveDeletes) {
  auto index = SearchIndex::Open(dir_);
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->Put(Record("a", "Ransom")).ok());
  ASSERT_TRUE((*index)->Put(Record("a", "Defacement")).ok());
  ASSERT_TRUE((*index)->Put(Record("b", "Ransom")).ok());
  ASSERT_TRUE((*index)->Commit({"g", 3, true}).ok());
  EXPECT_EQ(Count(**index, Tier::kMembers, "ransom"), 1);
  EXPECT_EQ(Count(**index, Tier::kMembers, "defacement"), 1);
  ASSERT_TRUE((*index)->Remove("b").ok());
  ASSERT_TRUE((*index)->Commit({"g", 4, true}).ok());
  EXPECT_EQ(Count(**index, Tier::kMembers, "ransom"), 0);
}

TEST_F(SearchIndexTest, PositionAndGenerationSurviveReopen) {
  std::string generation;
  {
    auto index = SearchIndex::Open(dir_);
    ASSERT_TRUE(index.ok());
    EXPECT_EQ((*index)->position().changelog_next, 0);
    EXPECT_FALSE((*index)->position().complete);
    ASSERT_TRUE((*index)->Clear("gen-a").ok());
    generation = (*index)->index_generation();
    EXPECT_EQ(generation.size(), 32u);
    ASSERT_TRUE((*index)->Put(Record("a", "Ransom")).ok());
    ASSERT_TRUE((*index)->Commit({"gen-a", 42, true}).ok());
  }
  auto index = SearchIndex::Open(dir_);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->position().changelog_generation, "gen-a");
  EXPECT_EQ((*index)->position().changelog_next, 42);
  EXPECT_TRUE((*index)->position().complete);
  EXPECT_EQ((*index)->index_generation(), generation);
  // Clear empties both halves and draws a new generation.
  ASSERT_TRUE((*index)->Clear("gen-b").ok());
  EXPECT_NE((*index)->index_generation(), generation);
  EXPECT_EQ(Count(**index, Tier::kMembers, "ransom"), 0);
  EXPECT_FALSE((*index)->position().complete);
}

TEST_F(SearchIndexTest, ASecondWriterIsUnavailable) {
  auto first = SearchIndex::Open(dir_);
  ASSERT_TRUE(first.ok());
  auto second = SearchIndex::Open(dir_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable)
      << second.status();
}

}  // namespace
}  // namespace atlas::incident::search
