#include "catalog-service/catalog_core.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "catalog-service/list_filter.h"
#include "catalog-service/search_key.h"
#include "common/api/digest.h"
#include "common/api/page_token.h"
#include "common/api/partial_date.h"
#include "common/api/resource_name.h"
#include "common/api/url.h"
#include "common/api/validation.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::catalog {
namespace {

using v1::Organization;

constexpr char kCollection[] = "organizations";

// STIX 2.1, section 10.16 (industry-sector-ov). The specification is the
// only source of this list; no Debian package ships it.
constexpr absl::string_view kStixIndustrySectors[] = {
    "agriculture",
    "aerospace",
    "automotive",
    "chemical",
    "commercial",
    "communications",
    "construction",
    "defense",
    "education",
    "energy",
    "entertainment",
    "financial-services",
    "government",
    "government-emergency-services",
    "government-local",
    "government-national",
    "government-public-services",
    "government-regional",
    "healthcare",
    "hospitality-leisure",
    "infrastructure",
    "infrastructure-dams",
    "infrastructure-nuclear",
    "infrastructure-water",
    "insurance",
    "manufacturing",
    "mining",
    "non-profit",
    "pharmaceuticals",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
};

// The paths UpdateOrganization accepts, and those it refuses as output
// only.
constexpr std::initializer_list<absl::string_view> kWritablePaths = {
    "display_name", "aliases",           "primary_url", "domains",
    "country",      "locality",          "sectors",     "organization_type",
    "non_profit",   "profile",           "parent"};
constexpr std::initializer_list<absl::string_view> kOutputOnlyPaths = {
    "name",         "primary_url_defanged", "incident_count",
    "linked_incidents", "latest_incident_date", "create_time",
    "update_time",  "etag",                 "redacted_fields"};

constexpr int kMaxCandidates = 20;
constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

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
  org->clear_etag();
  org->set_etag(api::ComputeEtag(*org));
}

// The incident's date for the read model: start, else disclosure.
type::v1::PartialDate IncidentDate(const incident::v1::Incident& incident) {
  if (!api::IsEmpty(incident.start_date())) return incident.start_date();
  return incident.disclosed_date();
}

}  // namespace

bool IsStixIndustrySector(absl::string_view sector) {
  return std::find(std::begin(kStixIndustrySectors),
                   std::end(kStixIndustrySectors),
                   sector) != std::end(kStixIndustrySectors);
}

