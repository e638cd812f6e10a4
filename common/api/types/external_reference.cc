#include "common/api/types/external_reference.h"

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/api/aip/validation.h"
#include "common/api/types/url.h"
#include "common/status/status_macros.h"

namespace atlas::api {
namespace {

using type::v1::ExternalReference;

bool IsSystemChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The code point starting at `s[i]` of well-formed UTF-8 `s`, and its
// length in bytes.
std::pair<uint32_t, size_t> DecodeAt(absl::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1};
  size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
  uint32_t cp = c & (0xff >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  }
  return {cp, n};
}

// Unicode general category Cc: C0, DEL and C1.
bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp < 0xa0); }

// ASCII space and the Unicode space separators (general category Zs).
bool IsSpace(uint32_t cp) {
  return cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f ||
         cp == 0x3000;
}

// At most 64 bytes of `text`, cut at a character boundary, for messages.
absl::string_view Quote(absl::string_view text) {
  if (text.size() <= 64) return text;
  size_t end = 64;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

}  // namespace

absl::StatusOr<std::string> NormalizeExternalSystem(absl::string_view system,
                                                    absl::string_view field) {
  if (system.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (system.size() > kMaxExternalSystemChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxExternalSystemChars,
                     " characters, got ", Utf8Length(system)));
  }
  std::string lower = absl::AsciiStrToLower(system);
  for (char c : lower) {
    if (!IsSystemChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", absl::CHexEscape(Quote(system)),
                       "\" may hold only letters, digits, '.', '_' and '-'"));
    }
  }
  if (!absl::ascii_isalpha(static_cast<unsigned char>(lower[0]))) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", Quote(system), "\" must start with a letter"));
  }
  return lower;
}

absl::Status ValidateExternalId(absl::string_view id, absl::string_view field) {
  if (!IsValidUtf8(id)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not valid UTF-8"));
  }
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  const size_t chars = Utf8Length(id);
  if (chars > kMaxExternalIdChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": at most ", kMaxExternalIdChars, " characters, got ", chars));
  }
  uint32_t first = 0, last = 0;
  for (size_t i = 0; i < id.size();) {
    auto [cp, n] = DecodeAt(id, i);
    if (IsControl(cp)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": control characters are not allowed"));
    }
    if (i == 0) first = cp;
    last = cp;
    i += n;
  }
  if (IsSpace(first) || IsSpace(last)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not start or end with a space"));
  }
  return absl::OkStatus();
}

absl::Status NormalizeExternalReference(ExternalReference* ref,
                                        absl::string_view field) {
  ASSIGN_OR_RETURN(
      std::string system,
      NormalizeExternalSystem(ref->system(), absl::StrCat(field, ".system")));
  ref->set_system(std::move(system));
  RETURN_IF_ERROR(ValidateExternalId(ref->id(), absl::StrCat(field, ".id")));
  if (!ref->url().empty()) {
    const std::string url_field = absl::StrCat(field, ".url");
    RETURN_IF_ERROR(
        ValidateText(ref->url(), url_field, 1, kMaxExternalUrlChars));
    ASSIGN_OR_RETURN(std::string url, NormalizeUrl(ref->url(), url_field));
    RETURN_IF_ERROR(ValidateText(url, url_field, 1, kMaxExternalUrlChars));
    ref->set_url(std::move(url));
  }
  return absl::OkStatus();
}

absl::Status NormalizeExternalReferences(
    google::protobuf::RepeatedPtrField<ExternalReference>* refs,
    absl::string_view field) {
  RETURN_IF_ERROR(ValidateCount(refs->size(), field, kMaxExternalReferences));
  // (system, id) -> index of its first occurrence.
  std::set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < refs->size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    RETURN_IF_ERROR(NormalizeExternalReference(refs->Mutable(i), path));
    const ExternalReference& ref = refs->Get(i);
    if (!seen.emplace(ref.system(), ref.id()).second) {
      int first = 0;
      while (refs->Get(first).system() != ref.system() ||
             refs->Get(first).id() != ref.id()) {
        ++first;
      }
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": duplicate external reference ", ExternalReferenceText(ref),
          " (also ", field, "[", first, "])"));
    }
  }
  return absl::OkStatus();
}

std::string ExternalReferenceText(const ExternalReference& ref) {
  return absl::StrCat(ref.system(), ":", ref.id());
}

absl::StatusOr<ExternalReference> ParseExternalReferenceText(
    absl::string_view text, absl::string_view field) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", absl::CHexEscape(Quote(text)),
                     "\" is not of the form system:id"));
  }
  ExternalReference ref;
  ASSIGN_OR_RETURN(std::string system,
                   NormalizeExternalSystem(text.substr(0, colon),
                                           absl::StrCat(field, ": system")));
  ref.set_system(std::move(system));
  absl::string_view id = text.substr(colon + 1);
  RETURN_IF_ERROR(ValidateExternalId(id, absl::StrCat(field, ": id")));
  ref.set_id(std::string(id));
  return ref;
}

}  // namespace atlas::api
