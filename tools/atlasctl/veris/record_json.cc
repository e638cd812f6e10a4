#include "tools/atlasctl/veris/record_json.h"

#include <cmath>
#include <limits>
#include <string_view>

namespace atlas::atlasctl::veris {

const Json* Member(const Json* object, absl::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(std::string_view(key.data(), key.size()));
  if (it == object->end()) return nullptr;
  return &*it;
}

const Json* At(const Json& root,
               std::initializer_list<absl::string_view> path) {
  const Json* at = &root;
  for (absl::string_view key : path) {
    at = Member(at, key);
    if (at == nullptr) return nullptr;
  }
  return at;
}

std::optional<std::string> StringOf(const Json* value) {
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get_ref<const std::string&>();
}

std::vector<std::string> StringsOf(const Json* value) {
  std::vector<std::string> out;
  if (value == nullptr || !value->is_array()) return out;
  for (const Json& item : *value) {
    if (item.is_string()) out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

std::optional<int64_t> IntegerOf(const Json* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) {
    if (value->is_number_unsigned()) {
      uint64_t u = value->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::nullopt;
      }
      return static_cast<int64_t>(u);
    }
    return value->get<int64_t>();
  }
  if (value->is_number_float()) {
    double d = value->get<double>();
    // 2^63 is the first double past int64's range.
    if (!std::isfinite(d) || d != std::floor(d) || d < -9.2233720368547758e18 ||
        d >= 9.2233720368547758e18) {
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> NumberOf(const Json* value) {
  if (value == nullptr || !value->is_number()) return std::nullopt;
  double d = value->get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

bool IsTrue(const Json* value) {
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

std::vector<std::pair<std::string, const Json*>> MembersOf(const Json* value) {
  std::vector<std::pair<std::string, const Json*>> out;
  if (value == nullptr || !value->is_object()) return out;
  for (auto it = value->begin(); it != value->end(); ++it) {
    out.emplace_back(it.key(), &it.value());
  }
  return out;
}

}  // namespace atlas::atlasctl::veris
