// ISO 3166-1 country codes from Debian's iso-codes package
// (/usr/share/iso-codes/json/iso_3166-1.json), loaded once at start-up and
// shared by both services (Organization.country, Incident.countries).
//
// Thread safety: a loaded CountryList is immutable; any number of threads
// may read it.
#ifndef ATLAS_COMMON_API_TYPES_COUNTRIES_H_
#define ATLAS_COMMON_API_TYPES_COUNTRIES_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::api {

// Where Debian's `iso-codes` package installs the list.
inline constexpr char kDebianIso3166Path[] =
    "/usr/share/iso-codes/json/iso_3166-1.json";

class CountryList {
 public:
  // Reads and parses an iso-codes JSON file ({"3166-1": [{"alpha_2": "BE",
  // "name": "Belgium", ...}, ...]}). NOT_FOUND if the file cannot be read,
  // DATA_LOSS if it does not parse or holds no country.
  static absl::StatusOr<CountryList> LoadFile(const std::string& path);

  // Parses the JSON text of such a file (for tests).
  static absl::StatusOr<CountryList> Parse(absl::string_view json);

  // The list at kDebianIso3166Path, loaded on first call and kept for the
  // life of the process; the load error on every call if it failed.
  static absl::StatusOr<const CountryList*> Default();

  // True if `alpha2` (upper case) is an assigned ISO 3166-1 code.
  bool Contains(absl::string_view alpha2) const {
    return names_.contains(alpha2);
  }
  // The English name of `alpha2`, empty if unknown.
  std::string Name(absl::string_view alpha2) const;
  size_t size() const { return names_.size(); }

  // OK for an empty value or a known code; INVALID_ARGUMENT naming `field`
  // otherwise (shape first, then membership).
  absl::Status Validate(absl::string_view alpha2,
                        absl::string_view field) const;

 private:
  absl::flat_hash_map<std::string, std::string> names_;
};

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TYPES_COUNTRIES_H_
