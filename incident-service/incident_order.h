// IncidentOrder: the `order_by` of ListIncidents (AIP-132), parsed.
//
// Grammar: one field, optionally followed by `asc` or `desc` (AIP-132:
// ascending when omitted); words are separated by spaces and compared
// case-insensitively, as ListOrganizations does. The fields:
//   create_time      the default (empty order_by is `create_time desc`)
//   start_date       the interval the partial date covers (see below)
//   disclosed_date   likewise
//   update_time
//
// Partial dates order by the interval they cover: ascending by its first
// day, then by its last day ("2024-01-01" < "Jan 2024" < "2024" <
// "Mar 2024"), ties by incident id (byte order); `desc` is the exact
// reverse. Incidents without that date come after every dated one in both
// directions (by id, ascending for `asc`, descending for `desc`).
// update_time orders by the timestamp (microseconds), ties by id.
//
// ParseIncidentOrder returns INVALID_ARGUMENT, its message starting with
// "order_by:", for an unknown field, a direction other than asc/desc, or
// more than one field.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_ORDER_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_ORDER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::incident {

enum class IncidentOrderField {
  kCreateTime,     // the list\0 index (newest first as stored)
  kStartDate,      // order\0start_date\0 (IncidentOrderIndex)
  kDisclosedDate,  // order\0disclosed_date\0
  kUpdateTime,     // order\0update_time\0
};

struct IncidentOrder {
  IncidentOrderField field = IncidentOrderField::kCreateTime;
  bool descending = true;

  // `create_time desc`: today's order, whose page tokens predate order_by.
  bool is_default() const {
    return field == IncidentOrderField::kCreateTime && descending;
  }
  // "start_date desc": the normalized text, for page-token binding.
  std::string Canonical() const;
};

// The field's name as written in order_by: "start_date".
absl::string_view OrderFieldName(IncidentOrderField field);

absl::StatusOr<IncidentOrder> ParseIncidentOrder(absl::string_view text);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_ORDER_H_
