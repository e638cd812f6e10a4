// The URLs in a VERIS `reference` string, which coders fill with one or
// more links separated by commas, semicolons or whitespace, sometimes
// followed by an annotation in brackets (the day the link was read:
// "http://example.com/story (20140202)").
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_REFERENCE_URLS_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_REFERENCE_URLS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace atlas::atlasctl::veris {

struct References {
  // Normalised (api::NormalizeUrl: refanged, https when no scheme, lower-
  // case host without www., no fragment), de-duplicated, in the order they
  // first appear.
  std::vector<std::string> urls;
  // Annotations dropped: whole tokens in brackets ("(20140202)").
  std::vector<std::string> annotations;
  // Tokens that are neither: words that are no URL, or a URL the
  // normaliser refuses. Kept as text (the mapper puts them in the
  // description) so that nothing the coder wrote is lost.
  std::vector<std::string> other_text;
};

// Splits `reference` on commas, semicolons and whitespace. A token is a
// URL when it normalises and its host has a registrable domain (so
// "report" or "n/a" is not one); trailing '.', ')' without a matching
// '(' and quotes are trimmed from it first.
References SplitReferences(absl::string_view reference);

// The id of the Source the importer makes for `url`: "ref-" + the first 16
// hex digits of the URL's SHA-256. Stable, so a re-run or a retry meets
// the source it made, and reconciling after --update tells the importer's
// sources (this form) from analysts' (any other id).
std::string ImportedSourceId(absl::string_view url);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_REFERENCE_URLS_H_
