#include "common/api/aip/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/api/aip/digest.h"

namespace atlas::api {
namespace {

constexpr char kVersion = '\x01';
constexpr size_t kFingerprintBytes = 8;
constexpr size_t kChecksumBytes = 4;

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "page_token: not a token of this query (tokens are bound to the "
      "filter, order and parent they were returned for)");
}

}  // namespace

std::string QueryFingerprint(std::initializer_list<absl::string_view> parts) {
  std::string material;
  for (absl::string_view p : parts) {
    absl::StrAppend(&material, p.size(), ":", p, ";");
  }
  return Sha256(material).substr(0, kFingerprintBytes);
}

std::string EncodePageToken(absl::string_view query_fingerprint,
                            absl::string_view cursor) {
  std::string body =
      absl::StrCat(absl::string_view(&kVersion, 1), query_fingerprint, cursor);
  // The checksum makes an edited token fail cleanly instead of landing on
  // an arbitrary cursor.
  std::string checksum = Sha256(body).substr(0, kChecksumBytes);
  return absl::WebSafeBase64Escape(absl::StrCat(body, checksum));
}

absl::StatusOr<std::string> DecodePageToken(
    absl::string_view token, absl::string_view query_fingerprint) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() < 1 + kFingerprintBytes + kChecksumBytes ||
      raw[0] != kVersion) {
    return BadToken();
  }
  absl::string_view body(raw.data(), raw.size() - kChecksumBytes);
  absl::string_view checksum(raw.data() + body.size(), kChecksumBytes);
  if (Sha256(body).substr(0, kChecksumBytes) != checksum ||
      body.substr(1, kFingerprintBytes) != query_fingerprint) {
    return BadToken();
  }
  return std::string(body.substr(1 + kFingerprintBytes));
}

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative, got ", requested));
  }
  if (requested == 0) return 50;
  return requested > 1000 ? 1000 : requested;
}

}  // namespace atlas::api
