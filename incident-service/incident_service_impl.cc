#include "incident-service/incident_service_impl.h"

#include <deque>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/auth/redaction.h"
#include "common/grpc/call_context.h"
#include "common/grpc/status_conversion.h"
#include "common/grpc/unary.h"
#include "incident-service/change_notifier.h"

namespace atlas::incident {

using grpc_util::RunUnary;
using grpc_util::RunUnaryOn;

::grpc::ServerUnaryReactor* IncidentServiceImpl::GetIncident(
    ::grpc::CallbackServerContext* context, const ::grpc::ByteBuffer* request,
    ::grpc::ByteBuffer* response) {
  return grpc_util::RunUnaryWire<v1::GetIncidentRequest>(
      point_reads_, context, keys_, request, response,
      [&](const auth::Caller& caller, const v1::GetIncidentRequest& r) {
        return core_.GetIncidentWire(caller, r);
      });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::ListIncidents(
    ::grpc::CallbackServerContext* context, const v1::ListIncidentsRequest* request,
    v1::ListIncidentsResponse* response) {
  return RunUnary(reads_, context, keys_, response, [&](const auth::Caller& caller) {
    return core_.ListIncidents(caller, *request);
  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::CreateIncident(
    ::grpc::CallbackServerContext* context, const v1::CreateIncidentRequest* request,
    v1::Incident* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateIncident(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::BatchCreateIncidents(
    ::grpc::CallbackServerContext* context,
    const v1::BatchCreateIncidentsRequest* request,
    v1::BatchCreateIncidentsResponse* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.BatchCreateIncidents(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::UpdateIncident(
    ::grpc::CallbackServerContext* context, const v1::UpdateIncidentRequest* request,
    v1::Incident* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateIncident(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::DeleteIncident(
    ::grpc::CallbackServerContext* context, const v1::DeleteIncidentRequest* request,
    google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteIncident(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::GetTimelineEvent(
    ::grpc::CallbackServerContext* context, const v1::GetTimelineEventRequest* request,
    v1::TimelineEvent* response) {
  return RunUnary(point_reads_, context, keys_, response, [&](const auth::Caller& caller) {
    return core_.GetTimelineEvent(caller, *request);
  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::ListTimelineEvents(
    ::grpc::CallbackServerContext* context, const v1::ListTimelineEventsRequest* request,
    v1::ListTimelineEventsResponse* response) {
  return RunUnary(reads_, context, keys_, response, [&](const auth::Caller& caller) {
    return core_.ListTimelineEvents(caller, *request);
  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::CreateTimelineEvent(
    ::grpc::CallbackServerContext* context, const v1::CreateTimelineEventRequest* request,
    v1::TimelineEvent* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateTimelineEvent(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::UpdateTimelineEvent(
    ::grpc::CallbackServerContext* context, const v1::UpdateTimelineEventRequest* request,
    v1::TimelineEvent* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateTimelineEvent(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::DeleteTimelineEvent(
    ::grpc::CallbackServerContext* context, const v1::DeleteTimelineEventRequest* request,
    google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteTimelineEvent(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::GetSource(
    ::grpc::CallbackServerContext* context, const v1::GetSourceRequest* request,
    v1::Source* response) {
  return RunUnary(point_reads_, context, keys_, response, [&](const auth::Caller& caller) {
    return core_.GetSource(caller, *request);
  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::ListSources(
    ::grpc::CallbackServerContext* context, const v1::ListSourcesRequest* request,
    v1::ListSourcesResponse* response) {
  return RunUnary(reads_, context, keys_, response, [&](const auth::Caller& caller) {
    return core_.ListSources(caller, *request);
  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::CreateSource(
    ::grpc::CallbackServerContext* context, const v1::CreateSourceRequest* request,
    v1::Source* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateSource(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::UpdateSource(
    ::grpc::CallbackServerContext* context, const v1::UpdateSourceRequest* request,
    v1::Source* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateSource(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::DeleteSource(
    ::grpc::CallbackServerContext* context, const v1::DeleteSourceRequest* request,
    google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteSource(caller, *request);
                    });
}

namespace {

// Changes loaded from the changelog per read while replaying.
constexpr size_t kReplayChunk = 64;

// One WatchIncidentChanges stream. Lifetime: created by the handler,
// deleted in OnDone, which gRPC runs once after Finish and every
// outstanding operation completed (never inline from Finish). It is
// subscribed to the notifier from construction until OnDone, so no
// notifier callback can reach it after it is deleted.
//
// Every decision is taken under mu_; StartWrite and Finish are called
// after releasing it. `writing_` keeps one write in flight; Finish is
// called only when no write is in flight (a write ending after a cancel
// comes back through OnWriteDone(false)).
class ChangeStream final : public ::grpc::ServerWriteReactor<v1::IncidentChange>,
                           public ChangeSubscriber {
 public:
  // Holds a slot of `gate` (taken by the caller) until OnDone.
  ChangeStream(IncidentCore& core, grpc_util::CallGate& gate,
               auth::Caller caller, int64_t start)
      : core_(core), gate_(gate), caller_(std::move(caller)),
        next_to_load_(start) {
    subscribed_ = core_.notifier().Subscribe(this);
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
    if (subscribed_) core_.notifier().Unsubscribe(this);
    gate_.Leave();
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
        status = ::grpc::Status(::grpc::StatusCode::CANCELLED, "stream cancelled");
      } else if (closing_) {
        finished_ = finish = true;
        status = ::grpc::Status(
            ::grpc::StatusCode::UNAVAILABLE,
            "server is shutting down; resume from the next sequence");
      } else {
        if (buffer_.empty()) {
          if (live != nullptr && live->sequence() == next_to_load_) {
            buffer_.push_back(*live);
          } else if (live == nullptr || live->sequence() >= next_to_load_) {
            absl::Status s =
                core_.ReadChanges(next_to_load_, kReplayChunk, &buffer_);
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
          writing_ = write = true;
        }
      }
    }
    if (write) StartWrite(&current_);
    if (finish) Finish(status);
  }

  IncidentCore& core_;
  grpc_util::CallGate& gate_;
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

::grpc::ServerWriteReactor<v1::IncidentChange>*
IncidentServiceImpl::WatchIncidentChanges(
    ::grpc::CallbackServerContext* context,
    const v1::WatchIncidentChangesRequest* request) {
  absl::StatusOr<auth::Caller> caller = grpc_util::CallerOf(*context, keys_);
  if (!caller.ok()) return new FinishedWriter(grpc_util::ToGrpcStatus(caller.status()));
  absl::StatusOr<int64_t> start = core_.WatchStart(*caller, *request);
  if (!start.ok()) return new FinishedWriter(grpc_util::ToGrpcStatus(start.status()));
  // An open stream holds memory for as long as the subscriber stays: it
  // takes a slot of the same gate as reads.
  if (!reads_.TryEnter()) {
    return new FinishedWriter(grpc_util::Overloaded("streams and reads"));
  }
  return new ChangeStream(core_, reads_, *std::move(caller), *start);
}

void IncidentServiceImpl::CloseStreams() { core_.notifier().Shutdown(); }

}  // namespace atlas::incident
