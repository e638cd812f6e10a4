#include "tools/atlasctl/veris/organization_catalog.h"

#include <utility>

namespace atlas::atlasctl::veris {

namespace catalog = ::atlas::catalog::v1;

void GrpcOrganizationCatalog::Resolve(
    catalog::ResolveOrganizationRequest request,
    Done<catalog::ResolveOrganizationResponse> done) {
  auto* stub = &stub_;
  runner_.Call<catalog::ResolveOrganizationRequest,
               catalog::ResolveOrganizationResponse>(
      [stub](::grpc::ClientContext* context,
             const catalog::ResolveOrganizationRequest* req,
             catalog::ResolveOrganizationResponse* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->ResolveOrganization(context, req, resp,
                                           std::move(on_done));
      },
      std::move(request), std::move(done));
}

void GrpcOrganizationCatalog::Create(catalog::CreateOrganizationRequest request,
                                     Done<catalog::Organization> done) {
  auto* stub = &stub_;
  runner_.Call<catalog::CreateOrganizationRequest, catalog::Organization>(
      [stub](::grpc::ClientContext* context,
             const catalog::CreateOrganizationRequest* req,
             catalog::Organization* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->CreateOrganization(context, req, resp,
                                          std::move(on_done));
      },
      std::move(request), std::move(done));
}

}  // namespace atlas::atlasctl::veris
