// JsonSchema::Validate: walks an instance along the compiled nodes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/veris/json_schema_internal.h"
#include "re2/re2.h"

namespace atlas::veris::json_schema_internal {

using nlohmann::json;

// `value` as JSON text for a message, cut after about 80 characters; a
// long string is cut before it is written out.
std::string Quoted(const json& value) {
  constexpr size_t kMax = 80;
  std::string text =
      value.is_string() && value.get_ref<const std::string&>().size() > kMax
          ? json(value.get_ref<const std::string&>().substr(0, kMax)).dump()
          : value.dump();
  if (text.size() > kMax) text = absl::StrCat(text.substr(0, kMax), "...");
  return text;
}

namespace {

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

std::string FormatNumber(double n) {
  json j = n;
  if (n == static_cast<double>(static_cast<int64_t>(n))) {
    j = static_cast<int64_t>(n);
  }
  return j.dump();
}

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
    // Short arrays (VERIS's are) are searched for an earlier equal item
    // directly; long ones through a hash of the items seen, so that a
    // hostile array costs linear time.
    constexpr size_t kShort = 16;
    absl::flat_hash_map<size_t, std::vector<size_t>> seen;
    for (size_t i = 0; i < array.size(); ++i) {
      path_.PushIndex(i);
      const size_t reported = out_->size();
      if (node.items >= 0) Check(node.items, array[i]);
      // An item that breaks the item schema is not compared: it is
      // reported already, and comparing (hashing) a hostile, deeply nested
      // value would recurse as deep as it goes.
      if (node.unique_items && out_->size() == reported) {
        std::optional<size_t> first;
        if (array.size() <= kShort) {
          for (size_t j = 0; j < i && !first; ++j) {
            if (array[j] == array[i]) first = j;
          }
        } else {
          std::vector<size_t>& same_hash = seen[HashValue(array[i])];
          for (size_t j : same_hash) {
            if (array[j] == array[i]) {
              first = j;
              break;
            }
          }
          if (!first) same_hash.push_back(i);
        }
        if (first) {
          Report(absl::StrCat("repeats ", path_.TextAtIndex(*first)));
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

void Check(const std::vector<JsonSchema::Node>& nodes, const json& instance,
           std::vector<Violation>* out) {
  Checker(nodes, out).Check(0, instance);
}

}  // namespace atlas::veris::json_schema_internal
