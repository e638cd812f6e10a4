#include "common/storage/rocks_store.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/transaction_log.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "rocksdb/write_buffer_manager.h"

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
  // Index and filter in 4 kB partitions under a small top-level index
  // (pinned). One index block per table file grows with the file (several
  // MB at the bottom level of a 1M-incident database): larger than a cache
  // shard, it was evicted as soon as it was read, so every Get read and
  // decompressed it again (81% of a GetIncident profile in ZSTD).
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
}

}  // namespace

void WriteBatch::Put(int column_family, absl::string_view key,
                     absl::string_view value) {
  ops_.push_back(
      Op{Kind::kPut, column_family, std::string(key), std::string(value)});
}

void WriteBatch::Delete(int column_family, absl::string_view key) {
  ops_.push_back(
      Op{Kind::kDelete, column_family, std::string(key), std::string()});
}

void WriteBatch::Add(int column_family, absl::string_view key, int64_t delta) {
  ops_.push_back(
      Op{Kind::kAdd, column_family, std::string(key), std::string(), delta});
}

void WriteBatch::DeleteRange(int column_family, absl::string_view begin,
                             absl::string_view end) {
  ops_.push_back(Op{Kind::kDeleteRange, column_family, std::string(begin),
                    std::string(end)});
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
  // 16 shards (4 MB each at the default size) rather than 64: a shard must
  // hold the blocks a hot read needs at once.
  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes, /*num_shard_bits=*/4);

  rocksdb::DBOptions db_options;
  // Point reads of hot records (GetIncident, GetOrganization) answered
  // from a key-value cache, without the per-level filter and block lookups.
  db_options.row_cache = rocksdb::NewLRUCache(options.row_cache_bytes, 4);
  // One memtable budget for all column families: each would otherwise
  // grow to 2 x 64 MB, and a bulk load keeps four of them busy (a 1M load
  // peaked at 438 MB resident without this).
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.memtable_bytes);
  // Tickers (block cache hits and misses) for the metrics; no histograms
  // or timers, whose cost is on every read.
  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(
      rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // Recover what the synced WAL holds, stop at the first corrupt record of
  // an unsynced tail (the default, made explicit).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Bound what a crash restart replays: past 64 MB of live WAL, RocksDB
  // flushes the memtables holding the oldest log.
  db_options.max_total_wal_size = 64 << 20;
  // Recovery keeps the replayed data in memtables (and the old WAL until
  // they flush) instead of writing L0 files during Open: faster start.
  db_options.avoid_flush_during_recovery = true;
  // Not set: recycle_log_file_num. RocksDB 7.8 turns it off under
  // kPointInTimeRecovery (SanitizeOptions), and crash safety wins.
  // Group commit (Append + WaitDurable) relies on each unsynced write
  // reaching the OS at once, so that SyncWAL covers it.
  db_options.manual_wal_flush = false;

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName,
                        FamilyOptions(cache));
  for (const std::string& name : options.column_families) {
    families.emplace_back(name, FamilyOptions(cache));
  }
  // Families on disk that this build does not know (a newer build added
  // them, and this is a rollback) are opened too, after ours, and left
  // alone: RocksDB refuses to open a database without all of its
  // families, which left a rolled-back pod crash-looping.
  std::vector<std::string> on_disk;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &on_disk)
          .ok()) {
    for (const std::string& name : on_disk) {
      if (name == rocksdb::kDefaultColumnFamilyName) continue;
      if (std::find(options.column_families.begin(),
                    options.column_families.end(),
                    name) != options.column_families.end()) {
        continue;
      }
      log::Warning("opening a column family this build does not use",
                   {{"family", name}, {"path", options.path}});
      families.emplace_back(name, FamilyOptions(cache));
    }
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, families, &handles, &db);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      // Another process (or another store in this one) holds the LOCK.
      return absl::UnavailableError(absl::StrCat(
          "the database at ", options.path,
          " is open in another process: one writer per database. Stop the "
          "other process first (a second pod on this volume, or a leftover "
          "one); to scale reads see docs/deploy.md (\"Scaling reads\"). (",
          s.ToString(), ")"));
    }
    return ToAbslStatus(s, absl::StrCat("open ", options.path));
  }
  std::unique_ptr<RocksStore> store(
      new RocksStore(std::move(options), db, std::move(handles)));
  if (store->options_.sync_writes) {
    // Everything recovered is on disk: the first durable view.
    absl::MutexLock lock(&store->published_mu_);
    store->durable_snapshot_ = store->TakeSnapshot();
  }
  return store;
}

