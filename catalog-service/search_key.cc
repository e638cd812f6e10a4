#include "catalog-service/search_key.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "absl/strings/ascii.h"

namespace atlas::catalog {

std::string FoldForSearch(absl::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  // Normalizer2 instances are owned by ICU, immutable and thread-safe.
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return absl::AsciiStrToLower(text);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString decomposed = nfkd->normalize(source, status);
  if (U_FAILURE(status)) return absl::AsciiStrToLower(text);
  icu::UnicodeString stripped;
  bool pending_space = false;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    if (u_isUWhiteSpace(c)) {
      pending_space = !stripped.isEmpty();
      continue;
    }
    if (pending_space) stripped.append(static_cast<UChar>(' '));
    pending_space = false;
    stripped.append(c);
  }
  stripped.foldCase();
  icu::UnicodeString composed = nfc->normalize(stripped, status);
  if (U_FAILURE(status)) composed = stripped;
  std::string out;
  composed.toUTF8String(out);
  return out;
}

std::vector<std::string> WordSuffixes(absl::string_view folded) {
  std::vector<std::string> out;
  for (size_t i = 1; i < folded.size(); ++i) {
    char prev = folded[i - 1];
    bool boundary = prev == ' ' || prev == '-' || prev == '.' || prev == '/' ||
                    prev == '\'' || prev == '(';
    if (boundary && folded[i] != ' ' && folded[i] != '-' && folded[i] != '.') {
      out.emplace_back(folded.substr(i));
    }
  }
  return out;
}

}  // namespace atlas::catalog
