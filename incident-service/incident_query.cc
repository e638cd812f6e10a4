#include "incident-service/incident_query.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/auth/redaction.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/incident_filter.h"
#include "incident-service/incident_order.h"
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

namespace {

// One index value the scan reads (an equality term's, a start year, or
// every incident).
struct Bucket {
  IncidentIndex index;
  std::string value;
  int64_t count;  // entries in the index value (the planner's figure)
};

struct Plan {
  std::vector<Bucket> buckets;  // empty: nothing can match
  std::string driver;
};

std::string YearText(int year) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04d", year);
  return buf;
}

}  // namespace

absl::StatusOr<v1::ListIncidentsResponse> IncidentQuery::ListIncidents(
    const auth::Caller& caller, const v1::ListIncidentsRequest& request,
    ListStats* stats) const {
  ListStats ignored;
  if (stats == nullptr) stats = &ignored;
  *stats = ListStats();
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(IncidentFilter filter,
                   ParseIncidentFilter(request.filter()));
  ASSIGN_OR_RETURN(IncidentOrder order, ParseIncidentOrder(request.order_by()));
  RETURN_IF_ERROR(CheckFilterAccess(filter, caller.IsMember()));
  // The default order keeps the binding of tokens made before order_by.
  const std::string fingerprint =
      order.is_default()
          ? api::QueryFingerprint({"incidents", request.filter()})
          : api::QueryFingerprint(
                {"incidents", request.filter(), "order_by", order.Canonical()});
  std::string cursor;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
  }
  if (order.field != IncidentOrderField::kCreateTime) {
    return ListInOrder(caller, filter, order, page_size, fingerprint, cursor,
                       stats);
  }
  // Creation order: positions grow from the newest; oldest first walks
  // them backward. `ahead(a, b)`: position a is served before b.
  const bool oldest_first = !order.descending;
  auto ahead = [oldest_first](const std::string& a, const std::string& b) {
    return oldest_first ? b < a : a < b;
  };

  // Planning: the term with the fewest index entries.
  Plan plan;
  std::optional<int64_t> best;
  for (const IncidentFilter::Equality& e : filter.equalities) {
    absl::StatusOr<int64_t> count = store_.IndexCount(e.index, e.value);
    if (!count.ok())
      return storage::StorageError(count.status(), "ListIncidents");
    if (!best.has_value() || *count < *best) {
      best = *count;
      plan.buckets = {{e.index, e.value, *count}};
      plan.driver = e.field;
    }
  }
  if (filter.has_date_range()) {
    absl::StatusOr<std::vector<std::pair<int, int64_t>>> years =
        store_.StartYearCounts(
            filter.start.min ? static_cast<int>(filter.start.min->year()) : 0,
            filter.start.max ? static_cast<int>(filter.start.max->year())
                             : 9999);
    if (!years.ok())
      return storage::StorageError(years.status(), "ListIncidents");
    int64_t total = 0;
    for (const auto& [year, count] : *years) total += count;
    if (!best.has_value() || total < *best) {
      best = total;
      plan.buckets.clear();
      for (const auto& [year, count] : *years) {
        plan.buckets.push_back(
            {IncidentIndex::kStartYear, YearText(year), count});
      }
      plan.driver = "start_year";
    }
  }
  if (!best.has_value()) {
    plan.buckets = {{IncidentIndex::kAll, "", 1}};
    plan.driver = "list";
  } else if (*best == 0) {
    plan.buckets.clear();
    plan.driver.clear();
  }
  stats->driver = plan.driver;

  // The scan: each bucket from the cursor, smallest first, sharing the
  // budget; each stops at `want` matches or its share of the budget.
  const size_t want = static_cast<size_t>(page_size) + 1;
  struct Hit {
    std::string position;
    Incident incident;
  };
  std::vector<Hit> hits;
  // The smallest position up to which every bucket has been examined,
  // when some bucket was cut short.
  std::optional<std::string> frontier;
  std::sort(plan.buckets.begin(), plan.buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.count < b.count; });
  int64_t remaining = kListScanBudget;
  for (size_t b = 0; b < plan.buckets.size(); ++b) {
    const int64_t left = static_cast<int64_t>(plan.buckets.size() - b);
    const int64_t limit = std::max<int64_t>(1, remaining / left);
    int64_t examined = 0;
    size_t matched = 0;
    bool cut = false;
    std::string last;
    absl::Status failure;
    absl::Status s = store_.ScanIncidentIndex(
        plan.buckets[b].index, plan.buckets[b].value, cursor,
        [&](absl::string_view position, absl::string_view incident_id) {
          ++examined;
          last = std::string(position);
          auto incident = store_.GetIncident(incident_id);
          if (!incident.ok()) {
            failure = incident.status();
            return false;
          }
          if (filter.Matches(incident->record)) {
            hits.push_back(
                {std::string(position), std::move(incident->record)});
            ++matched;
          }
          if (matched >= want || examined >= limit) {
            cut = true;
            return false;
          }
          return true;
        },
        oldest_first);
    if (!failure.ok()) s = failure;
    if (!s.ok()) return storage::StorageError(s, "ListIncidents");
    stats->examined += examined;
    remaining = std::max<int64_t>(0, remaining - examined);
    if (cut && (!frontier.has_value() || ahead(last, *frontier))) {
      frontier = last;
    }
  }
  // Positions order the list; only what lies up to the frontier is known
  // to be complete.
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    return ahead(a.position, b.position);
  });
  if (frontier.has_value()) {
    auto past = std::find_if(hits.begin(), hits.end(), [&](const Hit& h) {
      return ahead(*frontier, h.position);
    });
    hits.erase(past, hits.end());
  }
  v1::ListIncidentsResponse response;
  if (hits.size() > static_cast<size_t>(page_size)) {
    hits.resize(page_size);
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, hits.back().position));
  } else if (frontier.has_value()) {
    response.set_next_page_token(api::EncodePageToken(fingerprint, *frontier));
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
