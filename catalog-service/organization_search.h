// OrganizationSearch: finding organisations by what an analyst has at hand,
// a name, an alias, a domain, a URL or an id in another system, over
// CatalogStore's search, domain and external-reference indexes (see
// catalog_store.h for the `search\0` and `extref\0` entries).
//
// Both methods are reads of the durable view, open to every caller
// (public ones see the redacted view of each organisation, see
// common/auth/redaction.h). Neither writes.
//
// Thread safety: any number of threads may call it at once.
#ifndef ATLAS_CATALOG_SERVICE_ORGANIZATION_SEARCH_H_
#define ATLAS_CATALOG_SERVICE_ORGANIZATION_SEARCH_H_

#include "absl/status/statusor.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "common/auth/api_keys.h"

namespace atlas::catalog {

class OrganizationSearch {
 public:
  // `store` must outlive the search.
  explicit OrganizationSearch(const CatalogStore& store) : store_(store) {}

  // Matches of the folded query (case- and accent-insensitive), served
  // from the search index in two phases: EXACT (a whole name, alias or
  // domain equals the query), by organisation id; then PREFIX (a name,
  // alias or domain, or one of its word suffixes, starts with the query),
  // in index order (the matched folded text, then id), each organisation
  // once, at its first such entry, and not again if it matched exactly.
  // There are no mid-word (SUBSTRING) matches: no index serves them within
  // a bound.
  //
  // Cost: one call examines at most page_size + kScanBudget (1000) index
  // entries and reads the organisations of those that can match, whatever
  // the number of organisations. When the budget is spent the page is
  // returned short (possibly empty) with a next_page_token (AIP-158); the
  // token holds the phase and the position of the last entry examined,
  // bound to the folded query.
  //
  // INVALID_ARGUMENT for a query that is empty, longer than 200 characters
  // or has no searchable character, a negative page_size, or a page_token
  // made for another query; INTERNAL or UNAVAILABLE for a storage failure
  // (logged; see common/storage/storage_error.h).
  absl::StatusOr<v1::SearchOrganizationsResponse> Search(
      const auth::Caller& caller,
      const v1::SearchOrganizationsRequest& request) const;

  // The organisation a URL, domain, name or alias (`query`), or an external
  // reference (`external_reference`), designates; exactly one of the two
  // is set.
  //
  // By external reference: `system` (lower-cased) and `id` as stored (the
  // url is ignored); one point read of the `extref\0` index; the holder,
  // resolved_by EXTERNAL_REFERENCE, or NOT_FOUND. INVALID_ARGUMENT naming
  // external_reference.system / .id for a malformed part.
  //
  // By query: a query that looks like a URL or a domain is resolved by the
  // owner of its registrable domain (resolved_by DOMAIN); otherwise, or
  // when a bare domain-like text has no owner, by a whole name or alias
  // compared folded (resolved_by NAME): one match is the answer, several are
  // returned as candidates (at most 20, by display name). Bounded: one
  // point read for a domain; for a name, a scan of the whole-text index
  // (exact\0) for that folded text, stopped at 21 organisations or 1000
  // entries (domains equal to the text are skipped but counted).
  //
  // INVALID_ARGUMENT for both `query` and `external_reference` set (naming
  // external_reference), neither set, a query longer than 2048 characters,
  // or a URL without a registrable domain (the message names `query`);
  // NOT_FOUND when nothing matches; INTERNAL or UNAVAILABLE for a storage
  // failure.
  absl::StatusOr<v1::ResolveOrganizationResponse> Resolve(
      const auth::Caller& caller,
      const v1::ResolveOrganizationRequest& request) const;

 private:
  absl::StatusOr<v1::ResolveOrganizationResponse> ResolveExternalReference(
      const auth::Caller& caller,
      const type::v1::ExternalReference& reference) const;

  const CatalogStore& store_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_ORGANIZATION_SEARCH_H_
