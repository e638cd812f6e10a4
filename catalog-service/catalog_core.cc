#include "catalog-service/catalog_core.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "catalog-service/list_filter.h"
#include "common/api/aip/digest.h"
#include "common/api/aip/page_token.h"
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

constexpr char kCollection[] = "organizations";

// The paths UpdateOrganization accepts, and those it refuses as output
// only.
constexpr std::initializer_list<absl::string_view> kWritablePaths = {
    "display_name",     "aliases",
    "primary_url",      "domains",
    "country",          "locality",
    "sectors",          "organization_type",
    "non_profit",       "profile",
    "parent",           "external_references",
    "industry_code",    "employee_count",
    "government_levels"};
constexpr std::initializer_list<absl::string_view> kOutputOnlyPaths = {
    "name",
    "primary_url_defanged",
    "incident_count",
    "linked_incidents",
    "latest_incident_date",
    "create_time",
    "update_time",
    "etag",
    "redacted_fields"};

constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

// The organisation `id` (`name`) as a write finds it on `view`: NOT_FOUND,
// ABORTED naming `etag_field` when `etag` is set and stale, or the storage
// error (reported for `operation`).
absl::StatusOr<Organization> LoadForWrite(
    const CatalogStore& store, absl::string_view id, absl::string_view name,
    absl::string_view etag, absl::string_view etag_field,
    storage::ReadView view, absl::string_view operation) {
  auto current = store.GetOrganization(id, view);
  if (absl::IsNotFound(current.status())) return NotFound(name);
  if (!current.ok()) return StorageError(current.status(), operation);
  if (!etag.empty() && etag != current->etag()) {
    return absl::AbortedError(
        absl::StrCat(etag_field, ": stale; ", name,
                     " changed since it was read; read it again and retry"));
  }
  return current;
}

// Keeps only what a client may set.
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

// The record as stored: without the read model.
Organization RecordOf(const Organization& in) {
  Organization out = in;
  out.clear_incident_count();
  out.clear_linked_incidents();
  out.clear_latest_incident_date();
  out.clear_redacted_fields();
  return out;
}

void CopyReadModel(const Organization& from, Organization* to) {
  to->set_incident_count(from.incident_count());
  *to->mutable_linked_incidents() = from.linked_incidents();
  if (from.has_latest_incident_date()) {
    *to->mutable_latest_incident_date() = from.latest_incident_date();
  }
}

void SetEtag(Organization* org) {
  // A random version token (see api::NewEtag for why not a digest).
  org->set_etag(api::NewEtag());
}

}  // namespace

CatalogCore::CatalogCore(CatalogStore& store, api::Clock& clock,
                         const api::CountryList& countries,
                         IncidentReferences* references)
    : store_(store),
      clock_(clock),
      writer_(store.db()),
      validator_(countries),
      read_model_(store, writer_),
      search_(store),
      references_(references) {}

absl::Status CatalogCore::CheckDomains(const Organization& org,
                                       absl::string_view self_id,
                                       absl::string_view field) {
  for (int i = 0; i < org.domains_size(); ++i) {
    auto owner = store_.DomainOwner(org.domains(i), kLatest);
    if (!owner.ok()) return StorageError(owner.status(), "check domains");
    if (owner->has_value() && **owner != self_id) {
      return absl::AlreadyExistsError(
          absl::StrCat(field, ".domains[", i, "]: ", org.domains(i),
                       " belongs to organizations/", **owner));
    }
  }
  return absl::OkStatus();
}

absl::Status CatalogCore::CheckExternalReferences(const Organization& org,
                                                  absl::string_view self_id,
                                                  absl::string_view field) {
  for (int i = 0; i < org.external_references_size(); ++i) {
    const type::v1::ExternalReference& ref = org.external_references(i);
    auto holder =
        store_.ExternalReferenceHolder(ref.system(), ref.id(), kLatest);
    if (!holder.ok()) {
      return StorageError(holder.status(), "check external references");
    }
    if (holder->has_value() && **holder != self_id) {
      return absl::AlreadyExistsError(
          absl::StrCat(field, ".external_references[", i,
                       "]: ", api::ExternalReferenceText(ref),
                       " belongs to organizations/", **holder));
    }
  }
  return absl::OkStatus();
}

