// URLs and domains as analysts paste them: refanging, normalisation and
// registrable domains, shared by both services (Organization.primary_url and
// .domains in the catalog, Source.url in the incident service).
//
// The hard parts come from well-kept libraries: libcurl's URL API parses
// URLs (curl_url), libpsl with Debian's Public Suffix List
// (/usr/share/publicsuffix/public_suffix_list.dat, package `publicsuffix`)
// finds registrable domains. Refanging is plain text replacement of the
// usual defanging marks.
//
// Every error is INVALID_ARGUMENT and its message starts with the field
// path given by the caller.
//
// Thread safety: every function may be called concurrently. The Public
// Suffix List is loaded once, on first use.
#ifndef ATLAS_COMMON_API_TYPES_URL_H_
#define ATLAS_COMMON_API_TYPES_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::api {

// Where Debian's `publicsuffix` package installs the list.
inline constexpr char kDebianPublicSuffixList[] =
    "/usr/share/publicsuffix/public_suffix_list.dat";

// Undoes common defanging: `hxxp`/`hxxps`/`fxp` schemes (any case), `[.]`,
// `(.)`, `{.}`, `[dot]`, `(dot)`, `[:]`, `[://]`, `[/]`, `[@]`; trims
// surrounding white space. Text that is not defanged is returned unchanged
// apart from trimming.
std::string Refang(absl::string_view text);

// The canonical form of a web URL, from possibly defanged input:
// scheme http or https (https when none is given; others are refused),
// lower-case host without a `www.` prefix, no user info, no default port,
// no fragment, and no trailing slash when the path is empty.
//   "hxxps://WWW.Vooruit[.]be/"   -> "https://vooruit.be"
//   "vooruit[.]be/nieuws?a=1#top" -> "https://vooruit.be/nieuws?a=1"
// INVALID_ARGUMENT naming `field` when the text is not such a URL.
absl::StatusOr<std::string> NormalizeUrl(absl::string_view input,
                                         absl::string_view field);

// The lower-case host of a URL or of a bare host name (possibly defanged,
// possibly with scheme, port or path). INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> HostOf(absl::string_view input,
                                   absl::string_view field);

// The registrable domain (public suffix plus one label) of a URL, host or
// domain, lower-cased, per the Public Suffix List:
//   "www.vooruit.brussels" -> "vooruit.brussels"
//   "hxxps://mail.vooruit[.]be/x" -> "vooruit.be"
//   "news.bbc.co.uk" -> "bbc.co.uk"
// INVALID_ARGUMENT naming `field` for a public suffix itself ("co.uk"), an
// IP address or text that is no host name.
absl::StatusOr<std::string> RegistrableDomain(absl::string_view input,
                                              absl::string_view field);

// For display: `http` -> `hxxp` and the dots of the host -> `[.]`.
//   "https://vooruit.be/nieuws" -> "hxxps://vooruit[.]be/nieuws"
// A bare domain is defanged too ("vooruit.be" -> "vooruit[.]be").
std::string Defang(absl::string_view url);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TYPES_URL_H_
