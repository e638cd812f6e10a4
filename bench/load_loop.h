// Load loops shared by load_client and datagen: drive unary calls through
// the gRPC callback API with a fixed number in flight (closed loop) or at a
// fixed rate (open loop), and summarise what came back.
//
// An `IssueFn` starts call number `i` and must call `done(status)` exactly
// once when it completes (from any thread). The loops never count a call
// whose status is not OK as a success: errors are counted per code.
//
// Thread safety: each loop blocks its caller until every call it started has
// completed; `issue` may run on the caller's thread and on gRPC's callback
// threads concurrently.
#ifndef ATLAS_BENCH_LOAD_LOOP_H_
#define ATLAS_BENCH_LOAD_LOOP_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/status.h"

namespace atlas::bench {

using DoneFn = std::function<void(const ::grpc::Status&)>;
using IssueFn = std::function<void(int64_t index, DoneFn done)>;

struct LoadStats {
  int64_t ok = 0;
  std::map<int, int64_t> errors;  // grpc::StatusCode -> count
  std::string first_error;
  double seconds = 0;
  std::vector<uint32_t> latency_us;  // of OK calls

  int64_t error_count() const {
    int64_t n = 0;
    for (const auto& [code, count] : errors) n += count;
    return n;
  }
  double qps() const { return seconds > 0 ? ok / seconds : 0; }
  // Percentile (0..100) of the latencies, in microseconds; sorts in place.
  double Percentile(double p) {
    if (latency_us.empty()) return 0;
    if (!sorted_) {
      std::sort(latency_us.begin(), latency_us.end());
      sorted_ = true;
    }
    size_t idx = static_cast<size_t>(p / 100.0 * (latency_us.size() - 1) + 0.5);
    return latency_us[std::min(idx, latency_us.size() - 1)];
  }
  // One line of key=value pairs, parsed by scripts/bench.sh.
  std::string Summary(const std::string& label) {
    std::string errs;
    for (const auto& [code, count] : errors) {
      absl::StrAppend(&errs, errs.empty() ? "" : ",", code, ":", count);
    }
    return absl::StrFormat(
        "label=%s ok=%d errors=%d error_codes=%s seconds=%.3f qps=%.0f "
        "p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f first_error=\"%s\"",
        label, ok, error_count(), errs.empty() ? "-" : errs, seconds, qps(),
        Percentile(50), Percentile(90), Percentile(99), Percentile(99.9),
        first_error);
  }

 private:
  bool sorted_ = false;
};

// A plaintext channel of its own (its own TCP connection: the distinct
// channel argument keeps gRPC from sharing one subchannel between them).
inline std::shared_ptr<::grpc::Channel> MakeChannel(const std::string& target,
                                                    int index) {
  ::grpc::ChannelArguments args;
  args.SetInt("atlas.bench.channel_index", index);
  args.SetMaxReceiveMessageSize(64 << 20);
  return ::grpc::CreateCustomChannel(
      target, ::grpc::InsecureChannelCredentials(), args);
}

namespace internal {

class Recorder {
 public:
  explicit Recorder(size_t reserve) { latency_us_.reserve(reserve); }
  void Record(const ::grpc::Status& status, absl::Duration latency) {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      ++ok_;
      latency_us_.push_back(static_cast<uint32_t>(
          std::min<int64_t>(absl::ToInt64Microseconds(latency), UINT32_MAX)));
    } else {
      ++errors_[status.error_code()];
      if (first_error_.empty()) {
        first_error_ =
            absl::StrCat(status.error_code(), " ", status.error_message());
      }
    }
  }
  void Into(LoadStats& stats) {
    absl::MutexLock lock(&mu_);
    stats.ok = ok_;
    stats.errors = errors_;
    stats.first_error = first_error_;
    stats.latency_us = std::move(latency_us_);
  }

 private:
  absl::Mutex mu_;
  int64_t ok_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, int64_t> errors_ ABSL_GUARDED_BY(mu_);
  std::string first_error_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> latency_us_ ABSL_GUARDED_BY(mu_);
};

// Counts calls in flight; Wait() returns when it drops to zero.
class InFlight {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    ++n_;
  }
  void Done() {
    absl::MutexLock lock(&mu_);
    --n_;
  }
  int64_t Count() {
    absl::MutexLock lock(&mu_);
    return n_;
  }
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int64_t* n) { return *n == 0; }, &n_));
  }

 private:
  absl::Mutex mu_;
  int64_t n_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace internal

// Closed loop: `concurrency` calls in flight; each completion starts the
// next, until `max_calls` have started or `duration` has passed. Latency is
// from issue to completion.
inline LoadStats RunClosedLoop(int concurrency, int64_t max_calls,
                               absl::Duration duration, const IssueFn& issue) {
  internal::Recorder recorder(
      static_cast<size_t>(std::min<int64_t>(max_calls, 4'000'000)));
  internal::InFlight in_flight;
  std::atomic<int64_t> next{0};
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + duration;

  // One chain per slot: issue, and on completion record and issue again.
  std::function<void()> launch = [&] {
    const int64_t i = next.fetch_add(1, std::memory_order_relaxed);
    if (i >= max_calls || absl::Now() >= deadline) {
      in_flight.Done();
      return;
    }
    const absl::Time t0 = absl::Now();
    issue(i, [&, t0](const ::grpc::Status& status) {
      recorder.Record(status, absl::Now() - t0);
      launch();
    });
  };
  for (int s = 0; s < concurrency; ++s) {
    in_flight.Add();
    launch();
  }
  in_flight.Wait();
  LoadStats stats;
  stats.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  recorder.Into(stats);
  return stats;
}

// Open loop: call i is due at start + i / rate, whatever the server does
// (no coordinated omission: latency runs from the due time, so a server that
// falls behind shows it in the tail). Calls beyond `max_in_flight` are
// counted as RESOURCE_EXHAUSTED client-side instead of piling up.
inline LoadStats RunOpenLoop(double rate, absl::Duration duration,
                             int64_t max_in_flight, const IssueFn& issue) {
  const int64_t total =
      static_cast<int64_t>(rate * absl::ToDoubleSeconds(duration));
  internal::Recorder recorder(static_cast<size_t>(total));
  internal::InFlight in_flight;
  std::atomic<int64_t> outstanding{0};
  const absl::Time start = absl::Now();
  int64_t i = 0;
  while (i < total) {
    const absl::Time now = absl::Now();
    const int64_t due = std::min<int64_t>(
        total,
        static_cast<int64_t>(absl::ToDoubleSeconds(now - start) * rate) + 1);
    for (; i < due; ++i) {
      const absl::Time due_at = start + absl::Seconds(i / rate);
      if (outstanding.load(std::memory_order_relaxed) >= max_in_flight) {
        recorder.Record(::grpc::Status(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                                       "client: too many in flight"),
                        absl::ZeroDuration());
        continue;
      }
      outstanding.fetch_add(1, std::memory_order_relaxed);
      in_flight.Add();
      issue(i, [&, due_at](const ::grpc::Status& status) {
        recorder.Record(status, absl::Now() - due_at);
        outstanding.fetch_sub(1, std::memory_order_relaxed);
        in_flight.Done();
      });
    }
    // Next call is due in 1/rate; sleeping in slices of at most 50 us keeps
    // the pacing within the timer's resolution.
    absl::SleepFor(std::min(absl::Microseconds(50), absl::Seconds(1 / rate)));
  }
  in_flight.Wait();
  LoadStats stats;
  stats.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  recorder.Into(stats);
  return stats;
}

}  // namespace atlas::bench

#endif  // ATLAS_BENCH_LOAD_LOOP_H_
