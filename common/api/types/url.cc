#include "common/api/types/url.h"

#include <curl/curl.h>
#include <libpsl.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace atlas::api {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

// One part of a parsed URL; empty when absent.
std::string Part(CURLU* h, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(h, part, &value, flags) != CURLUE_OK || value == nullptr) {
    return "";
  }
  std::string out(value);
  curl_free(value);
  return out;
}

absl::Status Invalid(absl::string_view field, absl::string_view input,
                     absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": \"", input.substr(0, 100), "\" ", rule));
}

// The Public Suffix List, loaded once from Debian's file; libpsl's own
// newest list when the file is missing (never null).
const psl_ctx_t* Psl() {
  static const psl_ctx_t* const psl = [] {
    psl_ctx_t* loaded = psl_load_file(kDebianPublicSuffixList);
    if (loaded != nullptr) return static_cast<const psl_ctx_t*>(loaded);
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest != nullptr ? latest : psl_builtin();
  }();
  return psl;
}

// Parses refanged `text` (a scheme is added when missing). Fills *host
// (lower case, no trailing dot) and returns the handle.
absl::StatusOr<CurlUrl> Parse(absl::string_view input, absl::string_view field,
                              std::string* host) {
  std::string text = Refang(input);
  if (text.empty()) return Invalid(field, input, "is empty");
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return Invalid(field, input,
                     "contains white space or control characters");
    }
  }
  size_t sep = text.find("://");
  if (sep == std::string::npos) {
    text = absl::StrCat("https://", text);
  } else {
    std::string scheme = absl::AsciiStrToLower(text.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
      return Invalid(field, input,
                     absl::StrCat("has scheme \"", scheme.substr(0, 20),
                                  "\"; only http and https are accepted"));
    }
  }
  // No percent-encoding in the authority: curl decodes it into the host
  // ("%33" is "3", then read as the IPv4 address 0.0.0.3 on the next
  // parse), so the result would not be stable.
  {
    size_t start = text.find("://") + 3;
    size_t end = text.find_first_of("/?#", start);
    if (text.find('%', start) <
        (end == std::string::npos ? text.size() : end)) {
      return Invalid(field, input, "has percent-encoding in its host name");
    }
  }
  CurlUrl h(curl_url());
  if (h == nullptr) return absl::ResourceExhaustedError("out of memory");
  CURLUcode rc = curl_url_set(h.get(), CURLUPART_URL, text.c_str(), 0);
  if (rc != CURLUE_OK) {
    return Invalid(
        field, input,
        absl::StrCat("is not a valid URL (", curl_url_strerror(rc), ")"));
  }
  *host = absl::AsciiStrToLower(Part(h.get(), CURLUPART_HOST));
  if (absl::EndsWith(*host, ".")) {
    while (absl::EndsWith(*host, ".")) host->pop_back();
    // curl reads "8.1." as a name but "8.1" as the IPv4 address 8.0.0.1:
    // let it normalise the host without the dot, as it will when the
    // result is parsed again.
    CurlUrl bare(curl_url());
    if (bare != nullptr &&
        curl_url_set(bare.get(), CURLUPART_URL,
                     absl::StrCat("https://", *host).c_str(), 0) == CURLUE_OK) {
      *host = absl::AsciiStrToLower(Part(bare.get(), CURLUPART_HOST));
    }
  }
  if (host->empty()) return Invalid(field, input, "has no host name");
  // Letters, digits, '-', '.', '_' and non-ASCII (IDN) bytes; an IPv6
  // literal also has brackets and colons. Anything else ('%' above all:
  // curl decodes "%f6" on the next parse, so the result would not be
  // stable) is refused.
  const bool ipv6 = host->front() == '[';
  for (char c : *host) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || absl::ascii_isalnum(u) || c == '-' || c == '.' ||
        c == '_' || (ipv6 && (c == '[' || c == ']' || c == ':'))) {
      continue;
    }
    return Invalid(field, input,
                   "has a host name with characters other than letters, "
                   "digits, '-', '.' and '_'");
  }
  return h;
}

}  // namespace

std::string Refang(absl::string_view text) {
  // Until nothing changes: one pass turns "[[.]]" into "[.]", and the
  // result must be refanged already (NormalizeUrl is idempotent).
  std::string out(absl::StripAsciiWhitespace(text));
  while (absl::StrReplaceAll({{"[.]", "."},
                              {"(.)", "."},
                              {"{.}", "."},
                              {"[dot]", "."},
                              {"(dot)", "."},
                              {"{dot}", "."},
                              {"[DOT]", "."},
                              {"(DOT)", "."},
                              {"[://]", "://"},
                              {"[:]", ":"},
                              {"[/]", "/"},
                              {"[@]", "@"}},
                             &out) > 0) {
  }
  // Defanged schemes: hxxp, hxxps, hXXp..., fxp.
  std::string lower = absl::AsciiStrToLower(out.substr(0, 8));
  if (absl::StartsWith(lower, "hxxp")) {
    out.replace(0, 4, "http");
  } else if (absl::StartsWith(lower, "fxp:")) {
    out.replace(0, 3, "ftp");
  }
  return out;
}

