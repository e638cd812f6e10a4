#include "catalog-service/organization_validator.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catalog-service/search_key.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
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
  return absl::OkStatus();
}

}  // namespace atlas::catalog
