#include "catalog-service/catalog_service_impl.h"

#include "common/grpc/unary.h"

namespace atlas::catalog {

using grpc_util::RunRead;
using grpc_util::RunUnary;
using grpc_util::RunUnaryOn;

::grpc::ServerUnaryReactor* CatalogServiceImpl::GetOrganization(
    ::grpc::CallbackServerContext* context, const ::grpc::ByteBuffer* request,
    ::grpc::ByteBuffer* response) {
  return grpc_util::RunUnaryWire<v1::GetOrganizationRequest>(
      point_reads_, context, keys_, request, response,
      [&](const auth::Caller& caller, const v1::GetOrganizationRequest& r) {
        return core_.GetOrganizationWire(caller, r);
      });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::BatchGetOrganizations(
    ::grpc::CallbackServerContext* context,
    const v1::BatchGetOrganizationsRequest* request,
    v1::BatchGetOrganizationsResponse* response) {
  return RunUnary(point_reads_, context, keys_, response,
                  [&](const auth::Caller& caller) {
                    return core_.BatchGetOrganizations(caller, *request);
                  });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::ListOrganizations(
    ::grpc::CallbackServerContext* context,
    const v1::ListOrganizationsRequest* request,
    v1::ListOrganizationsResponse* response) {
  return RunRead(pages_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.ListOrganizations(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::CreateOrganization(
    ::grpc::CallbackServerContext* context,
    const v1::CreateOrganizationRequest* request, v1::Organization* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "CreateOrganization", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateOrganization(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::BatchCreateOrganizations(
    ::grpc::CallbackServerContext* context,
    const v1::BatchCreateOrganizationsRequest* request,
    v1::BatchCreateOrganizationsResponse* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "BatchCreateOrganizations", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.BatchCreateOrganizations(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::UpdateOrganization(
    ::grpc::CallbackServerContext* context,
    const v1::UpdateOrganizationRequest* request, v1::Organization* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "UpdateOrganization", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateOrganization(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::DeleteOrganization(
    ::grpc::CallbackServerContext* context,
    const v1::DeleteOrganizationRequest* request,
    google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "DeleteOrganization", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteOrganization(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::SearchOrganizations(
    ::grpc::CallbackServerContext* context,
    const v1::SearchOrganizationsRequest* request,
    v1::SearchOrganizationsResponse* response) {
  return RunRead(searches_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.SearchOrganizations(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::ResolveOrganization(
    ::grpc::CallbackServerContext* context,
    const v1::ResolveOrganizationRequest* request,
    v1::ResolveOrganizationResponse* response) {
  return RunRead(searches_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.ResolveOrganization(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* CatalogServiceImpl::BatchResolveOrganizations(
    ::grpc::CallbackServerContext* context,
    const v1::BatchResolveOrganizationsRequest* request,
    v1::BatchResolveOrganizationsResponse* response) {
  return RunRead(searches_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.BatchResolveOrganizations(caller, *request);
                 });
}

}  // namespace atlas::catalog