RocksStore::RocksStore(Options options, rocksdb::DB* db,
                       std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(std::move(options)), db_(db), handles_(std::move(handles)) {}

RocksStore::~RocksStore() { Close().IgnoreError(); }

std::shared_ptr<const rocksdb::Snapshot> RocksStore::TakeSnapshot() {
  rocksdb::DB* db = db_;
  return std::shared_ptr<const rocksdb::Snapshot>(
      db->GetSnapshot(),
      [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

std::shared_ptr<const rocksdb::Snapshot> RocksStore::SnapshotFor(
    ReadView view) const {
  if (view == ReadView::kLatest) return nullptr;
  absl::ReaderMutexLock lock(&published_mu_);
  return durable_snapshot_;
}

absl::Status RocksStore::Close() {
  if (db_ == nullptr) return absl::OkStatus();
  absl::Status result;
  {
    // Snapshots must be released before the database closes.
    std::shared_ptr<const rocksdb::Snapshot> last;
    absl::MutexLock lock(&published_mu_);
    last.swap(durable_snapshot_);
  }
  // RocksDB does not flush memtables on Close when the WAL is on, so the
  // next Open would replay the whole WAL (seconds after a bulk load).
  // Flushing here makes a clean restart replay nothing.
  if (!handles_.empty()) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    rocksdb::Status s = db_->Flush(flush, handles_);
    if (!s.ok()) result = ToAbslStatus(s, "flush on close");
  }
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
                                            absl::string_view key,
                                            ReadView view) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  std::shared_ptr<const rocksdb::Snapshot> snapshot = SnapshotFor(view);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.get();
  std::string value;
  rocksdb::Status s = db_->Get(read_options, *handle, ToSlice(key), &value);
  if (!s.ok()) return ToAbslStatus(s, "get");
  return value;
}

absl::Status RocksStore::MultiGet(int column_family,
                                  const std::vector<std::string>& keys,
                                  std::vector<std::string>* values,
                                  std::vector<bool>* found,
                                  ReadView view) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  std::shared_ptr<const rocksdb::Snapshot> snapshot = SnapshotFor(view);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.get();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const std::string& k : keys) slices.push_back(ToSlice(k));
  std::vector<rocksdb::ColumnFamilyHandle*> handles(keys.size(), *handle);
  std::vector<std::string> raw;
  std::vector<rocksdb::Status> statuses =
      db_->MultiGet(read_options, handles, slices, &raw);
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
  absl::StatusOr<WriteToken> token = Append(batch);
  if (!token.ok()) return token.status();
  return WaitDurable(*token);
}

absl::StatusOr<WriteToken> RocksStore::Append(const WriteBatch& batch) {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("database is closed");
  }
  {
    absl::MutexLock lock(&sync_mu_);
    if (!sync_failure_.ok()) return sync_failure_;
  }
  rocksdb::WriteBatch raw;
  // Counter additions, summed per (family, key); applied under append_mu_.
  std::map<std::pair<int, std::string>, int64_t> adds;
  for (const WriteBatch::Op& op : batch.ops_) {
    auto handle = Handle(op.column_family);
    if (!handle.ok()) return handle.status();
    rocksdb::Status s;
    switch (op.kind) {
      case WriteBatch::Kind::kPut:
        s = raw.Put(*handle, ToSlice(op.key), ToSlice(op.value));
        break;
      case WriteBatch::Kind::kDelete:
        s = raw.Delete(*handle, ToSlice(op.key));
        break;
      case WriteBatch::Kind::kDeleteRange:
        s = raw.DeleteRange(*handle, ToSlice(op.key), ToSlice(op.value));
        break;
      case WriteBatch::Kind::kAdd:
        adds[{op.column_family, op.key}] += op.delta;
        break;
    }
    if (!s.ok()) return ToAbslStatus(s, "batch");
  }
  // Not synced here: WaitDurable syncs for many writes at once.
  rocksdb::WriteOptions write_options;
  write_options.sync = false;
  absl::MutexLock lock(&append_mu_);
  // The read-modify-write of each counter: no other Append runs meanwhile.
  for (const auto& [where, delta] : adds) {
    if (delta == 0) continue;
    rocksdb::ColumnFamilyHandle* handle = *Handle(where.first);
    std::string stored;
    rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), handle,
                                   ToSlice(where.second), &stored);
    int64_t value = 0;
    if (got.ok()) {
      if (!absl::SimpleAtoi(stored, &value)) {
        return absl::DataLossError("stored counter does not parse");
      }
    } else if (!got.IsNotFound()) {
      return ToAbslStatus(got, "get");
    }
    value += delta;
    rocksdb::Status s = value == 0 ? raw.Delete(handle, ToSlice(where.second))
                                   : raw.Put(handle, ToSlice(where.second),
                                             ToSlice(absl::StrCat(value)));
    if (!s.ok()) return ToAbslStatus(s, "batch");
  }
  rocksdb::Status s = db_->Write(write_options, &raw);
  if (!s.ok()) return ToAbslStatus(s, "write");
  return ++last_written_;
}

