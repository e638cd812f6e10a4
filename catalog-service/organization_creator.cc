#include "catalog-service/organization_creator.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/aip/digest.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/external_reference.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/request_records.h"
#include "common/storage/storage_error.h"

namespace atlas::catalog {
namespace {

using storage::StorageError;
using v1::Organization;

constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

// `s` with `prefix` before its message (errors of a batch's requests[i]).
absl::Status Prefixed(absl::string_view prefix, const absl::Status& s) {
  if (s.ok() || prefix.empty()) return s;
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

}  // namespace

absl::StatusOr<Organization> OrganizationCreator::CreateOrganization(
    const auth::Caller& caller, const v1::CreateOrganizationRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "CreateOrganization"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  std::vector<PendingCreate> creates(1);
  RETURN_IF_ERROR(Prepare(request, &creates[0]));
  ASSIGN_OR_RETURN(std::vector<Organization> created,
                   Create(caller, "CreateOrganization", creates));
  return std::move(created[0]);
}

absl::StatusOr<v1::BatchCreateOrganizationsResponse>
OrganizationCreator::BatchCreateOrganizations(
    const auth::Caller& caller,
    const v1::BatchCreateOrganizationsRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor,
                                    "BatchCreateOrganizations"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (request.requests_size() == 0) {
    return absl::InvalidArgumentError(
        "requests: at least one request is required");
  }
  RETURN_IF_ERROR(
      api::ValidateCount(request.requests_size(), "requests", kMaxBatchCreate));
  std::vector<PendingCreate> creates(request.requests_size());
  absl::flat_hash_map<absl::string_view, int> ids;
  absl::flat_hash_map<absl::string_view, int> request_ids;
  for (int i = 0; i < request.requests_size(); ++i) {
    const v1::CreateOrganizationRequest& r = request.requests(i);
    const std::string prefix = absl::StrCat("requests[", i, "].");
    creates[i].field_prefix = prefix;
    RETURN_IF_ERROR(Prefixed(prefix, Prepare(r, &creates[i])));
    if (!r.organization_id().empty()) {
      auto [it, inserted] = ids.emplace(r.organization_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "organization_id: \"", r.organization_id(),
            "\" is also requests[", it->second, "].organization_id"));
      }
    }
    if (!r.request_id().empty()) {
      auto [it, inserted] = request_ids.emplace(r.request_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "request_id: also requests[", it->second, "].request_id"));
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<Organization> created,
                   Create(caller, "BatchCreateOrganizations", creates));
  v1::BatchCreateOrganizationsResponse response;
  response.mutable_organizations()->Reserve(static_cast<int>(created.size()));
  for (Organization& org : created)
    *response.add_organizations() = std::move(org);
  return response;
}

