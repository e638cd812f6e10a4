#include "common/storage/rocks_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace atlas::storage {
namespace {

// The one rocksdb::Status -> absl::Status conversion. Unknown codes map to
// INTERNAL: a storage failure the caller cannot fix by changing the request.
absl::Status ToAbslStatus(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
      return absl::UnavailableError(message);
    case rocksdb::Status::kIOError:
      // A held LOCK file is reported as an IOError: the directory is in use
      // by another process, which may go away.
      if (s.ToString().find("lock") != std::string::npos) {
        return absl::UnavailableError(message);
      }
      return absl::InternalError(message);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(message);
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (records by id, idempotency records) skip files that
  // cannot hold the key.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
}

}  // namespace

void WriteBatch::Put(int column_family, absl::string_view key,
                     absl::string_view value) {
  ops_.push_back(Op{false, column_family, std::string(key), std::string(value)});
}

void WriteBatch::Delete(int column_family, absl::string_view key) {
  ops_.push_back(Op{true, column_family, std::string(key), std::string()});
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

absl::StatusOr<std::unique_ptr<RocksStore>> RocksStore::Open(Options options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("database path is empty");
  }
  for (const std::string& name : options.column_families) {
    if (name == rocksdb::kDefaultColumnFamilyName) {
      return absl::InvalidArgumentError(
          "column family \"default\" is reserved");
    }
  }
  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // Recover what the synced WAL holds, stop at the first corrupt record of
  // an unsynced tail (the default, made explicit).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, FamilyOptions(cache));
  for (const std::string& name : options.column_families) {
    families.emplace_back(name, FamilyOptions(cache));
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, families, &handles, &db);
  if (!s.ok()) {
    return ToAbslStatus(s, absl::StrCat("open ", options.path));
  }
  return std::unique_ptr<RocksStore>(
      new RocksStore(std::move(options), db, std::move(handles)));
}

RocksStore::RocksStore(Options options, rocksdb::DB* db,
                       std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(std::move(options)), db_(db), handles_(std::move(handles)) {}

RocksStore::~RocksStore() { Close().IgnoreError(); }

absl::Status RocksStore::Close() {
  if (db_ == nullptr) return absl::OkStatus();
  absl::Status result;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
    if (!s.ok() && result.ok()) result = ToAbslStatus(s, "close family");
  }
  handles_.clear();
  rocksdb::Status s = db_->Close();
  if (!s.ok() && result.ok()) result = ToAbslStatus(s, "close");
  delete db_;
  db_ = nullptr;
  return result;
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> RocksStore::Handle(
    int column_family) const {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("database is closed");
  }
  if (column_family < 0 ||
      static_cast<size_t>(column_family) + 1 >= handles_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no column family ", column_family));
  }
  return handles_[column_family + 1];
}

absl::StatusOr<std::string> RocksStore::Get(int column_family,
                                            absl::string_view key) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), *handle, ToSlice(key), &value);
  if (!s.ok()) return ToAbslStatus(s, "get");
  return value;
}

absl::Status RocksStore::MultiGet(int column_family,
                                  const std::vector<std::string>& keys,
                                  std::vector<std::string>* values,
                                  std::vector<bool>* found) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const std::string& k : keys) slices.push_back(ToSlice(k));
  std::vector<rocksdb::ColumnFamilyHandle*> handles(keys.size(), *handle);
  std::vector<std::string> raw;
  std::vector<rocksdb::Status> statuses =
      db_->MultiGet(rocksdb::ReadOptions(), handles, slices, &raw);
  values->assign(keys.size(), std::string());
  found->assign(keys.size(), false);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) {
      (*values)[i] = std::move(raw[i]);
      (*found)[i] = true;
    } else if (!statuses[i].IsNotFound()) {
      return ToAbslStatus(statuses[i], "multiget");
    }
  }
  return absl::OkStatus();
}

absl::Status RocksStore::Write(const WriteBatch& batch) {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("database is closed");
  }
  rocksdb::WriteBatch raw;
  for (const WriteBatch::Op& op : batch.ops_) {
    auto handle = Handle(op.column_family);
    if (!handle.ok()) return handle.status();
    rocksdb::Status s =
        op.is_delete ? raw.Delete(*handle, ToSlice(op.key))
                     : raw.Put(*handle, ToSlice(op.key), ToSlice(op.value));
    if (!s.ok()) return ToAbslStatus(s, "batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_writes;
  return ToAbslStatus(db_->Write(write_options, &raw), "write");
}

absl::Status RocksStore::Scan(
    int column_family, absl::string_view lower, absl::string_view upper,
    ScanDirection direction,
    absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  rocksdb::ReadOptions read_options;
  rocksdb::Slice lower_slice = ToSlice(lower);
  rocksdb::Slice upper_slice = ToSlice(upper);
  read_options.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, *handle));
  if (direction == ScanDirection::kForward) {
    for (it->Seek(lower_slice); it->Valid(); it->Next()) {
      if (!visit(ToView(it->key()), ToView(it->value()))) break;
    }
  } else {
    if (upper.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(upper_slice);
      // SeekForPrev lands on `upper` itself when present; it is exclusive.
      if (it->Valid() && ToView(it->key()) == upper) it->Prev();
    }
    for (; it->Valid(); it->Prev()) {
      if (!visit(ToView(it->key()), ToView(it->value()))) break;
    }
  }
  return ToAbslStatus(it->status(), "scan");
}

absl::Status RocksStore::ScanPrefix(
    int column_family, absl::string_view prefix, ScanDirection direction,
    absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit) const {
  std::string upper = PrefixSuccessor(prefix);
  return Scan(column_family, prefix, upper, direction, visit);
}

absl::StatusOr<uint64_t> RocksStore::IntProperty(
    int column_family, absl::string_view property) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  uint64_t value = 0;
  if (!db_->GetIntProperty(*handle, ToSlice(property), &value)) {
    return absl::NotFoundError(absl::StrCat("no property ", property));
  }
  return value;
}

}  // namespace atlas::storage
