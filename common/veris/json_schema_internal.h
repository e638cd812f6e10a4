// Internals of JsonSchema shared by its compiler (json_schema.cc) and its
// checker (json_schema_check.cc). Not for use elsewhere.
#ifndef ATLAS_COMMON_VERIS_JSON_SCHEMA_INTERNAL_H_
#define ATLAS_COMMON_VERIS_JSON_SCHEMA_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "common/veris/json_schema.h"
#include "nlohmann/json.hpp"
#include "re2/re2.h"

namespace atlas::veris {

namespace json_schema_internal {

// JSON Schema's primitive types, as bits of a mask.
enum TypeBit : uint8_t {
  kNull = 1 << 0,
  kBoolean = 1 << 1,
  kInteger = 1 << 2,
  kNumber = 1 << 3,  // any number: integers are numbers too
  kString = 1 << 4,
  kArray = 1 << 5,
  kObject = 1 << 6,
};

inline constexpr std::pair<absl::string_view, TypeBit> kTypeNames[] = {
    {"null", kNull},     {"boolean", kBoolean}, {"integer", kInteger},
    {"number", kNumber}, {"string", kString},   {"array", kArray},
    {"object", kObject},
};

// `value` as JSON text for a message, cut after about 80 characters.
std::string Quoted(const nlohmann::json& value);

}  // namespace json_schema_internal

// The keywords of one (sub)schema. Other nodes are indexes into the node
// vector (-1: none); an absent keyword is nullopt, false or empty.
struct JsonSchema::Node {
  uint8_t types = 0;  // 0: any type
  absl::flat_hash_map<std::string, int> properties;
  std::vector<std::string> required;
  bool additional_allowed = true;
  int additional_schema = -1;
  int items = -1;
  std::optional<size_t> min_items;
  bool unique_items = false;
  std::optional<size_t> min_length;
  std::optional<size_t> max_length;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<size_t> min_properties;
  bool has_enum = false;
  absl::flat_hash_set<std::string> enum_strings;
  std::vector<nlohmann::json> enum_others;
  size_t enum_size = 0;
  std::vector<std::string> enum_listing;  // for messages, when short
  std::unique_ptr<RE2> pattern;
  std::vector<int> any_of;
};

namespace json_schema_internal {

// JsonSchema::Validate on the compiled `nodes` (nodes[0] the root).
void Check(const std::vector<JsonSchema::Node>& nodes,
           const nlohmann::json& instance, std::vector<Violation>* out);

}  // namespace json_schema_internal
}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_JSON_SCHEMA_INTERNAL_H_
