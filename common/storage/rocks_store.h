// RocksStore: the one place that speaks RocksDB.
//
// A database directory with named column families. Every write is a
// WriteBatch applied atomically and acknowledged only after the write-ahead
// log is synced to disk, so an acknowledged write survives a crash of the
// process or the machine.
//
// Group commit. A write has two steps: Append(batch) applies the batch
// (WAL record written, not yet synced) and returns its token; WaitDurable
// (token) returns once the WAL is synced up to that write. One caller at a
// time runs the sync (rocksdb SyncWAL) and it covers every write appended
// before it started; callers arriving meanwhile wait and are released
// together by the next sync. A writer that must order its writes (the
// cores' write mutex) appends under its own lock, so the WAL order is its
// commit order, and waits for durability after releasing it. Write() is
// Append + WaitDurable.
//
// Visibility. Reads come in two views (ReadView):
//   kDurable (the default): the state as of the last completed sync. Each
//     sync takes a rocksdb snapshot at the last write it covers and
//     publishes it after the sync, so a reader never observes a write that
//     a crash could still lose. What API reads use.
//   kLatest: every appended write, durable or not. Only for a writer's
//     conflict checks under the lock that orders its writes (id taken,
//     request_id seen, etag): it must see the writes before it, and
//     answers only after WaitDurable covers everything it read.
// With Options::sync_writes off both views are the latest state and
// WaitDurable returns at once.
//
// Column families are addressed by their index in Options::column_families
// (each service defines named constants for them); RocksDB's "default"
// family is opened too but not exposed.
//
// Errors: RocksDB statuses are converted here, and only here, to absl codes
// (see ToAbslStatus in rocks_store.cc). NOT_FOUND from Get means "no such
// key", nothing else. Messages of other errors carry storage detail and must
// be logged, not returned to API callers.
//
// Thread safety: all methods may be called concurrently, except that Close()
// must not race with any other call (stop writers and readers first).
#ifndef ATLAS_COMMON_STORAGE_ROCKS_STORE_H_
#define ATLAS_COMMON_STORAGE_ROCKS_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/durability.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Cache;
class Snapshot;
}  // namespace rocksdb

namespace atlas::storage {

// An ordered list of puts, deletes and counter additions, applied all or
// nothing by RocksStore::Write. Cheap to build; not thread-safe.
class WriteBatch {
 public:
  void Put(int column_family, absl::string_view key, absl::string_view value);
  void Delete(int column_family, absl::string_view key);
  // Adds `delta` to the counter at `key`: a decimal int64, 0 when absent.
  // RocksStore::Append reads the latest value and writes the sum with the
  // batch under its append lock, so concurrent batches never lose an
  // addition; a sum of 0 deletes the key. Several Adds to one key in a
  // batch add up. A counter is written only through Add (no Put or Delete
  // of it in the same batch); Append fails with DATA_LOSS, writing
  // nothing, if the stored value is not a decimal int64.
  void Add(int column_family, absl::string_view key, int64_t delta);
  // Removes every key in [begin, end) with one range tombstone, whatever
  // their number. Only for keys that are read by Scan, never by Get or
  // MultiGet: RocksDB 7.8's row cache (point reads) does not honour range
  // tombstones.
  void DeleteRange(int column_family, absl::string_view begin,
                   absl::string_view end);
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

 private:
  friend class RocksStore;
  enum class Kind { kPut, kDelete, kDeleteRange, kAdd };
  struct Op {
    Kind kind;
    int column_family;
    std::string key;
    std::string value;  // the end key of a range delete
    int64_t delta = 0;
  };
  std::vector<Op> ops_;
};

// Scan direction for RocksStore::Scan.
enum class ScanDirection { kForward, kReverse };

// Which state a read sees; see the file comment.
enum class ReadView { kDurable, kLatest };

class RocksStore : public Durability {
 public:
  struct Options {
    // Directory of the database; created when missing.
    std::string path;
    // Names of the column families, in index order. Must not contain
    // "default". Families missing on disk are created; families on disk
    // that are not listed (a newer build's, after a rollback) are opened
    // and left untouched (logged), so an older build still opens the
    // database.
    std::vector<std::string> column_families;
    // Shared LRU block cache size.
    size_t block_cache_bytes = 64 << 20;
    // Row cache (whole values of point reads) size.
    size_t row_cache_bytes = 16 << 20;
    // Memory of all memtables together; past it RocksDB flushes the
    // largest.
    size_t memtable_bytes = 128 << 20;
    // Sync the WAL before acknowledging a write. Tests of unrelated logic
    // may turn this off; servers never do.
    bool sync_writes = true;
    // Test hook: called by the syncer after it captured the writes it
    // covers and before it syncs, without locks held (tests delay the sync
    // to check what readers see meanwhile). Null in production.
    std::function<void()> before_sync_for_test;
  };

  // Opens (creating if needed) the database. INVALID_ARGUMENT for bad
  // options, UNAVAILABLE if the directory is locked by another process
  // (or another open store; the message says "open in another process"
  // and what to do), INTERNAL/DATA_LOSS for other failures.
  static absl::StatusOr<std::unique_ptr<RocksStore>> Open(Options options);

  // Closes the database if still open.
  ~RocksStore() override;
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // Flushes the memtables to table files (so the next Open replays no
  // WAL) and closes cleanly. Idempotent. Every other call fails with
  // FAILED_PRECONDITION afterwards. Must not race with any other call.
  absl::Status Close();

  // The value at `key`; NOT_FOUND if there is none.
  absl::StatusOr<std::string> Get(int column_family, absl::string_view key,
                                  ReadView view = ReadView::kDurable) const;

