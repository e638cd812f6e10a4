// SearchQuery: a SearchIncidents request's query and filter as one Xapian
// query, within the limits that keep every search bounded.
//
// The query language (SearchIncidentsRequest.query): words, all required
// (AND); "phrases"; prefix* wildcards (each expands to at most
// kMaxWildcardExpansion words, the most frequent); OR, NOT, AND, -word,
// +word and parentheses; the field prefixes title:, victim: and country:
// (a country code, matched exactly whatever its case). Every word is
// matched by its stem in English, Dutch and French (the best of the three
// weighs, Xapian's OP_MAX), as the documents hold them (search_document.h).
//
// The filter is IncidentFilter (the ListIncidents grammar): its equalities
// become boolean terms, its start range value ranges; it never weighs in
// the ranking.
//
// Errors, all INVALID_ARGUMENT naming the field: `query` empty or blank,
// over kMaxQueryBytes, over kMaxQueryTerms distinct terms, or refused by
// Xapian's parser. Access to members-only filter fields is the caller's
// to check (IncidentFilter::members_only_fields), as for ListIncidents.
#ifndef ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_QUERY_H_
#define ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_QUERY_H_

#include <xapian.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "incident-service/incident_filter.h"

namespace atlas::incident::search {

inline constexpr size_t kMaxQueryBytes = 1000;
inline constexpr size_t kMaxQueryTerms = 64;
inline constexpr Xapian::termcount kMaxWildcardExpansion = 64;

// INVALID_ARGUMENT naming `query` when it is blank or over kMaxQueryBytes:
// the checks that need no index (ParseSearchQuery makes them too).
absl::Status CheckQueryText(absl::string_view query);

// `database` is the one the query will run on (wildcards expand against
// its vocabulary).
absl::StatusOr<Xapian::Query> ParseSearchQuery(
    absl::string_view query, const Xapian::Database& database);

// The filter as a boolean query (Xapian::Query::MatchAll when empty).
Xapian::Query FilterQuery(const IncidentFilter& filter);

}  // namespace atlas::incident::search

#endif  // ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_QUERY_H_
