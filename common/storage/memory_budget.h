// MemoryBudget: the RocksDB memory one store may use, set by the services'
// --block_cache_mb and --write_buffer_mb flags (common/server/
// service_main.h) and, in Kubernetes, from the container's memory limit
// (deploy/k8s/overlays). The process needs more than their sum: the row
// cache (RocksStore::Options::row_cache_bytes), index and filter blocks
// pinned outside the cache's accounting, gRPC buffers and the heap.
#ifndef ATLAS_COMMON_STORAGE_MEMORY_BUDGET_H_
#define ATLAS_COMMON_STORAGE_MEMORY_BUDGET_H_

#include <cstddef>

namespace atlas::storage {

struct MemoryBudget {
  // The shared LRU block cache (RocksStore::Options::block_cache_bytes).
  size_t block_cache_bytes = 64 << 20;
  // All memtables together (RocksStore::Options::memtable_bytes); past it
  // RocksDB flushes the largest.
  size_t write_buffer_bytes = 128 << 20;
};

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_MEMORY_BUDGET_H_