absl::Status CatalogCore::CheckParent(const Organization& org,
                                      absl::string_view self_id,
                                      absl::string_view field) {
  if (org.parent().empty()) return absl::OkStatus();
  std::string current = CatalogStore::IdOf(org.parent());
  if (current == self_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".parent: an organization cannot be its own parent"));
  }
  // Walk up the ancestors; depth is bounded so a damaged chain cannot loop.
  for (int depth = 0; depth < 64; ++depth) {
    auto ancestor = store_.GetOrganization(current, kLatest);
    if (absl::IsNotFound(ancestor.status())) {
      if (depth == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".parent: ", org.parent(), " does not exist"));
      }
      return absl::OkStatus();
    }
    if (!ancestor.ok()) return StorageError(ancestor.status(), "check parent");
    if (ancestor->parent().empty()) return absl::OkStatus();
    current = CatalogStore::IdOf(ancestor->parent());
    if (current == self_id) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".parent: ", org.parent(),
                       " is a descendant of organizations/", self_id,
                       "; the parent chain would be a cycle"));
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".parent: the parent chain is deeper than 64"));
}

absl::StatusOr<Organization> CatalogCore::GetOrganization(
    const auth::Caller& caller, const v1::GetOrganizationRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  absl::StatusOr<Organization> org = store_.GetOrganization(id);
  if (absl::IsNotFound(org.status())) return NotFound(request.name());
  if (!org.ok()) return StorageError(org.status(), "GetOrganization");
  auth::Redact(caller, &*org);
  return org;
}

absl::StatusOr<std::string> CatalogCore::GetOrganizationWire(
    const auth::Caller& caller, const v1::GetOrganizationRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  absl::StatusOr<std::string> bytes =
      store_.GetOrganizationWire(id, caller.IsMember());
  if (absl::IsNotFound(bytes.status())) return NotFound(request.name());
  if (!bytes.ok()) return StorageError(bytes.status(), "GetOrganization");
  return bytes;
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
  // Fence first, then the store: a delete fenced after this check asks
  // incident-service only after the caller's write (which reserved its
  // victims before calling) has finished.
  for (size_t i = 0; i < ids.size(); ++i) {
    if (deleting_.Contains(ids[i])) {
      return absl::NotFoundError(
          absl::StrCat(request.names(i), " is being deleted"));
    }
  }
  auto orgs = store_.GetOrganizations(ids);
  if (!orgs.ok()) return StorageError(orgs.status(), "BatchGetOrganizations");
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
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  if (!request.has_organization()) {
    return absl::InvalidArgumentError("organization: required");
  }
  std::string id = request.organization_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "organization_id"));
  Organization org = WritableCopy(request.organization());
  RETURN_IF_ERROR(validator_.ValidateAndNormalize(&org, "organization"));

  const std::string fingerprint = api::RequestFingerprint(request);
  return writer_.Run<Organization>(
      "CreateOrganization", [&]() -> absl::StatusOr<Organization> {
        if (!request.request_id().empty()) {
          auto previous = store_.GetRequest(request.request_id(), kLatest);
          if (!previous.ok())
            return StorageError(previous.status(), "CreateOrganization");
          ASSIGN_OR_RETURN(std::optional<std::string> replayed,
                           storage::ReplayedName(*previous, fingerprint));
          if (replayed.has_value()) {
            // A retry: answer with the resource as it is now.
            auto existing =
                store_.GetOrganization(CatalogStore::IdOf(*replayed), kLatest);
            if (absl::IsNotFound(existing.status())) return NotFound(*replayed);
            if (!existing.ok())
              return StorageError(existing.status(), "CreateOrganization");
            auth::Redact(caller, &*existing);
            return existing;
          }
        }
        if (id.empty()) id = api::GenerateId();
        const std::string name = absl::StrCat(kCollection, "/", id);
        auto current = store_.GetOrganization(id, kLatest);
        if (current.ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat(name, " already exists"));
        }
        if (!absl::IsNotFound(current.status())) {
          return StorageError(current.status(), "CreateOrganization");
        }
        RETURN_IF_ERROR(CheckDomains(org, id, "organization"));
        RETURN_IF_ERROR(CheckExternalReferences(org, id, "organization"));
        RETURN_IF_ERROR(CheckParent(org, id, "organization"));
        org.set_name(name);
        *org.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
        *org.mutable_update_time() = org.create_time();
        SetEtag(&org);

        storage::WriteBatch batch;
        CatalogStore::PutOrganization(org, nullptr, &batch);
        if (!request.request_id().empty()) {
          CatalogStore::PutRequest(request.request_id(), {fingerprint, name},
                                   &batch);
        }
        absl::Status s = store_.Append(batch).status();
        if (!s.ok()) return StorageError(s, "CreateOrganization");
        log::Info("organization created",
                  {{"name", name}, {"by", caller.label}});
        // A read model may already exist for this id (links that arrived for an
        // earlier organisation of the same id); serve what Get would.
        auto stored = store_.GetOrganization(id, kLatest);
        if (stored.ok()) org = *std::move(stored);
        auth::Redact(caller, &org);
        return org;
      });
}

