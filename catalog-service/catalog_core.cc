#include "catalog-service/catalog_core.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/digest.h"
#include "common/api/resource_name.h"
#include "common/api/validation.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::catalog {
namespace {

using v1::Organization;

constexpr char kCollection[] = "organizations";

// Storage failures are logged in full and reported without internals.
absl::Status Internal(const absl::Status& s, absl::string_view op) {
  log::Error("storage failure", {{"op", op}, {"status", s.ToString()}});
  return absl::Status(s.code() == absl::StatusCode::kUnavailable
                          ? absl::StatusCode::kUnavailable
                          : absl::StatusCode::kInternal,
                      absl::StrCat(op, ": storage error"));
}

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

// Keeps only what a client may set on create.
Organization WritableCopy(const Organization& in) {
  Organization out = in;
  out.clear_name();
  out.clear_primary_url_defanged();
  out.clear_incident_count();
  out.clear_linked_incidents();
  out.clear_latest_incident_date();
  out.clear_create_time();
  out.clear_update_time();
  out.clear_etag();
  out.clear_redacted_fields();
  return out;
}

void SetEtag(Organization* org) {
  org->clear_etag();
  org->set_etag(api::ComputeEtag(*org));
}

}  // namespace

absl::Status CatalogCore::ValidateAndNormalize(Organization* org,
                                               absl::string_view field) {
  const std::string f(field);
  RETURN_IF_ERROR(
      api::ValidateText(org->display_name(), f + ".display_name", 1, 200));
  RETURN_IF_ERROR(api::ValidateCount(org->aliases_size(), f + ".aliases", 32));
  std::set<std::string> seen_aliases;
  for (int i = 0; i < org->aliases_size(); ++i) {
    std::string path = absl::StrCat(f, ".aliases[", i, "]");
    RETURN_IF_ERROR(api::ValidateText(org->aliases(i), path, 1, 200));
    if (!seen_aliases.insert(absl::AsciiStrToLower(org->aliases(i))).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate alias \"", org->aliases(i), "\""));
    }
  }
  RETURN_IF_ERROR(
      api::ValidateText(org->primary_url(), f + ".primary_url", 0, 2048));
  RETURN_IF_ERROR(api::ValidateCount(org->domains_size(), f + ".domains", 64));
  std::set<std::string> seen_domains;
  for (int i = 0; i < org->domains_size(); ++i) {
    std::string path = absl::StrCat(f, ".domains[", i, "]");
    std::string domain = absl::AsciiStrToLower(org->domains(i));
    RETURN_IF_ERROR(api::ValidateText(domain, path, 1, 253));
    if (!seen_domains.insert(domain).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate domain \"", domain, "\""));
    }
    *org->mutable_domains(i) = domain;
  }
  if (!org->country().empty()) {
    RETURN_IF_ERROR(api::ValidateCountryShape(org->country(), f + ".country"));
  }
  RETURN_IF_ERROR(api::ValidateText(org->locality(), f + ".locality", 0, 200));
  RETURN_IF_ERROR(api::ValidateCount(org->sectors_size(), f + ".sectors", 16));
  for (int i = 0; i < org->sectors_size(); ++i) {
    RETURN_IF_ERROR(api::ValidateText(
        org->sectors(i), absl::StrCat(f, ".sectors[", i, "]"), 1, 64));
  }
  if (!v1::OrganizationType_IsValid(org->organization_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".organization_type: unknown value"));
  }
  RETURN_IF_ERROR(api::ValidateText(org->profile(), f + ".profile", 0, 20000));
  if (!org->parent().empty()) {
    RETURN_IF_ERROR(
        api::ParseName(org->parent(), kCollection, f + ".parent").status());
  }
  return absl::OkStatus();
}

absl::StatusOr<Organization> CatalogCore::GetOrganization(
    const auth::Caller& caller, const v1::GetOrganizationRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  absl::StatusOr<Organization> org = store_.GetOrganization(id);
  if (absl::IsNotFound(org.status())) return NotFound(request.name());
  if (!org.ok()) return Internal(org.status(), "GetOrganization");
  auth::Redact(caller, &*org);
  return org;
}

