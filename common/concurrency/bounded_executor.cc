#include "common/concurrency/bounded_executor.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/logging/log.h"

namespace atlas::concurrency {

BoundedExecutor::BoundedExecutor(int threads, size_t max_queued, int nice)
    : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice] { Loop(nice); });
  }
}

BoundedExecutor::~BoundedExecutor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool BoundedExecutor::TrySubmit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= max_queued_) {
    ++refused_;
    return false;
  }
  queue_.push_back(std::move(task));
  return true;
}

size_t BoundedExecutor::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

int64_t BoundedExecutor::refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

void BoundedExecutor::Loop(int nice) {
  if (nice != 0) {
    // On Linux a thread's nice value is its own (PRIO_PROCESS with the
    // thread id).
    const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) != 0) {
      log::Warning("cannot lower the priority of a worker thread",
                   {{"nice", nice}, {"errno", errno}});
    }
  }
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](BoundedExecutor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return e->stopping_ || !e->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace atlas::concurrency
