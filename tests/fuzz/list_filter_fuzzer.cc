// Fuzzes catalog-service/list_filter.h (the ListOrganizations filter).
// Input: the whole text as a filter.
// Contracts:
//  - ParseListFilter never crashes; errors are INVALID_ARGUMENT starting
//    with "filter:";
//  - a parsed filter, written back in the documented syntax (quoted values
//    with \" and \\ escapes), parses to a filter with the same Canonical();
//  - Matches holds for an organisation built to satisfy the filter.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "catalog-service/list_filter.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::string Quote(absl::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using atlas::catalog::ListFilter;
  using atlas::catalog::ParseListFilter;
  namespace v1 = atlas::catalog::v1;
  const absl::string_view text = atlas::fuzz::AsText(data, size);

  absl::StatusOr<ListFilter> filter = ParseListFilter(text);
  if (!filter.ok()) {
    FUZZ_CHECK(filter.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(absl::StartsWith(filter.status().message(), "filter:"));
    return 0;
  }

  std::vector<std::string> terms;
  v1::Organization org;
  if (filter->country) {
    terms.push_back(absl::StrCat("country = ", Quote(*filter->country)));
    org.set_country(*filter->country);
  }
  if (filter->sector) {
    terms.push_back(absl::StrCat("sector = ", Quote(*filter->sector)));
    org.add_sectors("other");
    org.add_sectors(*filter->sector);
  }
  if (filter->organization_type) {
    terms.push_back(
        absl::StrCat("organization_type = ",
                     v1::OrganizationType_Name(*filter->organization_type)));
    org.set_organization_type(*filter->organization_type);
  }
  if (filter->non_profit) {
    terms.push_back(
        absl::StrCat("non_profit = ", *filter->non_profit ? "true" : "false"));
    org.set_non_profit(*filter->non_profit);
  }
  if (filter->parent_id) {
    terms.push_back(absl::StrCat(
        "parent = ",
        Quote(absl::StrCat("organizations/", *filter->parent_id))));
    org.set_parent(absl::StrCat("organizations/", *filter->parent_id));
  }
  const std::string written = absl::StrJoin(terms, " AND ");
  absl::StatusOr<ListFilter> reparsed = ParseListFilter(written);
  if (!reparsed.ok()) {
    std::fprintf(stderr, "rewritten filter %s: %s\n", written.c_str(),
                 std::string(reparsed.status().message()).c_str());
  }
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(reparsed->Canonical() == filter->Canonical());
  FUZZ_CHECK(filter->Matches(org));
  return 0;
}
