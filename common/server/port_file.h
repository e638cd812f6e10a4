// The port file: how scripts and tests learn the port a server bound with
// port 0.
#ifndef ATLAS_COMMON_SERVER_PORT_FILE_H_
#define ATLAS_COMMON_SERVER_PORT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace atlas::server {

// Writes `port` and a newline to `path` (atomically, via rename). No-op for
// an empty path. INTERNAL if the file cannot be written.
absl::Status WritePortFile(const std::string& path, int port);

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_PORT_FILE_H_