absl::Status OrganizationCreator::Prepare(
    const v1::CreateOrganizationRequest& request, PendingCreate* out) const {
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  if (!request.has_organization()) {
    return absl::InvalidArgumentError("organization: required");
  }
  if (!request.organization_id().empty()) {
    RETURN_IF_ERROR(
        api::ValidateId(request.organization_id(), "organization_id"));
  }
  out->request = &request;
  out->id = request.organization_id();
  out->organization = WritableCopy(request.organization());
  RETURN_IF_ERROR(
      validator_.ValidateAndNormalize(&out->organization, "organization"));
  out->fingerprint = api::RequestFingerprint(request);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Organization>> OrganizationCreator::Create(
    const auth::Caller& caller, absl::string_view op,
    std::vector<PendingCreate>& creates) {
  return writer_.Run<std::vector<Organization>>(
      op, [&]() -> absl::StatusOr<std::vector<Organization>> {
        std::vector<Organization> answers(creates.size());
        const auto now = api::ToProtoTimestamp(clock_.Now());
        storage::WriteBatch batch;
        // What the earlier creates of this batch claim -> their index.
        absl::flat_hash_map<std::string, size_t> claimed_ids, claimed_domains,
            claimed_references;
        for (size_t i = 0; i < creates.size(); ++i) {
          PendingCreate& c = creates[i];
          const std::string& prefix = c.field_prefix;
          const std::string& request_id = c.request->request_id();
          if (!request_id.empty()) {
            auto previous = store_.GetRequest(request_id, kLatest);
            if (!previous.ok()) return StorageError(previous.status(), op);
            absl::StatusOr<std::optional<std::string>> replayed =
                storage::ReplayedName(*previous, c.fingerprint);
            if (!replayed.ok()) return Prefixed(prefix, replayed.status());
            if (replayed->has_value()) {
              // A retry: answered with the resource as it is now.
              auto existing = store_.GetOrganization(
                  CatalogStore::IdOf(**replayed), kLatest);
              if (absl::IsNotFound(existing.status())) {
                return Prefixed(prefix, OrganizationNotFound(**replayed));
              }
              if (!existing.ok()) return StorageError(existing.status(), op);
              c.replayed = true;
              answers[i] = *std::move(existing);
              continue;
            }
          }
          if (c.id.empty()) {
            do {
              c.id = api::GenerateId();
            } while (claimed_ids.contains(c.id));
          }
          const std::string name =
              absl::StrCat(kOrganizationCollection, "/", c.id);
          auto current = store_.GetOrganization(c.id, kLatest);
          if (current.ok()) {
            return absl::AlreadyExistsError(absl::StrCat(
                prefix, prefix.empty() ? "" : "organization_id: ", name,
                " already exists"));
          }
          if (!absl::IsNotFound(current.status())) {
            return StorageError(current.status(), op);
          }
          Organization& org = c.organization;
          for (int d = 0; d < org.domains_size(); ++d) {
            auto earlier = claimed_domains.find(org.domains(d));
            if (earlier != claimed_domains.end()) {
              return absl::AlreadyExistsError(absl::StrCat(
                  prefix, "organization.domains[", d, "]: ", org.domains(d),
                  " is also claimed by requests[", earlier->second, "]"));
            }
          }
          for (int r = 0; r < org.external_references_size(); ++r) {
            const std::string key =
                api::ExternalReferenceText(org.external_references(r));
            auto earlier = claimed_references.find(key);
            if (earlier != claimed_references.end()) {
              return absl::AlreadyExistsError(absl::StrCat(
                  prefix, "organization.external_references[", r, "]: ", key,
                  " is also claimed by requests[", earlier->second, "]"));
            }
          }
          RETURN_IF_ERROR(Prefixed(
              prefix, checks_.CheckDomains(org, c.id, "organization")));
          RETURN_IF_ERROR(Prefixed(prefix, checks_.CheckExternalReferences(
                                               org, c.id, "organization")));
          // A parent created earlier in this batch exists (and, being new,
          // cannot make a cycle); any other is checked on the store.
          if (org.parent().empty() ||
              !claimed_ids.contains(CatalogStore::IdOf(org.parent()))) {
            RETURN_IF_ERROR(Prefixed(
                prefix, checks_.CheckParent(org, c.id, "organization")));
          }
          claimed_ids.emplace(c.id, i);
          for (const std::string& d : org.domains())
            claimed_domains.emplace(d, i);
          for (const auto& r : org.external_references()) {
            claimed_references.emplace(api::ExternalReferenceText(r), i);
          }
          org.set_name(name);
          *org.mutable_create_time() = now;
          *org.mutable_update_time() = now;
          SetNewEtag(&org);
          CatalogStore::PutOrganization(org, nullptr, &batch);
          if (!request_id.empty()) {
            CatalogStore::PutRequest(request_id, {c.fingerprint, name}, &batch);
          }
        }
        if (claimed_ids.empty()) {
          for (Organization& org : answers) auth::Redact(caller, &org);
          return answers;
        }
        absl::Status s = store_.Append(batch).status();
        if (!s.ok()) return StorageError(s, op);
        std::vector<absl::string_view> names;
        for (const PendingCreate& c : creates) {
          if (!c.replayed) names.push_back(c.organization.name());
        }
        // One line per write, as incident-service logs its create groups.
        log::Info(names.size() == 1 ? "organization created"
                                    : "organizations created",
                  {{"count", static_cast<int64_t>(names.size())},
                   {"names", absl::StrJoin(names, ",")},
                   {"by", caller.label}});
        for (size_t i = 0; i < creates.size(); ++i) {
          PendingCreate& c = creates[i];
          if (c.replayed) continue;
          // A read model may already exist for this id (links that arrived
          // for an earlier organisation of the same id); serve what Get
          // would.
          auto stored = store_.GetOrganization(c.id, kLatest);
          answers[i] =
              stored.ok() ? *std::move(stored) : std::move(c.organization);
        }
        for (Organization& org : answers) auth::Redact(caller, &org);
        return answers;
      });
}

}  // namespace atlas::catalog
