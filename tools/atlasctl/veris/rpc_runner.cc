#include "tools/atlasctl/veris/rpc_runner.h"

#include <algorithm>
#include <vector>

namespace atlas::atlasctl::veris {
namespace {

// Starts handed over while a thread is already running starts (see
// Release): run by that thread's loop instead of nesting.
thread_local std::vector<std::function<void()>>* tls_handed_over = nullptr;

}  // namespace

RpcRunner::RpcRunner(ContextFactory new_context, Options options)
    : new_context_(std::move(new_context)), options_(options) {
  backoff_thread_ = std::thread([this] { BackoffLoop(); });
}

RpcRunner::~RpcRunner() {
  Drain();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  backoff_thread_.join();
}

void RpcRunner::Acquire(std::function<void()> start) {
  {
    absl::MutexLock lock(&mu_);
    if (in_flight_ >= options_.max_in_flight) {
      waiting_.push_back(std::move(start));
      return;
    }
    ++in_flight_;
  }
  start();
}

void RpcRunner::Release() {
  std::function<void()> next;
  {
    absl::MutexLock lock(&mu_);
    if (waiting_.empty()) {
      --in_flight_;
      return;
    }
    // The slot passes to the next start without being freed.
    next = std::move(waiting_.front());
    waiting_.pop_front();
  }
  if (tls_handed_over != nullptr) {
    tls_handed_over->push_back(std::move(next));
    return;
  }
  std::vector<std::function<void()>> handed_over;
  tls_handed_over = &handed_over;
  next();
  while (!handed_over.empty()) {
    std::function<void()> more = std::move(handed_over.back());
    handed_over.pop_back();
    more();
  }
  tls_handed_over = nullptr;
}

void RpcRunner::After(absl::Duration delay, std::function<void()> task) {
  Delay(delay, std::move(task), /*counted=*/true);
}

void RpcRunner::Delay(absl::Duration delay, std::function<void()> task,
                      bool counted) {
  absl::MutexLock lock(&mu_);
  if (counted) {
    ++open_;
    task = [this, task = std::move(task)] {
      task();
      Finished();
    };
  }
  delayed_.emplace(absl::Now() + delay, std::move(task));
}

void RpcRunner::BackoffLoop() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ ||
               (!delayed_.empty() && delayed_.begin()->first <= absl::Now());
      };
      // At most 50 ms, so that a task added with an earlier time than the
      // first one waiting is not held back by it.
      absl::Time wake = absl::Now() + absl::Milliseconds(50);
      if (!delayed_.empty()) wake = std::min(wake, delayed_.begin()->first);
      mu_.AwaitWithDeadline(absl::Condition(&ready), wake);
      if (stopping_ && delayed_.empty()) return;
      if (delayed_.empty() || delayed_.begin()->first > absl::Now()) continue;
      task = std::move(delayed_.begin()->second);
      delayed_.erase(delayed_.begin());
    }
    task();
  }
}

bool RpcRunner::ShouldRetry(const absl::Status& status, int attempt) const {
  if (attempt >= options_.max_attempts) return false;
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status);
}

absl::Duration RpcRunner::Backoff(int attempt) const {
  absl::Duration delay = options_.first_backoff;
  for (int i = 1; i < attempt && delay < options_.max_backoff; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff);
}

void RpcRunner::Finished() {
  absl::MutexLock lock(&mu_);
  --open_;
}

void RpcRunner::Drain() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return open_ == 0; };
  mu_.Await(absl::Condition(&idle));
}

int64_t RpcRunner::retries() const {
  absl::MutexLock lock(&mu_);
  return retries_;
}

}  // namespace atlas::atlasctl::veris
