// Fuzzes common/auth/api_keys.h.
// Input: first line = an `authorization` header value (any bytes but
// '\n'), rest = key-file text.
// Contracts:
//  - KeyRegistry::Parse never crashes; errors are INVALID_ARGUMENT; a parsed
//    registry holds at most one entry per line;
//  - Authenticate never crashes on any header: empty -> public; otherwise
//    a caller with a role, or UNAUTHENTICATED;
//  - a key file naming sha256(key) authenticates "Bearer <key>" with the
//    role it gives, and no other key.
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/aip/digest.h"
#include "common/auth/api_keys.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using atlas::auth::Caller;
  using atlas::auth::KeyRegistry;
  using atlas::auth::Role;
  const absl::string_view text = atlas::fuzz::AsText(data, size);
  const auto [header, file] = atlas::fuzz::SplitFirstLine(text);

  absl::StatusOr<KeyRegistry> registry = KeyRegistry::Parse(file);
  if (registry.ok()) {
    size_t lines = 0;
    for (absl::string_view line : absl::StrSplit(file, '\n')) {
      (void)line;
      ++lines;
    }
    FUZZ_CHECK(registry->size() <= lines);
    absl::StatusOr<Caller> caller = registry->Authenticate(header);
    if (header.empty()) {
      FUZZ_CHECK(caller.ok() && caller->role == Role::kPublic);
    } else if (caller.ok()) {
      FUZZ_CHECK(caller->role != Role::kPublic);
    } else {
      FUZZ_CHECK(caller.status().code() == absl::StatusCode::kUnauthenticated);
    }
  } else {
    FUZZ_CHECK(registry.status().code() == absl::StatusCode::kInvalidArgument);
  }

  // The header's bytes as a key, registered through a generated key file.
  const absl::string_view key = absl::StripAsciiWhitespace(header);
  const std::string digest = atlas::api::HexEncode(atlas::api::Sha256(key));
  absl::StatusOr<KeyRegistry> one = KeyRegistry::Parse(absl::StrCat(
      "# generated\n", absl::AsciiStrToUpper(digest), " editor\tfuzz\n\n"));
  FUZZ_CHECK(one.ok() && one->size() == 1);
  absl::StatusOr<Caller> caller =
      one->Authenticate(absl::StrCat("Bearer ", key));
  if (key.empty()) {
    FUZZ_CHECK(caller.status().code() == absl::StatusCode::kUnauthenticated);
  } else {
    FUZZ_CHECK(caller.ok() && caller->role == Role::kEditor &&
               caller->label == "fuzz");
    FUZZ_CHECK(!one->Authenticate(absl::StrCat("Bearer ", key, "x")).ok());
  }
  return 0;
}
