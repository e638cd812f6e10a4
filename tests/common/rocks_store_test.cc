// Tests of RocksStore on a real RocksDB in a per-test temp dir.
#include "common/storage/rocks_store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
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

class RocksStoreTest : public ::testing::Test {
 protected:
  RocksStore::Options StoreOptions() const {
    RocksStore::Options options;
    options.path = dir_.Sub("db");
    options.column_families = {"records", "index"};
    options.block_cache_bytes = 1 << 20;
    return options;
  }

  void SetUp() override {
    auto store = RocksStore::Open(StoreOptions());
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  void PutAll(int family, const std::vector<std::string>& keys) {
    WriteBatch batch;
    for (const std::string& k : keys) batch.Put(family, k, "v-" + k);
    ASSERT_THAT(store_->Write(batch), IsOk());
  }

  // Keys visited by Scan, in visit order.
  std::vector<std::string> ScanKeys(absl::string_view lower,
                                    absl::string_view upper,
                                    ScanDirection direction) {
    std::vector<std::string> keys;
    absl::Status s =
        store_->Scan(kRecords, lower, upper, direction,
                     [&keys](absl::string_view key, absl::string_view) {
                       keys.emplace_back(key);
                       return true;
                     });
    EXPECT_THAT(s, IsOk());
    return keys;
  }

  std::vector<std::string> PrefixKeys(absl::string_view prefix,
                                      ScanDirection direction) {
    std::vector<std::string> keys;
    absl::Status s =
        store_->ScanPrefix(kRecords, prefix, direction,
                           [&keys](absl::string_view key, absl::string_view) {
                             keys.emplace_back(key);
                             return true;
                           });
    EXPECT_THAT(s, IsOk());
    return keys;
  }

  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
};

std::string ValueOf(const absl::StatusOr<std::string>& value) {
  return value.ok() ? *value : value.status().ToString();
}

// A rollback: an older build lists fewer families than a newer one left
// on disk. It opens the database (RocksDB alone refuses: "Column families
// not opened"), uses its own families, and the newer family's data is
// there again when the newer build comes back.
TEST_F(RocksStoreTest, AnOlderBuildOpensADatabaseWithAFamilyItDoesNotKnow) {
  RocksStore::Options newer = StoreOptions();
  newer.column_families.push_back("added_later");
  store_.reset();
  {
    auto store = RocksStore::Open(newer);
    ASSERT_THAT(store, IsOk());
    WriteBatch batch;
    batch.Put(2, "k", "newer");
    batch.Put(kRecords, "r", "both");
    ASSERT_THAT((*store)->Write(batch), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  {
    auto older = RocksStore::Open(StoreOptions());
    ASSERT_THAT(older, IsOk());
    EXPECT_EQ(ValueOf((*older)->Get(kRecords, "r")), "both");
    WriteBatch batch;
    batch.Put(kIndex, "i", "older");
    ASSERT_THAT((*older)->Write(batch), IsOk());
    ASSERT_THAT((*older)->Close(), IsOk());
  }
  auto again = RocksStore::Open(newer);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(ValueOf((*again)->Get(2, "k")), "newer");
  EXPECT_EQ(ValueOf((*again)->Get(kIndex, "i")), "older");
  EXPECT_THAT((*again)->Close(), IsOk());
}

TEST_F(RocksStoreTest, GetMissingKeyIsNotFound) {
  EXPECT_THAT(store_->Get(kRecords, "missing"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, GetReturnsWrittenValue) {
  WriteBatch batch;
  batch.Put(kRecords, "a", "alpha");
  ASSERT_THAT(store_->Write(batch), IsOk());
  auto value = store_->Get(kRecords, "a");
  ASSERT_THAT(value, IsOk());
  EXPECT_EQ(*value, "alpha");
}

TEST_F(RocksStoreTest, ColumnFamiliesAreSeparateKeySpaces) {
  WriteBatch batch;
  batch.Put(kRecords, "k", "record");
  ASSERT_THAT(store_->Write(batch), IsOk());
  EXPECT_THAT(store_->Get(kIndex, "k"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, DeleteInBatchRemovesKey) {
  PutAll(kRecords, {"a", "b"});
  WriteBatch batch;
  batch.Delete(kRecords, "a");
  batch.Put(kIndex, "i", "x");
  ASSERT_THAT(store_->Write(batch), IsOk());
  EXPECT_THAT(store_->Get(kRecords, "a"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Get(kRecords, "b"), IsOk());
  EXPECT_THAT(store_->Get(kIndex, "i"), IsOk());
}

TEST_F(RocksStoreTest, AddsToCountersAddUpWithinAndAcrossBatches) {
  WriteBatch first;
  first.Add(kIndex, "n", 2);
  first.Add(kIndex, "n", 3);  // two additions in one batch add up
  first.Add(kIndex, "gone", 1);
  ASSERT_THAT(store_->Write(first), IsOk());
  EXPECT_EQ(store_->Get(kIndex, "n").value_or(""), "5");
  // Concurrent batches never lose an addition (the read-modify-write runs
  // under the append lock).
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([this] {
      for (int i = 0; i < 50; ++i) {
        WriteBatch batch;
        batch.Add(kIndex, "n", 1);
        EXPECT_THAT(store_->Append(batch).status(), IsOk());
      }
    });
  }
  for (std::thread& w : writers) w.join();
  WriteBatch last;
  last.Add(kIndex, "n", -5);
  last.Add(kIndex, "gone", -1);  // a sum of 0 deletes the key
  ASSERT_THAT(store_->Write(last), IsOk());
  EXPECT_EQ(store_->Get(kIndex, "n").value_or(""), "200");
  EXPECT_THAT(store_->Get(kIndex, "gone"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, AddToANonCounterFailsAndWritesNothing) {
  PutAll(kRecords, {"text"});
  WriteBatch batch;
  batch.Put(kRecords, "other", "x");
  batch.Add(kRecords, "text", 1);
  EXPECT_THAT(store_->Write(batch), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(store_->Get(kRecords, "other"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, BatchWithInvalidColumnFamilyFailsAndWritesNothing) {
  WriteBatch batch;
  batch.Put(kRecords, "first", "1");
  batch.Put(kIndex, "second", "2");
  batch.Put(7, "third", "3");  // no such family
  EXPECT_THAT(store_->Write(batch),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get(kRecords, "first"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Get(kIndex, "second"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, BatchWithNegativeColumnFamilyFailsAndWritesNothing) {
  WriteBatch batch;
  batch.Put(kRecords, "first", "1");
  batch.Delete(-1, "x");
  EXPECT_THAT(store_->Write(batch),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get(kRecords, "first"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, GetOfUnknownColumnFamilyIsInvalidArgument) {
  EXPECT_THAT(store_->Get(2, "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RocksStoreTest, ReopenAfterCloseKeepsData) {
  WriteBatch batch;
  batch.Put(kRecords, "a", "alpha");
  batch.Put(kIndex, "i", "index");
  ASSERT_THAT(store_->Write(batch), IsOk());
  ASSERT_THAT(store_->Close(), IsOk());
  store_.reset();

  auto reopened = RocksStore::Open(StoreOptions());
  ASSERT_THAT(reopened, IsOk());
  auto a = (*reopened)->Get(kRecords, "a");
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(*a, "alpha");
  auto i = (*reopened)->Get(kIndex, "i");
  ASSERT_THAT(i, IsOk());
  EXPECT_EQ(*i, "index");
}

TEST_F(RocksStoreTest, ReopenWithAddedColumnFamilyCreatesIt) {
  PutAll(kRecords, {"a"});
  ASSERT_THAT(store_->Close(), IsOk());
  RocksStore::Options options = StoreOptions();
  options.column_families.push_back("extra");
  auto reopened = RocksStore::Open(options);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_THAT((*reopened)->Get(kRecords, "a"), IsOk());
  EXPECT_THAT((*reopened)->Get(2, "a"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RocksStoreTest, CloseIsIdempotent) {
  EXPECT_THAT(store_->Close(), IsOk());
  EXPECT_THAT(store_->Close(), IsOk());
}

TEST_F(RocksStoreTest, CallsAfterCloseAreFailedPrecondition) {
  PutAll(kRecords, {"a"});
  ASSERT_THAT(store_->Close(), IsOk());
  EXPECT_THAT(store_->Get(kRecords, "a"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<std::string> values;
  std::vector<bool> found;
  EXPECT_THAT(store_->MultiGet(kRecords, {"a"}, &values, &found),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteBatch batch;
  batch.Put(kRecords, "b", "2");
  EXPECT_THAT(store_->Write(batch),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->Write(WriteBatch()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  auto visit = [](absl::string_view, absl::string_view) { return true; };
  EXPECT_THAT(store_->Scan(kRecords, "", "", ScanDirection::kForward, visit),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->ScanPrefix(kRecords, "a", ScanDirection::kReverse, visit),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->IntProperty(kRecords, "rocksdb.estimate-num-keys"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(RocksStoreTest, SecondOpenOfOpenDirectoryIsUnavailable) {
  EXPECT_THAT(RocksStore::Open(StoreOptions()),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(RocksStoreTest, OpenRejectsEmptyPath) {
  RocksStore::Options options = StoreOptions();
  options.path.clear();
  EXPECT_THAT(RocksStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RocksStoreTest, OpenRejectsDefaultFamilyName) {
  RocksStore::Options options = StoreOptions();
  options.path = dir_.Sub("other");
  options.column_families.push_back("default");
  EXPECT_THAT(RocksStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RocksStoreTest, MultiGetReportsFoundAndMissingInOrder) {
  PutAll(kRecords, {"a", "c"});
  std::vector<std::string> values;
  std::vector<bool> found;
  ASSERT_THAT(store_->MultiGet(kRecords, {"a", "b", "c", "a"}, &values, &found),
              IsOk());
  EXPECT_THAT(found, ElementsAre(true, false, true, true));
  EXPECT_THAT(values, ElementsAre("v-a", "", "v-c", "v-a"));
}

TEST_F(RocksStoreTest, MultiGetOfNoKeysIsEmpty) {
  std::vector<std::string> values = {"stale"};
  std::vector<bool> found = {true};
  ASSERT_THAT(store_->MultiGet(kRecords, {}, &values, &found), IsOk());
  EXPECT_THAT(values, IsEmpty());
  EXPECT_THAT(found, IsEmpty());
}

TEST_F(RocksStoreTest, ScanForwardIncludesLowerExcludesUpper) {
  PutAll(kRecords, {"a", "b", "c", "d", "e"});
  EXPECT_THAT(ScanKeys("b", "d", ScanDirection::kForward),
              ElementsAre("b", "c"));
}

TEST_F(RocksStoreTest, ScanReverseIncludesLowerExcludesUpper) {
  PutAll(kRecords, {"a", "b", "c", "d", "e"});
  EXPECT_THAT(ScanKeys("b", "d", ScanDirection::kReverse),
              ElementsAre("c", "b"));
}

TEST_F(RocksStoreTest, ScanBoundsNeedNotBeKeys) {
  PutAll(kRecords, {"a", "b", "c", "d", "e"});
  EXPECT_THAT(ScanKeys("aa", "cc", ScanDirection::kForward),
              ElementsAre("b", "c"));
  EXPECT_THAT(ScanKeys("aa", "cc", ScanDirection::kReverse),
              ElementsAre("c", "b"));
}

TEST_F(RocksStoreTest, ScanWithEmptyUpperHasNoUpperBound) {
  PutAll(kRecords, {"a", "b", "c"});
  EXPECT_THAT(ScanKeys("b", "", ScanDirection::kForward),
              ElementsAre("b", "c"));
  EXPECT_THAT(ScanKeys("b", "", ScanDirection::kReverse),
              ElementsAre("c", "b"));
  EXPECT_THAT(ScanKeys("", "", ScanDirection::kForward),
              ElementsAre("a", "b", "c"));
}

TEST_F(RocksStoreTest, ScanOfEmptyRangeVisitsNothing) {
  PutAll(kRecords, {"a", "b", "c"});
  EXPECT_THAT(ScanKeys("b", "b", ScanDirection::kForward), IsEmpty());
  EXPECT_THAT(ScanKeys("b", "b", ScanDirection::kReverse), IsEmpty());
  EXPECT_THAT(ScanKeys("x", "", ScanDirection::kForward), IsEmpty());
  EXPECT_THAT(ScanKeys("x", "", ScanDirection::kReverse), IsEmpty());
}

TEST_F(RocksStoreTest, ScanStaysInItsColumnFamily) {
  PutAll(kRecords, {"b"});
  PutAll(kIndex, {"a", "c"});
  EXPECT_THAT(ScanKeys("", "", ScanDirection::kForward), ElementsAre("b"));
}

TEST_F(RocksStoreTest, ScanPassesValues) {
  PutAll(kRecords, {"a", "b"});
  std::vector<std::pair<std::string, std::string>> seen;
  ASSERT_THAT(store_->Scan(kRecords, "", "", ScanDirection::kForward,
                           [&seen](absl::string_view k, absl::string_view v) {
                             seen.emplace_back(k, v);
                             return true;
                           }),
              IsOk());
  EXPECT_THAT(seen, ElementsAre(Pair("a", "v-a"), Pair("b", "v-b")));
}

TEST_F(RocksStoreTest, ScanStopsWhenVisitorReturnsFalse) {
  PutAll(kRecords, {"a", "b", "c", "d"});
  for (ScanDirection direction :
       {ScanDirection::kForward, ScanDirection::kReverse}) {
    std::vector<std::string> keys;
    ASSERT_THAT(store_->Scan(kRecords, "", "", direction,
                             [&keys](absl::string_view k, absl::string_view) {
                               keys.emplace_back(k);
                               return keys.size() < 2;
                             }),
                IsOk());
    if (direction == ScanDirection::kForward) {
      EXPECT_THAT(keys, ElementsAre("a", "b"));
    } else {
      EXPECT_THAT(keys, ElementsAre("d", "c"));
    }
  }
}

TEST_F(RocksStoreTest, ScanPrefixVisitsOnlyKeysWithPrefix) {
  PutAll(kRecords, {"or", "org/", "org/a", "org/b", "orh", "p"});
  EXPECT_THAT(PrefixKeys("org/", ScanDirection::kForward),
              ElementsAre("org/", "org/a", "org/b"));
  EXPECT_THAT(PrefixKeys("org/", ScanDirection::kReverse),
              ElementsAre("org/b", "org/a", "org/"));
}

TEST_F(RocksStoreTest, ScanPrefixEndingInFfStopsAtNextPrefix) {
  const std::string prefix("a\xff", 2);
  PutAll(kRecords, {std::string("a\xfe", 2), prefix, prefix + "x",
                    prefix + std::string("\xff", 1), "b", "b1"});
  EXPECT_THAT(
      PrefixKeys(prefix, ScanDirection::kForward),
      ElementsAre(prefix, prefix + "x", prefix + std::string("\xff", 1)));
  EXPECT_THAT(
      PrefixKeys(prefix, ScanDirection::kReverse),
      ElementsAre(prefix + std::string("\xff", 1), prefix + "x", prefix));
}

TEST_F(RocksStoreTest, ScanPrefixOfAllFfBytesRunsToTheEnd) {
  const std::string prefix("\xff\xff", 2);
  PutAll(kRecords, {std::string("\xff", 1), prefix, prefix + "z",
                    prefix + std::string("\xff\xff", 2), "z"});
  EXPECT_THAT(
      PrefixKeys(prefix, ScanDirection::kForward),
      ElementsAre(prefix, prefix + "z", prefix + std::string("\xff\xff", 2)));
  EXPECT_THAT(
      PrefixKeys(prefix, ScanDirection::kReverse),
      ElementsAre(prefix + std::string("\xff\xff", 2), prefix + "z", prefix));
}

TEST_F(RocksStoreTest, ScanPrefixWithEmptyPrefixVisitsEverything) {
  PutAll(kRecords, {"a", std::string("\xff", 1)});
  EXPECT_THAT(PrefixKeys("", ScanDirection::kForward),
              ElementsAre("a", std::string("\xff", 1)));
}

TEST_F(RocksStoreTest, IntPropertyOfUnknownNameIsNotFound) {
  PutAll(kRecords, {"a", "b"});
  EXPECT_THAT(store_->IntProperty(kRecords, "rocksdb.estimate-num-keys"),
              IsOk());
  EXPECT_THAT(store_->IntProperty(kRecords, "rocksdb.no-such-property"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(PrefixSuccessorTest, IncrementsLastByte) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor("org/"), "org0");
}

TEST(PrefixSuccessorTest, DropsTrailingFfBytes) {
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xfe\xff", 3)),
            std::string("a\xff", 2));
}

TEST(PrefixSuccessorTest, AllFfOrEmptyHasNoSuccessor) {
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

TEST_F(RocksStoreTest, WithoutSyncWritesBothViewsSeeAppends) {
  ASSERT_THAT(store_->Close(), IsOk());
  RocksStore::Options options = StoreOptions();
  options.sync_writes = false;
  auto store = RocksStore::Open(options);
  ASSERT_THAT(store, IsOk());
  WriteBatch batch;
  batch.Put(kRecords, "a", "alpha");
  auto token = (*store)->Append(batch);
  ASSERT_THAT(token, IsOk());
  EXPECT_THAT((*store)->Get(kRecords, "a"), IsOk());
  EXPECT_THAT((*store)->WaitDurable(*token), IsOk());
  EXPECT_EQ((*store)->durable_token(), *token);
}

TEST_F(RocksStoreTest, CloseFlushesSoReopenReplaysNoLog) {
  PutAll(kRecords, {"a", "b", "c"});
  ASSERT_THAT(store_->Close(), IsOk());
  auto reopened = RocksStore::Open(StoreOptions());
  ASSERT_THAT(reopened, IsOk());
  // Replayed WAL records would sit in the memtable (recovery does not
  // flush, see avoid_flush_during_recovery).
  auto in_memtable = (*reopened)->IntProperty(
      kRecords, "rocksdb.num-entries-active-mem-table");
  ASSERT_THAT(in_memtable, IsOk());
  EXPECT_EQ(*in_memtable, 0u);
  EXPECT_THAT((*reopened)->Get(kRecords, "b"), IsOk());
}

TEST_F(RocksStoreTest, WaitDurableAfterCloseIsFailedPrecondition) {
  ASSERT_THAT(store_->Close(), IsOk());
  EXPECT_THAT(store_->WaitDurable(1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteBatch batch;
  batch.Put(kRecords, "a", "1");
  EXPECT_THAT(store_->Append(batch),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace atlas::storage
