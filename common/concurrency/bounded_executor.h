// BoundedExecutor: a fixed pool of threads with a bounded queue, for work
// that blocks (synced writes, calls to the other service) so it never runs
// on gRPC's callback threads. A full queue refuses new work instead of
// growing without limit; the services answer RESOURCE_EXHAUSTED then.
//
// Thread-safe. The destructor runs what is queued, then joins the threads.
#ifndef ATLAS_COMMON_CONCURRENCY_BOUNDED_EXECUTOR_H_
#define ATLAS_COMMON_CONCURRENCY_BOUNDED_EXECUTOR_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace atlas::concurrency {

class BoundedExecutor {
 public:
  // `nice` > 0 lowers the CPU priority of the pool's threads (Linux
  // per-thread nice value, best effort: logged if refused), for work that
  // must yield the CPU to everything else (public callers' page reads and
  // searches).
  BoundedExecutor(int threads, size_t max_queued, int nice = 0);
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task`; false (and `task` dropped) if the queue is full or the
  // executor is shutting down.
  bool TrySubmit(std::function<void()> task);

  // Tasks waiting for a thread, and tasks refused since construction (for
  // metrics).
  size_t queued() const;
  int64_t refused() const;

 private:
  void Loop(int nice);

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace atlas::concurrency

#endif  // ATLAS_COMMON_CONCURRENCY_BOUNDED_EXECUTOR_H_
