// Resource names and ids (AIP-122).
//
// An id is 1..63 characters of [a-z0-9-], starting and ending with a letter
// or a digit. Names are "collection/id" or "collection/id/sub/id".
#ifndef ATLAS_COMMON_API_AIP_RESOURCE_NAME_H_
#define ATLAS_COMMON_API_AIP_RESOURCE_NAME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::api {

// OK if `id` is a valid id; otherwise INVALID_ARGUMENT naming `field`.
absl::Status ValidateId(absl::string_view id, absl::string_view field);

// A new unique id that sorts by creation time: 16 characters of lower-case
// base32 (0-9, a-v), 11 from the microsecond clock and 5 random.
std::string GenerateId();

// Parses "<collection>/<id>" and returns the id. INVALID_ARGUMENT naming
// `field` when the name is empty, of another collection or has a bad id.
absl::StatusOr<std::string> ParseName(absl::string_view name,
                                      absl::string_view collection,
                                      absl::string_view field);

// The ids of "<parent_collection>/<parent_id>/<collection>/<id>".
struct ChildName {
  std::string parent_id;
  std::string id;
};
absl::StatusOr<ChildName> ParseChildName(absl::string_view name,
                                         absl::string_view parent_collection,
                                         absl::string_view collection,
                                         absl::string_view field);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_AIP_RESOURCE_NAME_H_
