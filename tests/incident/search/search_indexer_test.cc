// SearchIndexer: the index follows the changelog of a real IncidentCore
// (RocksDB in a temp dir, fake catalog and clock), resumes from its last
// commit, and rebuilds when it must.
#include "incident-service/search/search_indexer.h"

#include <memory>
#include <string>

#include "common/api/time/clock.h"
#include "gtest/gtest.h"
#include "incident-service/incident_core.h"
#include "tests/testing/fake_organization_directory.h"
#include "tests/testing/incident_core_data.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::incident::search {
namespace {

using ::atlas::testing::IsOk;

const auth::Caller kEditor{auth::Role::kEditor, "editor"};

v1::CreateIncidentRequest Create(const std::string& id,
                                 const std::string& title) {
  v1::CreateIncidentRequest r;
  r.set_incident_id(id);
  r.mutable_incident()->set_title(title);
  r.mutable_incident()->add_victims()->set_organization(
      "organizations/vooruit");
  r.mutable_incident()->add_countries("BE");
  return r;
}

class SearchIndexerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = IncidentStore::Open(dir_.Sub("incidents"));
    ASSERT_THAT(store.status(), IsOk());
    store_ = *std::move(store);
    auto changelog = Changelog::Open(*store_);
    ASSERT_THAT(changelog.status(), IsOk());
    changelog_ = *std::move(changelog);
    directory_.Add("vooruit");
    core_ = std::make_unique<IncidentCore>(IncidentCore::Collaborators{
        .store = store_.get(),
        .changelog = changelog_.get(),
        .directory = &directory_,
        .attack = &testing::PinnedAttackCatalog(),
        .countries = &testing::BelgiumAndFrance(),
        .veris = &testing::PinnedVerisVocabulary(),
        .clock = &clock_,
    });
  }
  void TearDown() override {
    StopIndexer();
    core_.reset();
    changelog_.reset();
    EXPECT_THAT(store_->Close(), IsOk());
  }

  void StartIndexer(bool rebuild = false) {
    auto index = SearchIndex::Open(dir_.Sub("search"));
    ASSERT_THAT(index.status(), IsOk());
    index_ = *std::move(index);
    indexer_ = std::make_unique<SearchIndexer>(
        *store_, *changelog_, *index_,
        SearchIndexer::Options{.batch = 3, .rebuild = rebuild});
    indexer_->Start();
  }
  void StopIndexer() {
    indexer_.reset();
    index_.reset();
  }
  bool CaughtUp() {
    return indexer_->WaitApplied(changelog_->durable_next_sequence(),
                                 absl::Seconds(20));
  }
  int Count(Tier tier, const std::string& term) {
    auto db = index_->Acquire(tier);
    EXPECT_THAT(db.status(), IsOk());
    int n = (*db)->get_termfreq(term);
    index_->Release(tier, *std::move(db));
    return n;
  }

  testing::TempDir dir_;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  testing::FakeOrganizationDirectory directory_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<Changelog> changelog_;
  std::unique_ptr<IncidentCore> core_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<SearchIndexer> indexer_;
};

TEST_F(SearchIndexerTest, FollowsCreatesUpdatesAndDeletes) {
  StartIndexer();
  ASSERT_TRUE(CaughtUp());
  EXPECT_TRUE(indexer_->ready());
  ASSERT_THAT(
      core_->CreateIncident(kEditor, Create("a", "Ransom at Vooruit")).status(),
      IsOk());
  ASSERT_THAT(
      core_->CreateIncident(kEditor, Create("b", "Defacement")).status(),
      IsOk());
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Count(Tier::kPublic, "ransom"), 1);
  EXPECT_EQ(Count(Tier::kMembers, "defacement"), 1);

  v1::UpdateIncidentRequest update;
  update.mutable_incident()->set_name("incidents/a");
  update.mutable_incident()->set_title("Outage at Vooruit");
  update.mutable_update_mask()->add_paths("title");
  ASSERT_THAT(core_->UpdateIncident(kEditor, update).status(), IsOk());
  v1::DeleteIncidentRequest del;
  del.set_name("incidents/b");
  ASSERT_THAT(core_->DeleteIncident(kEditor, del).status(), IsOk());
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Count(Tier::kPublic, "ransom"), 0);
  EXPECT_EQ(Count(Tier::kPublic, "outage"), 1);
  EXPECT_EQ(Count(Tier::kMembers, "defacement"), 0);
}

TEST_F(SearchIndexerTest, BuildsFromTheStoreAndResumesAfterARestart) {
  for (int i = 0; i < 7; ++i) {  // more than one rebuild batch (3)
    ASSERT_THAT(
        core_
            ->CreateIncident(kEditor, Create("r" + std::to_string(i), "Ransom"))
            .status(),
        IsOk());
  }
  StartIndexer();
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Count(Tier::kPublic, "ransom"), 7);
  const std::string generation = index_->index_generation();
  StopIndexer();

  // Written while the indexer was down: applied from the log on restart,
  // without a rebuild (same index generation).
  ASSERT_THAT(
      core_->CreateIncident(kEditor, Create("late", "Ransom late")).status(),
      IsOk());
  StartIndexer();
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Count(Tier::kPublic, "ransom"), 8);
  EXPECT_EQ(index_->index_generation(), generation);

  // Asked to rebuild: a new generation, the same contents.
  StopIndexer();
  StartIndexer(/*rebuild=*/true);
  ASSERT_TRUE(CaughtUp());
  EXPECT_NE(index_->index_generation(), generation);
  EXPECT_EQ(Count(Tier::kPublic, "ransom"), 8);
}

TEST_F(SearchIndexerTest, RebuildsWhenTheChangesItNeedsWereTrimmed) {
  StartIndexer();
  ASSERT_TRUE(CaughtUp());
  const std::string generation = index_->index_generation();
  StopIndexer();
  changelog_->set_retention_entries(2);
  for (int i = 0; i < 6; ++i) {
    ASSERT_THAT(
        core_
            ->CreateIncident(kEditor, Create("t" + std::to_string(i), "Ransom"))
            .status(),
        IsOk());
  }
  StartIndexer();
  ASSERT_TRUE(CaughtUp());
  EXPECT_NE(index_->index_generation(), generation);
  EXPECT_EQ(Count(Tier::kMembers, "ransom"), 6);
}

}  // namespace
}  // namespace atlas::incident::search
