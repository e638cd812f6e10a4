// BatchQueue: items queued from any thread leave in batches bounded by
// count and bytes, at most `max_in_flight` batches at a time. The importer's
// batched calls (BatchCreateIncidents, BatchCreateOrganizations,
// BatchResolveOrganizations) share it.
//
// A batch leaves when a slot is free and it is full (count or bytes), or
// when its oldest item has waited `linger`: items that trickle in still
// travel together, and while every slot is busy the next batch grows.
//
// Rules an item may carry:
//   - `alone`: it goes in a batch of its own (its batch failed in a way
//     that named no item: the sender retries each alone);
//   - `key`: no two items with the same non-empty key are in flight at
//     once, in one batch or in two (the later waits until the earlier's
//     batch has finished, e.g. two creates of one id, whose second must
//     see the first committed).
// An item larger than max_bytes still goes, alone.
//
// The sender gets each batch and must call Finished(KeysOf(batch),
// leftover) exactly once when the batch's call has ended, releasing the
// batch's keys and handing back the items to send again (they go first,
// in order); it may call Add or Finished from any thread.
//
// Thread safety: all methods may be called from any thread. The sender
// runs on the caller's thread of Add/Finished or on the runner's timer
// thread, never under the queue's lock.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_BATCH_QUEUE_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_BATCH_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

struct BatchOptions {
  int max_count = 1000;
  // Below the servers' 4 MiB request limit with room for the answer.
  size_t max_bytes = 3 * 1024 * 1024 - 64 * 1024;
  int max_in_flight = 3;
  // How long an item may wait for others to fill its batch.
  absl::Duration linger = absl::Milliseconds(20);
};

struct BatchCounts {
  int64_t batches = 0;
  int64_t items = 0;
  // Batches that handed items back to be sent again.
  int64_t resent = 0;
};

template <typename Item>
class BatchQueue {
 public:
  using Options = BatchOptions;
  struct Entry {
    Item item;
    size_t bytes = 0;
    std::string key;
    bool alone = false;
    // When it was first queued (kept when it is sent again).
    absl::Time queued;
  };

  using Counts = BatchCounts;

  using Sender = std::function<void(std::vector<Entry> batch)>;

  // `runner` (its timer) is not owned and must outlive the queue; drain it
  // (RpcRunner::Drain) before destroying the queue, as a pending linger
  // timer calls into the queue.
  BatchQueue(RpcRunner& runner, Options options, Sender send)
      : runner_(runner), options_(options), send_(std::move(send)) {}

  void Add(Item item, size_t bytes, std::string key = {}) {
    Entry entry;
    entry.item = std::move(item);
    entry.bytes = bytes;
    entry.key = std::move(key);
    entry.queued = absl::Now();
    {
      absl::MutexLock lock(&mu_);
      queue_.push_back(std::move(entry));
    }
    Dispatch();
  }

  // The keys of `batch` (its items' non-empty keys), for Finished.
  static std::vector<std::string> KeysOf(const std::vector<Entry>& batch) {
    std::vector<std::string> keys;
    for (const Entry& e : batch) {
      if (!e.key.empty()) keys.push_back(e.key);
    }
    return keys;
  }

  // The sender's batch, whose keys were `keys`, has ended; `leftover` is
  // sent again first.
  void Finished(const std::vector<std::string>& keys,
                std::vector<Entry> leftover) {
    {
      absl::MutexLock lock(&mu_);
      --in_flight_;
      for (const std::string& k : keys) keys_in_flight_.erase(k);
      if (!leftover.empty()) ++counts_.resent;
      for (auto it = leftover.rbegin(); it != leftover.rend(); ++it) {
        queue_.push_front(std::move(*it));
      }
    }
    Dispatch();
  }

  Counts counts() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  // Sends batches while slots are free.
  void Dispatch() {
    std::vector<std::vector<Entry>> batches;
    std::optional<absl::Duration> wake;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      while (in_flight_ < options_.max_in_flight && !queue_.empty()) {
        std::vector<Entry> batch;
        const Taken taken = Take(now, &batch);
        if (taken == Taken::kBlocked) break;  // Finished dispatches again
        if (taken == Taken::kNotDue) {
          if (!timer_armed_) {
            timer_armed_ = true;
            wake = queue_.front().queued + options_.linger - now;
          }
          break;
        }
        ++in_flight_;
        ++counts_.batches;
        counts_.items += static_cast<int64_t>(batch.size());
        batches.push_back(std::move(batch));
      }
    }
    if (wake.has_value()) {
      runner_.After(*wake, [this] {
        {
          absl::MutexLock lock(&mu_);
          timer_armed_ = false;
        }
        Dispatch();
      });
    }
    for (std::vector<Entry>& batch : batches) send_(std::move(batch));
  }

  enum class Taken { kTaken, kNotDue, kBlocked };
  // Moves the next batch into `batch` (kTaken), or takes nothing: kNotDue
  // when it is neither full nor due, kBlocked when every item waits for a
  // key in flight.
  Taken Take(absl::Time now, std::vector<Entry>* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (queue_.front().alone) {
      if (!queue_.front().key.empty()) {
        if (keys_in_flight_.contains(queue_.front().key)) {
          return Taken::kBlocked;
        }
        keys_in_flight_.insert(queue_.front().key);
      }
      batch->push_back(std::move(queue_.front()));
      queue_.pop_front();
      return Taken::kTaken;
    }
    // The items the batch would take, in queue order.
    std::vector<size_t> picked;
    absl::flat_hash_set<std::string> keys;
    size_t bytes = 0;
    bool full = false;
    for (size_t i = 0; i < queue_.size(); ++i) {
      const Entry& e = queue_[i];
      if (e.alone) break;
      if (!picked.empty() && bytes + e.bytes > options_.max_bytes) {
        full = true;
        break;
      }
      if (!e.key.empty() &&
          (keys_in_flight_.contains(e.key) || !keys.insert(e.key).second)) {
        continue;
      }
      picked.push_back(i);
      bytes += e.bytes;
      if (picked.size() >= static_cast<size_t>(options_.max_count) ||
          bytes >= options_.max_bytes) {
        full = true;
        break;
      }
    }
    if (picked.empty()) return Taken::kBlocked;
    if (!full && now < queue_.front().queued + options_.linger) {
      return Taken::kNotDue;
    }
    for (size_t i : picked) {
      if (!queue_[i].key.empty()) keys_in_flight_.insert(queue_[i].key);
    }
    std::deque<Entry> rest;
    size_t next = 0;
    for (size_t i = 0; i < queue_.size(); ++i) {
      if (next < picked.size() && picked[next] == i) {
        batch->push_back(std::move(queue_[i]));
        ++next;
      } else {
        rest.push_back(std::move(queue_[i]));
      }
    }
    queue_ = std::move(rest);
    return Taken::kTaken;
  }

  RpcRunner& runner_;
  const Options options_;
  const Sender send_;
  mutable absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Keys of the items in flight.
  absl::flat_hash_set<std::string> keys_in_flight_ ABSL_GUARDED_BY(mu_);
  Counts counts_ ABSL_GUARDED_BY(mu_);
  // A Dispatch is scheduled for when the oldest queued item has lingered.
  bool timer_armed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_BATCH_QUEUE_H_
