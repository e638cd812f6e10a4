#include "common/veris/consistency_rules.h"

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace atlas::veris {

using nlohmann::json;

namespace {

// The value at `fields` below `root`, or nullptr when a step is missing or
// not an object.
const json* Get(const json& root,
                std::initializer_list<absl::string_view> fields) {
  const json* node = &root;
  for (absl::string_view field : fields) {
    if (!node->is_object()) return nullptr;
    auto child = node->find(std::string(field));
    if (child == node->end()) return nullptr;
    node = &*child;
  }
  return node;
}

bool Has(const json& root, std::initializer_list<absl::string_view> fields) {
  return Get(root, fields) != nullptr;
}

// Whether the array at `fields` holds the string `value`.
bool Lists(const json& root, std::initializer_list<absl::string_view> fields,
           absl::string_view value) {
  const json* list = Get(root, fields);
  if (list == nullptr || !list->is_array()) return false;
  for (const json& item : *list) {
    if (item.is_string() && item.get_ref<const std::string&>() == value) {
      return true;
    }
  }
  return false;
}

void RequireListed(const json& record, bool when, absl::string_view because,
                   std::initializer_list<absl::string_view> fields,
                   absl::string_view path, absl::string_view value,
                   std::vector<Violation>* out) {
  if (when && !Lists(record, fields, value)) {
    out->push_back({std::string(path), absl::StrCat("must include \"", value,
                                                    "\" when ", because)});
  }
}

bool IsLeapYear(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// A violation at `path`.day when year, month and day are integers in the
// schema's ranges that name no calendar day.
void CheckCalendarDate(const json* date, absl::string_view path,
                       std::vector<Violation>* out) {
  if (date == nullptr || !date->is_object()) return;
  const json* year = Get(*date, {"year"});
  const json* month = Get(*date, {"month"});
  const json* day = Get(*date, {"day"});
  if (year == nullptr || month == nullptr || day == nullptr ||
      !year->is_number_integer() || !month->is_number_integer() ||
      !day->is_number_integer()) {
    return;
  }
  const int64_t y = year->get<int64_t>();
  const int64_t m = month->get<int64_t>();
  const int64_t d = day->get<int64_t>();
  if (m < 1 || m > 12 || d < 1) return;  // the schema's ranges say so
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int64_t days = kDays[m - 1] + (m == 2 && IsLeapYear(y) ? 1 : 0);
  if (d > days) {
    out->push_back(
        {absl::StrCat(path, ".day"),
         absl::StrFormat("%04d-%02d-%02d is not a calendar date", y, m, d)});
  }
}

}  // namespace

void CheckConsistency(const json& record, std::vector<Violation>* out) {
  if (!record.is_object()) return;
  const std::initializer_list<absl::string_view> integrity = {
      "attribute", "integrity", "variety"};
  RequireListed(record, Has(record, {"action", "malware"}),
                "action.malware is present", integrity,
                "attribute.integrity.variety", "Software installation", out);
  RequireListed(record, Has(record, {"action", "social"}),
                "action.social is present", integrity,
                "attribute.integrity.variety", "Alter behavior", out);
  RequireListed(record, Lists(record, {"action", "hacking", "variety"}, "SQLi"),
                "action.hacking.variety includes \"SQLi\"", integrity,
                "attribute.integrity.variety", "Repurpose", out);

  const json* security_incident = Get(record, {"security_incident"});
  if (security_incident != nullptr && *security_incident == "Confirmed" &&
      !Has(record, {"attribute"})) {
    out->push_back(
        {"attribute", "is required when security_incident is \"Confirmed\""});
  }

  RequireListed(
      record,
      Lists(record, {"action", "physical", "variety"}, "Theft") ||
          Lists(record, {"action", "error", "variety"}, "Loss"),
      "action.physical.variety includes \"Theft\" or action.error.variety "
      "includes \"Loss\"",
      {"attribute", "availability", "variety"},
      "attribute.availability.variety", "Loss", out);

  if (Has(record, {"plus", "attribute", "confidentiality"}) &&
      !Has(record, {"attribute", "confidentiality"})) {
    out->push_back({"attribute.confidentiality",
                    "is required when plus.attribute.confidentiality is "
                    "present"});
  }

  const json* secondary_ids = Get(record, {"victim", "secondary", "victim_id"});
  if (secondary_ids != nullptr && secondary_ids->is_array()) {
    const json* amount = Get(record, {"victim", "secondary", "amount"});
    const double known =
        amount != nullptr && amount->is_number() ? amount->get<double>() : 0.0;
    if (static_cast<double>(secondary_ids->size()) > known) {
      out->push_back({"victim.secondary.amount",
                      absl::StrCat("must be at least ", secondary_ids->size(),
                                   ", the number of victim.secondary."
                                   "victim_id entries")});
    }
  }

  CheckCalendarDate(Get(record, {"timeline", "incident"}), "timeline.incident",
                    out);
  CheckCalendarDate(Get(record, {"plus", "timeline", "notification"}),
                    "plus.timeline.notification", out);
}

}  // namespace atlas::veris
