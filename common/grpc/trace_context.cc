#include "common/grpc/trace_context.h"

#include <algorithm>
#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace atlas::grpc_util {
namespace {

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view s) {
  return s.find_first_not_of('0') == absl::string_view::npos;
}

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// `bytes` random bytes as lowercase hex; never all zero.
std::string RandomHex(int bytes) {
  // One generator per thread: absl::BitGen is not thread-safe and costly
  // to seed.
  thread_local absl::BitGen gen;
  std::string out;
  do {
    out.clear();
    for (int i = 0; i < bytes; i += 8) {
      const uint64_t v = absl::Uniform<uint64_t>(gen);
      char buf[17];
      std::snprintf(buf, sizeof(buf), "%016llx",
                    static_cast<unsigned long long>(v));
      out.append(buf, std::min(16, (bytes - i) * 2));
    }
  } while (AllZero(out));
  return out;
}

}  // namespace

std::optional<TraceContext> TraceContext::Parse(absl::string_view value) {
  constexpr size_t kLength = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (value.size() < kLength) return std::nullopt;
  const absl::string_view version = value.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? value.size() != kLength
                      : (value.size() > kLength && value[kLength] != '-')) {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  const absl::string_view trace_id = value.substr(3, 32);
  const absl::string_view parent_id = value.substr(36, 16);
  const absl::string_view flags = value.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags) ||
      AllZero(trace_id) || AllZero(parent_id)) {
    return std::nullopt;
  }
  TraceContext context;
  context.trace_id = std::string(trace_id);
  context.parent_id = std::string(parent_id);
  context.flags =
      static_cast<uint8_t>(HexValue(flags[0]) * 16 + HexValue(flags[1]));
  return context;
}

TraceContext TraceContext::NewRoot() {
  TraceContext context;
  context.trace_id = RandomHex(16);
  context.parent_id = RandomHex(8);
  context.flags = 1;
  return context;
}

TraceContext TraceContext::Child() const {
  TraceContext child = *this;
  child.parent_id = RandomHex(8);
  return child;
}

std::string TraceContext::ToTraceparent() const {
  char flags_hex[3];
  std::snprintf(flags_hex, sizeof(flags_hex), "%02x", flags);
  return absl::StrCat("00-", trace_id, "-", parent_id, "-", flags_hex);
}

}  // namespace atlas::grpc_util
