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
#include "common/status/error_details.h"
#include "common/status/status_macros.h"
#include "common/storage/request_records.h"
#include "common/storage/storage_error.h"

namespace atlas::catalog {
namespace {

using storage::StorageError;
using v1::Organization;

constexpr const char* kCollection = kOrganizationCollection;

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
  return OrganizationNotFound(name);
}

void SetEtag(Organization* org) { SetNewEtag(org); }

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
    return status::WithPreconditionViolation(
        status::WithErrorReason(
            absl::AbortedError(absl::StrCat(
                etag_field, ": stale; ", name,
                " changed since it was read; read it again and retry")),
            status::kReasonEtagMismatch),
        "ETAG", name, "the etag given is not the resource's current etag");
  }
  return current;
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

}  // namespace

CatalogCore::CatalogCore(CatalogStore& store, api::Clock& clock,
                         const api::CountryList& countries,
                         IncidentReferences* references)
    : store_(store),
      clock_(clock),
      writer_(store.db()),
      validator_(countries),
      checks_(store),
      creator_(store, writer_, validator_, checks_, clock),
      read_model_(store, writer_),
      search_(store),
      references_(references) {}

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

absl::StatusOr<v1::BatchResolveOrganizationsResponse>
CatalogCore::BatchResolveOrganizations(
    const auth::Caller& caller,
    const v1::BatchResolveOrganizationsRequest& request) {
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (request.requests_size() == 0) {
    return absl::InvalidArgumentError(
        "requests: at least one request is required");
  }
  RETURN_IF_ERROR(api::ValidateCount(request.requests_size(), "requests",
                                     kMaxBatchResolve));
  v1::BatchResolveOrganizationsResponse response;
  response.mutable_responses()->Reserve(request.requests_size());
  for (int i = 0; i < request.requests_size(); ++i) {
    absl::StatusOr<v1::ResolveOrganizationResponse> one =
        search_.Resolve(caller, request.requests(i));
    if (absl::IsNotFound(one.status())) {
      response.add_responses();
      continue;
    }
    if (!one.ok()) {
      return absl::Status(
          one.status().code(),
          absl::StrCat("requests[", i, "].", one.status().message()));
    }
    *response.add_responses() = *std::move(one);
  }
  return response;
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
        RETURN_IF_ERROR(checks_.CheckDomains(updated, id, "organization"));
        RETURN_IF_ERROR(
            checks_.CheckExternalReferences(updated, id, "organization"));
        RETURN_IF_ERROR(checks_.CheckParent(updated, id, "organization"));
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
    return status::WithErrorReason(
        absl::AbortedError(absl::StrCat("another delete of ", request.name(),
                                        " is running; retry")),
        status::kReasonConcurrentDelete);
  }
  if (references_ != nullptr) {
    ASSIGN_OR_RETURN(IncidentReferences::Answer answer,
                     references_->Check(request.name()));
    if (!answer.incidents.empty()) {
      return status::WithPreconditionViolation(
          status::WithErrorReason(
              absl::FailedPreconditionError(
                  absl::StrCat(request.name(), " is named as a victim by ",
                               absl::StrJoin(answer.incidents, ", "),
                               answer.more ? ", ..." : "",
                               "; remove it from their victims first")),
              status::kReasonOrganizationReferenced),
          "VICTIM_OF_INCIDENTS", request.name(),
          "incidents name the organization as a victim");
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
          return status::WithPreconditionViolation(
              status::WithErrorReason(
                  absl::FailedPreconditionError(
                      absl::StrCat(request.name(), " is the parent of ", child,
                                   "; delete or re-parent its children first")),
                  status::kReasonOrganizationReferenced),
              "PARENT_OF_ORGANIZATIONS", request.name(),
              "other organizations name it as their parent");
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
