#include "catalog-service/incident_follower.h"

#include <algorithm>
#include <random>

#include "common/logging/log.h"

namespace atlas::catalog {

IncidentFollower::IncidentFollower(CatalogCore& core,
                                   std::shared_ptr<::grpc::Channel> channel,
                                   Options options)
    : core_(core),
      stub_(incident::v1::IncidentService::NewStub(std::move(channel))),
      options_(std::move(options)) {}

IncidentFollower::~IncidentFollower() { Stop(); }

void IncidentFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void IncidentFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (open_call_ != nullptr) open_call_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void IncidentFollower::SleepUnlessStopped(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
}

void IncidentFollower::Run() {
  std::mt19937_64 rng(std::random_device{}());
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (FollowOnce()) backoff = options_.initial_backoff;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    // Full jitter: a random wait in [0, backoff], so that many followers do
    // not reconnect in step.
    std::uniform_int_distribution<int64_t> dist(
        0, absl::ToInt64Microseconds(backoff));
    SleepUnlessStopped(absl::Microseconds(dist(rng)));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool IncidentFollower::FollowOnce() {
  auto cursor = core_.IncidentCursor();
  if (!cursor.ok()) {
    log::Error("incident follower: cannot read cursor",
               {{"error", cursor.status().ToString()}});
    return false;
  }
  ::grpc::ClientContext context;
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    open_call_ = &context;
  }
  incident::v1::WatchIncidentChangesRequest request;
  request.set_start_sequence(*cursor + 1);
  streams_opened_.fetch_add(1);
  auto reader = stub_->WatchIncidentChanges(&context, request);
  bool progressed = false;
  int64_t last = *cursor;
  incident::v1::IncidentChange change;
  while (reader->Read(&change)) {
    if (change.sequence() <= last) continue;  // already applied
    if (change.sequence() != last + 1) {
      gaps_seen_.fetch_add(1);
      log::Error("incident follower: gap in the change stream; resubscribing",
                 {{"expected", last + 1}, {"got", change.sequence()}});
      context.TryCancel();
      break;
    }
    absl::Status s = core_.ApplyIncidentChange(change);
    if (!s.ok()) {
      log::Error("incident follower: cannot apply change",
                 {{"sequence", change.sequence()}, {"error", s.ToString()}});
      context.TryCancel();
      break;
    }
    last = change.sequence();
    progressed = true;
    applied_.fetch_add(1);
  }
  ::grpc::Status status = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    open_call_ = nullptr;
  }
  if (!status.ok() && status.error_code() != ::grpc::StatusCode::CANCELLED) {
    log::Warning("incident follower: stream ended; will reconnect",
                 {{"code", static_cast<int>(status.error_code())},
                  {"message", status.error_message()},
                  {"cursor", last}});
  }
  return progressed;
}

}  // namespace atlas::catalog
