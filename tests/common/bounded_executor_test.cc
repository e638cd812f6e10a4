// BoundedExecutor: a fixed pool of threads behind a bounded queue; work
// past the bound is refused, never queued without limit.
#include "common/concurrency/bounded_executor.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace atlas::concurrency {
namespace {

using ::atlas::testing::WaitFor;

TEST(BoundedExecutorTest, RefusesWorkWhenQueueIsFull) {
  absl::Notification started;
  absl::Notification release;
  std::atomic<int> ran{0};
  {
    BoundedExecutor executor(1, 2);
    ASSERT_TRUE(executor.TrySubmit([&] {
      started.Notify();
      release.WaitForNotification();
      ++ran;
    }));
    ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(executor.TrySubmit([&] { ++ran; }));
    EXPECT_TRUE(executor.TrySubmit([&] { ++ran; }));
    EXPECT_FALSE(executor.TrySubmit([&] { ran += 100; }));
    release.Notify();
  }
  // The destructor ran what was queued; the refused task never ran.
  EXPECT_EQ(ran.load(), 3);
}

TEST(BoundedExecutorTest, AcceptsWorkAgainOnceQueueDrains) {
  BoundedExecutor executor(1, 1);
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(executor.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(executor.TrySubmit([] {}));
  EXPECT_FALSE(executor.TrySubmit([] {}));
  release.Notify();
  absl::Notification later;
  EXPECT_TRUE(
      WaitFor([&] { return executor.TrySubmit([&] { later.Notify(); }); }));
  EXPECT_TRUE(later.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(BoundedExecutorTest, RunsTasksOnItsThreads) {
  BoundedExecutor executor(2, 16);
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&] { ++ran; }));
  }
  EXPECT_TRUE(WaitFor([&] { return ran.load() == 10; }));
}

}  // namespace
}  // namespace atlas::concurrency
