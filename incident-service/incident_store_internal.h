// Helpers shared by the files that implement IncidentStore
// (incident_store.cc: records and indexes; incident_store_changelog.cc: the
// changelog family). Not part of the store's interface.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_INTERNAL_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_INTERNAL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace atlas::incident::store_internal {

// Separates the parts of a key (ids never contain it).
inline const absl::string_view kSepView("\0", 1);

// DATA_LOSS for a stored value that does not parse.
inline absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
}

// The value of 8 big-endian bytes (ordinals and sequences).
inline int64_t DecodeBigEndian(absl::string_view bytes) {
  uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return static_cast<int64_t>(v);
}

}  // namespace atlas::incident::store_internal

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_STORE_INTERNAL_H_