absl::StatusOr<v1::BatchGetOrganizationsResponse>
CatalogCore::BatchGetOrganizations(
    const auth::Caller& caller,
    const v1::BatchGetOrganizationsRequest& request) {
  if (request.names_size() == 0) {
    return absl::InvalidArgumentError("names: at least one name is required");
  }
  RETURN_IF_ERROR(api::ValidateCount(request.names_size(), "names", 1000));
  std::vector<std::string> ids;
  ids.reserve(request.names_size());
  for (int i = 0; i < request.names_size(); ++i) {
    ASSIGN_OR_RETURN(std::string id,
                     api::ParseName(request.names(i), kCollection,
                                    absl::StrCat("names[", i, "]")));
    ids.push_back(std::move(id));
  }
  auto orgs = store_.GetOrganizations(ids);
  if (!orgs.ok()) return Internal(orgs.status(), "BatchGetOrganizations");
  v1::BatchGetOrganizationsResponse response;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!(*orgs)[i].has_value()) return NotFound(request.names(i));
    *response.add_organizations() = std::move(*(*orgs)[i]);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<Organization> CatalogCore::CreateOrganization(
    const auth::Caller& caller, const v1::CreateOrganizationRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "CreateOrganization"));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  if (!request.has_organization()) {
    return absl::InvalidArgumentError("organization: required");
  }
  std::string id = request.organization_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "organization_id"));
  Organization org = WritableCopy(request.organization());
  RETURN_IF_ERROR(ValidateAndNormalize(&org, "organization"));

  const std::string fingerprint = api::RequestFingerprint(request);
  absl::MutexLock lock(&write_mu_);
  if (!request.request_id().empty()) {
    auto previous = store_.GetRequest(request.request_id());
    if (!previous.ok()) return Internal(previous.status(), "CreateOrganization");
    if (previous->has_value()) {
      if ((*previous)->fingerprint != fingerprint) {
        return absl::InvalidArgumentError(
            "request_id: already used for a different request");
      }
      // A retry: answer with the resource as it is now.
      auto existing = store_.GetOrganization(CatalogStore::IdOf((*previous)->name));
      if (absl::IsNotFound(existing.status())) return NotFound((*previous)->name);
      if (!existing.ok()) return Internal(existing.status(), "CreateOrganization");
      auth::Redact(caller, &*existing);
      return existing;
    }
  }
  if (id.empty()) id = api::GenerateId();
  const std::string name = absl::StrCat(kCollection, "/", id);
  auto current = store_.GetOrganization(id);
  if (current.ok()) {
    return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
  }
  if (!absl::IsNotFound(current.status())) {
    return Internal(current.status(), "CreateOrganization");
  }
  for (int i = 0; i < org.domains_size(); ++i) {
    auto owner = store_.DomainOwner(org.domains(i));
    if (!owner.ok()) return Internal(owner.status(), "CreateOrganization");
    if (owner->has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "organization.domains[", i, "]: ", org.domains(i),
          " belongs to organizations/", **owner));
    }
  }
  if (!org.parent().empty()) {
    auto parent = store_.GetOrganization(CatalogStore::IdOf(org.parent()));
    if (absl::IsNotFound(parent.status())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "organization.parent: ", org.parent(), " does not exist"));
    }
    if (!parent.ok()) return Internal(parent.status(), "CreateOrganization");
  }
  org.set_name(name);
  *org.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
  *org.mutable_update_time() = org.create_time();
  SetEtag(&org);

  storage::WriteBatch batch;
  CatalogStore::PutOrganization(org, nullptr, &batch);
  if (!request.request_id().empty()) {
    CatalogStore::PutRequest(request.request_id(), {fingerprint, name}, &batch);
  }
  absl::Status s = store_.Commit(batch);
  if (!s.ok()) return Internal(s, "CreateOrganization");
  log::Info("organization created", {{"name", name}, {"by", caller.label}});
  auth::Redact(caller, &org);
  return org;
}

absl::StatusOr<v1::ListOrganizationsResponse> CatalogCore::ListOrganizations(
    const auth::Caller&, const v1::ListOrganizationsRequest&) {
  return absl::UnimplementedError("ListOrganizations is not implemented yet");
}

absl::StatusOr<Organization> CatalogCore::UpdateOrganization(
    const auth::Caller& caller, const v1::UpdateOrganizationRequest&) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateOrganization"));
  return absl::UnimplementedError("UpdateOrganization is not implemented yet");
}

absl::StatusOr<google::protobuf::Empty> CatalogCore::DeleteOrganization(
    const auth::Caller& caller, const v1::DeleteOrganizationRequest&) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "DeleteOrganization"));
  return absl::UnimplementedError("DeleteOrganization is not implemented yet");
}

absl::StatusOr<v1::SearchOrganizationsResponse>
CatalogCore::SearchOrganizations(const auth::Caller&,
                                 const v1::SearchOrganizationsRequest&) {
  return absl::UnimplementedError("SearchOrganizations is not implemented yet");
}

absl::StatusOr<v1::ResolveOrganizationResponse>
CatalogCore::ResolveOrganization(const auth::Caller&,
                                 const v1::ResolveOrganizationRequest&) {
  return absl::UnimplementedError("ResolveOrganization is not implemented yet");
}

}  // namespace atlas::catalog
