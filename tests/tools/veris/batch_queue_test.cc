// BatchQueue alone, with a sender that records its batches: batches bounded
// by count and bytes, a linger that sends a short batch, one key per batch,
// items sent alone, and leftovers sent again first.
#include "tools/atlasctl/veris/batch_queue.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atlas::atlasctl::veris {
namespace {

using ::testing::ElementsAre;
using Queue = BatchQueue<std::string>;

class BatchQueueTest : public ::testing::Test {
 protected:
  BatchQueueTest()
      : runner_([] { return std::make_unique<::grpc::ClientContext>(); },
                RpcRunner::Options{}) {}

  std::unique_ptr<Queue> NewQueue(BatchOptions options) {
    return std::make_unique<Queue>(runner_, options,
                                   [this](std::vector<Queue::Entry> batch) {
                                     absl::MutexLock lock(&mu_);
                                     std::vector<std::string> items;
                                     for (const Queue::Entry& e : batch)
                                       items.push_back(e.item);
                                     sent_.push_back(items);
                                     open_.push_back(std::move(batch));
                                   });
  }

  // The batches sent so far.
  std::vector<std::vector<std::string>> Sent() {
    absl::MutexLock lock(&mu_);
    return sent_;
  }

  // Waits (bounded) until `n` batches were sent.
  bool WaitForBatches(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() { return sent_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }

  // Takes the oldest open batch (its sender call still "in flight").
  std::vector<Queue::Entry> TakeOpen() {
    absl::MutexLock lock(&mu_);
    std::vector<Queue::Entry> batch = std::move(open_.front());
    open_.erase(open_.begin());
    return batch;
  }

  // Ends the oldest open batch's call, every item answered.
  void Complete(Queue& queue) { queue.Finished(Queue::KeysOf(TakeOpen()), {}); }

  RpcRunner runner_;
  absl::Mutex mu_;
  std::vector<std::vector<std::string>> sent_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<Queue::Entry>> open_ ABSL_GUARDED_BY(mu_);
};

// A linger long enough that only full batches leave within a test step,
// short enough for the Drain() that ends each test (the queue must not be
// destroyed while its linger timer is pending).
BatchOptions Options(int count, absl::Duration linger = absl::Seconds(1),
                     int in_flight = 1) {
  BatchOptions o;
  o.max_count = count;
  o.max_in_flight = in_flight;
  o.linger = linger;
  return o;
}

TEST_F(BatchQueueTest, AFullBatchLeavesAtOnceAndTheNextWaitsForItsSlot) {
  auto queue = NewQueue(Options(2));
  queue->Add("a", 1);
  EXPECT_TRUE(Sent().empty());  // not full, linger not over
  queue->Add("b", 1);
  queue->Add("c", 1);
  queue->Add("d", 1);
  ASSERT_TRUE(WaitForBatches(1));
  EXPECT_THAT(Sent(), ElementsAre(ElementsAre("a", "b")));
  Complete(*queue);  // the slot frees: c, d (full) leave
  ASSERT_TRUE(WaitForBatches(2));
  EXPECT_THAT(Sent()[1], ElementsAre("c", "d"));
  Complete(*queue);
  runner_.Drain();
}

TEST_F(BatchQueueTest, AShortBatchLeavesWhenItsOldestItemHasLingered) {
  auto queue = NewQueue(Options(100, absl::Milliseconds(20)));
  queue->Add("a", 1);
  queue->Add("b", 1);
  ASSERT_TRUE(WaitForBatches(1));
  EXPECT_THAT(Sent(), ElementsAre(ElementsAre("a", "b")));
  Complete(*queue);
  runner_.Drain();
}

TEST_F(BatchQueueTest, BytesBoundABatchButABigItemStillGoesAlone) {
  BatchOptions o = Options(100);
  o.max_bytes = 10;
  auto queue = NewQueue(o);
  queue->Add("big", 50);
  ASSERT_TRUE(WaitForBatches(1));
  EXPECT_THAT(Sent()[0], ElementsAre("big"));
  queue->Add("a", 4);
  queue->Add("b", 4);
  queue->Add("c", 4);  // a + b + c > 10: a, b leave once the slot is free
  Complete(*queue);
  ASSERT_TRUE(WaitForBatches(2));
  EXPECT_THAT(Sent()[1], ElementsAre("a", "b"));
  Complete(*queue);
  runner_.Drain();
}

TEST_F(BatchQueueTest, NoBatchHoldsTwoItemsWithOneKey) {
  auto queue = NewQueue(Options(3));
  queue->Add("first-x", 1, "x");
  queue->Add("second-x", 1, "x");
  queue->Add("y", 1, "y");
  queue->Add("z", 1);
  ASSERT_TRUE(WaitForBatches(1));
  EXPECT_THAT(Sent()[0], ElementsAre("first-x", "y", "z"));
  queue->Add("w", 1);
  queue->Add("v", 1);
  Complete(*queue);
  ASSERT_TRUE(WaitForBatches(2));
  EXPECT_THAT(Sent()[1], ElementsAre("second-x", "w", "v"));
  Complete(*queue);
  runner_.Drain();
}

TEST_F(BatchQueueTest, AKeyInFlightHoldsItsNextItemBackFromOtherSlots) {
  auto queue = NewQueue(Options(2, absl::Seconds(1), /*in_flight=*/2));
  queue->Add("first-x", 1, "x");
  queue->Add("y", 1);  // full: first-x, y leave
  queue->Add("second-x", 1, "x");
  queue->Add("z", 1);  // full, but second-x's key is in flight: z alone
  ASSERT_TRUE(WaitForBatches(1));
  queue->Add("w", 1);  // z, w leave in the free slot
  ASSERT_TRUE(WaitForBatches(2));
  EXPECT_THAT(Sent()[1], ElementsAre("z", "w"));
  Complete(*queue);  // first-x's batch ends: second-x may go
  Complete(*queue);
  ASSERT_TRUE(WaitForBatches(3));
  EXPECT_THAT(Sent()[2], ElementsAre("second-x"));
  Complete(*queue);
  runner_.Drain();
}

TEST_F(BatchQueueTest, LeftoversGoFirstAndAloneItemsInBatchesOfTheirOwn) {
  auto queue = NewQueue(Options(2));
  queue->Add("a", 1);
  queue->Add("b", 1);
  ASSERT_TRUE(WaitForBatches(1));
  queue->Add("c", 1);
  queue->Add("d", 1);
  std::vector<Queue::Entry> failed = TakeOpen();
  for (Queue::Entry& e : failed) e.alone = true;
  queue->Finished(Queue::KeysOf(failed), std::move(failed));
  ASSERT_TRUE(WaitForBatches(2));
  EXPECT_THAT(Sent()[1], ElementsAre("a"));
  Complete(*queue);
  ASSERT_TRUE(WaitForBatches(3));
  EXPECT_THAT(Sent()[2], ElementsAre("b"));
  Complete(*queue);
  ASSERT_TRUE(WaitForBatches(4));
  EXPECT_THAT(Sent()[3], ElementsAre("c", "d"));
  Complete(*queue);
  EXPECT_EQ(queue->counts().batches, 4);
  EXPECT_EQ(queue->counts().resent, 1);
  runner_.Drain();
}

}  // namespace
}  // namespace atlas::atlasctl::veris
