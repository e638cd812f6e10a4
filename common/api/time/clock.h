// Time source, injected so that tests control time.
#ifndef ATLAS_COMMON_API_TIME_CLOCK_H_
#define ATLAS_COMMON_API_TIME_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace atlas::api {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

// The wall clock.
class RealClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  // A process-wide instance.
  static Clock& Get() {
    static RealClock clock;
    return clock;
  }
};

// A clock that moves only when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TIME_CLOCK_H_
