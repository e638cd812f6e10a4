#include "catalog-service/organization_validator.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "catalog-service/search_key.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/url.h"
#include "common/status/status_macros.h"

namespace atlas::catalog {
namespace {

// STIX 2.1, section 10.16 (industry-sector-ov). The specification is the
// only source of this list; no Debian package ships it.
constexpr absl::string_view kStixIndustrySectors[] = {
    "agriculture",
    "aerospace",
    "automotive",
    "chemical",
    "commercial",
    "communications",
    "construction",
    "defense",
    "education",
    "energy",
    "entertainment",
    "financial-services",
    "government",
    "government-emergency-services",
    "government-local",
    "government-national",
    "government-public-services",
    "government-regional",
    "healthcare",
    "hospitality-leisure",
    "infrastructure",
    "infrastructure-dams",
    "infrastructure-nuclear",
    "infrastructure-water",
    "insurance",
    "manufacturing",
    "mining",
    "non-profit",
    "pharmaceuticals",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
};

// Industry codes as sources give them (NAICS): 2 to 6 ASCII digits.
absl::Status ValidateIndustryCode(absl::string_view code,
                                  absl::string_view field) {
  if (code.empty()) return absl::OkStatus();
  bool digits = code.size() >= 2 && code.size() <= 6;
  for (char c : code) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", absl::CHexEscape(code.substr(0, 16)),
                     "\" is not an industry code of 2 to 6 digits (NAICS)"));
  }
  return absl::OkStatus();
}

// At most 4 levels, each a known one, none twice; NOT_GOVERNMENT alone.
absl::Status ValidateGovernmentLevels(
    const google::protobuf::RepeatedField<int>& levels,
    absl::string_view field) {
  RETURN_IF_ERROR(api::ValidateCount(levels.size(), field, 4));
  std::set<int> seen;
  for (int i = 0; i < levels.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (levels[i] == v1::GOVERNMENT_LEVEL_UNSPECIFIED ||
        !v1::GovernmentLevel_IsValid(levels[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": unknown or unspecified value ", levels[i]));
    }
    if (!seen.insert(levels[i]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate value ",
                       v1::GovernmentLevel_Name(
                           static_cast<v1::GovernmentLevel>(levels[i]))));
    }
  }
  for (int i = 0; levels.size() > 1 && i < levels.size(); ++i) {
    if (levels[i] == v1::NOT_GOVERNMENT) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i,
                       "]: NOT_GOVERNMENT cannot be combined with a level of "
                       "government"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsStixIndustrySector(absl::string_view sector) {
  return std::find(std::begin(kStixIndustrySectors),
                   std::end(kStixIndustrySectors),
                   sector) != std::end(kStixIndustrySectors);
}

absl::Status OrganizationValidator::ValidateAndNormalize(
    v1::Organization* org, absl::string_view field) const {
  const std::string f(field);
  RETURN_IF_ERROR(
      api::ValidateText(org->display_name(), f + ".display_name", 1, 200));
  RETURN_IF_ERROR(api::ValidateCount(org->aliases_size(), f + ".aliases", 32));
  std::set<std::string> seen_aliases;
  for (int i = 0; i < org->aliases_size(); ++i) {
    std::string path = absl::StrCat(f, ".aliases[", i, "]");
    RETURN_IF_ERROR(api::ValidateText(org->aliases(i), path, 1, 200));
    if (!seen_aliases.insert(FoldForSearch(org->aliases(i))).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate alias \"", org->aliases(i),
                       "\" (aliases compare case- and accent-insensitively)"));
    }
  }
  RETURN_IF_ERROR(
      api::ValidateText(org->primary_url(), f + ".primary_url", 0, 2048));
  RETURN_IF_ERROR(api::ValidateCount(org->domains_size(), f + ".domains", 64));
  std::vector<std::string> domains;
  for (int i = 0; i < org->domains_size(); ++i) {
    std::string path = absl::StrCat(f, ".domains[", i, "]");
    RETURN_IF_ERROR(api::ValidateText(org->domains(i), path, 1, 253));
    ASSIGN_OR_RETURN(std::string domain,
                     api::RegistrableDomain(org->domains(i), path));
    // "www.vooruit.be" and "vooruit.be" are one domain: kept once.
    if (std::find(domains.begin(), domains.end(), domain) == domains.end()) {
      domains.push_back(std::move(domain));
    }
  }
  org->clear_primary_url_defanged();
  if (!org->primary_url().empty()) {
    ASSIGN_OR_RETURN(std::string url,
                     api::NormalizeUrl(org->primary_url(), f + ".primary_url"));
    RETURN_IF_ERROR(api::ValidateText(url, f + ".primary_url", 1, 2048));
    // An IP-address URL has no registrable domain to add.
    auto domain = api::RegistrableDomain(url, f + ".primary_url");
    if (domain.ok() &&
        std::find(domains.begin(), domains.end(), *domain) == domains.end()) {
      domains.push_back(*domain);
    }
    org->set_primary_url_defanged(api::Defang(url));
    org->set_primary_url(std::move(url));
  }
  RETURN_IF_ERROR(api::ValidateCount(static_cast<int>(domains.size()),
                                     f + ".domains (with primary_url's domain)",
                                     64));
  org->clear_domains();
  for (std::string& d : domains) org->add_domains(std::move(d));

  RETURN_IF_ERROR(ValidateCountry(org->country(), f + ".country"));
  RETURN_IF_ERROR(api::ValidateText(org->locality(), f + ".locality", 0, 200));
  RETURN_IF_ERROR(api::ValidateCount(org->sectors_size(), f + ".sectors", 16));
  std::set<std::string> seen_sectors;
  for (int i = 0; i < org->sectors_size(); ++i) {
    std::string path = absl::StrCat(f, ".sectors[", i, "]");
    RETURN_IF_ERROR(api::ValidateText(org->sectors(i), path, 1, 64));
    if (!IsStixIndustrySector(org->sectors(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": \"", org->sectors(i),
                       "\" is not in the STIX 2.1 industry-sector vocabulary"));
    }
    if (!seen_sectors.insert(org->sectors(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate sector \"", org->sectors(i), "\""));
    }
  }
  if (!v1::OrganizationType_IsValid(org->organization_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".organization_type: unknown value ",
                     static_cast<int>(org->organization_type())));
  }
  RETURN_IF_ERROR(api::ValidateText(org->profile(), f + ".profile", 0, 20000));
  if (!org->parent().empty()) {
    RETURN_IF_ERROR(
        api::ParseName(org->parent(), "organizations", f + ".parent").status());
  }
  RETURN_IF_ERROR(api::NormalizeExternalReferences(
      org->mutable_external_references(), f + ".external_references"));
  RETURN_IF_ERROR(
      ValidateIndustryCode(org->industry_code(), f + ".industry_code"));
  if (!v1::EmployeeCount_IsValid(org->employee_count())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".employee_count: unknown value ",
                     static_cast<int>(org->employee_count())));
  }
  RETURN_IF_ERROR(ValidateGovernmentLevels(org->government_levels(),
                                           f + ".government_levels"));
  return absl::OkStatus();
}

}  // namespace atlas::catalog