CatalogCore::CatalogCore(CatalogStore& store, api::Clock& clock,
                         Options options)
    : store_(store), clock_(clock), countries_(options.countries) {
  if (countries_ == nullptr) {
    auto list = api::CountryList::Default();
    if (list.ok()) {
      countries_ = *list;
    } else {
      log::Error("ISO 3166-1 list unavailable; countries will be refused",
                 {{"error", list.status().ToString()}});
    }
  }
}

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
    if (!seen_aliases.insert(FoldForSearch(org->aliases(i))).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": duplicate alias \"", org->aliases(i),
          "\" (aliases compare case- and accent-insensitively)"));
    }
  }
  RETURN_IF_ERROR(
      api::ValidateText(org->primary_url(), f + ".primary_url", 0, 2048));
  RETURN_IF_ERROR(api::ValidateCount(org->domains_size(), f + ".domains", 64));
  std::vector<std::string> domains;
  for (int i = 0; i < org->domains_size(); ++i) {
    std::string path = absl::StrCat(f, ".domains[", i, "]");
    RETURN_IF_ERROR(api::ValidateText(org->domains(i), path, 1, 253));
    ASSIGN_OR_RETURN(std::string domain,
                     api::RegistrableDomain(org->domains(i), path));
    // "www.vooruit.be" and "vooruit.be" are one domain: kept once.
    if (std::find(domains.begin(), domains.end(), domain) == domains.end()) {
      domains.push_back(std::move(domain));
    }
  }
  org->clear_primary_url_defanged();
  if (!org->primary_url().empty()) {
    ASSIGN_OR_RETURN(std::string url,
                     api::NormalizeUrl(org->primary_url(), f + ".primary_url"));
    RETURN_IF_ERROR(api::ValidateText(url, f + ".primary_url", 1, 2048));
    // An IP-address URL has no registrable domain to add.
    auto domain = api::RegistrableDomain(url, f + ".primary_url");
    if (domain.ok() &&
        std::find(domains.begin(), domains.end(), *domain) == domains.end()) {
      domains.push_back(*domain);
    }
    org->set_primary_url_defanged(api::Defang(url));
    org->set_primary_url(std::move(url));
  }
  RETURN_IF_ERROR(api::ValidateCount(static_cast<int>(domains.size()),
                                     f + ".domains (with primary_url's domain)",
                                     64));
  org->clear_domains();
  for (std::string& d : domains) org->add_domains(std::move(d));

  if (!org->country().empty()) {
    if (countries_ == nullptr) {
      return absl::InternalError(
          absl::StrCat(f, ".country: the ISO 3166-1 list is not loaded"));
    }
    RETURN_IF_ERROR(countries_->Validate(org->country(), f + ".country"));
  }
  RETURN_IF_ERROR(api::ValidateText(org->locality(), f + ".locality", 0, 200));
  RETURN_IF_ERROR(api::ValidateCount(org->sectors_size(), f + ".sectors", 16));
  std::set<std::string> seen_sectors;
  for (int i = 0; i < org->sectors_size(); ++i) {
    std::string path = absl::StrCat(f, ".sectors[", i, "]");
    RETURN_IF_ERROR(api::ValidateText(org->sectors(i), path, 1, 64));
    if (!IsStixIndustrySector(org->sectors(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": \"", org->sectors(i),
          "\" is not in the STIX 2.1 industry-sector vocabulary"));
    }
    if (!seen_sectors.insert(org->sectors(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate sector \"", org->sectors(i), "\""));
    }
  }
  if (!v1::OrganizationType_IsValid(org->organization_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".organization_type: unknown value ",
                     static_cast<int>(org->organization_type())));
  }
  RETURN_IF_ERROR(api::ValidateText(org->profile(), f + ".profile", 0, 20000));
  if (!org->parent().empty()) {
    RETURN_IF_ERROR(
        api::ParseName(org->parent(), kCollection, f + ".parent").status());
  }
  return absl::OkStatus();
}

absl::Status CatalogCore::CheckDomains(const Organization& org,
                                       absl::string_view self_id,
                                       absl::string_view field) {
  for (int i = 0; i < org.domains_size(); ++i) {
    auto owner = store_.DomainOwner(org.domains(i), kLatest);
    if (!owner.ok()) return Internal(owner.status(), "check domains");
    if (owner->has_value() && **owner != self_id) {
      return absl::AlreadyExistsError(absl::StrCat(
          field, ".domains[", i, "]: ", org.domains(i),
          " belongs to organizations/", **owner));
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
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".parent: ", org.parent(), " does not exist"));
      }
      return absl::OkStatus();
    }
    if (!ancestor.ok()) return Internal(ancestor.status(), "check parent");
    if (ancestor->parent().empty()) return absl::OkStatus();
    current = CatalogStore::IdOf(ancestor->parent());
    if (current == self_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".parent: ", org.parent(), " is a descendant of organizations/",
          self_id, "; the parent chain would be a cycle"));
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
  if (!org.ok()) return Internal(org.status(), "GetOrganization");
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
  if (!bytes.ok()) return Internal(bytes.status(), "GetOrganization");
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

