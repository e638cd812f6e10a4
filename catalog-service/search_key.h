// Search keys: text folded for case- and accent-insensitive matching, with
// ICU (Unicode normalisation and case folding), never a hand-made table.
//
//   FoldForSearch("Région de Bruxelles-Capitale") == "region de
//   bruxelles-capitale" FoldForSearch("VOORUIT.BRUSSELS") == "vooruit.brussels"
//   FoldForSearch("Straße") == "strasse"
//
// Folding is NFKD, then removal of non-spacing marks (accents), then full
// Unicode case folding, then NFC; runs of white space become one space and
// the ends are trimmed.
//
// Thread safety: all functions may be called concurrently.
#ifndef ATLAS_CATALOG_SERVICE_SEARCH_KEY_H_
#define ATLAS_CATALOG_SERVICE_SEARCH_KEY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace atlas::catalog {

// The folded form of UTF-8 `text` (see the file comment). Invalid UTF-8
// is replaced by U+FFFD before folding.
std::string FoldForSearch(absl::string_view text);

// The suffixes of folded `folded` that start at a word boundary, after the
// first word: "parlement de la region" -> {"de la region", "la region",
// "region"}. A word starts after a space, '-', '.', '/', '\'' or '('.
// Used for word-prefix matches ("bruxelles" matches
// "... de bruxelles-capitale").
std::vector<std::string> WordSuffixes(absl::string_view folded);

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_SEARCH_KEY_H_