  // Looks up many keys at once. `values[i]` is set and `found[i]` true for
  // each key present.
  absl::Status MultiGet(int column_family, const std::vector<std::string>& keys,
                        std::vector<std::string>* values,
                        std::vector<bool>* found,
                        ReadView view = ReadView::kDurable) const;

  // Applies `batch` atomically and returns after its WAL record is synced
  // (Append + WaitDurable). Blocks for about one WAL sync; concurrent
  // callers share syncs.
  absl::Status Write(const WriteBatch& batch);

  // Applies `batch` atomically without waiting for the sync: on return the
  // batch is visible to kLatest reads (not to kDurable ones) and may still
  // be lost by a crash. Returns its token for WaitDurable. Appends are
  // applied in call order; a caller needing an order across threads
  // serialises its calls.
  absl::StatusOr<WriteToken> Append(const WriteBatch& batch);

  // Returns once every write with a token <= `token` is synced and visible
  // to kDurable reads (at once if it already is). If a sync fails, this and
  // every later WaitDurable and Append fail (INTERNAL): the state of the
  // unsynced tail is unknown, so the store stops acknowledging writes.
  absl::Status WaitDurable(WriteToken token) override;

  // The token of the last applied write (0 if none since Open); waiting
  // for it covers every write a kLatest read may have seen.
  WriteToken last_write_token() const override;
  // The token of the last durable write.
  WriteToken durable_token() const;

  // Visits keys in [lower, upper) of one column family in key order (or
  // reverse order), calling `visit(key, value)` until it returns false.
  // An empty `upper` means "no upper bound". The views are valid only during
  // the call. Returns the iterator's status at the end, so a scan cut short
  // by an I/O error is an error, never a silently short result.
  absl::Status Scan(
      int column_family, absl::string_view lower, absl::string_view upper,
      ScanDirection direction,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit,
      ReadView view = ReadView::kDurable) const;

  // Scan over every key starting with `prefix`.
  absl::Status ScanPrefix(
      int column_family, absl::string_view prefix, ScanDirection direction,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit,
      ReadView view = ReadView::kDurable) const;

  // An integer RocksDB property ("rocksdb.estimate-num-keys"), for metrics.
  absl::StatusOr<uint64_t> IntProperty(int column_family,
                                       absl::string_view property) const;

  const std::string& path() const { return options_.path; }

  // Writes a checkpoint into `dir`: a directory RocksDB opens as a copy of
  // this database at one point in time, consistent across every column
  // family (rocksdb::Checkpoint). The memtables are flushed first; table
  // files are hard-linked (so `dir` must be on the same filesystem, e.g.
  // under path()), the small files copied. It holds every write appended
  // before the call, synced or not, and perhaps some appended during it.
  // Writes go on meanwhile. `dir` must not exist and its parent must:
  // INVALID_ARGUMENT otherwise; FAILED_PRECONDITION after Close(); INTERNAL
  // for an I/O failure (a partial `dir` may be left: remove it).
  absl::Status CreateCheckpoint(const std::string& dir) const;

  // RocksDB's figures for the metrics (common/metrics/serving_metrics.h):
  // block cache hits and misses since Open (RocksDB statistics, tickers
  // only), the block cache's usage, the memtables' size, the estimated
  // bytes pending compaction and live data (summed over the families), and
  // the WAL files' total size. FAILED_PRECONDITION after Close(); INTERNAL
  // if the WAL files cannot be listed.
  struct Figures {
    uint64_t block_cache_hits = 0;
    uint64_t block_cache_misses = 0;
    uint64_t block_cache_usage_bytes = 0;
    uint64_t memtable_bytes = 0;
    uint64_t pending_compaction_bytes = 0;
    uint64_t live_data_bytes = 0;
    uint64_t wal_bytes = 0;
  };
  absl::StatusOr<Figures> ReadFigures() const;

 private:
  RocksStore(Options options, rocksdb::DB* db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles);
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Handle(int column_family) const;
  // The snapshot a read in `view` uses (null: the latest state). The
  // returned reference keeps it alive for the read.
  std::shared_ptr<const rocksdb::Snapshot> SnapshotFor(ReadView view) const;
  // Takes a snapshot of the current state, released with the last
  // reference to it.
  std::shared_ptr<const rocksdb::Snapshot> TakeSnapshot();

  Options options_;
  rocksdb::DB* db_;  // owned; null after Close()
  // handles_[0] is "default"; family i is handles_[i + 1].
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  // Orders Append's rocksdb writes with the token counter, so a snapshot
  // taken under it holds exactly the writes with token <= last_written_.
  mutable absl::Mutex append_mu_;
  WriteToken last_written_ ABSL_GUARDED_BY(append_mu_) = 0;

  // The coalescing syncer's state.
  mutable absl::Mutex sync_mu_;
  bool syncing_ ABSL_GUARDED_BY(sync_mu_) = false;
  WriteToken durable_ ABSL_GUARDED_BY(sync_mu_) = 0;
  absl::Status sync_failure_ ABSL_GUARDED_BY(sync_mu_);

  // The published durable snapshot (kDurable reads); null when
  // sync_writes is off.
  mutable absl::Mutex published_mu_;
  std::shared_ptr<const rocksdb::Snapshot> durable_snapshot_
      ABSL_GUARDED_BY(published_mu_);
};

// Smallest string greater than every string starting with `prefix`; empty
// if there is none (prefix of all 0xff bytes). Used as an exclusive upper
// bound.
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_ROCKS_STORE_H_
