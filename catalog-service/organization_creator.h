// OrganizationCreator: CreateOrganization and BatchCreateOrganizations.
//
// A create is checked (OrganizationValidator) before any lock is taken;
// then, under the catalog writer's mutex, its request_id replay, its id,
// its domains, external references and parent are checked on the kLatest
// view (OrganizationChecks) and its record, index entries and request
// record are appended in one batch; the answer leaves once that batch is
// durable (GroupCommitWriter). A batch is one such write, all or nothing:
// its requests are also checked against each other (no two claim one id,
// domain or external reference) and a `parent` may name an organisation
// created earlier in the batch.
//
// Errors: PERMISSION_DENIED / UNAUTHENTICATED (role, checked first),
// INVALID_ARGUMENT (a field, a parent that does not exist, a request_id
// reused for a different request; in a batch prefixed "requests[i]."),
// ALREADY_EXISTS (the id is taken, or a domain or external reference
// belongs to another organisation, named; in a batch also "requests[j]"
// when an earlier request of the batch claims it), NOT_FOUND (a replayed
// request whose organisation was deleted since), UNAVAILABLE / INTERNAL
// (storage, logged).
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_CATALOG_SERVICE_ORGANIZATION_CREATOR_H_
#define ATLAS_CATALOG_SERVICE_ORGANIZATION_CREATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/organization_checks.h"
#include "catalog-service/organization_validator.h"
#include "common/api/time/clock.h"
#include "common/auth/api_keys.h"
#include "common/storage/group_commit_writer.h"

namespace atlas::catalog {

class OrganizationCreator {
 public:
  // Most requests in one BatchCreateOrganizations.
  static constexpr int kMaxBatchCreate = 1000;

  // All arguments must outlive the creator; `writer` is the catalog's one
  // write path.
  OrganizationCreator(CatalogStore& store, storage::GroupCommitWriter& writer,
                      const OrganizationValidator& validator,
                      const OrganizationChecks& checks, api::Clock& clock)
      : store_(store),
        writer_(writer),
        validator_(validator),
        checks_(checks),
        clock_(clock) {}

  // Creates the organisation (EDITOR or above), with organization_id or a
  // generated id. The same request_id with the same request answers the
  // organisation created first, as it is now.
  absl::StatusOr<v1::Organization> CreateOrganization(
      const auth::Caller& caller, const v1::CreateOrganizationRequest& request);
  // All or nothing; see BatchCreateOrganizations in the proto.
  absl::StatusOr<v1::BatchCreateOrganizationsResponse> BatchCreateOrganizations(
      const auth::Caller& caller,
      const v1::BatchCreateOrganizationsRequest& request);

 private:
  // One create, validated.
  struct PendingCreate {
    const v1::CreateOrganizationRequest* request = nullptr;
    // Prefixed to every error message: "" alone, "requests[i]." in a batch.
    std::string field_prefix;
    std::string id;                 // empty: generated at commit
    v1::Organization organization;  // writable fields, normalised
    std::string fingerprint;
    bool replayed = false;  // answered by an earlier commit
  };
  // Checks `request` (errors unprefixed) into `out`.
  absl::Status Prepare(const v1::CreateOrganizationRequest& request,
                       PendingCreate* out) const;
  // Writes `creates` in one batch and answers them in order (redacted for
  // `caller`); the first failure fails them all and writes nothing.
  absl::StatusOr<std::vector<v1::Organization>> Create(
      const auth::Caller& caller, absl::string_view op,
      std::vector<PendingCreate>& creates);

  CatalogStore& store_;
  storage::GroupCommitWriter& writer_;
  const OrganizationValidator& validator_;
  const OrganizationChecks& checks_;
  api::Clock& clock_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_ORGANIZATION_CREATOR_H_
