#include "common/veris/json_schema.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace atlas::veris {

using nlohmann::json;

namespace {

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

constexpr std::pair<absl::string_view, TypeBit> kTypeNames[] = {
    {"null", kNull},     {"boolean", kBoolean}, {"integer", kInteger},
    {"number", kNumber}, {"string", kString},   {"array", kArray},
    {"object", kObject},
};

// The type of `value` as draft-04 names it: "integer" for a number written
// without a fraction or exponent, "number" for the others.
absl::string_view TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

bool HasType(uint8_t mask, const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return mask & kNull;
    case json::value_t::boolean:
      return mask & kBoolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return mask & (kInteger | kNumber);
    case json::value_t::number_float:
      return mask & kNumber;
    case json::value_t::string:
      return mask & kString;
    case json::value_t::array:
      return mask & kArray;
    case json::value_t::object:
      return mask & kObject;
    default:
      return false;
  }
}

std::string Article(absl::string_view type) {
  const bool vowel =
      !type.empty() && (type[0] == 'a' || type[0] == 'i' || type[0] == 'o');
  return absl::StrCat(vowel ? "an " : "a ", type);
}

std::string TypeList(uint8_t mask) {
  std::vector<std::string> names;
  for (const auto& [name, bit] : kTypeNames) {
    if (mask & bit) names.push_back(Article(name));
  }
  return absl::StrJoin(names, " or ");
}

// Unicode code points in UTF-8 text: what minLength and maxLength count.
size_t CodePoints(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// A hash under which values that draft-04 calls equal (1 and 1.0, objects
// with the same members) hash alike; json's own == decides equality.
size_t HashValue(const json& value) {
  auto mix = [](size_t seed, size_t h) {
    return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  };
  switch (value.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return std::hash<double>()(value.get<double>());
    case json::value_t::string:
      return std::hash<std::string>()(value.get_ref<const std::string&>());
    case json::value_t::boolean:
      return value.get<bool>() ? 3 : 2;
    case json::value_t::array: {
      size_t h = 5;
      for (const json& item : value) h = mix(h, HashValue(item));
      return h;
    }
    case json::value_t::object: {
      size_t h = 7;
      for (const auto& [key, member] : value.items()) {
        h = mix(h, std::hash<std::string>()(key));
        h = mix(h, HashValue(member));
      }
      return h;
    }
    default:
      return 1;
  }
}

std::string Quoted(const json& value) {
  std::string text = value.dump();
  constexpr size_t kMax = 80;
  if (text.size() > kMax) text = absl::StrCat(text.substr(0, kMax), "...");
  return text;
}

std::string FormatNumber(double n) {
  json j = n;
  if (n == static_cast<double>(static_cast<int64_t>(n))) {
    j = static_cast<int64_t>(n);
  }
  return j.dump();
}

}  // namespace

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
  std::vector<json> enum_others;
  size_t enum_size = 0;
  std::vector<std::string> enum_listing;  // for messages, when short
  std::unique_ptr<RE2> pattern;
  std::vector<int> any_of;
};

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

// The instance path being checked, as a stack of segments; it is turned
// into text only when a violation is reported.
class Path {
 public:
  void PushKey(const std::string& key) { segments_.push_back({&key, 0}); }
  void PushIndex(size_t index) { segments_.push_back({nullptr, index}); }
  void Pop() { segments_.pop_back(); }

  std::string Text() const {
    std::string text;
    for (const Segment& segment : segments_) {
      if (segment.key == nullptr) {
        absl::StrAppend(&text, "[", segment.index, "]");
      } else {
        if (!text.empty()) text.push_back('.');
        text.append(*segment.key);
      }
    }
    return text;
  }

  // Text() of this path with its last segment (an index) set to `index`.
  std::string TextAtIndex(size_t index) {
    const size_t current = segments_.back().index;
    segments_.back().index = index;
    std::string text = Text();
    segments_.back().index = current;
    return text;
  }

 private:
  struct Segment {
    const std::string* key;  // nullptr: an array index
    size_t index;
  };
  std::vector<Segment> segments_;
};

class Checker {
 public:
  Checker(const std::vector<JsonSchema::Node>& nodes,
          std::vector<Violation>* out)
      : nodes_(nodes), out_(out) {}

  void Check(int index, const json& value) {
    const JsonSchema::Node& node = nodes_[index];
    if (node.types != 0 && !HasType(node.types, value)) {
      Report(absl::StrCat("must be ", TypeList(node.types), ", not ",
                          Article(TypeName(value))));
      return;
    }
    if (node.has_enum && !InEnum(node, value)) {
      Report(EnumReason(node, value));
      return;
    }
    if (!node.any_of.empty()) AnyOf(node, value);
    switch (value.type()) {
      case json::value_t::string:
        String(node, value.get_ref<const std::string&>());
        break;
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
      case json::value_t::number_float:
        Number(node, value.get<double>());
        break;
      case json::value_t::object:
        Object(node, value);
        break;
      case json::value_t::array:
        Array(node, value);
        break;
      default:
        break;
    }
  }

