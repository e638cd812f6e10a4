// CatalogServiceImpl: the gRPC adapter (callback API) over CatalogCore.
// Each handler authenticates the caller, calls one core method and
// finishes with its status (converted by common/grpc/status_conversion.h);
// no business rule lives here. Besides the core's codes, a call may get
// UNAUTHENTICATED (an unknown key, before the core runs) and
// RESOURCE_EXHAUSTED (the limits below).
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_SERVICE_IMPL_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_SERVICE_IMPL_H_

#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "catalog-service/catalog_core.h"
#include "common/auth/api_keys.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/caller_budget.h"

namespace atlas::catalog {

// GetOrganization is a raw method: it answers with the stored bytes of the
// caller's view (CatalogCore::GetOrganizationWire); the wire contract is
// the proto's.
class CatalogServiceImpl final
    : public v1::CatalogService::WithRawCallbackMethod_GetOrganization<
          v1::CatalogService::CallbackService> {
 public:
  // All arguments must outlive the service. Writes (create, update,
  // delete) run on `writers`; when its queue is full they get
  // RESOURCE_EXHAUSTED (public callers are refused for their role before
  // queueing). Reads have one budget per kind of work, each split by
  // caller class (grpc_util::CallerBudget::Split: public callers a quarter,
  // the other service a reserved share): `max_inflight_point_reads` for
  // Get and BatchGet (incident-service's victim check), `max_inflight_reads`
  // for list pages, `max_inflight_searches` for Search and Resolve. Past
  // its class's share a call gets RESOURCE_EXHAUSTED; other classes and
  // kinds are unaffected. A slot is held until gRPC is done with the call,
  // which under a saturated CPU comes well after the client has its answer
  // (a 64-call closed loop held over 256 Get slots), hence the larger
  // point-read bound. Public callers' pages and searches run on
  // `public_reads` (a few low-priority threads, grpc_util::RunRead).
  CatalogServiceImpl(CatalogCore& core, const auth::KeyRegistry& keys,
                     concurrency::BoundedExecutor& writers,
                     concurrency::BoundedExecutor& public_reads,
                     int max_inflight_reads = 256,
                     int max_inflight_point_reads = 2048,
                     int max_inflight_searches = 256)
      : core_(core),
        keys_(keys),
        writers_(writers),
        public_reads_(public_reads),
        pages_(grpc_util::CallerBudget::Split(max_inflight_reads)),
        point_reads_(grpc_util::CallerBudget::Split(max_inflight_point_reads)),
        searches_(grpc_util::CallerBudget::Split(max_inflight_searches)) {}

  ::grpc::ServerUnaryReactor* GetOrganization(
      ::grpc::CallbackServerContext* context, const ::grpc::ByteBuffer* request,
      ::grpc::ByteBuffer* response) override;
  ::grpc::ServerUnaryReactor* BatchGetOrganizations(
      ::grpc::CallbackServerContext* context,
      const v1::BatchGetOrganizationsRequest* request,
      v1::BatchGetOrganizationsResponse* response) override;
  ::grpc::ServerUnaryReactor* ListOrganizations(
      ::grpc::CallbackServerContext* context,
      const v1::ListOrganizationsRequest* request,
      v1::ListOrganizationsResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateOrganization(
      ::grpc::CallbackServerContext* context,
      const v1::CreateOrganizationRequest* request,
      v1::Organization* response) override;
  ::grpc::ServerUnaryReactor* BatchCreateOrganizations(
      ::grpc::CallbackServerContext* context,
      const v1::BatchCreateOrganizationsRequest* request,
      v1::BatchCreateOrganizationsResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateOrganization(
      ::grpc::CallbackServerContext* context,
      const v1::UpdateOrganizationRequest* request,
      v1::Organization* response) override;
  ::grpc::ServerUnaryReactor* DeleteOrganization(
      ::grpc::CallbackServerContext* context,
      const v1::DeleteOrganizationRequest* request,
      google::protobuf::Empty* response) override;
  ::grpc::ServerUnaryReactor* SearchOrganizations(
      ::grpc::CallbackServerContext* context,
      const v1::SearchOrganizationsRequest* request,
      v1::SearchOrganizationsResponse* response) override;
  ::grpc::ServerUnaryReactor* ResolveOrganization(
      ::grpc::CallbackServerContext* context,
      const v1::ResolveOrganizationRequest* request,
      v1::ResolveOrganizationResponse* response) override;
  ::grpc::ServerUnaryReactor* BatchResolveOrganizations(
      ::grpc::CallbackServerContext* context,
      const v1::BatchResolveOrganizationsRequest* request,
      v1::BatchResolveOrganizationsResponse* response) override;

  // The read budgets by name, for metrics.
  std::vector<std::pair<absl::string_view, const grpc_util::CallerBudget*>>
  budgets() const {
    return {{"pages", &pages_},
            {"point_reads", &point_reads_},
            {"searches", &searches_}};
  }

 private:
  CatalogCore& core_;
  const auth::KeyRegistry& keys_;
  concurrency::BoundedExecutor& writers_;
  concurrency::BoundedExecutor& public_reads_;
  grpc_util::CallerBudget pages_;
  grpc_util::CallerBudget point_reads_;
  grpc_util::CallerBudget searches_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_SERVICE_IMPL_H_
