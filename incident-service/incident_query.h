// IncidentQuery: the incident reads: GetIncident (typed, and as stored
// bytes of the caller's view) and ListIncidents.
//
// List planning: the filter (incident_filter.h) is served by one
// secondary index term: of the equality terms (victim, country, type, ...)
// and the start-year buckets the date range covers, the one with the
// fewest entries by the store's index counts (ties: the term written
// first; equalities before the date range); with neither, the index of
// every incident. The other terms are checked on each record read. A
// count of 0 answers an empty page without scanning. Several start-year
// buckets are merged in position order. Counts are used for planning
// only and never served.
//
// Scan budget: one call examines at most kListScanBudget index entries
// (each one a record read), split over the start-year buckets when there
// are several (at least one entry each). When the budget is spent the
// page holds the matches found so far (possibly none) and a
// next_page_token that resumes just after the last entry examined
// (AIP-158 short pages), so a call's cost is bounded by the budget, not
// by the corpus. Pages are newest first; a page token is a position (of
// the last incident served or examined), bound to the filter, so
// concurrent creates never shift or repeat a page; walking the tokens
// yields exactly the matching incidents, each once, in order.
//
// Orders (order_by, incident_order.h): create_time (either way) is served
// by the plan above, oldest first walking the positions backward. The
// other orders walk their order index (incident_order_index.h) from the
// page token's sort key, reading each incident and checking the whole
// filter on it, within the same budget: a date range on the field ordered
// by bounds the walk to the dates that can match. An entry whose record
// no longer has that key (changed or deleted since the index was read) is
// skipped. Their tokens are bound to the filter and the order. Pages stay
// stable: an incident created or moved behind the token is served later
// in the walk, one moved ahead of it is not; no incident is served twice
// unless its sort key moved past the token between pages (update_time
// order: an incident updated meanwhile).
//
// Errors: INVALID_ARGUMENT (name, page_size, page_token, filter, order_by),
// PERMISSION_DENIED (a public caller filtering on members-only data),
// NOT_FOUND, UNAVAILABLE / INTERNAL (storage, logged). Reads see only
// durable writes.
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_QUERY_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_QUERY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/auth/api_keys.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

struct IncidentFilter;
struct IncidentOrder;

// The most index entries one ListIncidents call examines (see above).
inline constexpr int64_t kListScanBudget = 2000;

class IncidentQuery {
 public:
  // What one ListIncidents call did, for tests and benchmarks.
  struct ListStats {
    int64_t examined = 0;  // index entries examined (records read)
    // The index that drove the scan: "list", "start_year", an equality's
    // field ("country"), the order index ("order:start_date"), or "" when
    // a count of 0 answered at once.
    std::string driver;
  };

  // `store` must outlive the query.
  explicit IncidentQuery(const IncidentStore& store) : store_(store) {}

  absl::StatusOr<v1::Incident> GetIncident(
      const auth::Caller& caller, const v1::GetIncidentRequest& request) const;
  // GetIncident as the serialized Incident the caller may see, served from
  // stored bytes (the server's GetIncident handler); same errors.
  absl::StatusOr<std::string> GetIncidentWire(
      const auth::Caller& caller, const v1::GetIncidentRequest& request) const;
  // `stats`, when set, receives what the call did.
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const auth::Caller& caller, const v1::ListIncidentsRequest& request,
      ListStats* stats = nullptr) const;
  // Up to 3 incidents naming organisation `org_id` as a victim, newest
  // first, and whether more do (the victim index on the durable view).
  // INTERNAL or UNAVAILABLE for a storage failure.
  absl::StatusOr<v1::CheckOrganizationReferencesResponse>
  OrganizationReferences(absl::string_view org_id) const;

 private:
  // ListIncidents in an order other than create_time
  // (incident_query_order.cc):
  // `cursor` is the sort key of the page token (empty: the first page).
  absl::StatusOr<v1::ListIncidentsResponse> ListInOrder(
      const auth::Caller& caller, const IncidentFilter& filter,
      const IncidentOrder& order, int page_size, const std::string& fingerprint,
      const std::string& cursor, ListStats* stats) const;

  const IncidentStore& store_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_QUERY_H_
