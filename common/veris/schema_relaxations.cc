#include "common/veris/schema_relaxations.h"

#include <algorithm>
#include <initializer_list>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace atlas::veris {

using nlohmann::json;

std::optional<SchemaVersion> SchemaVersion::Parse(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.empty() || parts.size() > 3) return std::nullopt;
  int numbers[3] = {0, 0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() ||
        !std::all_of(parts[i].begin(), parts[i].end(),
                     [](char c) { return c >= '0' && c <= '9'; }) ||
        !absl::SimpleAtoi(parts[i], &numbers[i])) {
      return std::nullopt;
    }
  }
  return SchemaVersion{numbers[0], numbers[1], numbers[2]};
}

std::string SchemaVersion::ToString() const {
  return absl::StrCat(major, ".", minor, ".", patch);
}

namespace {

// The subschema of the record field `fields` ("asset", "cloud"): the
// schema's properties/asset/properties/cloud.
absl::StatusOr<json*> Field(json* schema,
                            std::initializer_list<absl::string_view> fields) {
  json* node = schema;
  for (absl::string_view field : fields) {
    auto properties = node->find("properties");
    if (properties == node->end() || !properties->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("VERIS schema: no field ", absl::StrJoin(fields, "."),
                       " (a changed VERIS release?)"));
    }
    auto child = properties->find(std::string(field));
    if (child == properties->end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("VERIS schema: no field ", absl::StrJoin(fields, "."),
                       " (a changed VERIS release?)"));
    }
    node = &*child;
  }
  return node;
}

// Drops `name` from the required list of `object`.
absl::Status NotRequired(json* object, absl::string_view name) {
  auto required = object->find("required");
  if (required == object->end() || !required->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("VERIS schema: ", name, " is not required"));
  }
  auto at = std::find(required->begin(), required->end(), json(name));
  if (at == required->end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("VERIS schema: ", name, " is not required"));
  }
  required->erase(at);
  return absl::OkStatus();
}

// VERIS 1.3.5 made summary required (VERIS issue #305).
absl::Status SummaryOptional(json* schema) {
  return NotRequired(schema, "summary");
}

// Before 1.3.2 a record could have an asset section without asset.assets;
// the converter to 1.3.2 and every later one refuse such records.
absl::Status AssetsOptional(json* schema) {
  absl::StatusOr<json*> asset = Field(schema, {"asset"});
  if (!asset.ok()) return asset.status();
  return NotRequired(*asset, "assets");
}

// Before 1.3.3 discovery_method was one flat value ("Ext - customer",
// "Int - unknown", "Prt - audit", "Other", "Unknown"); 1.3.3 made it the
// object of today (VERIS issue #168). The 1.3 list of values is not in the
// data we ship, so the flat form is checked for its shape only.
absl::Status FlatDiscoveryMethod(json* schema) {
  absl::StatusOr<json*> method = Field(schema, {"discovery_method"});
  if (!method.ok()) return method.status();
  json flat = {{"type", "string"},
               {"pattern", "^((Ext|Int|Prt) - .+|Other|Unknown)$"}};
  **method = json{{"anyOf", json::array({flat, **method})}};
  return absl::OkStatus();
}

// asset.governance existed until 1.3.3, which split it into ownership,
// hosting and management (VERIS issue #173): a list of distinct names.
absl::Status AssetGovernance(json* schema) {
  absl::StatusOr<json*> asset = Field(schema, {"asset"});
  if (!asset.ok()) return asset.status();
  (**asset)["properties"]["governance"] = {
      {"type", "array"},
      {"minItems", 1},
      {"uniqueItems", true},
      {"items", {{"type", "string"}, {"minLength", 1}}}};
  return absl::OkStatus();
}

// VERIS 1.3 records name the unknown action "Unknown"; later ones
// "unknown". Same content either way.
absl::Status CapitalisedUnknownAction(json* schema) {
  absl::StatusOr<json*> unknown = Field(schema, {"action", "unknown"});
  if (!unknown.ok()) return unknown.status();
  absl::StatusOr<json*> action = Field(schema, {"action"});
  (**action)["properties"]["Unknown"] = **unknown;
  return absl::OkStatus();
}

