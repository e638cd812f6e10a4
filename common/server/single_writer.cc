#include "common/server/single_writer.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace atlas::server {

std::optional<int> StatefulSetOrdinal(absl::string_view pod_name) {
  size_t dash = pod_name.rfind('-');
  if (dash == absl::string_view::npos) return std::nullopt;
  absl::string_view digits = pod_name.substr(dash + 1);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  int ordinal = 0;
  if (!absl::SimpleAtoi(digits, &ordinal)) return std::nullopt;
  return ordinal;
}

std::string PodName() {
  const char* env = std::getenv("POD_NAME");
  if (env != nullptr && env[0] != '\0') return env;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "";
  return host;
}

absl::Status CheckOrdinalZero(absl::string_view service,
                              absl::string_view pod_name) {
  std::optional<int> ordinal = StatefulSetOrdinal(pod_name);
  if (!ordinal.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--require_ordinal_zero: cannot tell the StatefulSet ordinal from the "
        "pod name \"",
        pod_name,
        "\" (set POD_NAME from the downward API, metadata.name, or drop the "
        "flag outside a StatefulSet)"));
  }
  if (*ordinal == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "this pod is ", pod_name, ", replica ", *ordinal, " of the ", service,
      " StatefulSet, and only replica 0 may run: ", service,
      " has one writer, and replica ", *ordinal,
      " would serve a second, diverging database from its own volume. Scale "
      "back to one replica (kubectl -n atlas scale statefulset/",
      service,
      " --replicas=1). To serve more reads, give replica 0 more CPU and "
      "--block_cache_mb, or build read copies from the change stream: "
      "docs/deploy.md, \"Scaling reads\""));
}

}  // namespace atlas::server
