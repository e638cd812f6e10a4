#include "common/api/types/external_reference.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/aip/validation.h"
#include "common/api/types/url.h"

namespace atlas::api {
namespace {

using atlas::type::v1::ExternalReference;

// Lower-cases `system` and checks it.
absl::Status NormalizeSystem(std::string* system, absl::string_view field) {
  absl::AsciiStrToLower(system);
  if (system->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (system->size() > kMaxExternalSystemChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxExternalSystemChars,
                     " characters, got ", system->size()));
  }
  const char first = (*system)[0];
  bool ok = first >= 'a' && first <= 'z';
  for (char c : *system) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", absl::string_view(*system).substr(0, 64),
        "\" is not a system name (a letter, then letters, digits, '.', '_' "
        "or '-')"));
  }
  return absl::OkStatus();
}

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  if (!IsValidUtf8(id)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not valid UTF-8"));
  }
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  const size_t n = Utf8Length(id);
  if (n > kMaxExternalIdChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": at most ", kMaxExternalIdChars, " characters, got ", n));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    // C0 and DEL; C1 (U+0080..U+009F) is 0xC2 0x80..0x9F in UTF-8.
    const bool c1 = c == 0xc2 && i + 1 < id.size() &&
                    static_cast<unsigned char>(id[i + 1]) <= 0x9f;
    if (c < 0x20 || c == 0x7f || c1) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": control characters are not allowed"));
    }
  }
  if (id.front() == ' ' || id.back() == ' ') {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": no leading or trailing space"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status NormalizeExternalReference(ExternalReference* ref,
                                        absl::string_view field) {
  absl::Status s =
      NormalizeSystem(ref->mutable_system(), absl::StrCat(field, ".system"));
  if (!s.ok()) return s;
  s = ValidateId(ref->id(), absl::StrCat(field, ".id"));
  if (!s.ok()) return s;
  if (!ref->url().empty()) {
    const std::string url_field = absl::StrCat(field, ".url");
    if (ref->url().size() > 2048) {
      return absl::InvalidArgumentError(absl::StrCat(
          url_field, ": at most 2048 characters, got ", ref->url().size()));
    }
    absl::StatusOr<std::string> url = NormalizeUrl(ref->url(), url_field);
    if (!url.ok()) return url.status();
    ref->set_url(*std::move(url));
  }
  return absl::OkStatus();
}

absl::Status NormalizeExternalReferences(
    google::protobuf::RepeatedPtrField<ExternalReference>* refs,
    absl::string_view field, int max) {
  absl::Status s = ValidateCount(refs->size(), field, max);
  if (!s.ok()) return s;
  std::set<std::string> seen;
  for (int i = 0; i < refs->size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    s = NormalizeExternalReference(refs->Mutable(i), path);
    if (!s.ok()) return s;
    if (!seen.insert(ExternalReferenceKey(refs->Get(i))).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", refs->Get(i).system(), ":",
                       refs->Get(i).id(), " is named twice"));
    }
  }
  return absl::OkStatus();
}

std::string ExternalReferenceKey(const ExternalReference& ref) {
  return absl::StrCat(ref.system(), ":", ref.id());
}

absl::StatusOr<std::string> ParseExternalReferenceKey(absl::string_view text,
                                                      absl::string_view field) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", text.substr(0, 64), "\" is not \"system:id\""));
  }
  std::string system(text.substr(0, colon));
  absl::Status s = NormalizeSystem(&system, absl::StrCat(field, " system"));
  if (!s.ok()) return s;
  const absl::string_view id = text.substr(colon + 1);
  s = ValidateId(id, absl::StrCat(field, " id"));
  if (!s.ok()) return s;
  return absl::StrCat(system, ":", id);
}

}  // namespace atlas::api
