#include "catalog-service/organization_checks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/api/aip/digest.h"
#include "common/api/types/external_reference.h"
#include "common/storage/storage_error.h"

namespace atlas::catalog {
namespace {

using storage::StorageError;
using v1::Organization;

constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

}  // namespace

absl::Status OrganizationNotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

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

void SetNewEtag(Organization* org) { org->set_etag(api::NewEtag()); }

absl::Status OrganizationChecks::CheckDomains(const Organization& org,
                                              absl::string_view self_id,
                                              absl::string_view field) const {
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

absl::Status OrganizationChecks::CheckExternalReferences(
    const Organization& org, absl::string_view self_id,
    absl::string_view field) const {
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

absl::Status OrganizationChecks::CheckParent(const Organization& org,
                                             absl::string_view self_id,
                                             absl::string_view field) const {
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

}  // namespace atlas::catalog