absl::StatusOr<v1::ListOrganizationsResponse> CatalogCore::ListOrganizations(
    const auth::Caller& caller, const v1::ListOrganizationsRequest& request,
    ListScanStats* stats) {
  ListScanStats ignored;
  if (stats == nullptr) stats = &ignored;
  *stats = ListScanStats();
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(ListFilter filter, ParseListFilter(request.filter()));
  if (filter.country) {
    RETURN_IF_ERROR(
        validator_.ValidateCountry(*filter.country, "filter: country"));
  }
  if (filter.sector && !IsStixIndustrySector(*filter.sector)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter: sector: \"", absl::string_view(*filter.sector).substr(0, 60),
        "\" is not in the STIX 2.1 industry-sector vocabulary"));
  }
  std::string order_by = absl::AsciiStrToLower(absl::StrJoin(
      absl::StrSplit(request.order_by(), ' ', absl::SkipEmpty()), " "));
  CatalogStore::Order order;
  if (order_by.empty() || order_by == "name" || order_by == "name asc") {
    order = CatalogStore::Order::kName;
    order_by = "name";
  } else if (order_by == "create_time desc") {
    order = CatalogStore::Order::kCreateTimeDesc;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "order_by: \"", request.order_by().substr(0, 60),
        "\" is not supported; use \"name\" or \"create_time desc\""));
  }
  const std::string fingerprint = api::QueryFingerprint(
      {"ListOrganizations", filter.Canonical(), order_by});
  std::string after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(after,
                     api::DecodePageToken(request.page_token(), fingerprint));
  }
  // Drive the scan from the index value with the fewest entries (ties: as
  // written).
  CatalogStore::ListIndex index;
  std::optional<int64_t> best;
  for (const std::string& field : filter.fields_as_written) {
    CatalogStore::ListIndex term;
    if (field == "parent") {
      term = {"parent", *filter.parent_id};
    } else if (field == "country") {
      term = {"country", *filter.country};
    } else if (field == "sector") {
      term = {"sector", *filter.sector};
    } else if (field == "organization_type") {
      term = {"type", v1::OrganizationType_Name(*filter.organization_type)};
    } else {
      term = {"nonprofit", *filter.non_profit ? "true" : "false"};
    }
    absl::StatusOr<int64_t> count = store_.IndexCount(term.field, term.value);
    if (!count.ok()) return StorageError(count.status(), "ListOrganizations");
    if (!best.has_value() || *count < *best) {
      best = *count;
      index = std::move(term);
    }
  }
  v1::ListOrganizationsResponse response;
  if (best.has_value() && *best == 0) {
    auth::Redact(caller, &response);
    return response;
  }
  stats->driver = index.field;
  std::string last_served, last_examined;
  bool more = false, cut = false;
  absl::Status s = store_.ScanOrganizations(
      index, order, after,
      [&](absl::string_view position, const Organization& org) {
        if (filter.Matches(org)) {
          if (response.organizations_size() >= page_size) {
            more = true;
            return false;
          }
          *response.add_organizations() = org;
          last_served = std::string(position);
        }
        last_examined = std::string(position);
        if (++stats->examined >= kListScanBudget) {
          cut = true;
          return false;
        }
        return true;
      });
  if (!s.ok()) return StorageError(s, "ListOrganizations");
  if (more) {
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, last_served));
  } else if (cut) {
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, last_examined));
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<Organization> CatalogCore::UpdateOrganization(
    const auth::Caller& caller, const v1::UpdateOrganizationRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateOrganization"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (!request.has_organization()) {
    return absl::InvalidArgumentError("organization: required");
  }
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.organization().name(), kCollection,
                                  "organization.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(request.update_mask(), kWritablePaths,
                                          kOutputOnlyPaths, &paths));
  return writer_.Run<Organization>(
      "UpdateOrganization", [&]() -> absl::StatusOr<Organization> {
        auto current =
            LoadForWrite(store_, id, request.organization().name(),
                         request.organization().etag(), "organization.etag",
                         kLatest, "UpdateOrganization");
        if (!current.ok()) return current.status();
        const Organization previous = RecordOf(*current);
        Organization updated = previous;
        Organization source = WritableCopy(request.organization());
        const google::protobuf::Descriptor* descriptor =
            Organization::descriptor();
        std::vector<const google::protobuf::FieldDescriptor*> fields;
        for (const std::string& path : paths) {
          fields.push_back(descriptor->FindFieldByName(path));
        }
        // Replaces exactly the masked fields (repeated ones as a whole).
        Organization::GetReflection()->SwapFields(&updated, &source, fields);
        RETURN_IF_ERROR(
            validator_.ValidateAndNormalize(&updated, "organization"));
        RETURN_IF_ERROR(CheckDomains(updated, id, "organization"));
        RETURN_IF_ERROR(CheckExternalReferences(updated, id, "organization"));
        RETURN_IF_ERROR(CheckParent(updated, id, "organization"));
        *updated.mutable_update_time() = api::ToProtoTimestamp(clock_.Now());
        SetEtag(&updated);

        storage::WriteBatch batch;
        CatalogStore::PutOrganization(updated, &previous, &batch);
        absl::Status s = store_.Append(batch).status();
        if (!s.ok()) return StorageError(s, "UpdateOrganization");
        log::Info("organization updated", {{"name", updated.name()},
                                           {"paths", absl::StrJoin(paths, ",")},
                                           {"by", caller.label}});
        CopyReadModel(*current, &updated);
        auth::Redact(caller, &updated);
        return updated;
      });
}

