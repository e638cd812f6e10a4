// A JSON Schema (draft-04) compiled once and then checked against many
// documents: the subset of keywords the VERIS schema uses, plus anyOf.
#ifndef ATLAS_COMMON_VERIS_JSON_SCHEMA_H_
#define ATLAS_COMMON_VERIS_JSON_SCHEMA_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/veris/violation.h"
#include "nlohmann/json.hpp"

namespace atlas::veris {

// Keywords understood, with their draft-04 meaning: type (a name or a list
// of names), properties, required, additionalProperties (a boolean or a
// schema), items (one schema for every item), enum, minItems, uniqueItems,
// minLength, maxLength (in Unicode code points), minimum, maximum,
// minProperties, pattern (ECMA 262 syntax as RE2 reads it, unanchored, as
// draft-04 says), anyOf. Annotations ($schema, title, description,
// default, and VERIS's misspelt "definition") are ignored. Any other
// keyword makes Compile fail, so that no rule of a schema is silently
// dropped.
//
// Thread safety: Validate is const and may run on many threads at once.
class JsonSchema {
 public:
  // Compiles `schema`. InvalidArgument, naming the schema location
  // ("#/properties/victim/properties/industry"), when a keyword is not
  // supported, has a value of the wrong shape, or a pattern does not
  // compile.
  static absl::StatusOr<JsonSchema> Compile(const nlohmann::json& schema);

  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;
  ~JsonSchema();

  // Appends to `out` every violation of the schema by `instance`, in
  // document order: at each object, minProperties, then required (in the
  // schema's order), then the fields present (in key order); at each
  // array, minItems, then the items in order. A value of the wrong type
  // (or outside an enum) yields one violation and nothing below it is
  // checked. uniqueItems compares only the items that satisfy `items`
  // (the others are reported already). Recursion goes as deep as the
  // schema does, not as the instance: fields the schema leaves open are not
  // walked.
  void Validate(const nlohmann::json& instance,
                std::vector<Violation>* out) const;

  // One compiled schema; defined in the .cc, named here for its helpers.
  struct Node;

 private:
  explicit JsonSchema(std::vector<Node> nodes);

  // nodes_[0] is the root; nodes refer to each other by index.
  std::vector<Node> nodes_;
};

}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_JSON_SCHEMA_H_
