// Start-up and shutdown steps both binaries share, so that each main.cc
// only wires its own service.
#ifndef ATLAS_COMMON_GRPC_MAIN_SUPPORT_H_
#define ATLAS_COMMON_GRPC_MAIN_SUPPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/api_keys.h"

namespace atlas::grpc_util {

// Loads the key file at `path`; an empty path gives an empty registry (all
// callers public, so every write is refused) and logs a warning saying so.
absl::StatusOr<auth::KeyRegistry> LoadKeysOrEmpty(const std::string& path);

// The raw API key this service presents to the other one, read from
// `path` with surrounding white space removed; empty for an empty path.
// NOT_FOUND if the file cannot be read.
absl::StatusOr<std::string> ReadServiceKey(const std::string& path);

// Writes `port` and a newline to `path` (atomically, via rename), so that
// scripts and tests learn the port a server bound with port 0. No-op for
// an empty path.
absl::Status WritePortFile(const std::string& path, int port);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_MAIN_SUPPORT_H_
