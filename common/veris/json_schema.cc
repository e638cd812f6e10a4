#include "common/veris/json_schema.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/veris/json_schema_internal.h"
#include "re2/re2.h"

namespace atlas::veris {

using json_schema_internal::kTypeNames;
using json_schema_internal::Quoted;
using nlohmann::json;

namespace {

// Builds the node tree of a schema; nodes are appended depth-first.
class Compiler {
 public:
  absl::StatusOr<int> Compile(const json& schema, const std::string& where) {
    if (!schema.is_object()) {
      return Error(where, "a schema must be an object");
    }
    const int index = static_cast<int>(nodes_.size());
    nodes_.emplace_back();
    for (const auto& [keyword, value] : schema.items()) {
      const std::string at = absl::StrCat(where, "/", keyword);
      absl::Status status = Keyword(index, keyword, value, at);
      if (!status.ok()) return status;
    }
    return index;
  }

  std::vector<JsonSchema::Node> Take() { return std::move(nodes_); }

 private:
  static absl::Status Error(const std::string& where, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("schema ", where, ": ", what));
  }

  static absl::StatusOr<size_t> Count(const json& value,
                                      const std::string& at) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0) {
      return Error(at, "must be a non-negative integer");
    }
    return value.get<size_t>();
  }

  absl::Status Keyword(int index, const std::string& keyword, const json& value,
                       const std::string& at) {
    // Annotations: no effect on validity. "definition" is how one VERIS
    // field spells "description".
    if (keyword == "$schema" || keyword == "title" ||
        keyword == "description" || keyword == "default" ||
        keyword == "definition") {
      return absl::OkStatus();
    }
    if (keyword == "type") return Type(index, value, at);
    if (keyword == "properties") {
      if (!value.is_object()) return Error(at, "must be an object");
      for (const auto& [name, sub] : value.items()) {
        absl::StatusOr<int> child = Compile(sub, absl::StrCat(at, "/", name));
        if (!child.ok()) return child.status();
        nodes_[index].properties.emplace(name, *child);
      }
      return absl::OkStatus();
    }
    if (keyword == "required") {
      if (!value.is_array()) return Error(at, "must be an array of names");
      for (const json& name : value) {
        if (!name.is_string()) return Error(at, "must be an array of names");
        nodes_[index].required.push_back(name.get<std::string>());
      }
      return absl::OkStatus();
    }
    if (keyword == "additionalProperties") {
      if (value.is_boolean()) {
        nodes_[index].additional_allowed = value.get<bool>();
        return absl::OkStatus();
      }
      absl::StatusOr<int> child = Compile(value, at);
      if (!child.ok()) return child.status();
      nodes_[index].additional_schema = *child;
      return absl::OkStatus();
    }
    if (keyword == "items") {
      if (!value.is_object()) {
        return Error(at, "only a single schema for every item is supported");
      }
      absl::StatusOr<int> child = Compile(value, at);
      if (!child.ok()) return child.status();
      nodes_[index].items = *child;
      return absl::OkStatus();
    }
    if (keyword == "anyOf") {
      if (!value.is_array() || value.empty()) {
        return Error(at, "must be a non-empty array of schemas");
      }
      for (size_t i = 0; i < value.size(); ++i) {
        absl::StatusOr<int> child = Compile(value[i], absl::StrCat(at, "/", i));
        if (!child.ok()) return child.status();
        nodes_[index].any_of.push_back(*child);
      }
      return absl::OkStatus();
    }
    if (keyword == "enum") return Enum(index, value, at);
    if (keyword == "pattern") {
      if (!value.is_string()) return Error(at, "must be a string");
      auto re = std::make_unique<RE2>(value.get<std::string>(), RE2::Quiet);
      if (!re->ok()) {
        return Error(at,
                     absl::StrCat("pattern does not compile: ", re->error()));
      }
      nodes_[index].pattern = std::move(re);
      return absl::OkStatus();
    }
    if (keyword == "uniqueItems") {
      if (!value.is_boolean()) return Error(at, "must be a boolean");
      nodes_[index].unique_items = value.get<bool>();
      return absl::OkStatus();
    }
    if (keyword == "minimum" || keyword == "maximum") {
      if (!value.is_number()) return Error(at, "must be a number");
      (keyword == "minimum" ? nodes_[index].minimum : nodes_[index].maximum) =
          value.get<double>();
      return absl::OkStatus();
    }
    std::optional<size_t>* count = nullptr;
    if (keyword == "minItems") count = &nodes_[index].min_items;
    if (keyword == "minLength") count = &nodes_[index].min_length;
    if (keyword == "maxLength") count = &nodes_[index].max_length;
    if (keyword == "minProperties") count = &nodes_[index].min_properties;
    if (count != nullptr) {
      absl::StatusOr<size_t> n = Count(value, at);
      if (!n.ok()) return n.status();
      *count = *n;
      return absl::OkStatus();
    }
    return Error(at,
                 absl::StrCat("keyword \"", keyword, "\" is not supported"));
  }

  absl::Status Type(int index, const json& value, const std::string& at) {
    std::vector<const json*> names;
    if (value.is_string()) {
      names.push_back(&value);
    } else if (value.is_array()) {
      for (const json& name : value) names.push_back(&name);
    }
    if (names.empty()) return Error(at, "must be a type name or a list");
    for (const json* name : names) {
      bool known = false;
      for (const auto& [type_name, bit] : kTypeNames) {
        if (name->is_string() &&
            name->get_ref<const std::string&>() == type_name) {
          nodes_[index].types |= bit;
          known = true;
        }
      }
      if (!known)
        return Error(at, absl::StrCat("unknown type ", Quoted(*name)));
    }
    return absl::OkStatus();
  }

  absl::Status Enum(int index, const json& value, const std::string& at) {
    if (!value.is_array() || value.empty()) {
      return Error(at, "must be a non-empty array");
    }
    JsonSchema::Node& node = nodes_[index];
    node.has_enum = true;
    node.enum_size = value.size();
    constexpr size_t kListed = 8;
    for (const json& allowed : value) {
      if (allowed.is_string()) {
        node.enum_strings.insert(allowed.get<std::string>());
      } else {
        node.enum_others.push_back(allowed);
      }
      if (value.size() <= kListed) node.enum_listing.push_back(Quoted(allowed));
    }
    return absl::OkStatus();
  }

  std::vector<JsonSchema::Node> nodes_;
};

}  // namespace

absl::StatusOr<JsonSchema> JsonSchema::Compile(const json& schema) {
  Compiler compiler;
  absl::StatusOr<int> root = compiler.Compile(schema, "#");
  if (!root.ok()) return root.status();
  return JsonSchema(compiler.Take());
}

JsonSchema::JsonSchema(std::vector<Node> nodes) : nodes_(std::move(nodes)) {}
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;
JsonSchema::~JsonSchema() = default;

void JsonSchema::Validate(const json& instance,
                          std::vector<Violation>* out) const {
  json_schema_internal::Check(nodes_, instance, out);
}

}  // namespace atlas::veris
