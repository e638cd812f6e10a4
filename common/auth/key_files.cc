#include "common/auth/key_files.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"

namespace atlas::auth {

absl::StatusOr<KeyRegistry> LoadKeysOrEmpty(const std::string& path) {
  if (path.empty()) {
    log::Warning(
        "no --api_keys_file: every caller is public and writes are refused");
    return KeyRegistry();
  }
  auto keys = KeyRegistry::LoadFile(path);
  if (keys.ok()) log::Info("api keys loaded", {{"count", keys->size()}});
  return keys;
}

absl::StatusOr<std::string> ReadServiceKey(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(buffer.str()));
}

}  // namespace atlas::auth