namespace {

// One normalisation pass; NormalizeUrl repeats it to a fixed point.
absl::StatusOr<std::string> NormalizeOnce(absl::string_view input,
                                          absl::string_view field) {
  std::string host;
  auto parsed = Parse(input, field, &host);
  if (!parsed.ok()) return parsed.status();
  CURLU* h = parsed->get();
  // "www.www.example.com" too: the result has no `www.` prefix left.
  std::string stripped = host;
  while (absl::StartsWith(stripped, "www.") &&
         stripped.find('.', 4) != std::string::npos) {
    stripped = stripped.substr(4);
  }
  if (stripped != host) {
    // What is left goes through curl once more, as it will when the result
    // is parsed again: "www.0.0" leaves "0.0", which curl reads as the
    // IPv4 address 0.0.0.0.
    CurlUrl bare(curl_url());
    if (bare != nullptr &&
        curl_url_set(bare.get(), CURLUPART_URL,
                     absl::StrCat("https://", stripped).c_str(),
                     0) == CURLUE_OK) {
      host = absl::AsciiStrToLower(Part(bare.get(), CURLUPART_HOST));
    }
  }
  std::string out = absl::StrCat(
      absl::AsciiStrToLower(Part(h, CURLUPART_SCHEME)), "://", host);
  // With CURLU_NO_DEFAULT_PORT curl reports no port when it is the
  // scheme's default.
  std::string port = Part(h, CURLUPART_PORT, CURLU_NO_DEFAULT_PORT);
  if (!port.empty()) absl::StrAppend(&out, ":", port);
  std::string path = Part(h, CURLUPART_PATH);
  if (path != "/") absl::StrAppend(&out, path);
  std::string query = Part(h, CURLUPART_QUERY);
  if (!query.empty()) absl::StrAppend(&out, "?", query);
  return out;
}

}  // namespace

absl::StatusOr<std::string> NormalizeUrl(absl::string_view input,
                                         absl::string_view field) {
  // curl reads some hosts differently once they stand alone ("https:///%33"
  // has the host "3", which the next parse reads as 0.0.0.3), so a pass is
  // repeated until its output is stable: NormalizeUrl is idempotent by
  // construction, not by enumerating curl's readings.
  absl::StatusOr<std::string> current = NormalizeOnce(input, field);
  for (int pass = 0; current.ok() && pass < 4; ++pass) {
    absl::StatusOr<std::string> next = NormalizeOnce(*current, field);
    if (!next.ok() || *next == *current) return current;
    current = std::move(next);
  }
  if (!current.ok()) return current;
  return Invalid(field, input, "does not normalise to a stable URL");
}

absl::StatusOr<std::string> HostOf(absl::string_view input,
                                   absl::string_view field) {
  std::string host;
  auto parsed = Parse(input, field, &host);
  if (!parsed.ok()) return parsed.status();
  return host;
}

absl::StatusOr<std::string> RegistrableDomain(absl::string_view input,
                                              absl::string_view field) {
  std::string host;
  auto parsed = Parse(input, field, &host);
  if (!parsed.ok()) return parsed.status();
  if (host.front() == '[' ||
      host.find_first_not_of("0123456789.") == std::string::npos) {
    return Invalid(field, input, "is an IP address, not a domain");
  }
  const char* domain = psl_registrable_domain(Psl(), host.c_str());
  if (domain == nullptr) {
    return Invalid(field, input,
                   "is a public suffix or a single label, not a registrable "
                   "domain");
  }
  return std::string(domain);
}

std::string Defang(absl::string_view url) {
  std::string out;
  absl::string_view rest = url;
  size_t sep = url.find("://");
  if (sep != absl::string_view::npos) {
    std::string scheme(url.substr(0, sep));
    if (absl::StartsWithIgnoreCase(scheme, "http"))
      scheme.replace(0, 4, "hxxp");
    out = absl::StrCat(scheme, "://");
    rest = url.substr(sep + 3);
  }
  size_t host_end = rest.find_first_of("/?#");
  if (host_end == absl::string_view::npos) host_end = rest.size();
  absl::StrAppend(&out,
                  absl::StrReplaceAll(rest.substr(0, host_end), {{".", "[.]"}}),
                  rest.substr(host_end));
  return out;
}

}  // namespace atlas::api
