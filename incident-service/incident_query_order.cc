// IncidentQuery::ListInOrder: ListIncidents in an order served by an
// order index (see incident_query.h, "Orders").
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/page_token.h"
#include "common/auth/redaction.h"
#include "common/storage/storage_error.h"
#include "incident-service/incident_filter.h"
#include "incident-service/incident_order.h"
#include "incident-service/incident_order_index.h"
#include "incident-service/incident_query.h"

namespace atlas::incident {
namespace {

// The part of the order index a date range on the field ordered by
// leaves. An interval that ends on or after `min` begins on or after it,
// or covers it: then it is min's year or month (a partial date never
// crosses a month or year boundary), beginning on the first day of either.
IncidentOrderIndex::Bounds BoundsOf(const IncidentFilter& filter,
                                    IncidentOrderField field) {
  IncidentOrderIndex::Bounds bounds;
  const IncidentFilter::DateRange* range = nullptr;
  if (field == IncidentOrderField::kStartDate) range = &filter.start;
  if (field == IncidentOrderField::kDisclosedDate) range = &filter.disclosed;
  if (range == nullptr || !range->active()) return bounds;
  bounds.undated = false;  // no undated incident matches a date term
  std::vector<IncidentOrderIndex::DayRange>& days = bounds.first_days.emplace();
  if (range->min) {
    const absl::CivilDay min = *range->min;
    const absl::CivilDay year_start(min.year(), 1, 1);
    const absl::CivilDay month_start(min.year(), min.month(), 1);
    if (year_start < min) days.push_back({year_start, year_start});
    if (month_start < min && year_start < month_start) {
      days.push_back({month_start, month_start});
    }
  }
  if (!range->min || !range->max || *range->min <= *range->max) {
    days.push_back({range->min, range->max});
  }
  return bounds;
}

}  // namespace

absl::StatusOr<v1::ListIncidentsResponse> IncidentQuery::ListInOrder(
    const auth::Caller& caller, const IncidentFilter& filter,
    const IncidentOrder& order, int page_size, const std::string& fingerprint,
    const std::string& cursor, ListStats* stats) const {
  stats->driver = absl::StrCat("order:", OrderFieldName(order.field));
  const size_t want = static_cast<size_t>(page_size) + 1;
  struct Hit {
    std::string key;
    v1::Incident incident;
  };
  std::vector<Hit> hits;
  std::string last;  // the sort key of the last entry examined
  bool cut = false;  // stopped by the budget (more may match)
  absl::Status failure;
  absl::Status s = store_.ScanOrderIndex(
      order, cursor, BoundsOf(filter, order.field),
      [&](absl::string_view key, absl::string_view incident_id) {
        ++stats->examined;
        last = std::string(key);
        absl::StatusOr<StoredIncident> incident =
            store_.GetIncident(incident_id);
        if (incident.ok()) {
          // Deleted or re-keyed since the entry was read: its current
          // entry (if any) is elsewhere in the walk.
          if (IncidentOrderIndex::SortKey(order.field, incident->record) ==
                  key &&
              filter.Matches(incident->record)) {
            hits.push_back({std::string(key), std::move(incident->record)});
          }
        } else if (!absl::IsNotFound(incident.status())) {
          failure = incident.status();
          return false;
        }
        if (hits.size() >= want) return false;
        if (stats->examined >= kListScanBudget) {
          cut = true;
          return false;
        }
        return true;
      });
  if (!failure.ok()) s = failure;
  if (!s.ok()) return storage::StorageError(s, "ListIncidents");
  v1::ListIncidentsResponse response;
  if (hits.size() > static_cast<size_t>(page_size)) {
    hits.resize(page_size);
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, hits.back().key));
  } else if (cut) {
    response.set_next_page_token(api::EncodePageToken(fingerprint, last));
  }
  for (Hit& h : hits) *response.add_incidents() = std::move(h.incident);
  auth::Redact(caller, &response);
  return response;
}

}  // namespace atlas::incident
