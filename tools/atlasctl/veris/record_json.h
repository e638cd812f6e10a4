// Read-only, exception-free access to the members of a VERIS record.
//
// The mapper runs on records the VERIS schema has accepted, but it never
// trusts a shape: every accessor returns "absent" (nullptr, nullopt, an
// empty list) for a member that is missing or of another JSON type, so a
// record the schema let through in an unexpected form is mapped as far as
// it goes instead of throwing (nlohmann's typed getters throw).
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_RECORD_JSON_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_RECORD_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace atlas::atlasctl::veris {

using Json = nlohmann::json;

// The member `key` of `object`; nullptr when `object` is null, not an
// object, or has no such member.
const Json* Member(const Json* object, absl::string_view key);

// Member(Member(&root, a), b)...: `{"timeline", "incident", "year"}`.
const Json* At(const Json& root, std::initializer_list<absl::string_view> path);

// The string, if `value` is one.
std::optional<std::string> StringOf(const Json* value);

// The strings of an array, in order (items of other types skipped); empty
// when `value` is not an array.
std::vector<std::string> StringsOf(const Json* value);

// An integer, if `value` is an integer or a number with no fraction that
// fits in int64.
std::optional<int64_t> IntegerOf(const Json* value);

// A finite number, if `value` is one.
std::optional<double> NumberOf(const Json* value);

// True only for the JSON literal true.
bool IsTrue(const Json* value);

// The members of an object (in key order, as nlohmann::json keeps them);
// empty when `value` is not an object.
std::vector<std::pair<std::string, const Json*>> MembersOf(const Json* value);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_RECORD_JSON_H_
