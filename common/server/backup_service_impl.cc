#include "common/server/backup_service_impl.h"

#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/call_context.h"
#include "common/grpc/status_conversion.h"
#include "common/logging/log.h"
#include "common/storage/backup_snapshot.h"

namespace atlas::server {

namespace v1 = ::atlas::admin::v1;

// One StreamBackup call. Lifetime: created by the handler once the slot is
// taken, deleted in OnDone (never run inline from Finish), which joins the
// worker thread: the worker's last act is Finish, so the join is short.
class BackupServiceImpl::Stream final
    : public ::grpc::ServerWriteReactor<v1::BackupChunk> {
 public:
  Stream(BackupServiceImpl& service, std::string caller)
      : service_(service), caller_(std::move(caller)) {
    worker_ = std::thread([this] {
      absl::Status status = Run();
      if (!status.ok()) {
        log::Warning("backup ended early", {{"error", status.ToString()}});
      }
      // AIP-193 details (ErrorInfo, RetryInfo) added by the conversion.
      Finish(grpc_util::ToGrpcStatus(status));
    });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) broken_ = true;
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    broken_ = true;
  }

  void OnDone() override {
    if (worker_.get_id() == std::this_thread::get_id()) {
      worker_.detach();
    } else {
      worker_.join();
    }
    service_.StreamDone();
    delete this;
  }

 private:
  absl::Status Run() {
    const absl::Time start = absl::Now();
    v1::BackupHeader header;
    header.set_service(service_.options_.service);
    header.set_layout_version(service_.options_.layout_version);
    if (service_.options_.describe) service_.options_.describe(&header);
    absl::StatusOr<std::unique_ptr<storage::BackupSnapshot>> snapshot =
        storage::BackupSnapshot::Take(*service_.options_.db, header);
    if (!snapshot.ok()) {
      // The detail (paths, RocksDB's words) is in the log.
      return absl::InternalError(
          "the checkpoint could not be taken; see the server's log");
    }
    log::Info(
        "backup started",
        {{"backup_id", (*snapshot)->header().backup_id()},
         {"caller", caller_},
         {"files", (*snapshot)->file_count()},
         {"bytes", (*snapshot)->total_bytes()},
         {"checkpoint_ms", absl::ToInt64Milliseconds(absl::Now() - start)}});
    while (true) {
      absl::StatusOr<bool> next = (*snapshot)->Next(&chunk_);
      if (!next.ok()) {
        return absl::InternalError(
            "a checkpoint file could not be read; see the server's log");
      }
      if (!*next) break;
      {
        absl::MutexLock lock(&mu_);
        writing_ = true;
      }
      StartWrite(&chunk_);
      if (!AwaitWrite()) {
        return absl::CancelledError("backup cancelled");
      }
      if (service_.draining()) {
        return absl::UnavailableError(
            "server is shutting down; take the backup again");
      }
    }
    log::Info("backup finished",
              {{"backup_id", (*snapshot)->header().backup_id()},
               {"files", (*snapshot)->file_count()},
               {"bytes", (*snapshot)->total_bytes()},
               {"seconds", absl::ToDoubleSeconds(absl::Now() - start)}});
    return absl::OkStatus();
  }

  // Waits for the write in flight to complete; false if the stream broke
  // (cancelled, or the write failed). Returns only once no write is in
  // flight, so Finish may follow.
  bool AwaitWrite() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_));
    return !broken_;
  }

  BackupServiceImpl& service_;
  const std::string caller_;
  std::thread worker_;
  // The chunk being written; untouched while writing_.
  v1::BackupChunk chunk_;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
};

BackupServiceImpl::~BackupServiceImpl() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* running) { return !*running; }, &running_));
}

void BackupServiceImpl::Shutdown() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

bool BackupServiceImpl::draining() {
  absl::MutexLock lock(&mu_);
  return draining_;
}

void BackupServiceImpl::StreamDone() {
  absl::MutexLock lock(&mu_);
  running_ = false;
}

::grpc::ServerWriteReactor<v1::BackupChunk>* BackupServiceImpl::StreamBackup(
    ::grpc::CallbackServerContext* context, const v1::StreamBackupRequest*) {
  class Refused final : public ::grpc::ServerWriteReactor<v1::BackupChunk> {
   public:
    explicit Refused(::grpc::Status status) { Finish(std::move(status)); }
    void OnDone() override { delete this; }
  };
  absl::StatusOr<auth::Caller> caller =
      grpc_util::CallerOf(*context, *options_.keys);
  if (!caller.ok())
    return new Refused(grpc_util::ToGrpcStatus(caller.status()));
  absl::Status allowed =
      auth::RequireRole(*caller, auth::Role::kAdmin, "StreamBackup");
  if (!allowed.ok()) return new Refused(grpc_util::ToGrpcStatus(allowed));
  {
    absl::MutexLock lock(&mu_);
    if (draining_) {
      return new Refused(grpc_util::ToGrpcStatus(
          absl::UnavailableError("server is shutting down")));
    }
    if (running_) {
      return new Refused(grpc_util::ToGrpcStatus(absl::ResourceExhaustedError(
          "a backup of this server is already running (one at a time); "
          "retry when it ends")));
    }
    running_ = true;
  }
  return new Stream(*this, caller->label);
}

}  // namespace atlas::server
