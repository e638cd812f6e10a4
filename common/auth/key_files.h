// Reading the key files a service binary is given: its own registry of
// key digests (--api_keys_file) and the raw SERVICE key it presents to the
// other service.
#ifndef ATLAS_COMMON_AUTH_KEY_FILES_H_
#define ATLAS_COMMON_AUTH_KEY_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/api_keys.h"

namespace atlas::auth {

// Loads the key file at `path` (see KeyRegistry::LoadFile for its errors);
// an empty path gives an empty registry (all callers public, so every
// write is refused) and logs a warning saying so.
absl::StatusOr<KeyRegistry> LoadKeysOrEmpty(const std::string& path);

// The raw API key this service presents to the other one, read from
// `path` with surrounding white space removed; empty for an empty path.
// NOT_FOUND if the file cannot be read.
absl::StatusOr<std::string> ReadServiceKey(const std::string& path);

}  // namespace atlas::auth

#endif  // ATLAS_COMMON_AUTH_KEY_FILES_H_
