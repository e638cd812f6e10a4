// Many unary calls in flight through gRPC's callback API, bounded, with
// retries: what lets the importer keep both servers busy from one thread
// without a thread per call.
//
// A call that fails with UNAVAILABLE, RESOURCE_EXHAUSTED (a server's queue
// is full) or DEADLINE_EXCEEDED is retried after a backoff (100 ms
// doubling, at most 2 s, `max_attempts` in all). Only idempotent calls go
// through here: gets, resolves, and creates carrying a request_id or a
// client-chosen id, whose retry replays or finds the first result.
//
// Thread safety: Call may be used from any thread, including from inside a
// `done` callback. `done` runs on a gRPC thread (or the backoff thread),
// exactly once per call. The runner must outlive every call it started:
// Drain() (or the destructor) waits for them.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_RPC_RUNNER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_RPC_RUNNER_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc/status_conversion.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace atlas::atlasctl::veris {

// A new context for each attempt: the caller's key and deadline.
using ContextFactory = std::function<std::unique_ptr<::grpc::ClientContext>()>;

class RpcRunner {
 public:
  struct Options {
    // Calls in flight at once; more wait their turn in order.
    int max_in_flight = 48;
    int max_attempts = 6;
    absl::Duration first_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(2);
  };

  RpcRunner(ContextFactory new_context, Options options);
  ~RpcRunner();
  RpcRunner(const RpcRunner&) = delete;
  RpcRunner& operator=(const RpcRunner&) = delete;

  // A stub method in callback form:
  //   [stub](auto* c, auto* req, auto* resp, auto done) {
  //     stub->async()->GetIncident(c, req, resp, std::move(done)); }
  template <typename Request, typename Response>
  using Method =
      std::function<void(::grpc::ClientContext*, const Request*, Response*,
                         std::function<void(::grpc::Status)>)>;

  // Sends `request` through `method`; `done` gets the response or the
  // final status (converted to absl::Status).
  template <typename Request, typename Response>
  void Call(Method<Request, Response> method, Request request,
            std::function<void(absl::StatusOr<Response>)> done);

  // Runs `task` after `delay` on the runner's timer thread (the one that
  // retries). Drain() waits for it too.
  void After(absl::Duration delay, std::function<void()> task);

  // Blocks until no call is in flight, queued or waiting for a retry, and
  // no task of After() is waiting or running.
  void Drain();

  // Calls retried so far (for the progress line and the figures).
  int64_t retries() const;

 private:
  template <typename Request, typename Response>
  struct CallState {
    Method<Request, Response> method;
    Request request;
    Response response;
    std::unique_ptr<::grpc::ClientContext> context;
    std::function<void(absl::StatusOr<Response>)> done;
    int attempt = 0;
  };

  template <typename Request, typename Response>
  void Attempt(std::shared_ptr<CallState<Request, Response>> state);

  // Runs `start` when a slot is free (now, or when a call ends).
  void Acquire(std::function<void()> start);
  // A call ended: its slot passes to the next waiting start. Starts run
  // one after the other on the releasing thread, never nested, so calls
  // that end inline cannot grow the stack.
  void Release();
  // Queues `task` for `delay`; `counted`: an After() task, which Drain()
  // waits for (a retry is already counted as its call).
  void Delay(absl::Duration delay, std::function<void()> task, bool counted);
  void BackoffLoop();
  bool ShouldRetry(const absl::Status& status, int attempt) const;
  absl::Duration Backoff(int attempt) const;
  void Finished();

  ContextFactory new_context_;
  const Options options_;
  mutable absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<std::function<void()>> waiting_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, std::function<void()>> delayed_
      ABSL_GUARDED_BY(mu_);
  // Calls started and not yet done (queued, running or delayed).
  int64_t open_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t retries_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread backoff_thread_;
};

template <typename Request, typename Response>
void RpcRunner::Call(Method<Request, Response> method, Request request,
                     std::function<void(absl::StatusOr<Response>)> done) {
  auto state = std::make_shared<CallState<Request, Response>>();
  state->method = std::move(method);
  state->request = std::move(request);
  state->done = std::move(done);
  {
    absl::MutexLock lock(&mu_);
    ++open_;
  }
  Attempt(std::move(state));
}

template <typename Request, typename Response>
void RpcRunner::Attempt(std::shared_ptr<CallState<Request, Response>> state) {
  Acquire([this, state] {
    state->context = new_context_();
    state->response.Clear();
    state->method(
        state->context.get(), &state->request, &state->response,
        [this, state](::grpc::Status grpc_status) {
          Release();
          absl::Status status = grpc_util::FromGrpcStatus(grpc_status);
          if (ShouldRetry(status, ++state->attempt)) {
            {
              absl::MutexLock lock(&mu_);
              ++retries_;
            }
            Delay(
                Backoff(state->attempt), [this, state] { Attempt(state); },
                /*counted=*/false);
            return;
          }
          auto done = std::move(state->done);
          if (status.ok()) {
            done(std::move(state->response));
          } else {
            done(std::move(status));
          }
          Finished();
        });
  });
}

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_RPC_RUNNER_H_
