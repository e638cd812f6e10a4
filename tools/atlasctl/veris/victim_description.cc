#include "tools/atlasctl/veris/victim_description.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/aip/digest.h"
#include "tools/atlasctl/veris/incident_text.h"

namespace atlas::atlasctl::veris {
namespace {

namespace catalog = ::atlas::catalog::v1;

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxIdChars = 63;

// ASCII for U+00C0..U+00FF and U+0100..U+017F, one byte per code point:
// '#' is a ligature spelled out by Ligature(), '-' a separator.
constexpr absl::string_view kLatin1Fold =
    "aaaaaa#ceeeeiiiidnooooo-ouuuuy##aaaaaa#ceeeeiiiidnooooo-ouuuuy#y";
constexpr absl::string_view kLatinExtendedAFold =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii##jjkkkllllllllll"
    "nnnnnnnnnoooooo##rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

absl::string_view Ligature(uint32_t code_point) {
  switch (code_point) {
    case 0xC6:
    case 0xE6:
      return "ae";
    case 0xDE:
    case 0xFE:
      return "th";
    case 0xDF:
      return "ss";
    case 0x132:
    case 0x133:
      return "ij";
    default:
      return "oe";  // U+0152, U+0153
  }
}

// Decodes one UTF-8 sequence at text[*i], advancing *i; malformed bytes
// decode as U+FFFD one byte at a time.
uint32_t NextCodePoint(absl::string_view text, size_t* i) {
  unsigned char c = static_cast<unsigned char>(text[(*i)++]);
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  if (extra < 0) return 0xFFFD;
  uint32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (*i >= text.size() ||
        (static_cast<unsigned char>(text[*i]) & 0xC0) != 0x80) {
      return 0xFFFD;
    }
    cp = (cp << 6) | (static_cast<unsigned char>(text[(*i)++]) & 0x3F);
  }
  return cp;
}

// The folded ASCII of a code point: letters and digits, or "" (a
// separator).
std::string Fold(uint32_t cp) {
  if (cp < 0x80) {
    char c = absl::ascii_tolower(static_cast<char>(cp));
    if (absl::ascii_isalnum(c)) return std::string(1, c);
    return "";
  }
  char folded = '-';
  if (cp >= 0xC0 && cp <= 0xFF) {
    folded = kLatin1Fold[cp - 0xC0];
  } else if (cp >= 0x100 && cp <= 0x17F) {
    folded = kLatinExtendedAFold[cp - 0x100];
  }
  if (folded == '#') return std::string(Ligature(cp));
  if (folded == '-') return "";
  return std::string(1, folded);
}

std::string VictimName(const Json* value) {
  std::optional<std::string> name = StringOf(value);
  if (!name.has_value()) return "";
  return CleanText(*name);
}

bool IsUnknownName(absl::string_view name) {
  return name.empty() || absl::EqualsIgnoreCase(name, "unknown");
}

absl::Status CheckName(absl::string_view name, absl::string_view path) {
  size_t chars = CharCount(name);
  if (chars > kMaxNameChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", chars, " characters, more than the ",
                     kMaxNameChars, " an organisation's name may have"));
  }
  return absl::OkStatus();
}

catalog::EmployeeCount EmployeeBand(absl::string_view veris) {
  static const auto* bands =
      new std::map<absl::string_view, catalog::EmployeeCount>{
          {"1 to 10", catalog::EMPLOYEES_1_TO_10},
          {"11 to 100", catalog::EMPLOYEES_11_TO_100},
          {"101 to 1000", catalog::EMPLOYEES_101_TO_1000},
          {"1001 to 10000", catalog::EMPLOYEES_1001_TO_10000},
          {"10001 to 25000", catalog::EMPLOYEES_10001_TO_25000},
          {"25001 to 50000", catalog::EMPLOYEES_25001_TO_50000},
          {"50001 to 100000", catalog::EMPLOYEES_50001_TO_100000},
          {"Over 100000", catalog::EMPLOYEES_OVER_100000},
          {"Small", catalog::EMPLOYEES_SMALL},
          {"Large", catalog::EMPLOYEES_LARGE},
      };
  auto it = bands->find(veris);
  return it == bands->end() ? catalog::EMPLOYEE_COUNT_UNSPECIFIED : it->second;
}

catalog::GovernmentLevel GovernmentLevelOf(absl::string_view veris) {
  if (veris == "Federal") return catalog::NATIONAL_GOVERNMENT;
  if (veris == "Regional") return catalog::REGIONAL_GOVERNMENT;
  if (veris == "Local") return catalog::LOCAL_GOVERNMENT;
  if (veris == "Other") return catalog::OTHER_GOVERNMENT;
  if (veris == "NA") return catalog::NOT_GOVERNMENT;
  return catalog::GOVERNMENT_LEVEL_UNSPECIFIED;  // "Unknown"
}

// A NAICS code as the catalog holds it: 2..6 digits, not all zeros (VERIS
// codes an unknown industry as "000"). Ranges ("31-33") have no such form.
bool IsIndustryCode(absl::string_view code) {
  if (code.size() < 2 || code.size() > 6) return false;
  bool nonzero = false;
  for (char c : code) {
    if (!absl::ascii_isdigit(c)) return false;
    nonzero |= c != '0';
  }
  return nonzero;
}

