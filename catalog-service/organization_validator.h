// OrganizationValidator: the field rules of an Organization as a client
// writes it, checked without storage.
//
// ValidateAndNormalize checks every writable field and rewrites the
// organisation into its stored form: each domain reduced to its
// registrable domain and kept once, the primary URL normalised (its domain
// added to `domains`, its defanged form set in primary_url_defanged), each
// external reference in its stored form (api::NormalizeExternalReferences:
// system lower-cased, url normalised). Countries are checked against the ISO
// 3166-1 list given at construction, sectors against the STIX 2.1
// industry-sector vocabulary.
//
// Errors: INVALID_ARGUMENT only, the message starting with the field path
// (`field` + ".domains[2]", `field` + ".external_references[1].system")
// and naming the rule broken. The checks that need storage (the parent
// exists and makes no cycle, no other organisation owns a domain or holds
// an external reference) are CatalogCore's.
//
// Thread safety: immutable after construction; any number of threads may
// call it at once.
#ifndef ATLAS_CATALOG_SERVICE_ORGANIZATION_VALIDATOR_H_
#define ATLAS_CATALOG_SERVICE_ORGANIZATION_VALIDATOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "common/api/types/countries.h"

namespace atlas::catalog {

// The STIX 2.1 industry-sector open vocabulary (industry-sector-ov, STIX 2.1
// section 10.16), the values `Organization.sectors` accepts.
bool IsStixIndustrySector(absl::string_view sector);

class OrganizationValidator {
 public:
  // `countries` must outlive the validator. There is no default list: the
  // wiring (CatalogServer) refuses to start without one.
  explicit OrganizationValidator(const api::CountryList& countries)
      : countries_(countries) {}

  // Checks the writable fields of `*org`, naming them `field`.<name>, and
  // normalises them in place. Output-only fields other than
  // primary_url_defanged are left as they are. On error `*org` may be
  // partly normalised.
  absl::Status ValidateAndNormalize(v1::Organization* org,
                                    absl::string_view field) const;

  // OK for an empty value or an assigned ISO 3166-1 alpha-2 code;
  // INVALID_ARGUMENT naming `field` otherwise.
  absl::Status ValidateCountry(absl::string_view alpha2,
                               absl::string_view field) const {
    return countries_.Validate(alpha2, field);
  }

 private:
  const api::CountryList& countries_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_ORGANIZATION_VALIDATOR_H_
