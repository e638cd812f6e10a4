#include "catalog-service/incident_follower.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/logging/log.h"

namespace atlas::catalog {

IncidentFollower::IncidentFollower(IncidentReadModel& read_model,
                                   std::shared_ptr<::grpc::Channel> channel,
                                   Options options)
    : read_model_(read_model),
      stub_(incident::v1::IncidentService::NewStub(std::move(channel))),
      options_(std::move(options)) {}

IncidentFollower::~IncidentFollower() { Stop(); }

void IncidentFollower::Start() {
  sync_thread_ = std::thread([this] { SyncLoop(); });
  thread_ = std::thread([this] { Run(); });
}

void IncidentFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (open_call_ != nullptr) open_call_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
  {
    // No more appends: the sync thread syncs what is left and returns.
    absl::MutexLock lock(&mu_);
    appends_done_ = true;
  }
  if (sync_thread_.joinable()) sync_thread_.join();
}

void IncidentFollower::SyncLoop() {
  while (true) {
    storage::WriteToken target = 0;
    {
      absl::MutexLock lock(&mu_);
      auto work_or_stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return unsynced_changes_ > 0 || appends_done_;
      };
      mu_.Await(absl::Condition(&work_or_stop));
      if (unsynced_changes_ == 0) return;  // stopped, nothing left
      target = appended_token_;
      unsynced_changes_ = 0;
    }
    absl::Status s = read_model_.WaitDurable(target);
    if (!s.ok()) {
      // The store refuses every later write too; the follower thread sees
      // its appends fail and backs off.
      log::Error("incident follower: cannot sync applied changes",
                 {{"error", s.ToString()}});
    }
  }
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
  // The cursor is read from the durable view: sync what this follower
  // appended first, so it resumes exactly after its last change.
  storage::WriteToken appended;
  {
    absl::MutexLock lock(&mu_);
    appended = appended_token_;
  }
  absl::Status synced = read_model_.WaitDurable(appended);
  if (!synced.ok()) {
    log::Error("incident follower: cannot sync applied changes",
               {{"error", synced.ToString()}});
    return false;
  }
  auto cursor = read_model_.IncidentCursor();
  auto generation = read_model_.IncidentGeneration();
  if (!cursor.ok() || !generation.ok()) {
    log::Error(
        "incident follower: cannot read cursor",
        {{"error",
          (cursor.ok() ? generation.status() : cursor.status()).ToString()}});
    return false;
  }
  bool progressed = false;
  bool other_generation = false;
  int64_t last = *cursor;
  cursor_.store(last);
  ::grpc::Status status;
  const bool called = WithContext([&](::grpc::ClientContext& context) {
    incident::v1::WatchIncidentChangesRequest request;
    request.set_start_sequence(*cursor + 1);
    // incident-service refuses the stream (FAILED_PRECONDITION) when its
    // changelog is of another generation: it was restored from a backup.
    request.set_changelog_generation(*generation);
    streams_opened_.fetch_add(1);
    auto reader = stub_->WatchIncidentChanges(&context, request);
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
      absl::StatusOr<storage::WriteToken> token =
          read_model_.AppendIncidentChange(change);
      if (absl::IsFailedPrecondition(token.status())) {
        // A change of another changelog generation (a restored
        // incident-service that did not check the request's).
        other_generation = true;
        log::Warning(
            "incident follower: a change of another changelog "
            "generation",
            {{"error", token.status().message()}});
        context.TryCancel();
        break;
      }
      if (!token.ok()) {
        log::Error("incident follower: cannot apply change",
                   {{"sequence", change.sequence()},
                    {"error", token.status().ToString()}});
        context.TryCancel();
        break;
      }
      last = change.sequence();
      progressed = true;
      applied_.fetch_add(1);
      cursor_.store(last);
      if (change.has_commit_time()) {
        const absl::Time committed =
            absl::FromUnixSeconds(change.commit_time().seconds()) +
            absl::Nanoseconds(change.commit_time().nanos());
        lag_micros_.store(absl::ToInt64Microseconds(
            std::max(absl::ZeroDuration(), absl::Now() - committed)));
      }
      {
        absl::MutexLock lock(&mu_);
        appended_token_ = *token;
        ++unsynced_changes_;
      }
    }
    status = reader->Finish();
  });
  if (!called) return false;
  if (other_generation ||
      status.error_code() == ::grpc::StatusCode::FAILED_PRECONDITION) {
    // The changes after `last` are no longer kept, or the changelog is of
    // another generation (restored from a backup).
    log::Warning(
        "incident follower: the changelog does not continue the cursor "
        "(trimmed, or another generation); resynchronising from a snapshot",
        {{"message", status.error_message()}, {"cursor", last}});
    return Resync() || progressed;
  }
  if (status.error_code() == ::grpc::StatusCode::OUT_OF_RANGE) {
    // The cursor is ahead of incident-service's changelog: its database is
    // older than what this read model applied (restored by other means
    // than --restore_from). Its next changes would reuse sequences already
    // applied here.
    log::Warning(
        "incident follower: cursor ahead of incident-service's changelog; "
        "resynchronising from a snapshot",
        {{"message", status.error_message()}, {"cursor", last}});
    return Resync() || progressed;
  }
  if (!status.ok() && status.error_code() != ::grpc::StatusCode::CANCELLED) {
    log::Warning("incident follower: stream ended; will reconnect",
                 {{"code", static_cast<int>(status.error_code())},
                  {"message", status.error_message()},
                  {"cursor", last}});
  }
  return progressed;
}