void DescribePrimary(const Json& victim, const api::CountryList& countries,
                     catalog::Organization* org) {
  std::vector<std::string> iso =
      IsoCountries(StringsOf(Member(&victim, "country")), countries);
  if (!iso.empty()) org->set_country(iso.front());
  if (std::optional<std::string> state = StringOf(Member(&victim, "state"))) {
    std::string locality = CleanText(*state);
    if (CharCount(locality) <= kMaxNameChars) org->set_locality(locality);
  }
  if (std::optional<std::string> industry =
          StringOf(Member(&victim, "industry"));
      industry.has_value() && IsIndustryCode(*industry)) {
    org->set_industry_code(*industry);
  }
  if (std::optional<std::string> band =
          StringOf(Member(&victim, "employee_count"))) {
    org->set_employee_count(EmployeeBand(*band));
  }
  std::vector<catalog::GovernmentLevel> levels;
  for (const std::string& value : StringsOf(Member(&victim, "government"))) {
    catalog::GovernmentLevel level = GovernmentLevelOf(value);
    if (level == catalog::GOVERNMENT_LEVEL_UNSPECIFIED) continue;
    if (std::find(levels.begin(), levels.end(), level) == levels.end()) {
      levels.push_back(level);
    }
  }
  if (levels.size() > 1) {
    // "NA" beside a level contradicts it; the level is what VERIS states.
    levels.erase(
        std::remove(levels.begin(), levels.end(), catalog::NOT_GOVERNMENT),
        levels.end());
  }
  for (catalog::GovernmentLevel level : levels) {
    org->add_government_levels(level);
  }
}

VictimDescription Describe(std::string name, std::string path,
                           incident::v1::Victim::Role role) {
  VictimDescription victim;
  victim.role = role;
  victim.veris_path = std::move(path);
  victim.organization_id = OrganizationSlug(name);
  atlas::type::v1::ExternalReference* reference =
      victim.organization.add_external_references();
  reference->set_system(kVictimReferenceSystem);
  reference->set_id(name);
  victim.organization.set_display_name(std::move(name));
  return victim;
}

}  // namespace

bool VictimIsUnknown(const Json& record) {
  return IsUnknownName(VictimName(At(record, {"victim", "victim_id"})));
}

std::vector<std::string> SecondaryVictimNames(const Json& record) {
  std::vector<std::string> names;
  for (const std::string& raw :
       StringsOf(At(record, {"victim", "secondary", "victim_id"}))) {
    std::string name = CleanText(raw);
    if (!IsUnknownName(name)) names.push_back(std::move(name));
  }
  return names;
}

absl::StatusOr<std::vector<VictimDescription>> DescribeVictims(
    const Json& record, const api::CountryList& countries) {
  std::vector<VictimDescription> victims;
  if (VictimIsUnknown(record)) return victims;
  const Json* victim = Member(&record, "victim");
  std::string name = VictimName(Member(victim, "victim_id"));
  if (absl::Status s = CheckName(name, "victim.victim_id"); !s.ok()) return s;
  std::set<std::string> seen = {name};
  victims.push_back(
      Describe(name, "victim.victim_id", incident::v1::Victim::PRIMARY));
  DescribePrimary(*victim, countries, &victims.back().organization);

  const Json* secondary = At(*victim, {"secondary", "victim_id"});
  if (secondary == nullptr || !secondary->is_array()) return victims;
  for (size_t i = 0; i < secondary->size(); ++i) {
    std::string other = VictimName(&(*secondary)[i]);
    if (IsUnknownName(other) || !seen.insert(other).second) continue;
    std::string path = absl::StrCat("victim.secondary.victim_id[", i, "]");
    if (absl::Status s = CheckName(other, path); !s.ok()) return s;
    victims.push_back(Describe(std::move(other), std::move(path),
                               incident::v1::Victim::SECONDARY));
  }
  return victims;
}

std::string OrganizationSlug(absl::string_view name) {
  std::string slug;
  size_t i = 0;
  while (i < name.size()) {
    std::string folded = Fold(NextCodePoint(name, &i));
    if (folded.empty()) {
      if (!slug.empty() && slug.back() != '-') slug.push_back('-');
    } else {
      slug += folded;
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.size() > kMaxIdChars) {
    size_t dash = slug.rfind('-', kMaxIdChars);
    // Cut at a word when that keeps at least half the room.
    slug.resize(dash != std::string::npos && dash >= kMaxIdChars / 2
                    ? dash
                    : kMaxIdChars);
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
  }
  if (slug.empty()) {
    slug = absl::StrCat(
        "org-", api::HexEncode(api::Sha256(std::string(name))).substr(0, 8));
  }
  return slug;
}

std::vector<std::string> IsoCountries(const std::vector<std::string>& values,
                                      const api::CountryList& countries) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    if (!countries.Contains(value)) continue;
    if (std::find(out.begin(), out.end(), value) == out.end()) {
      out.push_back(value);
    }
  }
  return out;
}

}  // namespace atlas::atlasctl::veris
