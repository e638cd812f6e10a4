// The organisations a VERIS record names as victims, described as the
// catalog would hold them, before anything is looked up or created.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VICTIM_DESCRIPTION_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VICTIM_DESCRIPTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/types/countries.h"
#include "tools/atlasctl/veris/record_json.h"

namespace atlas::atlasctl::veris {

// The external-reference system of VERIS victim names.
inline constexpr char kVictimReferenceSystem[] = "veris-victim";

struct VictimDescription {
  incident::v1::Victim::Role role = incident::v1::Victim::PRIMARY;
  // Where the name is in the record: "victim.victim_id",
  // "victim.secondary.victim_id[0]".
  std::string veris_path;
  // The organisation to find or create: display_name (the VERIS name),
  // external_references ({veris-victim, name}), and for the primary victim
  // what VERIS says of it (country, locality, industry_code,
  // employee_count, government_levels).
  catalog::v1::Organization organization;
  // The id to create it under: OrganizationSlug(name).
  std::string organization_id;
};

// The victims of `record`: the primary victim unless it is unknown, then
// the secondary victims (`victim.secondary.victim_id`) in order, without
// repeats. INVALID_ARGUMENT "PATH: reason" for a name the catalog cannot
// hold (more than 200 characters). `countries` tells ISO 3166-1 codes from
// VERIS's others ("Unknown", "Other", "XK").
absl::StatusOr<std::vector<VictimDescription>> DescribeVictims(
    const Json& record, const api::CountryList& countries);

// True when the record does not name its victim: no `victim`, no
// `victim.victim_id`, an empty one, or "Unknown" (any case).
bool VictimIsUnknown(const Json& record);

// The secondary victims' names when the primary victim is unknown (an
// incident with an unknown victim holds no victims at all, so the mapper
// keeps these as text).
std::vector<std::string> SecondaryVictimNames(const Json& record);

// An organisation id from a name: lower-case ASCII letters and digits,
// Latin accented letters folded ("Générale" -> "generale"), every other
// run of characters one '-', cut to 63 characters at a '-' where it can.
// "org-<8 hex of SHA-256 of the name>" when nothing is left.
//   "St. Mary's Janesville Hospital" -> "st-mary-s-janesville-hospital"
std::string OrganizationSlug(absl::string_view name);

// The ISO 3166-1 codes among VERIS country values, in order, without
// repeats.
std::vector<std::string> IsoCountries(const std::vector<std::string>& values,
                                      const api::CountryList& countries);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VICTIM_DESCRIPTION_H_
