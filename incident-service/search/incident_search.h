// IncidentSearch: SearchIncidents over the SearchIndex, answered with the
// incidents as the caller may see them.
//
// A caller with a MEMBER key searches the members' index, any other the
// public one (search_document.h). The results are read from the store by
// id (the caller's view, as GetIncident serves it); an incident deleted
// since the index last committed is left out of its page.
//
// Paging (AIP-158): a token holds the offset of the next result and is
// bound to the query, filter, order, the caller's tier and the index
// generation. Results between pages can shift when the index commits new
// changes (there is one live revision, as in every search engine); pages
// never go past kMaxSearchOffset results.
//
// Errors: INVALID_ARGUMENT naming `query` (search_query.h), `filter`,
// `order_by`, `page_size` or `page_token`; PERMISSION_DENIED for a
// members-only filter field without a MEMBER key (as ListIncidents);
// UNAVAILABLE, with a retry delay, while the index is being (re)built.
#ifndef ATLAS_INCIDENT_SERVICE_SEARCH_INCIDENT_SEARCH_H_
#define ATLAS_INCIDENT_SERVICE_SEARCH_INCIDENT_SEARCH_H_

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_search.pb.h"
#include "common/auth/api_keys.h"
#include "incident-service/incident_store.h"
#include "incident-service/search/search_index.h"
#include "incident-service/search/search_indexer.h"

namespace atlas::incident::search {

inline constexpr int kDefaultSearchPageSize = 20;
inline constexpr int kMaxSearchPageSize = 100;
inline constexpr int kMaxSearchOffset = 10000;
// Matches examined for the facet counts and total_size at most.
inline constexpr Xapian::doccount kFacetCheckAtLeast = 5000;

class IncidentSearch {
 public:
  // All must outlive this.
  IncidentSearch(const IncidentStore& store, SearchIndex& index,
                 const SearchIndexer& indexer)
      : store_(store), index_(index), indexer_(indexer) {}

  absl::StatusOr<v1::SearchIncidentsResponse> Search(
      const auth::Caller& caller, const v1::SearchIncidentsRequest& request);

 private:
  const IncidentStore& store_;
  SearchIndex& index_;
  const SearchIndexer& indexer_;
};

}  // namespace atlas::incident::search

#endif  // ATLAS_INCIDENT_SERVICE_SEARCH_INCIDENT_SEARCH_H_
