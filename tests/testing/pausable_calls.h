// PausableCalls: counts the calls a fake receives and can hold them, so a
// test can look at the system while a call is caught half-way (a write
// between its victim check and its commit, a delete waiting for
// incident-service). Used by the fakes of the other service. Thread-safe.
#ifndef ATLAS_TESTS_TESTING_PAUSABLE_CALLS_H_
#define ATLAS_TESTS_TESTING_PAUSABLE_CALLS_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace atlas::testing {

class PausableCalls {
 public:
  // Counts one call, then waits while paused. The fake calls it first.
  void Enter() {
    absl::MutexLock lock(&mu_);
    ++calls_;
    auto resumed = [&]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !paused_; };
    mu_.Await(absl::Condition(&resumed));
  }
  // Later calls wait in Enter() until Resume().
  void Pause() {
    absl::MutexLock lock(&mu_);
    paused_ = true;
  }
  void Resume() {
    absl::MutexLock lock(&mu_);
    paused_ = false;
  }
  // Returns once `n` calls have entered in all.
  void AwaitCalls(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return calls_ >= n;
    };
    mu_.Await(absl::Condition(&reached));
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_PAUSABLE_CALLS_H_