template <typename T>
absl::StatusOr<T> CatalogCore::Serialized(
    absl::string_view op, absl::FunctionRef<absl::StatusOr<T>()> body) {
  absl::StatusOr<T> result;
  storage::WriteToken token = 0;
  {
    absl::MutexLock lock(&write_mu_);
    result = body();
    // Covers this call's own write and every write its checks read.
    token = store_.last_write_token();
  }
  // Group commit: the sync runs without the lock, shared with every writer
  // that appended meanwhile.
  absl::Status durable = store_.WaitDurable(token);
  if (!durable.ok()) return Internal(durable, op);
  return result;
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
  return Serialized<Organization>(
      "CreateOrganization", [&]() -> absl::StatusOr<Organization> {
        if (!request.request_id().empty()) {
          auto previous = store_.GetRequest(request.request_id(), kLatest);
          if (!previous.ok())
            return Internal(previous.status(), "CreateOrganization");
          if (previous->has_value()) {
            if ((*previous)->fingerprint != fingerprint) {
              return absl::InvalidArgumentError(
                  "request_id: already used for a different request");
            }
            // A retry: answer with the resource as it is now.
            auto existing = store_.GetOrganization(
                CatalogStore::IdOf((*previous)->name), kLatest);
            if (absl::IsNotFound(existing.status()))
              return NotFound((*previous)->name);
            if (!existing.ok())
              return Internal(existing.status(), "CreateOrganization");
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
          return Internal(current.status(), "CreateOrganization");
        }
        RETURN_IF_ERROR(CheckDomains(org, id, "organization"));
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
        if (!s.ok()) return Internal(s, "CreateOrganization");
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
    const auth::Caller& caller, const v1::ListOrganizationsRequest& request) {
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(ListFilter filter, ParseListFilter(request.filter()));
  if (filter.country) {
    if (countries_ == nullptr) {
      return absl::InternalError("filter: the ISO 3166-1 list is not loaded");
    }
    RETURN_IF_ERROR(countries_->Validate(*filter.country, "filter: country"));
  }
  if (filter.sector && !IsStixIndustrySector(*filter.sector)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter: sector: \"", absl::string_view(*filter.sector).substr(0, 60),
        "\" is not in the STIX 2.1 industry-sector vocabulary"));
  }
  std::string order_by = absl::AsciiStrToLower(
      absl::StrJoin(absl::StrSplit(request.order_by(), ' ', absl::SkipEmpty()),
                    " "));
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
  // Drive the scan from the most selective index the filter names.
  CatalogStore::ListIndex index;
  if (filter.parent_id) {
    index = {"parent", *filter.parent_id};
  } else if (filter.country) {
    index = {"country", *filter.country};
  } else if (filter.sector) {
    index = {"sector", *filter.sector};
  } else if (filter.organization_type) {
    index = {"type", v1::OrganizationType_Name(*filter.organization_type)};
  } else if (filter.non_profit) {
    index = {"nonprofit", *filter.non_profit ? "true" : "false"};
  }
  v1::ListOrganizationsResponse response;
  std::string last_position;
  bool more = false;
  absl::Status s = store_.ScanOrganizations(
      index, order, after,
      [&](absl::string_view position, const Organization& org) {
        if (!filter.Matches(org)) return true;
        if (response.organizations_size() >= page_size) {
          more = true;
          return false;
        }
        *response.add_organizations() = org;
        last_position = std::string(position);
        return true;
      });
  if (!s.ok()) return Internal(s, "ListOrganizations");
  if (more) {
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, last_position));
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<Organization> CatalogCore::UpdateOrganization(
    const auth::Caller& caller, const v1::UpdateOrganizationRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateOrganization"));
  if (!request.has_organization()) {
    return absl::InvalidArgumentError("organization: required");
  }
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.organization().name(), kCollection,
                                  "organization.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(request.update_mask(), kWritablePaths,
                                          kOutputOnlyPaths, &paths));
  return Serialized<Organization>(
      "UpdateOrganization", [&]() -> absl::StatusOr<Organization> {
        auto current = store_.GetOrganization(id, kLatest);
        if (absl::IsNotFound(current.status())) {
          return NotFound(request.organization().name());
        }
        if (!current.ok())
          return Internal(current.status(), "UpdateOrganization");
        if (!request.organization().etag().empty() &&
            request.organization().etag() != current->etag()) {
          return absl::AbortedError(absl::StrCat(
              "organization.etag: stale; ", request.organization().name(),
              " changed since it was read; read it again and retry"));
        }
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
        RETURN_IF_ERROR(ValidateAndNormalize(&updated, "organization"));
        RETURN_IF_ERROR(CheckDomains(updated, id, "organization"));
        RETURN_IF_ERROR(CheckParent(updated, id, "organization"));
        *updated.mutable_update_time() = api::ToProtoTimestamp(clock_.Now());
        SetEtag(&updated);

        storage::WriteBatch batch;
        CatalogStore::PutOrganization(updated, &previous, &batch);
        absl::Status s = store_.Append(batch).status();
        if (!s.ok()) return Internal(s, "UpdateOrganization");
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
  return Serialized<google::protobuf::Empty>(
      "DeleteOrganization", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        auto current = store_.GetOrganization(id, kLatest);
        if (absl::IsNotFound(current.status())) return NotFound(request.name());
        if (!current.ok())
          return Internal(current.status(), "DeleteOrganization");
        if (!request.etag().empty() && request.etag() != current->etag()) {
          return absl::AbortedError(absl::StrCat(
              "etag: stale; ", request.name(),
              " changed since it was read; read it again and retry"));
        }
        auto links = store_.GetLinks(id, kLatest);
        if (!links.ok()) return Internal(links.status(), "DeleteOrganization");
        if (!links->empty()) {
          std::vector<std::string> names;
          for (const auto& [incident, date] : *links) {
            if (names.size() == 3) break;
            names.push_back(absl::StrCat("incidents/", incident));
          }
          return absl::FailedPreconditionError(absl::StrCat(
              request.name(), " is named as a victim by ", links->size(),
              " incident(s) (", absl::StrJoin(names, ", "),
              links->size() > names.size() ? ", ..." : "",
              "); remove it from their victims first"));
        }
        std::string child;
        absl::Status s = store_.ScanOrganizations(
            {"parent", id}, CatalogStore::Order::kName, "",
            [&](absl::string_view, const Organization& org) {
              child = org.name();
              return false;
            },
            kLatest);
        if (!s.ok()) return Internal(s, "DeleteOrganization");
        if (!child.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat(request.name(), " is the parent of ", child,
                           "; delete or re-parent its children first"));
        }
        storage::WriteBatch batch;
        CatalogStore::DeleteOrganization(*current, &batch);
        s = store_.Append(batch).status();
        if (!s.ok()) return Internal(s, "DeleteOrganization");
        log::Info("organization deleted",
                  {{"name", request.name()}, {"by", caller.label}});
        return google::protobuf::Empty();
      });
}

