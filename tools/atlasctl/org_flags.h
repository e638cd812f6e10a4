// The values of `atlasctl orgs` flags that set organisation fields beyond
// plain text: external references, the employee-count band and the levels
// of government. Every error is a usage error (atlasctl exits 2) naming
// the flag; the server still checks every value (format, limits,
// uniqueness), so these parsers only turn text into the message.
#ifndef ATLAS_TOOLS_ATLASCTL_ORG_FLAGS_H_
#define ATLAS_TOOLS_ATLASCTL_ORG_FLAGS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/type/v1/external_reference.pb.h"

namespace atlas::atlasctl {

// `--external-ref=SYSTEM:ID[:URL][,SYSTEM:ID[:URL]...]`: each item split
// at its first colon (system) and, when `allow_url`, at its second (id,
// then url); without `allow_url` the id is everything after the first
// colon. Items are comma-separated, so an id or url holding a comma or an
// id holding a colon (with a url) must be given as JSON instead.
//   "veris:0025-AB"                      -> {veris, 0025-AB}
//   "wikidata:Q1:https://wikidata.org/wiki/Q1" -> {wikidata, Q1, https://...}
absl::StatusOr<std::vector<type::v1::ExternalReference>> ParseExternalRefs(
    absl::string_view text, bool allow_url);

// `--employee-count=BAND`, case-insensitive: the enum name
// (EMPLOYEES_1_TO_10), it without the prefix (1_TO_10), VERIS's label
// ("1 to 10", "Over 100000", "Small", "Large") or a range ("1-10",
// "over-100000").
absl::StatusOr<catalog::v1::EmployeeCount> ParseEmployeeCount(
    absl::string_view text);

// `--government=LEVEL[,LEVEL...]`, case-insensitive: national, regional,
// local, other, none (NOT_GOVERNMENT), or the enum names.
absl::StatusOr<std::vector<catalog::v1::GovernmentLevel>> ParseGovernmentLevels(
    absl::string_view text);

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_ORG_FLAGS_H_
