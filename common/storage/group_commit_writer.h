// GroupCommitWriter: the one write path of both cores.
//
// A core's write reads what it decides on (id taken? etag current? domain
// owned?) on the kLatest view, builds one WriteBatch and appends it, all
// under one mutex, so writes commit in a total order and no check races
// another write. The WAL sync then runs without the mutex and is shared
// by every write appended meanwhile (group commit). A result leaves Run()
// only once the WAL is synced up to the last write its body made or could
// have read: no acknowledgement, and no answer derived from unsynced state
// (ALREADY_EXISTS, a stale etag, a replayed request_id), precedes the
// state it reflects becoming durable.
//
// Errors: whatever `body` returns; if the sync fails, the storage error of
// the operation `op` (see StorageError: INTERNAL, logged), whatever
// `body` returned.
//
// Thread safety: Run may be called from any number of threads. `body` runs
// with mutex() held and must not call Run (the mutex is not reentrant).
#ifndef ATLAS_COMMON_STORAGE_GROUP_COMMIT_WRITER_H_
#define ATLAS_COMMON_STORAGE_GROUP_COMMIT_WRITER_H_

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/durability.h"
#include "common/storage/storage_error.h"

namespace atlas::storage {

class GroupCommitWriter {
 public:
  // `durability` must outlive the writer.
  explicit GroupCommitWriter(Durability& durability)
      : durability_(durability) {}
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Runs `body` under the mutex, then calls `on_appended` (without the
  // mutex: the write is appended, not yet synced; the create combiner
  // hands leadership on there), then waits for durability and returns
  // `body`'s result.
  template <typename T>
  absl::StatusOr<T> Run(absl::string_view op,
                        absl::FunctionRef<absl::StatusOr<T>()> body,
                        absl::FunctionRef<void()> on_appended)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::StatusOr<T> result = absl::UnknownError("not run");
    WriteToken token = 0;
    {
      absl::MutexLock lock(&mu_);
      result = body();
      // Covers this call's own write and every write its checks read.
      token = durability_.last_write_token();
    }
    on_appended();
    absl::Status durable = durability_.WaitDurable(token);
    if (!durable.ok()) return StorageError(durable, op);
    return result;
  }
  template <typename T>
  absl::StatusOr<T> Run(absl::string_view op,
                        absl::FunctionRef<absl::StatusOr<T>()> body)
      ABSL_LOCKS_EXCLUDED(mu_) {
    return Run<T>(op, body, [] {});
  }

  // For writers that append without waiting (the catalog's follower
  // applies many changes per sync, then calls WaitDurable itself).
  absl::Mutex& mutex() ABSL_LOCK_RETURNED(mu_) { return mu_; }
  Durability& durability() { return durability_; }

 private:
  Durability& durability_;
  absl::Mutex mu_;
};

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_GROUP_COMMIT_WRITER_H_