absl::StatusOr<v1::SearchOrganizationsResponse>
CatalogCore::SearchOrganizations(const auth::Caller& caller,
                                 const v1::SearchOrganizationsRequest& request) {
  RETURN_IF_ERROR(api::ValidateText(request.query(), "query", 1, 200));
  const std::string q = FoldForSearch(request.query());
  if (q.empty()) {
    return absl::InvalidArgumentError(
        "query: has no searchable characters");
  }
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  const std::string fingerprint =
      api::QueryFingerprint({"SearchOrganizations", q});
  // A cursor is the sort key of the last result served.
  using SortKey = std::tuple<int, std::string, std::string>;
  std::optional<SortKey> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::string cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
    std::vector<std::string> parts = absl::StrSplit(
        cursor, absl::MaxSplits(absl::string_view("\0", 1), 2));
    if (parts.size() != 3 || parts[0].size() != 1) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    after = SortKey(parts[0][0] - '0', parts[1], parts[2]);
  }

  struct Hit {
    int kind;
    std::string matched;
  };
  std::map<std::string, Hit> best;  // by id
  auto consider = [&](absl::string_view id, int kind, absl::string_view text) {
    auto it = best.find(std::string(id));
    if (it == best.end() || kind < it->second.kind) {
      best[std::string(id)] = Hit{kind, std::string(text)};
    }
  };
  absl::Status s = store_.ScanSearch(q, [&](const CatalogStore::SearchEntry& e) {
    bool exact = e.whole && e.folded == q;
    consider(e.id, exact ? v1::SearchResult::EXACT : v1::SearchResult::PREFIX,
             e.text);
    return true;
  });
  if (!s.ok()) return Internal(s, "SearchOrganizations");

  std::vector<std::pair<SortKey, v1::SearchResult>> results;
  std::set<std::string> loaded;
  auto load = [&]() -> absl::Status {
    std::vector<std::string> ids;
    for (const auto& [id, hit] : best) {
      if (!loaded.contains(id)) ids.push_back(id);
    }
    auto orgs = store_.GetOrganizations(ids);
    if (!orgs.ok()) return Internal(orgs.status(), "SearchOrganizations");
    for (size_t i = 0; i < ids.size(); ++i) {
      loaded.insert(ids[i]);
      if (!(*orgs)[i].has_value()) continue;
      const Hit& hit = best[ids[i]];
      SortKey key(hit.kind, FoldForSearch((*orgs)[i]->display_name()),
                  (*orgs)[i]->name());
      if (after && !(*after < key)) continue;
      v1::SearchResult result;
      *result.mutable_organization() = std::move(*(*orgs)[i]);
      result.set_match_kind(static_cast<v1::SearchResult::MatchKind>(hit.kind));
      result.set_matched_text(hit.matched);
      results.emplace_back(std::move(key), std::move(result));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(load());
  // Substring matches rank last: look for them only when the better ones
  // do not fill this page. This pass reads every whole-text entry.
  if (static_cast<int>(results.size()) <= page_size) {
    s = store_.ScanSearch("", [&](const CatalogStore::SearchEntry& e) {
      if (e.whole && !best.contains(std::string(e.id)) &&
          absl::StrContains(e.folded, q)) {
        consider(e.id, v1::SearchResult::SUBSTRING, e.text);
      }
      return true;
    });
    if (!s.ok()) return Internal(s, "SearchOrganizations");
    RETURN_IF_ERROR(load());
  }
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  v1::SearchOrganizationsResponse response;
  for (auto& [key, result] : results) {
    if (response.results_size() == page_size) {
      const SortKey& last = results[page_size - 1].first;
      response.set_next_page_token(api::EncodePageToken(
          fingerprint,
          absl::StrCat(std::get<0>(last), absl::string_view("\0", 1),
                       std::get<1>(last), absl::string_view("\0", 1),
                       std::get<2>(last))));
      break;
    }
    *response.add_results() = std::move(result);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<v1::ResolveOrganizationResponse>
CatalogCore::ResolveOrganization(const auth::Caller& caller,
                                 const v1::ResolveOrganizationRequest& request) {
  RETURN_IF_ERROR(api::ValidateText(request.query(), "query", 1, 2048));
  const std::string refanged = api::Refang(request.query());
  const bool has_space = refanged.find(' ') != std::string::npos;
  const bool url_like = absl::StrContains(refanged, "://") ||
                        (!has_space && absl::StrContains(refanged, "/"));
  const bool domain_like = !has_space && absl::StrContains(refanged, ".");
  v1::ResolveOrganizationResponse response;
  if (url_like || domain_like) {
    auto domain = api::RegistrableDomain(request.query(), "query");
    if (!domain.ok() && url_like) return domain.status();
    if (domain.ok()) {
      auto owner = store_.DomainOwner(*domain);
      if (!owner.ok()) return Internal(owner.status(), "ResolveOrganization");
      if (owner->has_value()) {
        auto org = store_.GetOrganization(**owner);
        if (!org.ok()) return Internal(org.status(), "ResolveOrganization");
        *response.mutable_organization() = *std::move(org);
        response.set_resolved_by(v1::ResolveOrganizationResponse::DOMAIN);
        auth::Redact(caller, &response);
        return response;
      }
      if (url_like) {
        return absl::NotFoundError(absl::StrCat(
            "query: no organization owns the domain ", *domain));
      }
    }
  }
  // A name or alias, compared folded.
  const std::string folded = FoldForSearch(request.query());
  std::vector<std::string> ids;
  absl::Status s = store_.ScanSearch(
      absl::StrCat(folded, absl::string_view("\0", 1)),
      [&](const CatalogStore::SearchEntry& e) {
        if (e.whole && e.source != 'd' &&
            std::find(ids.begin(), ids.end(), e.id) == ids.end()) {
          ids.emplace_back(e.id);
        }
        return static_cast<int>(ids.size()) <= kMaxCandidates;
      });
  if (!s.ok()) return Internal(s, "ResolveOrganization");
  if (folded.empty() || ids.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "query: no organization has the name, alias or domain \"",
        request.query().substr(0, 100), "\""));
  }
  if (static_cast<int>(ids.size()) > kMaxCandidates) ids.resize(kMaxCandidates);
  auto orgs = store_.GetOrganizations(ids);
  if (!orgs.ok()) return Internal(orgs.status(), "ResolveOrganization");
  std::vector<Organization> found;
  for (auto& org : *orgs) {
    if (org.has_value()) found.push_back(std::move(*org));
  }
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "query: no organization has the name, alias or domain \"",
        request.query().substr(0, 100), "\""));
  }
  response.set_resolved_by(v1::ResolveOrganizationResponse::NAME);
  if (found.size() == 1) {
    *response.mutable_organization() = std::move(found[0]);
  } else {
    std::sort(found.begin(), found.end(),
              [](const Organization& a, const Organization& b) {
                return std::tie(a.display_name(), a.name()) <
                       std::tie(b.display_name(), b.name());
              });
    for (Organization& org : found) {
      *response.add_candidates() = std::move(org);
    }
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<int64_t> CatalogCore::IncidentCursor() {
  auto cursor = store_.GetIncidentCursor();
  if (!cursor.ok()) return Internal(cursor.status(), "IncidentCursor");
  return cursor;
}

absl::Status CatalogCore::ApplyIncidentChange(
    const incident::v1::IncidentChange& change) {
  ASSIGN_OR_RETURN(storage::WriteToken token, AppendIncidentChange(change));
  return WaitDurable(token);
}

absl::Status CatalogCore::WaitDurable(storage::WriteToken token) {
  absl::Status s = store_.WaitDurable(token);
  if (!s.ok()) return Internal(s, "WaitDurable");
  return absl::OkStatus();
}

absl::StatusOr<storage::WriteToken> CatalogCore::AppendIncidentChange(
    const incident::v1::IncidentChange& change) {
  absl::MutexLock lock(&write_mu_);
  auto cursor = store_.GetIncidentCursor(kLatest);
  if (!cursor.ok()) return Internal(cursor.status(), "ApplyIncidentChange");
  if (change.sequence() <= *cursor) return store_.last_write_token();
  if (change.sequence() != *cursor + 1) {
    return absl::OutOfRangeError(
        absl::StrCat("incident change ", change.sequence(),
                     " does not follow the cursor ", *cursor));
  }
  storage::WriteBatch batch;
  CatalogStore::PutIncidentCursor(change.sequence(), &batch);
  auto incident_id = api::ParseName(change.incident().name(), "incidents",
                                    "incident.name");
  if (!incident_id.ok()) {
    // Nothing can be linked; the cursor moves on so the stream does not
    // stall on one bad change.
    log::Error("incident change without a valid incident name; skipped",
               {{"sequence", change.sequence()},
                {"error", incident_id.status().ToString()}});
    auto token = store_.Append(batch);
    if (!token.ok()) return Internal(token.status(), "ApplyIncidentChange");
    return token;
  }
  auto org_id = [](absl::string_view name) -> std::optional<std::string> {
    auto id = api::ParseName(name, kCollection, "victim");
    if (!id.ok()) return std::nullopt;
    return *id;
  };
  std::set<std::string> now_linked, before;
  if (change.change_type() != incident::v1::IncidentChange::DELETED) {
    for (const auto& victim : change.incident().victims()) {
      if (auto id = org_id(victim.organization())) now_linked.insert(*id);
    }
  } else {
    for (const auto& victim : change.incident().victims()) {
      if (auto id = org_id(victim.organization())) before.insert(*id);
    }
  }
  for (const std::string& name : change.previous_victims()) {
    if (auto id = org_id(name)) before.insert(*id);
  }
  std::set<std::string> affected = now_linked;
  affected.insert(before.begin(), before.end());
  const type::v1::PartialDate date = IncidentDate(change.incident());
  for (const std::string& org : affected) {
    auto links = store_.GetLinks(org, kLatest);
    if (!links.ok()) return Internal(links.status(), "ApplyIncidentChange");
    if (now_linked.contains(org)) {
      (*links)[*incident_id] = date;
      CatalogStore::PutLink(org, *incident_id, date, &batch);
    } else {
      links->erase(*incident_id);
      CatalogStore::DeleteLink(org, *incident_id, &batch);
    }
    // Newest first; undated incidents last; ties by name.
    std::vector<std::pair<std::string, type::v1::PartialDate>> sorted(
        links->begin(), links->end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      bool a_empty = api::IsEmpty(a.second), b_empty = api::IsEmpty(b.second);
      if (a_empty != b_empty) return b_empty;
      if (!a_empty) {
        int c = api::CompareIntervals(a.second, b.second);
        if (c != 0) return c > 0;
      }
      return a.first < b.first;
    });
    Organization summary;
    summary.set_incident_count(static_cast<int32_t>(sorted.size()));
    for (const auto& [incident, when] : sorted) {
      summary.add_linked_incidents(absl::StrCat("incidents/", incident));
    }
    if (!sorted.empty() && !api::IsEmpty(sorted.front().second)) {
      *summary.mutable_latest_incident_date() = sorted.front().second;
    }
    CatalogStore::PutSummary(org, summary, &batch);
  }
  auto token = store_.Append(batch);
  if (!token.ok()) return Internal(token.status(), "ApplyIncidentChange");
  return token;
}

}  // namespace atlas::catalog
