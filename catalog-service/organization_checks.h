// OrganizationChecks: what a write of an organisation must check against
// the other stored organisations: that no other one owns its domains or
// holds its external references, and that its parent exists and makes no
// cycle. Shared by OrganizationCreator and CatalogCore's update.
//
// Every check reads the store's kLatest view: call it with the catalog
// writer's mutex held, so the answer still holds when the write appends.
// Storage failures come back as storage::StorageError.
//
// Thread safety: const; safe from any thread (under the writer's mutex, as
// above).
#ifndef ATLAS_CATALOG_SERVICE_ORGANIZATION_CHECKS_H_
#define ATLAS_CATALOG_SERVICE_ORGANIZATION_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "catalog-service/catalog_store.h"

namespace atlas::catalog {

// "organizations", the collection of the catalog's resource names.
inline constexpr char kOrganizationCollection[] = "organizations";

// NOT_FOUND: "<name> does not exist".
absl::Status OrganizationNotFound(absl::string_view name);
// `in` with only what a client may set (output-only fields cleared).
v1::Organization WritableCopy(const v1::Organization& in);
// Gives `org` a new etag (a random version token: see api::NewEtag).
void SetNewEtag(v1::Organization* org);

class OrganizationChecks {
 public:
  // `store` must outlive the checks.
  explicit OrganizationChecks(const CatalogStore& store) : store_(store) {}

  // ALREADY_EXISTS "<field>.domains[i]: d belongs to organizations/x" if a
  // domain of `org` belongs to another organisation than `self_id`.
  absl::Status CheckDomains(const v1::Organization& org,
                            absl::string_view self_id,
                            absl::string_view field) const;
  // ALREADY_EXISTS naming the holder if an external reference of `org`
  // (stored form) belongs to another organisation than `self_id`.
  absl::Status CheckExternalReferences(const v1::Organization& org,
                                       absl::string_view self_id,
                                       absl::string_view field) const;
  // INVALID_ARGUMENT if `org.parent` does not exist or would make a cycle
  // with `self_id`.
  absl::Status CheckParent(const v1::Organization& org,
                           absl::string_view self_id,
                           absl::string_view field) const;

 private:
  const CatalogStore& store_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_ORGANIZATION_CHECKS_H_
