// Where Atlas accepts more than the current VERIS schema: older forms of
// fields for records that declare an older schema_version, and VCDB's own
// fields in `plus`. Each is an edit of the schema, applied before it is
// compiled; docs/veris-validation.md lists them with their reasons.
#ifndef ATLAS_COMMON_VERIS_SCHEMA_RELAXATIONS_H_
#define ATLAS_COMMON_VERIS_SCHEMA_RELAXATIONS_H_

#include <compare>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace atlas::veris {

// A VERIS schema_version such as "1.3.6", compared numerically; "1.3" is
// 1.3.0.
struct SchemaVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  // nullopt unless `text` is one to three dot-separated decimal numbers.
  static std::optional<SchemaVersion> Parse(absl::string_view text);
  std::string ToString() const;
  auto operator<=>(const SchemaVersion&) const = default;
};

struct SchemaRelaxation {
  // Applies to records whose schema_version is older than this; nullopt:
  // to every record.
  std::optional<SchemaVersion> before;
  // The field concerned, as a record path ("asset.cloud").
  absl::string_view field;
  // What is accepted, in a few words.
  absl::string_view accepts;
  // Edits the merged VERIS schema. InvalidArgument when the schema does not
  // have the shape the edit expects (a newer VERIS release, say).
  absl::Status (*apply)(nlohmann::json* schema);
};

// All relaxations, oldest `before` first, then those for every record.
const std::vector<SchemaRelaxation>& SchemaRelaxations();

}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_SCHEMA_RELAXATIONS_H_
