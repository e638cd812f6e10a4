// Judges whether a JSON record is valid VERIS as VERIS itself judges it:
// the merged VERIS schema (structure and enumerations), the consistency
// rules of VERIS's validator, and the older forms a record of an older
// schema_version may use. docs/veris-validation.md says exactly what is
// checked and where Atlas deliberately accepts more than VERIS does.
#ifndef ATLAS_COMMON_VERIS_VERIS_SCHEMA_H_
#define ATLAS_COMMON_VERIS_VERIS_SCHEMA_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/veris/json_schema.h"
#include "common/veris/schema_relaxations.h"
#include "common/veris/violation.h"
#include "nlohmann/json.hpp"

namespace atlas::veris {

class VerisSchema {
 public:
  // Loads verisc-merged.json from `veris_dir` and compiles it once per era
  // of schema_version that older forms distinguish. NotFound when the file
  // cannot be read; InvalidArgument when it is not JSON, uses a JSON Schema
  // keyword the validator does not implement, or lacks a field a
  // relaxation edits (the message names it).
  static absl::StatusOr<VerisSchema> Load(const std::string& veris_dir);

  VerisSchema(VerisSchema&&) noexcept = default;
  VerisSchema& operator=(VerisSchema&&) noexcept = default;

  // Every violation of `record` (empty: valid VERIS), in a deterministic
  // order, schema violations (in document order) before consistency rules;
  // the first is the one to show a person. The record's schema_version
  // picks which older forms are accepted; a missing or unreadable one gets
  // none. Thread-safe; the schema was compiled by Load, so a call only
  // walks the record.
  std::vector<Violation> Validate(const nlohmann::json& record) const;

 private:
  struct Era {
    // Records with a schema_version older than this (nullopt: all the
    // newer ones, and records without a readable version).
    std::optional<SchemaVersion> before;
    JsonSchema schema;
  };

  explicit VerisSchema(std::vector<Era> eras) : eras_(std::move(eras)) {}

  const JsonSchema& SchemaFor(const nlohmann::json& record) const;

  // Oldest first; the last is the current schema.
  std::vector<Era> eras_;
};

}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_VERIS_SCHEMA_H_
