// Tests of RocksStore's group commit (one sync for the writes that wait
// together) on a real RocksDB in a per-test temp dir; the rest of
// RocksStore is in rocks_store_test.cc.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
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
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr int kRecords = 0;
constexpr int kIndex = 1;

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// --- Group commit -----------------------------------------------------------

// A store whose syncs can be held: each sync calls the hook after it has
// captured the writes it covers and before it syncs; while `held` is set,
// the hook blocks until Release().
class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksStore::Options options;
    options.path = dir_.Sub("db");
    options.column_families = {"records", "index"};
    options.block_cache_bytes = 1 << 20;
    options.before_sync_for_test = [this] {
      absl::MutexLock lock(&mu_);
      ++syncs_;
      mu_.Await(absl::Condition(
          +[](GroupCommitTest* t)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(t->mu_) { return !t->held_; },
          this));
    };
    auto store = RocksStore::Open(std::move(options));
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  void Hold() {
    absl::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    held_ = false;
  }
  // Waits (no timeout: ctest's applies) until `n` syncs have started.
  void AwaitSyncsStarted(int n) {
    std::pair<GroupCommitTest*, int> arg(this, n);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::pair<GroupCommitTest*, int>* a) {
          return a->first->syncs_ >= a->second;
        },
        &arg));
  }
  int syncs() {
    absl::MutexLock lock(&mu_);
    return syncs_;
  }

  // Writes and syncs "a" (token 1).
  void PutAllDurable() {
    WriteBatch batch;
    batch.Put(kRecords, "a", "alpha");
    ASSERT_THAT(store_->Write(batch), IsOk());
  }

  WriteToken Append(absl::string_view key, absl::string_view value) {
    WriteBatch batch;
    batch.Put(kRecords, key, value);
    auto token = store_->Append(batch);
    EXPECT_THAT(token, IsOk());
    return token.ok() ? *token : 0;
  }

  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
  absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  int syncs_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(GroupCommitTest, AppendIsVisibleToLatestReadsOnlyUntilSynced) {
  const WriteToken token = Append("a", "alpha");
  EXPECT_EQ(token, 1u);
  EXPECT_EQ(store_->last_write_token(), 1u);
  EXPECT_EQ(store_->durable_token(), 0u);
  EXPECT_THAT(store_->Get(kRecords, "a"),
              StatusIs(absl::StatusCode::kNotFound));
  auto latest = store_->Get(kRecords, "a", ReadView::kLatest);
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(*latest, "alpha");

  ASSERT_THAT(store_->WaitDurable(token), IsOk());
  EXPECT_EQ(store_->durable_token(), 1u);
  auto durable = store_->Get(kRecords, "a");
  ASSERT_THAT(durable, IsOk());
  EXPECT_EQ(*durable, "alpha");
  // Already durable: no second sync.
  ASSERT_THAT(store_->WaitDurable(token), IsOk());
  EXPECT_EQ(syncs(), 1);
}

TEST_F(GroupCommitTest, ReadersNeverSeeAWriteWhoseSyncIsInProgress) {
  PutAllDurable();
  Hold();
  const WriteToken token = Append("b", "beta");
  std::atomic<bool> acknowledged{false};
  std::thread writer([&] {
    EXPECT_THAT(store_->WaitDurable(token), IsOk());
    acknowledged = true;
  });
  AwaitSyncsStarted(2);  // the sync covering "b" is captured and held
  EXPECT_FALSE(acknowledged.load());
  EXPECT_EQ(store_->durable_token(), 1u);
  // Every kDurable read path misses "b"; kLatest sees it.
  EXPECT_THAT(store_->Get(kRecords, "b"),
              StatusIs(absl::StatusCode::kNotFound));
  std::vector<std::string> values;
  std::vector<bool> found;
  ASSERT_THAT(store_->MultiGet(kRecords, {"a", "b"}, &values, &found), IsOk());
  EXPECT_THAT(found, ElementsAre(true, false));
  std::vector<std::string> keys;
  ASSERT_THAT(store_->Scan(kRecords, "", "", ScanDirection::kForward,
                           [&](absl::string_view k, absl::string_view) {
                             keys.emplace_back(k);
                             return true;
                           }),
              IsOk());
  EXPECT_THAT(keys, ElementsAre("a"));
  EXPECT_THAT(store_->Get(kRecords, "b", ReadView::kLatest), IsOk());

  Release();
  writer.join();
  EXPECT_TRUE(acknowledged.load());
  EXPECT_THAT(store_->Get(kRecords, "b"), IsOk());
}

TEST_F(GroupCommitTest, WriteAppendedDuringASyncWaitsForTheNextOne) {
  Hold();
  const WriteToken first = Append("a", "1");
  std::thread first_writer(
      [&] { EXPECT_THAT(store_->WaitDurable(first), IsOk()); });
  AwaitSyncsStarted(1);
  const WriteToken second = Append("b", "2");  // after the capture
  std::atomic<bool> second_done{false};
  std::thread second_writer([&] {
    EXPECT_THAT(store_->WaitDurable(second), IsOk());
    second_done = true;
  });
  Release();
  first_writer.join();
  second_writer.join();
  EXPECT_TRUE(second_done.load());
  EXPECT_EQ(syncs(), 2);
  EXPECT_EQ(store_->durable_token(), 2u);
  EXPECT_THAT(store_->Get(kRecords, "b"), IsOk());
}

TEST_F(GroupCommitTest, ManyWritersShareSyncsAndEachIsDurableWhenAcknowledged) {
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 50;
  std::atomic<int> violations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const std::string key = absl::StrCat("t", t, "-", i);
        WriteBatch batch;
        batch.Put(kRecords, key, "v");
        auto token = store_->Append(batch);
        ASSERT_THAT(token, IsOk());
        ASSERT_THAT(store_->WaitDurable(*token), IsOk());
        // Acknowledged: synced, and visible to every durable reader.
        if (store_->durable_token() < *token) ++violations;
        if (!store_->Get(kRecords, key).ok()) ++violations;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(store_->durable_token(),
            static_cast<WriteToken>(kThreads * kWritesPerThread));
  // Never more syncs than writes; usually far fewer (not asserted: timing).
  EXPECT_LE(syncs(), kThreads * kWritesPerThread);
}

}  // namespace
}  // namespace atlas::storage
