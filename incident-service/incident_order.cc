#include "incident-service/incident_order.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace atlas::incident {
namespace {

constexpr IncidentOrderField kFields[] = {
    IncidentOrderField::kCreateTime, IncidentOrderField::kStartDate,
    IncidentOrderField::kDisclosedDate, IncidentOrderField::kUpdateTime};

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("order_by: \"", text.substr(0, 60), "\" ", why,
                   " (create_time, start_date, disclosed_date or "
                   "update_time, then optionally asc or desc)"));
}

}  // namespace

absl::string_view OrderFieldName(IncidentOrderField field) {
  switch (field) {
    case IncidentOrderField::kCreateTime:
      return "create_time";
    case IncidentOrderField::kStartDate:
      return "start_date";
    case IncidentOrderField::kDisclosedDate:
      return "disclosed_date";
    case IncidentOrderField::kUpdateTime:
      return "update_time";
  }
  return "create_time";
}

std::string IncidentOrder::Canonical() const {
  return absl::StrCat(OrderFieldName(field), descending ? " desc" : " asc");
}

absl::StatusOr<IncidentOrder> ParseIncidentOrder(absl::string_view text) {
  IncidentOrder order;
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToLower(text), ' ', absl::SkipEmpty());
  if (words.empty()) return order;
  if (words.size() > 2 || absl::StrContains(text, ',')) {
    return Bad(text, "is not one field with a direction");
  }
  bool known = false;
  for (IncidentOrderField f : kFields) {
    if (words[0] == OrderFieldName(f)) {
      order.field = f;
      known = true;
    }
  }
  if (!known) return Bad(text, "names no field that incidents are ordered by");
  order.descending = false;  // AIP-132: ascending unless `desc`
  if (words.size() == 2) {
    if (words[1] == "desc") {
      order.descending = true;
    } else if (words[1] != "asc") {
      return Bad(text, "has a direction other than asc or desc");
    }
  }
  return order;
}

}  // namespace atlas::incident
