#include "tools/atlasctl/org_flags.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {
namespace {

namespace catalog = ::atlas::catalog::v1;

// Upper case, blanks and dashes as underscores, except that a dash between
// digits reads "to" ("1-10" -> "1_TO_10").
std::string EnumKey(absl::string_view text) {
  std::string key;
  text = absl::StripAsciiWhitespace(text);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '-' && i > 0 && i + 1 < text.size() &&
        absl::ascii_isdigit(static_cast<unsigned char>(text[i - 1])) &&
        absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1]))) {
      key += "_TO_";
    } else if (c == '-' || c == ' ') {
      key += '_';
    } else {
      key += absl::ascii_toupper(static_cast<unsigned char>(c));
    }
  }
  return key;
}

}  // namespace

absl::StatusOr<std::vector<type::v1::ExternalReference>> ParseExternalRefs(
    absl::string_view text, bool allow_url) {
  std::vector<type::v1::ExternalReference> refs;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    std::vector<absl::string_view> parts =
        absl::StrSplit(item, absl::MaxSplits(':', allow_url ? 2 : 1));
    if (parts.size() < 2 || parts[0].empty() || parts[1].empty()) {
      return UsageError(absl::StrCat("--external-ref: \"", item,
                                     "\" is not SYSTEM:ID",
                                     allow_url ? "[:URL]" : ""));
    }
    type::v1::ExternalReference& ref = refs.emplace_back();
    ref.set_system(std::string(parts[0]));
    ref.set_id(std::string(parts[1]));
    if (parts.size() == 3) ref.set_url(std::string(parts[2]));
  }
  if (refs.empty()) {
    return UsageError("--external-ref: give at least one SYSTEM:ID");
  }
  return refs;
}

absl::StatusOr<catalog::EmployeeCount> ParseEmployeeCount(
    absl::string_view text) {
  std::string key = EnumKey(text);
  if (!absl::StartsWith(key, "EMPLOYEES_")) key = "EMPLOYEES_" + key;
  catalog::EmployeeCount band;
  if (!catalog::EmployeeCount_Parse(key, &band)) {
    return UsageError(absl::StrCat(
        "--employee-count: \"", text,
        "\" is not a band (1-10, 11-100, 101-1000, 1001-10000, "
        "10001-25000, 25001-50000, 50001-100000, over-100000, small, "
        "large)"));
  }
  return band;
}

absl::StatusOr<std::vector<catalog::GovernmentLevel>> ParseGovernmentLevels(
    absl::string_view text) {
  std::vector<catalog::GovernmentLevel> levels;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::string key = EnumKey(item);
    if (key == "NONE") key = "NOT";
    catalog::GovernmentLevel level;
    if ((!catalog::GovernmentLevel_Parse(key, &level) &&
         !catalog::GovernmentLevel_Parse(key + "_GOVERNMENT", &level)) ||
        level == catalog::GOVERNMENT_LEVEL_UNSPECIFIED) {
      return UsageError(absl::StrCat(
          "--government: \"", item,
          "\" is not a level (national, regional, local, other, none)"));
    }
    levels.push_back(level);
  }
  if (levels.empty()) {
    return UsageError("--government: give at least one level");
  }
  return levels;
}

}  // namespace atlas::atlasctl
