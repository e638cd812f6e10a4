// The OrganizationCatalog the importer runs with: ResolveOrganization and
// CreateOrganization calls gathered into BatchResolveOrganizations and
// BatchCreateOrganizations (BatchQueue: up to 500 a batch, a 20 ms linger,
// two batches of each kind in flight), so a run that meets thousands of
// new victims makes a few catalog calls a second, not three per victim.
//
// Each call still gets the answer it would get alone:
//   - Resolve: NOT_FOUND for a query nothing matches (an empty answer in
//     the batch), the response otherwise; an invalid query (named
//     requests[i] by the catalog) gets its own error and the rest are sent
//     again.
//   - Create: the batch is all or nothing. A failure naming requests[i]
//     answers request i with its own error (ALREADY_EXISTS, a refused
//     field, ...) and the rest are sent again; a failure naming none
//     (after the runner's retries) sends each again alone, so one bad
//     request fails alone. No two creates of one organization_id are in
//     flight at once: the second waits for the first's batch, and so
//     meets it as a stored organisation (ALREADY_EXISTS), as it would
//     alone.
//
// Thread safety: as OrganizationCatalog. `runner` and `stub` must outlive
// this object and every call made through it (RpcRunner::Drain).
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_BATCHING_ORGANIZATION_CATALOG_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_BATCHING_ORGANIZATION_CATALOG_H_

#include <vector>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "tools/atlasctl/veris/batch_queue.h"
#include "tools/atlasctl/veris/organization_catalog.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

class BatchingOrganizationCatalog : public OrganizationCatalog {
 public:
  struct Options {
    int max_count = 500;
    int max_in_flight = 2;
    absl::Duration linger = absl::Milliseconds(20);
  };

  BatchingOrganizationCatalog(catalog::v1::CatalogService::StubInterface& stub,
                              RpcRunner& runner, Options options);

  void Resolve(catalog::v1::ResolveOrganizationRequest request,
               Done<catalog::v1::ResolveOrganizationResponse> done) override;
  void Create(catalog::v1::CreateOrganizationRequest request,
              Done<catalog::v1::Organization> done) override;

  // Batches sent of each kind (for tests and the figures).
  int64_t resolve_batches() const { return resolves_.counts().batches; }
  int64_t create_batches() const { return creates_.counts().batches; }

 private:
  struct PendingResolve {
    catalog::v1::ResolveOrganizationRequest request;
    Done<catalog::v1::ResolveOrganizationResponse> done;
  };
  struct PendingCreate {
    catalog::v1::CreateOrganizationRequest request;
    Done<catalog::v1::Organization> done;
  };
  using ResolveQueue = BatchQueue<PendingResolve>;
  using CreateQueue = BatchQueue<PendingCreate>;

  void SendResolves(std::vector<ResolveQueue::Entry> batch);
  void SendCreates(std::vector<CreateQueue::Entry> batch);

  catalog::v1::CatalogService::StubInterface& stub_;
  RpcRunner& runner_;
  ResolveQueue resolves_;
  CreateQueue creates_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_BATCHING_ORGANIZATION_CATALOG_H_
