// Tests of storage::OpenLayout (the stored-layout version and its
// migrations) and of the message a second writer gets, on a real RocksDB in
// a per-test temp dir.
#include "common/storage/stored_layout.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/storage/rocks_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::storage {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kData = 0;
constexpr int kMeta = 1;

class StoredLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    RocksStore::Options options;
    options.path = dir_.Sub("db");
    options.column_families = {"data", "meta"};
    options.block_cache_bytes = 1 << 20;
    auto store = RocksStore::Open(std::move(options));
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  void Put(int family, const std::string& key, const std::string& value) {
    WriteBatch batch;
    batch.Put(family, key, value);
    ASSERT_THAT(store_->Write(batch), IsOk());
  }

  std::string Stored(int family, const std::string& key) {
    auto value = store_->Get(family, key, ReadView::kLatest);
    return value.ok() ? *value : "<" + value.status().ToString() + ">";
  }

  // A spec at `current` whose steps log their `from` into `ran_` and
  // write "v<from+1>" under key "step" in their last batch.
  LayoutSpec Spec(int current) {
    LayoutSpec spec{.owner = "test-service",
                    .meta_family = kMeta,
                    .current = current,
                    .migrations = {}};
    for (int from = kUnversionedLayout; from < current; ++from) {
      spec.migrations.push_back({.from = from,
                                 .description = "test step",
                                 .run = [this, from](WriteBatch* last) {
                                   ran_.push_back(from);
                                   last->Put(kData, "step",
                                             "v" + std::to_string(from + 1));
                                   return absl::OkStatus();
                                 }});
    }
    return spec;
  }

  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
  std::vector<int> ran_;
};

TEST_F(StoredLayoutTest, NoVersionKeyIsTheUnversionedLayoutAndIsMigrated) {
  EXPECT_THAT(ReadLayoutVersion(*store_, kMeta),
              ::testing::Eq(absl::StatusOr<int>(kUnversionedLayout)));
  auto found = OpenLayout(*store_, Spec(3));
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(*found, kUnversionedLayout);
  EXPECT_THAT(ran_, ElementsAre(1, 2));
  EXPECT_EQ(Stored(kMeta, kLayoutVersionKey), "3");
  EXPECT_EQ(Stored(kData, "step"), "v3");

  // Current: nothing runs on the next open.
  Reopen();
  ran_.clear();
  found = OpenLayout(*store_, Spec(3));
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(*found, 3);
  EXPECT_TRUE(ran_.empty());
}

TEST_F(StoredLayoutTest, AnOlderVersionRunsOnlyTheStepsAfterIt) {
  Put(kMeta, kLayoutVersionKey, "2");
  auto found = OpenLayout(*store_, Spec(4));
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(*found, 2);
  EXPECT_THAT(ran_, ElementsAre(2, 3));
  EXPECT_EQ(Stored(kMeta, kLayoutVersionKey), "4");
}

TEST_F(StoredLayoutTest, ANewerVersionIsRefusedAndNothingIsWritten) {
  Put(kMeta, kLayoutVersionKey, "3");
  Put(kData, "record", "as the newer release wrote it");
  EXPECT_THAT(
      OpenLayout(*store_, Spec(2)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "the database at " + dir_.Sub("db") +
                   " has stored layout version 3, but this test-service "
                   "knows layouts up to version 2: a newer release wrote it, "
                   "and this binary would misread it. Run that release (or a "
                   "newer one) on this database, or restore a backup taken "
                   "before the upgrade and run this release on that "
                   "(docs/deploy.md, \"Rolling back\")"));
  EXPECT_TRUE(ran_.empty());
  EXPECT_EQ(Stored(kMeta, kLayoutVersionKey), "3");
  EXPECT_EQ(Stored(kData, "record"), "as the newer release wrote it");
}

TEST_F(StoredLayoutTest, AFailedStepLeavesTheVersionAndRunsAgainNextOpen) {
  LayoutSpec spec = Spec(3);
  bool fail = true;
  spec.migrations[1].run = [&](WriteBatch* last) {
    // A batch of its own along the way, then the failure.
    WriteBatch early;
    early.Put(kData, "partial", "x");
    absl::Status s = store_->Write(early);
    if (!s.ok()) return s;
    if (fail) return absl::InternalError("disk full");
    last->Put(kData, "step", "v3");
    return absl::OkStatus();
  };
  EXPECT_THAT(OpenLayout(*store_, spec),
              StatusIs(absl::StatusCode::kInternal, "disk full"));
  // Step 1 -> 2 finished and committed its version; 2 -> 3 did not.
  EXPECT_EQ(Stored(kMeta, kLayoutVersionKey), "2");
  EXPECT_EQ(Stored(kData, "step"), "v2");

  Reopen();
  fail = false;
  ran_.clear();
  auto found = OpenLayout(*store_, spec);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(*found, 2);
  EXPECT_TRUE(ran_.empty());  // step 1 -> 2 did not run again
  EXPECT_EQ(Stored(kMeta, kLayoutVersionKey), "3");
  EXPECT_EQ(Stored(kData, "step"), "v3");
}

TEST_F(StoredLayoutTest, AVersionThatDoesNotParseIsDataLoss) {
  Put(kMeta, kLayoutVersionKey, "two");
  EXPECT_THAT(OpenLayout(*store_, Spec(2)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("\"two\"")));
  Put(kMeta, kLayoutVersionKey, "0");
  EXPECT_THAT(OpenLayout(*store_, Spec(2)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_TRUE(ran_.empty());
}

TEST_F(StoredLayoutTest, AMissingStepIsInternal) {
  LayoutSpec spec = Spec(3);
  spec.migrations.pop_back();  // no step from 2
  EXPECT_THAT(OpenLayout(*store_, spec),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("no migration from layout version 2")));
  EXPECT_EQ(Stored(kMeta, kLayoutVersionKey), "2");
}

TEST_F(StoredLayoutTest, ASecondOpenOfTheSameDatabaseSaysItIsInUse) {
  RocksStore::Options options;
  options.path = dir_.Sub("db");
  options.column_families = {"data", "meta"};
  EXPECT_THAT(RocksStore::Open(std::move(options)),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("the database at " + dir_.Sub("db") +
                                 " is open in another process: one writer "
                                 "per database")));
}

}  // namespace
}  // namespace atlas::storage
