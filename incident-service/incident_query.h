// IncidentQuery: the incident reads: GetIncident (typed, and as stored
// bytes of the caller's view) and ListIncidents.
//
// List planning: the filter (incident_filter.h) is served by one secondary
// index: the first equality term's (victim, country, type, ...), else the
// start-year buckets the date range covers (merged in position order),
// else the index of every incident; the other terms are checked on each
// record read. Pages are newest first; a page token is the position of the
// last incident served, bound to the filter, so concurrent creates never
// shift or repeat a page.
//
// Errors: INVALID_ARGUMENT (name, page_size, page_token, filter),
// PERMISSION_DENIED (a public caller filtering on members-only data),
// NOT_FOUND, UNAVAILABLE / INTERNAL (storage, logged). Reads see only
// durable writes.
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_QUERY_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_QUERY_H_

#include <string>

#include "absl/status/statusor.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/auth/api_keys.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

class IncidentQuery {
 public:
  // `store` must outlive the query.
  explicit IncidentQuery(const IncidentStore& store) : store_(store) {}

  absl::StatusOr<v1::Incident> GetIncident(
      const auth::Caller& caller, const v1::GetIncidentRequest& request) const;
  // GetIncident as the serialized Incident the caller may see, served from
  // stored bytes (the server's GetIncident handler); same errors.
  absl::StatusOr<std::string> GetIncidentWire(
      const auth::Caller& caller, const v1::GetIncidentRequest& request) const;
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const auth::Caller& caller,
      const v1::ListIncidentsRequest& request) const;
  // Up to 3 incidents naming organisation `org_id` as a victim, newest
  // first, and whether more do (the victim index on the durable view).
  // INTERNAL or UNAVAILABLE for a storage failure.
  absl::StatusOr<v1::CheckOrganizationReferencesResponse>
  OrganizationReferences(absl::string_view org_id) const;

 private:
  const IncidentStore& store_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_QUERY_H_
