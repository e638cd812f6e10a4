// RocksStore: the one place that speaks RocksDB.
//
// A database directory with named column families. Every write is a
// WriteBatch applied atomically and acknowledged only after the write-ahead
// log is synced to disk, so an acknowledged write survives a crash of the
// process or the machine. Reads see the latest acknowledged state.
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
// must not race with any other call.
#ifndef ATLAS_COMMON_STORAGE_ROCKS_STORE_H_
#define ATLAS_COMMON_STORAGE_ROCKS_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Cache;
}  // namespace rocksdb

namespace atlas::storage {

// An ordered list of puts and deletes, applied all or nothing by
// RocksStore::Write. Cheap to build; not thread-safe.
class WriteBatch {
 public:
  void Put(int column_family, absl::string_view key, absl::string_view value);
  void Delete(int column_family, absl::string_view key);
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

 private:
  friend class RocksStore;
  struct Op {
    bool is_delete;
    int column_family;
    std::string key;
    std::string value;
  };
  std::vector<Op> ops_;
};

// Scan direction for RocksStore::Scan.
enum class ScanDirection { kForward, kReverse };

class RocksStore {
 public:
  struct Options {
    // Directory of the database; created when missing.
    std::string path;
    // Names of the column families, in index order. Must not contain
    // "default". Families missing on disk are created.
    std::vector<std::string> column_families;
    // Shared LRU block cache size.
    size_t block_cache_bytes = 64 << 20;
    // Sync the WAL before acknowledging a write. Tests of unrelated logic
    // may turn this off; servers never do.
    bool sync_writes = true;
  };

  // Opens (creating if needed) the database. INVALID_ARGUMENT for bad
  // options, UNAVAILABLE if the directory is locked by another process,
  // INTERNAL/DATA_LOSS for other failures.
  static absl::StatusOr<std::unique_ptr<RocksStore>> Open(Options options);

  // Closes the database if still open.
  ~RocksStore();
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // Flushes nothing extra (the WAL is already synced) and closes cleanly.
  // Idempotent. Every other call fails with FAILED_PRECONDITION afterwards.
  absl::Status Close();

  // The value at `key`; NOT_FOUND if there is none.
  absl::StatusOr<std::string> Get(int column_family, absl::string_view key) const;

  // Looks up many keys at once. `values[i]` is set and `found[i]` true for
  // each key present.
  absl::Status MultiGet(int column_family,
                        const std::vector<std::string>& keys,
                        std::vector<std::string>* values,
                        std::vector<bool>* found) const;

  // Applies `batch` atomically; with sync_writes, returns after the WAL is
  // on disk.
  absl::Status Write(const WriteBatch& batch);

  // Visits keys in [lower, upper) of one column family in key order (or
  // reverse order), calling `visit(key, value)` until it returns false.
  // An empty `upper` means "no upper bound". The views are valid only during
  // the call. Returns the iterator's status at the end, so a scan cut short
  // by an I/O error is an error, never a silently short result.
  absl::Status Scan(
      int column_family, absl::string_view lower, absl::string_view upper,
      ScanDirection direction,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const;

  // Scan over every key starting with `prefix`.
  absl::Status ScanPrefix(
      int column_family, absl::string_view prefix, ScanDirection direction,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const;

  // An integer RocksDB property ("rocksdb.estimate-num-keys"), for metrics.
  absl::StatusOr<uint64_t> IntProperty(int column_family,
                                       absl::string_view property) const;

  const std::string& path() const { return options_.path; }

 private:
  RocksStore(Options options, rocksdb::DB* db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles);
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Handle(int column_family) const;

  Options options_;
  rocksdb::DB* db_;  // owned; null after Close()
  // handles_[0] is "default"; family i is handles_[i + 1].
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// Smallest string greater than every string starting with `prefix`; empty
// if there is none (prefix of all 0xff bytes). Used as an exclusive upper
// bound.
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_ROCKS_STORE_H_
