#include "common/api/aip/resource_name.h"

#include <atomic>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace atlas::api {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool IsAlnum(char c) { return IsIdChar(c) && c != '-'; }

}  // namespace

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  if (id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty"));
  }
  if (id.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most 63 characters, got ", id.size()));
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": only lower-case letters, digits and '-' are allowed"));
    }
  }
  if (!IsAlnum(id.front()) || !IsAlnum(id.back())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must start and end with a letter or a digit"));
  }
  return absl::OkStatus();
}

std::string GenerateId() {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";
  // 11 base32 digits (55 bits) of microseconds since the epoch last until
  // the year 3111; the monotonic bump keeps ids from one process distinct
  // and ordered within one microsecond, and 5 random digits (25 bits) keep
  // ids of different processes apart.
  static std::atomic<uint64_t> last{0};
  uint64_t now = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  uint64_t prev = last.load();
  uint64_t t;
  do {
    t = now > prev ? now : prev + 1;
  } while (!last.compare_exchange_weak(prev, t));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t r = rng();
  std::string id(16, '0');
  for (int i = 10; i >= 0; --i) {
    id[i] = kAlphabet[t & 31];
    t >>= 5;
  }
  for (int i = 15; i >= 11; --i) {
    id[i] = kAlphabet[r & 31];
    r >>= 5;
  }
  return id;
}

absl::StatusOr<std::string> ParseName(absl::string_view name,
                                      absl::string_view collection,
                                      absl::string_view field) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": required, of the form ", collection, "/{id}"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != collection) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", name.substr(0, 100),
                     "\" is not of the form ", collection, "/{id}"));
  }
  absl::Status s = ValidateId(parts[1], field);
  if (!s.ok()) return s;
  return std::string(parts[1]);
}

absl::StatusOr<ChildName> ParseChildName(absl::string_view name,
                                         absl::string_view parent_collection,
                                         absl::string_view collection,
                                         absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (name.empty() || parts.size() != 4 || parts[0] != parent_collection ||
      parts[2] != collection) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", name.substr(0, 100), "\" is not of the form ",
        parent_collection, "/{id}/", collection, "/{id}"));
  }
  absl::Status s = ValidateId(parts[1], field);
  if (!s.ok()) return s;
  s = ValidateId(parts[3], field);
  if (!s.ok()) return s;
  return ChildName{std::string(parts[1]), std::string(parts[3])};
}

}  // namespace atlas::api