bool IncidentFollower::WithContext(
    absl::FunctionRef<void(::grpc::ClientContext&)> call) {
  ::grpc::ClientContext context;
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    open_call_ = &context;
  }
  call(context);
  absl::MutexLock lock(&mu_);
  open_call_ = nullptr;
  return true;
}

std::optional<IncidentFollower::LogStart> IncidentFollower::OldestKept() {
  std::optional<LogStart> start;
  WithContext([&](::grpc::ClientContext& context) {
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + options_.empty_log_wait));
    incident::v1::WatchIncidentChangesRequest request;
    request.set_start_sequence(0);  // from the oldest change kept
    auto reader = stub_->WatchIncidentChanges(&context, request);
    incident::v1::IncidentChange change;
    if (reader->Read(&change)) {
      start = LogStart{change.sequence(), change.changelog_generation()};
      context.TryCancel();
      reader->Finish();
      return;
    }
    ::grpc::Status status = reader->Finish();
    if (status.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED) {
      // No change came: an empty changelog (a kept log is never empty once
      // written to), whose first change will be 1. Were it only slow, the
      // stream from 1 fails if 1 is trimmed and the follower resyncs
      // again; the generation is taken from the first change applied.
      start = LogStart{1, ""};
    }
  });
  return start;
}

bool IncidentFollower::Resync() {
  // (1) F first: every state listed afterwards is at or after F - 1.
  const std::optional<LogStart> start = OldestKept();
  if (!start.has_value() || start->sequence < 1) return false;
  const int64_t oldest = start->sequence;
  // (2) The snapshot: what the read model needs of each incident.
  std::vector<incident::v1::Incident> snapshot;
  incident::v1::ListIncidentsRequest request;
  request.set_page_size(1000);
  do {
    incident::v1::ListIncidentsResponse page;
    ::grpc::Status status;
    if (!WithContext([&](::grpc::ClientContext& context) {
          status = stub_->ListIncidents(&context, request, &page);
        })) {
      return false;
    }
    if (!status.ok()) {
      log::Warning("incident follower: snapshot failed; will retry",
                   {{"code", static_cast<int>(status.error_code())},
                    {"message", status.error_message()}});
      return false;
    }
    for (incident::v1::Incident& listed : *page.mutable_incidents()) {
      incident::v1::Incident& kept = snapshot.emplace_back();
      kept.set_name(listed.name());
      *kept.mutable_victims() = std::move(*listed.mutable_victims());
      *kept.mutable_start_date() = listed.start_date();
      *kept.mutable_disclosed_date() = listed.disclosed_date();
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  // (3) Replace the read model; the stream resumes at F.
  absl::StatusOr<storage::WriteToken> token =
      read_model_.ResetToSnapshot(snapshot, oldest - 1, start->generation);
  absl::Status synced =
      token.ok() ? read_model_.WaitDurable(*token) : token.status();
  if (!synced.ok()) {
    log::Error("incident follower: cannot store the snapshot",
               {{"error", synced.ToString()}});
    return false;
  }
  resyncs_.fetch_add(1);
  cursor_.store(oldest - 1);
  log::Info("incident follower: resynchronised from a snapshot",
            {{"incidents", static_cast<int64_t>(snapshot.size())},
             {"cursor", oldest - 1},
             {"changelog_generation", start->generation}});
  return true;
}

}  // namespace atlas::catalog
