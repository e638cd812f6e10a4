// What the victim resolver asks of catalog-service, asynchronously:
// ResolveOrganization and CreateOrganization. GrpcOrganizationCatalog
// answers over gRPC (through an RpcRunner: bounded, retried); tests hand
// the resolver a fake.
//
// Thread safety: implementations accept calls from any thread; `done` runs
// exactly once, on any thread (possibly the caller's).
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_ORGANIZATION_CATALOG_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_ORGANIZATION_CATALOG_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

class OrganizationCatalog {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  virtual ~OrganizationCatalog() = default;
  // CatalogService.ResolveOrganization; NOT_FOUND when nothing matches.
  virtual void Resolve(catalog::v1::ResolveOrganizationRequest request,
                       Done<catalog::v1::ResolveOrganizationResponse> done) = 0;
  // CatalogService.CreateOrganization.
  virtual void Create(catalog::v1::CreateOrganizationRequest request,
                      Done<catalog::v1::Organization> done) = 0;
};

class GrpcOrganizationCatalog : public OrganizationCatalog {
 public:
  // `stub` and `runner` are not owned and must outlive this object.
  GrpcOrganizationCatalog(catalog::v1::CatalogService::StubInterface& stub,
                          RpcRunner& runner)
      : stub_(stub), runner_(runner) {}

  void Resolve(catalog::v1::ResolveOrganizationRequest request,
               Done<catalog::v1::ResolveOrganizationResponse> done) override;
  void Create(catalog::v1::CreateOrganizationRequest request,
              Done<catalog::v1::Organization> done) override;

 private:
  catalog::v1::CatalogService::StubInterface& stub_;
  RpcRunner& runner_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_ORGANIZATION_CATALOG_H_
