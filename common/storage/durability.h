// What a writer waits on before it acknowledges: the token of its write
// and the sync that makes it durable (group commit, see rocks_store.h).
#ifndef ATLAS_COMMON_STORAGE_DURABILITY_H_
#define ATLAS_COMMON_STORAGE_DURABILITY_H_

#include <cstdint>

#include "absl/status/status.h"

namespace atlas::storage {

// Identifies a write for WaitDurable: writes are numbered 1, 2, 3, ... in
// the order they were applied; 0 is "no write".
using WriteToken = uint64_t;

// A store whose appended writes become durable later, many at a time.
// Implemented by RocksStore, and by incident-service's Changelog (which
// announces the changes a sync made durable).
class Durability {
 public:
  virtual ~Durability() = default;
  // The token of the last applied write (0 if none); waiting for it covers
  // every write a kLatest read may have seen.
  virtual WriteToken last_write_token() const = 0;
  // Returns once every write up to `token` is synced (at once if it is
  // already). INTERNAL if a sync failed: every later call fails too.
  virtual absl::Status WaitDurable(WriteToken token) = 0;
};

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_DURABILITY_H_
