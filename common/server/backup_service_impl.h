// BackupServiceImpl: atlas.admin.v1.BackupService over one service's
// RocksStore (storage::BackupSnapshot), served by both catalog-service and
// incident-service next to their own service.
//
// StreamBackup checks the caller (ADMIN only, auth::RequireRole), takes the
// one backup slot (RESOURCE_EXHAUSTED while another backup runs), then
// runs the backup on a thread of its own: the checkpoint (a memtable flush
// and hard links: seconds, not to be run on a gRPC thread) and the reads of
// its files, one chunk written at a time (a slow reader holds one chunk in
// memory). The checkpoint is removed when the stream ends, however it
// ends.
//
// Lifetime: `options.db` and `options.keys` must outlive the service. The
// destructor waits for running backups, so destroy the service after the
// gRPC server (which cancels their streams) and before closing the store.
//
// Thread safety: Shutdown() from any thread; the rest is gRPC's.
#ifndef ATLAS_COMMON_SERVER_BACKUP_SERVICE_IMPL_H_
#define ATLAS_COMMON_SERVER_BACKUP_SERVICE_IMPL_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "atlas/admin/v1/backup_service.grpc.pb.h"
#include "common/auth/api_keys.h"
#include "common/storage/rocks_store.h"

namespace atlas::server {

class BackupServiceImpl final
    : public admin::v1::BackupService::CallbackService {
 public:
  struct Options {
    // BackupHeader.service: "catalog-service" or "incident-service".
    std::string service;
    // BackupHeader.layout_version: the store's layout.
    int layout_version = 0;
    // The database backed up; not owned.
    const storage::RocksStore* db = nullptr;
    // Who the callers are; not owned.
    const auth::KeyRegistry* keys = nullptr;
    // Fills the service's own header fields (the changelog head, the read
    // model's cursor) just before the checkpoint; may be null.
    std::function<void(admin::v1::BackupHeader*)> describe;
  };

  explicit BackupServiceImpl(Options options) : options_(std::move(options)) {}
  // Waits until no backup runs.
  ~BackupServiceImpl() override;

  // Running backups end with UNAVAILABLE at their next chunk, and new ones
  // are refused with UNAVAILABLE. Wired to the server's drain.
  void Shutdown();

  ::grpc::ServerWriteReactor<admin::v1::BackupChunk>* StreamBackup(
      ::grpc::CallbackServerContext* context,
      const admin::v1::StreamBackupRequest* request) override;

 private:
  class Stream;
  friend class Stream;
  // The stream's view of the service.
  bool draining() ABSL_LOCKS_EXCLUDED(mu_);
  void StreamDone() ABSL_LOCKS_EXCLUDED(mu_);

  const Options options_;
  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_BACKUP_SERVICE_IMPL_H_