 private:
  void Report(std::string reason) {
    out_->push_back({path_.Text(), std::move(reason)});
  }

  static bool InEnum(const JsonSchema::Node& node, const json& value) {
    if (value.is_string()) {
      return node.enum_strings.contains(value.get_ref<const std::string&>());
    }
    for (const json& allowed : node.enum_others) {
      if (allowed == value) return true;
    }
    return false;
  }

  static std::string EnumReason(const JsonSchema::Node& node,
                                const json& value) {
    if (!node.enum_listing.empty()) {
      return absl::StrCat(Quoted(value), " is not one of ",
                          absl::StrJoin(node.enum_listing, ", "));
    }
    return absl::StrCat(Quoted(value), " is not one of the ", node.enum_size,
                        " allowed values");
  }

  // Draft-04 anyOf: valid when one alternative is. Otherwise the
  // violations of the one alternative meant for this type of value, or a
  // single violation when that is not clear.
  void AnyOf(const JsonSchema::Node& node, const json& value) {
    std::vector<std::vector<Violation>> found(node.any_of.size());
    for (size_t i = 0; i < node.any_of.size(); ++i) {
      Checker alternative(nodes_, &found[i]);
      alternative.path_ = path_;
      alternative.Check(node.any_of[i], value);
      if (found[i].empty()) return;
    }
    int meant = -1;
    for (size_t i = 0; i < node.any_of.size(); ++i) {
      const uint8_t types = nodes_[node.any_of[i]].types;
      if (types == 0 || HasType(types, value)) {
        meant = meant == -1 ? static_cast<int>(i) : -2;
      }
    }
    if (meant >= 0) {
      for (Violation& v : found[meant]) out_->push_back(std::move(v));
    } else {
      Report("matches none of the allowed forms");
    }
  }

  void String(const JsonSchema::Node& node, const std::string& text) {
    if (node.min_length || node.max_length) {
      const size_t length = CodePoints(text);
      if (node.min_length && length < *node.min_length) {
        Report(*node.min_length == 1
                   ? std::string("must not be empty")
                   : absl::StrCat("must be at least ", *node.min_length,
                                  " characters long, not ", length));
      }
      if (node.max_length && length > *node.max_length) {
        Report(absl::StrCat("must be at most ", *node.max_length,
                            " characters long, not ", length));
      }
    }
    if (node.pattern && !RE2::PartialMatch(text, *node.pattern)) {
      Report(absl::StrCat(Quoted(json(text)), " does not match the pattern ",
                          node.pattern->pattern()));
    }
  }

  void Number(const JsonSchema::Node& node, double n) {
    if (node.minimum && n < *node.minimum) {
      Report(absl::StrCat("must be at least ", FormatNumber(*node.minimum),
                          ", not ", FormatNumber(n)));
    }
    if (node.maximum && n > *node.maximum) {
      Report(absl::StrCat("must be at most ", FormatNumber(*node.maximum),
                          ", not ", FormatNumber(n)));
    }
  }

  void Object(const JsonSchema::Node& node, const json& object) {
    if (node.min_properties && object.size() < *node.min_properties) {
      Report(*node.min_properties == 1
                 ? std::string("must not be empty")
                 : absl::StrCat("must have at least ", *node.min_properties,
                                " fields"));
    }
    for (const std::string& name : node.required) {
      if (!object.contains(name)) {
        path_.PushKey(name);
        Report("is required but missing");
        path_.Pop();
      }
    }
    for (const auto& [key, member] : object.items()) {
      path_.PushKey(key);
      auto known = node.properties.find(key);
      if (known != node.properties.end()) {
        Check(known->second, member);
      } else if (node.additional_schema >= 0) {
        Check(node.additional_schema, member);
      } else if (!node.additional_allowed) {
        Report("is not a field here");
      }
      path_.Pop();
    }
  }

  void Array(const JsonSchema::Node& node, const json& array) {
    if (node.min_items && array.size() < *node.min_items) {
      Report(*node.min_items == 1 ? std::string("must not be empty")
                                  : absl::StrCat("must have at least ",
                                                 *node.min_items, " items"));
    }
    // Items by hash, to find duplicates in linear time however long the
    // array: first index of each distinct value seen.
    absl::flat_hash_map<size_t, std::vector<size_t>> seen;
    for (size_t i = 0; i < array.size(); ++i) {
      path_.PushIndex(i);
      if (node.items >= 0) Check(node.items, array[i]);
      if (node.unique_items) {
        std::vector<size_t>& same_hash = seen[HashValue(array[i])];
        std::optional<size_t> first;
        for (size_t j : same_hash) {
          if (array[j] == array[i]) {
            first = j;
            break;
          }
        }
        if (first) {
          Report(absl::StrCat("repeats ", path_.TextAtIndex(*first)));
        } else {
          same_hash.push_back(i);
        }
      }
      path_.Pop();
    }
  }

  const std::vector<JsonSchema::Node>& nodes_;
  std::vector<Violation>* out_;
  Path path_;
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
  Checker(nodes_, out).Check(0, instance);
}

}  // namespace atlas::veris
