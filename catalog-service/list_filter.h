// The ListOrganizations filter: a documented subset of AIP-160.
//
//   filter     := "" | comparison { "AND" comparison }
//   comparison := field "=" value
//   field      := country | sector | organization_type | non_profit | parent
//   value      := "double-quoted string" (\" and \\ escapes) | bare word
//
// Words, strings and operators are read by the shared AIP-160 lexer
// (common/api/aip/filter_lexer.h).
//
// Examples: country = "BE" AND sector = "non-profit";
// organization_type = POLITICAL_PARTY AND non_profit = true;
// parent = "organizations/vooruit". Each field at most once; `AND` is
// upper case (AIP-160); OR, NOT, parentheses and other operators are not
// supported. Values are checked: country against ISO 3166-1 (by the
// caller), organization_type against the enum names, non_profit true or
// false, parent as an organisation name.
//
// Planning (CatalogCore::ListOrganizations): the comparison whose index
// value has the fewest entries drives the scan (ties: as written); one
// call examines at most kListScanBudget index entries, then returns a
// short page with a next_page_token.
//
// Errors are INVALID_ARGUMENT starting with "filter:" and quoting the token
// that failed and its byte offset (lexical errors, such as an unterminated
// string or a character no token starts with, as the lexer words them).
#ifndef ATLAS_CATALOG_SERVICE_LIST_FILTER_H_
#define ATLAS_CATALOG_SERVICE_LIST_FILTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"

namespace atlas::catalog {

// The most index entries (records read) one ListOrganizations call
// examines; past it the page ends early with a next_page_token.
inline constexpr int64_t kListScanBudget = 2000;

// What one ListOrganizations call did, for tests and benchmarks.
struct ListScanStats {
  int64_t examined = 0;  // index entries examined (records read)
  // The index field that drove the scan ("" for every organisation, or
  // when a count of 0 answered at once).
  std::string driver;
};

struct ListFilter {
  // The fields compared, in the order written: "country", "sector",
  // "organization_type", "non_profit", "parent".
  std::vector<std::string> fields_as_written;
  std::optional<std::string> country;
  std::optional<std::string> sector;
  std::optional<v1::OrganizationType> organization_type;
  std::optional<bool> non_profit;
  std::optional<std::string> parent_id;  // the id, not the name

  // True if `org` satisfies every comparison.
  bool Matches(const v1::Organization& org) const;
  // A canonical text of the filter, for page-token binding.
  std::string Canonical() const;
};

absl::StatusOr<ListFilter> ParseListFilter(absl::string_view text);

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_LIST_FILTER_H_
