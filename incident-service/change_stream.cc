#include "incident-service/change_stream.h"

#include <deque>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/auth/redaction.h"
#include "common/grpc/status_conversion.h"

namespace atlas::incident {
namespace {

// Changes loaded from the changelog per read while replaying: at most 64,
// and no more once they hold 256 KiB, so a stream's buffer is bounded in
// bytes too (one change can be large), whatever the client reads.
constexpr size_t kReplayChunk = 64;
constexpr size_t kReplayBytes = 256 << 10;

// One WatchIncidentChanges stream. Lifetime: created by the handler,
// deleted in OnDone, which gRPC runs once after Finish and every
// outstanding operation completed (never inline from Finish). It is
// subscribed to the changelog from construction until OnDone, so no
// changelog callback can reach it after it is deleted.
//
// Every decision is taken under mu_; StartWrite and Finish are called
// after releasing it. `writing_` keeps one write in flight; Finish is
// called only when no write is in flight (a write ending after a cancel
// comes back through OnWriteDone(false)).
class ChangeStream final
    : public ::grpc::ServerWriteReactor<v1::IncidentChange>,
      public ChangeSubscriber {
 public:
  // Holds `slot` of `budget` (admitted by the caller) until OnDone.
  ChangeStream(Changelog& changelog, grpc_util::CallerBudget& budget,
               grpc_util::CallerBudget::Slot slot, auth::Caller caller,
               int64_t start)
      : changelog_(changelog),
        budget_(budget),
        slot_(std::move(slot)),
        caller_(std::move(caller)),
        next_to_load_(start) {
    subscribed_ = changelog_.Subscribe(this);
    if (!subscribed_) {
      absl::MutexLock lock(&mu_);
      closing_ = true;
    }
    Pump(nullptr);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) broken_ = true;
    }
    Pump(nullptr);
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      broken_ = true;
    }
    Pump(nullptr);
  }

  void OnDone() override {
    if (subscribed_) changelog_.Unsubscribe(this);
    budget_.Release(&slot_);
    delete this;
  }

  void OnChangeCommitted(const v1::IncidentChange& change) override {
    Pump(&change);
  }

  void OnShutdown() override {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
    }
    Pump(nullptr);
  }

 private:
  // Starts the next write, or finishes, or goes idle until a commit.
  // `live` is a change that just committed, used directly when it is the
  // next one due and nothing is buffered (the common case of a follower
  // that has caught up: no read from the store).
  void Pump(const v1::IncidentChange* live) {
    bool write = false;
    bool finish = false;
    ::grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || writing_) return;
      if (broken_) {
        finished_ = finish = true;
        status =
            grpc_util::ToGrpcStatus(absl::CancelledError("stream cancelled"));
      } else if (closing_) {
        finished_ = finish = true;
        status = grpc_util::ToGrpcStatus(absl::UnavailableError(
            "server is shutting down; resume from the next sequence"));
      } else {
        if (buffer_.empty()) {
          if (live != nullptr && live->sequence() == next_to_load_) {
            buffer_.push_back(*live);
          } else if (live == nullptr || live->sequence() >= next_to_load_) {
            absl::Status s = changelog_.ReadChanges(next_to_load_, kReplayChunk,
                                                    &buffer_, kReplayBytes);
            if (!s.ok()) {
              finished_ = finish = true;
              status = grpc_util::ToGrpcStatus(s);
            }
          }
          if (!buffer_.empty()) next_to_load_ = buffer_.back().sequence() + 1;
        }
        if (!finish && !buffer_.empty()) {
          current_ = std::move(buffer_.front());
          buffer_.pop_front();
          auth::Redact(caller_, &current_);
          current_.set_changelog_generation(changelog_.generation());
          writing_ = write = true;
        }
      }
    }
    if (write) StartWrite(&current_);
    if (finish) Finish(status);
  }

  Changelog& changelog_;
  grpc_util::CallerBudget& budget_;
  grpc_util::CallerBudget::Slot slot_;
  const auth::Caller caller_;
  bool subscribed_ = false;
  absl::Mutex mu_;
  int64_t next_to_load_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::IncidentChange> buffer_ ABSL_GUARDED_BY(mu_);
  // The change being written; untouched while writing_.
  v1::IncidentChange current_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;   // cancelled or write failed
  bool closing_ ABSL_GUARDED_BY(mu_) = false;  // server draining
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A stream that ends at once with a status.
class FinishedWriter : public ::grpc::ServerWriteReactor<v1::IncidentChange> {
 public:
  explicit FinishedWriter(::grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

::grpc::ServerWriteReactor<v1::IncidentChange>* NewChangeStream(
    Changelog& changelog, grpc_util::CallerBudget& budget,
    grpc_util::CallerBudget::Slot slot, auth::Caller caller, int64_t start) {
  return new ChangeStream(changelog, budget, std::move(slot), std::move(caller),
                          start);
}

::grpc::ServerWriteReactor<v1::IncidentChange>* NewFinishedChangeStream(
    ::grpc::Status status) {
  return new FinishedWriter(std::move(status));
}

}  // namespace atlas::incident