absl::Status RocksStore::WaitDurable(WriteToken token) {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("database is closed");
  }
  if (!options_.sync_writes) return absl::OkStatus();
  auto done_or_free = [this, token]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) {
    return !sync_failure_.ok() || durable_ >= token || !syncing_;
  };
  sync_mu_.Lock();
  while (true) {
    sync_mu_.Await(absl::Condition(&done_or_free));
    if (!sync_failure_.ok() || durable_ >= token) {
      absl::Status result = sync_failure_;
      sync_mu_.Unlock();
      return result;
    }
    // No sync is running and ours is not covered: this caller syncs, for
    // itself and for every write appended so far.
    syncing_ = true;
    sync_mu_.Unlock();

    WriteToken covered;
    std::shared_ptr<const rocksdb::Snapshot> snapshot;
    {
      // Under append_mu_ the snapshot holds exactly the writes 1..covered.
      absl::MutexLock lock(&append_mu_);
      covered = last_written_;
      snapshot = db_ == nullptr ? nullptr : TakeSnapshot();
    }
    if (options_.before_sync_for_test) options_.before_sync_for_test();
    absl::Status synced =
        db_ == nullptr ? absl::FailedPreconditionError("database is closed")
                       : ToAbslStatus(db_->SyncWAL(), "sync wal");
    if (synced.ok()) {
      // Publish before releasing the waiters: a write acknowledged to one
      // client is visible to the next reader.
      absl::MutexLock lock(&published_mu_);
      durable_snapshot_.swap(snapshot);
    }
    snapshot.reset();  // the previous durable snapshot, outside the lock
    sync_mu_.Lock();
    syncing_ = false;
    if (synced.ok()) {
      durable_ = std::max(durable_, covered);
    } else if (sync_failure_.ok()) {
      sync_failure_ = absl::InternalError(
          absl::StrCat("WAL sync failed; writes are no longer acknowledged: ",
                       synced.message()));
    }
  }
}

WriteToken RocksStore::last_write_token() const {
  absl::MutexLock lock(&append_mu_);
  return last_written_;
}

WriteToken RocksStore::durable_token() const {
  if (!options_.sync_writes) return last_write_token();
  absl::MutexLock lock(&sync_mu_);
  return durable_;
}

absl::Status RocksStore::Scan(
    int column_family, absl::string_view lower, absl::string_view upper,
    ScanDirection direction,
    absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit,
    ReadView view) const {
  auto handle = Handle(column_family);
  if (!handle.ok()) return handle.status();
  std::shared_ptr<const rocksdb::Snapshot> snapshot = SnapshotFor(view);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.get();
  rocksdb::Slice lower_slice = ToSlice(lower);
  rocksdb::Slice upper_slice = ToSlice(upper);
  read_options.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, *handle));
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
    absl::FunctionRef<bool(absl::string_view, absl::string_view)> visit,
    ReadView view) const {
  std::string upper = PrefixSuccessor(prefix);
  return Scan(column_family, prefix, upper, direction, visit, view);
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

absl::Status RocksStore::CreateCheckpoint(const std::string& dir) const {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("database is closed");
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_, &raw);
  if (!s.ok()) return ToAbslStatus(s, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: always flush, so the checkpoint's state is in
  // table files and a restore replays (almost) no WAL.
  s = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  return ToAbslStatus(s, absl::StrCat("checkpoint into ", dir));
}

absl::StatusOr<RocksStore::Figures> RocksStore::ReadFigures() const {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("database is closed");
  }
  Figures figures;
  const std::shared_ptr<rocksdb::Statistics> statistics =
      db_->GetDBOptions().statistics;
  if (statistics != nullptr) {
    figures.block_cache_hits =
        statistics->getTickerCount(rocksdb::BLOCK_CACHE_HIT);
    figures.block_cache_misses =
        statistics->getTickerCount(rocksdb::BLOCK_CACHE_MISS);
  }
  uint64_t value = 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &value)) {
    figures.block_cache_usage_bytes = value;
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (db_->GetIntProperty(
            handle, rocksdb::DB::Properties::kCurSizeAllMemTables, &value)) {
      figures.memtable_bytes += value;
    }
    if (db_->GetIntProperty(
            handle, rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
            &value)) {
      figures.pending_compaction_bytes += value;
    }
    if (db_->GetIntProperty(
            handle, rocksdb::DB::Properties::kEstimateLiveDataSize, &value)) {
      figures.live_data_bytes += value;
    }
  }
  rocksdb::VectorLogPtr wal_files;
  rocksdb::Status listed = db_->GetSortedWalFiles(wal_files);
  if (!listed.ok()) return ToAbslStatus(listed, "list WAL files");
  for (const auto& file : wal_files) figures.wal_bytes += file->SizeFileBytes();
  return figures;
}

}  // namespace atlas::storage
