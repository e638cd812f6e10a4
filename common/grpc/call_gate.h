// CallGate: admits at most `limit` calls at once and refuses the rest, so
// that the memory held by calls in flight (requests, responses waiting to
// be sent, open streams) stays bounded under any load. Refused calls get
// RESOURCE_EXHAUSTED at once: a client backs off, nothing queues without
// limit. Writes have their own bound (BoundedExecutor's queue).
//
// A slot is held from admission until gRPC has finished with the call
// (the reactor's OnDone), not just while the handler runs: a large page
// waiting to be sent to a slow client still counts.
//
// Thread-safe.
#ifndef ATLAS_COMMON_GRPC_CALL_GATE_H_
#define ATLAS_COMMON_GRPC_CALL_GATE_H_

#include <atomic>

namespace atlas::grpc_util {

class CallGate {
 public:
  // `limit` > 0.
  explicit CallGate(int limit) : limit_(limit) {}
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;

  // Takes a slot; false (and nothing taken) when all are in use.
  bool TryEnter() {
    if (inflight_.fetch_add(1, std::memory_order_acq_rel) >= limit_) {
      inflight_.fetch_sub(1, std::memory_order_acq_rel);
      return false;
    }
    return true;
  }
  // Gives back a slot taken by TryEnter.
  void Leave() { inflight_.fetch_sub(1, std::memory_order_acq_rel); }

  int inflight() const { return inflight_.load(std::memory_order_acquire); }
  int limit() const { return limit_; }

 private:
  const int limit_;
  std::atomic<int> inflight_{0};
};

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_CALL_GATE_H_
