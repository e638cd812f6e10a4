// Fuzzes common/api/aip/validation.h.
// Input: the whole text.
// Contracts:
//  - IsValidUtf8 agrees with an independent checker written from the
//    Unicode standard's table of well-formed byte sequences (Table 3-7);
//  - Utf8Length of valid UTF-8 counts code points (<= bytes);
//  - ValidateText accepts only valid UTF-8 within the bounds and without
//    control characters other than tab and newline;
//  - ValidateRequestId and ValidateCountryShape match their documented
//    character sets;
//  - ValidateUpdateMask (paths = the text split at ',') returns only
//    writable paths, each once, and fails with INVALID_ARGUMENT otherwise.
#include <cstdint>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/api/aip/validation.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// Unicode 15, Table 3-7: the well-formed UTF-8 byte sequences.
bool ReferenceUtf8(absl::string_view s, size_t* code_points) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  *code_points = 0;
  auto in = [&](size_t k, unsigned lo, unsigned hi) {
    return i + k < n && p[i + k] >= lo && p[i + k] <= hi;
  };
  while (i < n) {
    unsigned b = p[i];
    size_t len;
    if (b <= 0x7f) {
      len = 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (!in(1, 0x80, 0xbf)) return false;
      len = 2;
    } else if (b == 0xe0) {
      if (!in(1, 0xa0, 0xbf) || !in(2, 0x80, 0xbf)) return false;
      len = 3;
    } else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) {
      if (!in(1, 0x80, 0xbf) || !in(2, 0x80, 0xbf)) return false;
      len = 3;
    } else if (b == 0xed) {
      if (!in(1, 0x80, 0x9f) || !in(2, 0x80, 0xbf)) return false;
      len = 3;
    } else if (b == 0xf0) {
      if (!in(1, 0x90, 0xbf) || !in(2, 0x80, 0xbf) || !in(3, 0x80, 0xbf)) {
        return false;
      }
      len = 4;
    } else if (b >= 0xf1 && b <= 0xf3) {
      if (!in(1, 0x80, 0xbf) || !in(2, 0x80, 0xbf) || !in(3, 0x80, 0xbf)) {
        return false;
      }
      len = 4;
    } else if (b == 0xf4) {
      if (!in(1, 0x80, 0x8f) || !in(2, 0x80, 0xbf) || !in(3, 0x80, 0xbf)) {
        return false;
      }
      len = 4;
    } else {
      return false;
    }
    i += len;
    ++*code_points;
  }
  return true;
}

bool HasControl(absl::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atlas::api;
  const absl::string_view text = atlas::fuzz::AsText(data, size);

  size_t reference_length = 0;
  const bool valid = IsValidUtf8(text);
  FUZZ_CHECK(valid == ReferenceUtf8(text, &reference_length));
  if (valid) FUZZ_CHECK(Utf8Length(text) == reference_length);

  const size_t max = size % 7 + 1;
  absl::Status s = ValidateText(text, "f", 1, max);
  FUZZ_CHECK(s.ok() == (valid && reference_length >= 1 &&
                        reference_length <= max && !HasControl(text)));
  if (!s.ok()) FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);

  bool request_id_ok = text.size() <= 64;
  for (char c : text) {
    request_id_ok =
        request_id_ok &&
        ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
  }
  FUZZ_CHECK(ValidateRequestId(text).ok() == request_id_ok);
  FUZZ_CHECK(ValidateCountryShape(text, "country").ok() ==
             (text.size() == 2 && text[0] >= 'A' && text[0] <= 'Z' &&
              text[1] >= 'A' && text[1] <= 'Z'));

  google::protobuf::FieldMask mask;
  if (!text.empty()) {
    for (absl::string_view path : absl::StrSplit(text, ',')) {
      mask.add_paths(std::string(path));
    }
  }
  std::vector<std::string> paths;
  s = ValidateUpdateMask(mask, {"display_name", "country", "domains"},
                         {"name", "create_time", "etag"}, &paths);
  if (s.ok()) {
    FUZZ_CHECK(!paths.empty());
    for (size_t i = 0; i < paths.size(); ++i) {
      FUZZ_CHECK(paths[i] == "display_name" || paths[i] == "country" ||
                 paths[i] == "domains");
      for (size_t j = 0; j < i; ++j) FUZZ_CHECK(paths[i] != paths[j]);
    }
  } else {
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(paths.empty() || mask.paths_size() > 1);
  }
  return 0;
}