// Before 1.3.3, victim.industry is any NAICS-shaped code (two digits, an
// optional dash, up to four more), the rule the current schema still
// applies to actor.partner.industry; the list of NAICS sectors came later.
absl::Status AnyNaicsShape(json* schema) {
  absl::StatusOr<json*> industry = Field(schema, {"victim", "industry"});
  if (!industry.ok()) return industry.status();
  absl::StatusOr<json*> partner =
      Field(schema, {"actor", "partner", "industry"});
  if (!partner.ok()) return partner.status();
  auto pattern = (*partner)->find("pattern");
  if (pattern == (*partner)->end()) {
    return absl::InvalidArgumentError(
        "VERIS schema: actor.partner.industry has no pattern");
  }
  (**industry)["pattern"] = *pattern;
  return absl::OkStatus();
}

// Before 1.3.3, timeline.incident.time is free text ("16:20"); the
// current "05:45:00 PM" pattern came later.
absl::Status FreeIncidentTime(json* schema) {
  absl::StatusOr<json*> time = Field(schema, {"timeline", "incident", "time"});
  if (!time.ok()) return time.status();
  (*time)->erase("pattern");
  return absl::OkStatus();
}

// VCDB records up to 1.3.5 may lack asset.cloud, and then held a single
// value rather than a list ("Other").
absl::Status CloudOptionalSingle(json* schema) {
  absl::StatusOr<json*> asset = Field(schema, {"asset"});
  if (!asset.ok()) return asset.status();
  absl::Status status = NotRequired(*asset, "cloud");
  if (!status.ok()) return status;
  absl::StatusOr<json*> cloud = Field(schema, {"asset", "cloud"});
  if (!cloud.ok()) return cloud.status();
  auto items = (*cloud)->find("items");
  if (items == (*cloud)->end()) {
    return absl::InvalidArgumentError("VERIS schema: asset.cloud has no items");
  }
  **cloud = json{{"anyOf", json::array({*items, **cloud})}};
  return absl::OkStatus();
}

// VCDB records up to 1.3.5 may lack victim.government.
absl::Status GovernmentOptional(json* schema) {
  absl::StatusOr<json*> victim = Field(schema, {"victim"});
  if (!victim.ok()) return victim.status();
  return NotRequired(*victim, "government");
}

void OpenObjects(json* node) {
  if (!node->is_object()) return;
  if (node->contains("additionalProperties") &&
      (*node)["additionalProperties"] == false) {
    node->erase("additionalProperties");
  }
  for (auto& [keyword, value] : node->items()) {
    if (keyword == "properties") {
      for (auto& [name, sub] : value.items()) OpenObjects(&sub);
    } else if (keyword == "items" || keyword == "additionalProperties") {
      OpenObjects(&value);
    }
  }
}

// `plus` is the section a data set adds its own fields to. VERIS's schema
// describes a few of them and closes plus.attribute.confidentiality;
// VCDB's records carry more (credit_monitoring, ...), which VCDB checks
// against its own plus schema. Fields in plus stay checked where described.
absl::Status OpenPlus(json* schema) {
  absl::StatusOr<json*> plus = Field(schema, {"plus"});
  if (!plus.ok()) return plus.status();
  OpenObjects(*plus);
  return absl::OkStatus();
}

constexpr SchemaVersion k132{1, 3, 2};
constexpr SchemaVersion k133{1, 3, 3};
constexpr SchemaVersion k135{1, 3, 5};
constexpr SchemaVersion k136{1, 3, 6};

}  // namespace

const std::vector<SchemaRelaxation>& SchemaRelaxations() {
  static const auto* const kRelaxations = new std::vector<SchemaRelaxation>{
      {k132, "asset.assets", "may be missing", &AssetsOptional},
      {k133, "discovery_method", "the flat 1.3 value (\"Int - unknown\")",
       &FlatDiscoveryMethod},
      {k133, "asset.governance", "a list of distinct names", &AssetGovernance},
      {k133, "action.Unknown", "as action.unknown", &CapitalisedUnknownAction},
      {k133, "victim.industry", "any NAICS-shaped code (\"12\")",
       &AnyNaicsShape},
      {k133, "timeline.incident.time", "any text", &FreeIncidentTime},
      {k135, "summary", "may be missing", &SummaryOptional},
      {k136, "asset.cloud", "may be missing, or one value",
       &CloudOptionalSingle},
      {k136, "victim.government", "may be missing", &GovernmentOptional},
      {std::nullopt, "plus", "fields VERIS does not describe", &OpenPlus},
  };
  return *kRelaxations;
}

}  // namespace atlas::veris
