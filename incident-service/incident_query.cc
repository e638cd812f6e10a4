#include "incident-service/incident_query.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/auth/redaction.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/incident_filter.h"
#include "incident-service/incident_records.h"

namespace atlas::incident {

using v1::Incident;

absl::StatusOr<Incident> IncidentQuery::GetIncident(
    const auth::Caller& caller, const v1::GetIncidentRequest& request) const {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kIncidentCollection, "name"));
  ASSIGN_OR_RETURN(StoredIncident incident,
                   LoadIncident(store_, id, "GetIncident"));
  auth::Redact(caller, &incident.record);
  return std::move(incident.record);
}

absl::StatusOr<std::string> IncidentQuery::GetIncidentWire(
    const auth::Caller& caller, const v1::GetIncidentRequest& request) const {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kIncidentCollection, "name"));
  absl::StatusOr<std::string> bytes =
      store_.GetIncidentWire(id, caller.IsMember());
  if (absl::IsNotFound(bytes.status())) {
    return NotFound(absl::StrCat(kIncidentCollection, "/", id));
  }
  if (!bytes.ok()) return storage::StorageError(bytes.status(), "GetIncident");
  return bytes;
}

absl::StatusOr<v1::ListIncidentsResponse> IncidentQuery::ListIncidents(
    const auth::Caller& caller, const v1::ListIncidentsRequest& request) const {
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(IncidentFilter filter,
                   ParseIncidentFilter(request.filter()));
  if (!caller.IsMember() && !filter.members_only_fields.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "filter: ", filter.members_only_fields.front(),
        " is members-only data; filtering on it needs a MEMBER key"));
  }
  const std::string fingerprint =
      api::QueryFingerprint({"incidents", request.filter()});
  std::string cursor;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
  }
  const size_t want = static_cast<size_t>(page_size) + 1;
  struct Hit {
    std::string position;
    Incident incident;
  };
  std::vector<Hit> hits;
  absl::Status failure;
  // Scans one index from the cursor, keeping up to `want` matches.
  auto scan = [&](IncidentIndex index, absl::string_view value,
                  std::vector<Hit>* out) -> absl::Status {
    absl::Status s = store_.ScanIncidentIndex(
        index, value, cursor,
        [&](absl::string_view position, absl::string_view incident_id) {
          auto incident = store_.GetIncident(incident_id);
          if (!incident.ok()) {
            failure = incident.status();
            return false;
          }
          if (!filter.Matches(incident->record)) return true;
          out->push_back({std::string(position), std::move(incident->record)});
          return out->size() < want;
        });
    if (!failure.ok()) return failure;
    return s;
  };
  absl::Status s;
  if (!filter.equalities.empty()) {
    // Driven by the first equality's index; the others and the dates are
    // checked on each record.
    s = scan(filter.equalities.front().index, filter.equalities.front().value,
             &hits);
  } else if (filter.has_date_range()) {
    auto years = store_.StartYearRange();
    if (!years.ok()) {
      return storage::StorageError(years.status(), "ListIncidents");
    }
    if (years->has_value()) {
      int first = (*years)->first, last = (*years)->second;
      if (filter.start_min)
        first = std::max<int>(first, filter.start_min->year());
      if (filter.start_max)
        last = std::min<int>(last, filter.start_max->year());
      for (int year = first; year <= last && s.ok(); ++year) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "%04d", year);
        s = scan(IncidentIndex::kStartYear, buf, &hits);
      }
      // Each year is in position order; merge them.
      std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
        return a.position < b.position;
      });
      if (hits.size() > want) hits.resize(want);
    }
  } else {
    s = scan(IncidentIndex::kAll, "", &hits);
  }
  if (!s.ok()) return storage::StorageError(s, "ListIncidents");
  v1::ListIncidentsResponse response;
  if (hits.size() > static_cast<size_t>(page_size)) {
    hits.resize(page_size);
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, hits.back().position));
  }
  for (Hit& h : hits) *response.add_incidents() = std::move(h.incident);
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<v1::CheckOrganizationReferencesResponse>
IncidentQuery::OrganizationReferences(absl::string_view org_id) const {
  constexpr int kListed = 3;
  v1::CheckOrganizationReferencesResponse response;
  absl::Status s = store_.ScanIncidentIndex(
      IncidentIndex::kVictim, org_id, "",
      [&](absl::string_view, absl::string_view incident_id) {
        if (response.incidents_size() == kListed) {
          response.set_more(true);
          return false;
        }
        response.add_incidents(
            absl::StrCat(kIncidentCollection, "/", incident_id));
        return true;
      });
  if (!s.ok()) {
    return storage::StorageError(s, "CheckOrganizationReferences");
  }
  return response;
}

}  // namespace atlas::incident
