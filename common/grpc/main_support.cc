#include "common/grpc/main_support.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"

namespace atlas::grpc_util {

absl::StatusOr<auth::KeyRegistry> LoadKeysOrEmpty(const std::string& path) {
  if (path.empty()) {
    log::Warning(
        "no --api_keys_file: every caller is public and writes are refused");
    return auth::KeyRegistry();
  }
  auto keys = auth::KeyRegistry::LoadFile(path);
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

absl::Status WritePortFile(const std::string& path, int port) {
  if (path.empty()) return absl::OkStatus();
  std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename to ", path));
  }
  return absl::OkStatus();
}

}  // namespace atlas::grpc_util