absl::StatusOr<google::protobuf::Empty> CatalogCore::DeleteOrganization(
    const auth::Caller& caller, const v1::DeleteOrganizationRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "DeleteOrganization"));
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  // Cheap refusals first, before asking incident-service (checked again
  // under the writer's mutex below).
  RETURN_IF_ERROR(LoadForWrite(store_, id, request.name(), request.etag(),
                               "etag", storage::ReadView::kDurable,
                               "DeleteOrganization")
                      .status());
  DeletionFence::Entry fence(deleting_, id);
  if (!fence.ok()) {
    return absl::AbortedError(absl::StrCat("another delete of ", request.name(),
                                           " is running; retry"));
  }
  if (references_ != nullptr) {
    ASSIGN_OR_RETURN(IncidentReferences::Answer answer,
                     references_->Check(request.name()));
    if (!answer.incidents.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          request.name(), " is named as a victim by ",
          absl::StrJoin(answer.incidents, ", "), answer.more ? ", ..." : "",
          "; remove it from their victims first"));
    }
  }
  return writer_.Run<google::protobuf::Empty>(
      "DeleteOrganization", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(
            Organization current,
            LoadForWrite(store_, id, request.name(), request.etag(), "etag",
                         kLatest, "DeleteOrganization"));
        if (references_ == nullptr) {
          RETURN_IF_ERROR(read_model_.CheckUnlinked(id, request.name()));
        }
        std::string child;
        absl::Status s = store_.ScanOrganizations(
            {"parent", id}, CatalogStore::Order::kName, "",
            [&](absl::string_view, const Organization& org) {
              child = org.name();
              return false;
            },
            kLatest);
        if (!s.ok()) return StorageError(s, "DeleteOrganization");
        if (!child.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat(request.name(), " is the parent of ", child,
                           "; delete or re-parent its children first"));
        }
        storage::WriteBatch batch;
        CatalogStore::DeleteOrganization(current, &batch);
        s = store_.Append(batch).status();
        if (!s.ok()) return StorageError(s, "DeleteOrganization");
        log::Info("organization deleted",
                  {{"name", request.name()}, {"by", caller.label}});
        return google::protobuf::Empty();
      });
}

}  // namespace atlas::catalog
