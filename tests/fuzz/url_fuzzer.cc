// Fuzzes common/api/types/url.h (libcurl's URL API and libpsl underneath).
// Input: the whole text, as an analyst would paste it.
// Contracts:
//  - no function crashes, leaks or hangs on any bytes; errors are
//    INVALID_ARGUMENT;
//  - NormalizeUrl gives an http(s) URL without white space or fragment,
//    and is idempotent: normalising its output gives it back;
//  - HostOf gives a non-empty lower-case host without a trailing dot, and
//    the host of NormalizeUrl's output is the host minus any `www.`;
//  - RegistrableDomain is a non-empty suffix of HostOf, at a label
//    boundary;
//  - Refang is idempotent on text that has no defanging marks left.
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/types/url.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atlas::api;
  const absl::string_view text = atlas::fuzz::AsText(data, size);

  (void)Refang(text);
  (void)Defang(text);

  absl::StatusOr<std::string> host = HostOf(text, "url");
  if (host.ok()) {
    FUZZ_CHECK(!host->empty());
    FUZZ_CHECK(!absl::EndsWith(*host, "."));
    FUZZ_CHECK(absl::AsciiStrToLower(*host) == *host);
  } else {
    FUZZ_CHECK(host.status().code() == absl::StatusCode::kInvalidArgument);
  }

  absl::StatusOr<std::string> url = NormalizeUrl(text, "url");
  FUZZ_CHECK(url.ok() == host.ok());
  if (url.ok()) {
    FUZZ_CHECK(absl::StartsWith(*url, "http://") ||
               absl::StartsWith(*url, "https://"));
    FUZZ_CHECK(url->find('#') == std::string::npos);
    for (char c : *url) {
      FUZZ_CHECK(!absl::ascii_isspace(static_cast<unsigned char>(c)));
    }
    absl::StatusOr<std::string> again = NormalizeUrl(*url, "url");
    if (!again.ok() || *again != *url) {
      std::fprintf(stderr, "NormalizeUrl(\"%s\") = \"%s\", not itself\n",
                   url->c_str(), again.ok() ? again->c_str() : "error");
    }
    FUZZ_CHECK(again.ok() && *again == *url);
  }

  absl::StatusOr<std::string> domain = RegistrableDomain(text, "url");
  if (domain.ok()) {
    FUZZ_CHECK(host.ok() && !domain->empty());
    FUZZ_CHECK(*domain == *host ||
               absl::EndsWith(*host, absl::StrCat(".", *domain)));
  } else {
    FUZZ_CHECK(domain.status().code() == absl::StatusCode::kInvalidArgument);
  }
  return 0;
}
