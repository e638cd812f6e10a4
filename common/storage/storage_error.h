// The one policy for storage failures seen by a core: the full status is
// logged; the caller gets the operation and no internals. UNAVAILABLE
// (RocksDB busy, timed out, try again, directory locked, shutting down:
// see ToAbslStatus in rocks_store.cc) stays UNAVAILABLE, so clients retry;
// every other code becomes INTERNAL.
#ifndef ATLAS_COMMON_STORAGE_STORAGE_ERROR_H_
#define ATLAS_COMMON_STORAGE_STORAGE_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace atlas::storage {

// `op` names the operation ("CreateIncident"); `s` must not be OK.
absl::Status StorageError(const absl::Status& s, absl::string_view op);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_STORAGE_ERROR_H_
