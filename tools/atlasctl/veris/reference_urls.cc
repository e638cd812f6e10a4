#include "tools/atlasctl/veris/reference_urls.h"

#include <algorithm>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/api/aip/digest.h"
#include "common/api/types/url.h"

namespace atlas::atlasctl::veris {
namespace {

bool IsSeparator(char c) {
  return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n' ||
         c == '\r';
}

std::vector<absl::string_view> Tokens(absl::string_view text) {
  std::vector<absl::string_view> tokens;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || IsSeparator(text[i])) {
      if (i > start) tokens.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return tokens;
}

// Drops wrapping quotes and angle brackets, a trailing full stop, and a
// trailing ')' that closes nothing in the token.
absl::string_view Trim(absl::string_view token) {
  for (;;) {
    size_t before = token.size();
    while (!token.empty() && (token.front() == '"' || token.front() == '\'' ||
                              token.front() == '<')) {
      token.remove_prefix(1);
    }
    while (!token.empty() && (token.back() == '"' || token.back() == '\'' ||
                              token.back() == '>' || token.back() == '.')) {
      token.remove_suffix(1);
    }
    if (!token.empty() && token.back() == ')' &&
        std::count(token.begin(), token.end(), '(') <
            std::count(token.begin(), token.end(), ')')) {
      token.remove_suffix(1);
    }
    if (token.size() == before) return token;
  }
}

}  // namespace

References SplitReferences(absl::string_view reference) {
  References out;
  std::set<std::string> seen;
  std::vector<absl::string_view> tokens = Tokens(reference);
  for (size_t i = 0; i < tokens.size(); ++i) {
    absl::string_view token = tokens[i];
    if (absl::StartsWith(token, "(") && absl::StrContains(token, "://")) {
      // A link in brackets, not an annotation.
      token.remove_prefix(1);
    } else if (absl::StartsWith(token, "(")) {
      // An annotation, possibly of several words: up to the token that
      // closes it (or the end).
      std::vector<absl::string_view> words = {token};
      while (!absl::EndsWith(words.back(), ")") && i + 1 < tokens.size()) {
        words.push_back(tokens[++i]);
      }
      out.annotations.push_back(absl::StrJoin(words, " "));
      continue;
    }
    absl::string_view candidate = Trim(token);
    if (candidate.empty()) {
      out.other_text.emplace_back(token);
      continue;
    }
    absl::StatusOr<std::string> url = api::NormalizeUrl(candidate, "reference");
    if (url.ok() && api::RegistrableDomain(*url, "reference").ok()) {
      if (seen.insert(*url).second) out.urls.push_back(*std::move(url));
      continue;
    }
    out.other_text.emplace_back(token);
  }
  return out;
}

std::string ImportedSourceId(absl::string_view url) {
  return absl::StrCat(
      "ref-", api::HexEncode(api::Sha256(std::string(url))).substr(0, 16));
}

}  // namespace atlas::atlasctl::veris
