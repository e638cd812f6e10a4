// Fuzzes common/api/aip/page_token.h.
// Input: first line = a token to decode, rest = a cursor (raw bytes).
// Contracts:
//  - DecodePageToken never crashes on any token; a token it accepts for a
//    fingerprint re-encodes to a token that decodes to the same cursor;
//  - decode(encode(fp, cursor), fp) == cursor for any cursor bytes, and the
//    same token is refused for another query's fingerprint;
//  - EffectivePageSize is in 1..1000 or INVALID_ARGUMENT for negatives.
#include <cstdint>
#include <cstring>

#include "common/api/aip/page_token.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atlas::api;
  const absl::string_view text = atlas::fuzz::AsText(data, size);
  const auto [token, cursor] = atlas::fuzz::SplitFirstLine(text);

  const std::string fp = QueryFingerprint({"organizations", "country=BE"});
  const std::string other = QueryFingerprint({"organizations", "country=FR"});
  FUZZ_CHECK(fp.size() == 8 && fp != other);

  // Arbitrary text as a token.
  for (const std::string* f : {&fp, &other}) {
    absl::StatusOr<std::string> decoded = DecodePageToken(token, *f);
    if (decoded.ok()) {
      std::string again = EncodePageToken(*f, *decoded);
      absl::StatusOr<std::string> redecoded = DecodePageToken(again, *f);
      FUZZ_CHECK(redecoded.ok() && *redecoded == *decoded);
    } else {
      FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
    }
  }

  // Round trip of arbitrary cursor bytes, bound to the query.
  const std::string made = EncodePageToken(fp, cursor);
  absl::StatusOr<std::string> back = DecodePageToken(made, fp);
  FUZZ_CHECK(back.ok() && *back == cursor);
  FUZZ_CHECK(!DecodePageToken(made, other).ok());
  // A fingerprint made from the fuzz input, too (parts are length-prefixed).
  const std::string fuzz_fp = QueryFingerprint({token, cursor});
  back = DecodePageToken(EncodePageToken(fuzz_fp, token), fuzz_fp);
  FUZZ_CHECK(back.ok() && *back == token);

  // Any 4 bytes as a page size.
  if (size >= 4) {
    int32_t requested;
    std::memcpy(&requested, data, sizeof(requested));
    absl::StatusOr<int> page = EffectivePageSize(requested);
    if (requested < 0) {
      FUZZ_CHECK(page.status().code() == absl::StatusCode::kInvalidArgument);
    } else {
      FUZZ_CHECK(page.ok() && *page >= 1 && *page <= 1000);
    }
  }
  return 0;
}
