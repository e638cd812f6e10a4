// CatalogCore: the catalog's domain rules, over CatalogStore.
//
// Speaks protos and absl::Status; never gRPC. Every method takes the
// caller and checks the role first, before any existence check, so a
// caller without rights learns nothing about what exists.
//
// Error codes: INVALID_ARGUMENT (message names the field and the rule),
// NOT_FOUND, ALREADY_EXISTS, ABORTED (stale etag), UNAUTHENTICATED,
// PERMISSION_DENIED, UNIMPLEMENTED (not built yet), INTERNAL/DATA_LOSS
// for storage failures (logged; the caller sees a generic message).
//
// Thread safety: all methods may be called concurrently. Writes are
// serialised by one mutex held from the reads that decide (id taken?
// domain owned?) to the commit, so two creates claiming one domain cannot
// both win.
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "common/api/clock.h"
#include "common/auth/api_keys.h"
#include "google/protobuf/empty.pb.h"

namespace atlas::catalog {

class CatalogCore {
 public:
  // `store` and `clock` must outlive the core.
  CatalogCore(CatalogStore& store, api::Clock& clock)
      : store_(store), clock_(clock) {}

  absl::StatusOr<v1::Organization> GetOrganization(
      const auth::Caller& caller, const v1::GetOrganizationRequest& request);
  absl::StatusOr<v1::BatchGetOrganizationsResponse> BatchGetOrganizations(
      const auth::Caller& caller,
      const v1::BatchGetOrganizationsRequest& request);
  absl::StatusOr<v1::ListOrganizationsResponse> ListOrganizations(
      const auth::Caller& caller, const v1::ListOrganizationsRequest& request);
  absl::StatusOr<v1::Organization> CreateOrganization(
      const auth::Caller& caller, const v1::CreateOrganizationRequest& request);
  absl::StatusOr<v1::Organization> UpdateOrganization(
      const auth::Caller& caller, const v1::UpdateOrganizationRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteOrganization(
      const auth::Caller& caller, const v1::DeleteOrganizationRequest& request);
  absl::StatusOr<v1::SearchOrganizationsResponse> SearchOrganizations(
      const auth::Caller& caller,
      const v1::SearchOrganizationsRequest& request);
  absl::StatusOr<v1::ResolveOrganizationResponse> ResolveOrganization(
      const auth::Caller& caller,
      const v1::ResolveOrganizationRequest& request);

 private:
  // Checks the writable fields of `org` and normalises them in place.
  absl::Status ValidateAndNormalize(v1::Organization* org,
                                    absl::string_view field);

  CatalogStore& store_;
  api::Clock& clock_;
  absl::Mutex write_mu_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_
