#include "common/veris/veris_schema.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/veris/consistency_rules.h"

namespace atlas::veris {

using nlohmann::json;

namespace {

constexpr char kMergedSchemaFile[] = "verisc-merged.json";

absl::StatusOr<json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), /*cb=*/nullptr,
                            /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not JSON"));
  }
  return parsed;
}

// The merged schema with every relaxation meant for records older than
// `version` (nullopt: the current schema, with the relaxations for all).
absl::StatusOr<JsonSchema> CompileFor(const json& merged,
                                      std::optional<SchemaVersion> version) {
  json schema = merged;
  for (const SchemaRelaxation& relaxation : SchemaRelaxations()) {
    const bool applies = !relaxation.before.has_value() ||
                         (version.has_value() && *version < *relaxation.before);
    if (!applies) continue;
    absl::Status status = relaxation.apply(&schema);
    if (!status.ok()) return status;
  }
  return JsonSchema::Compile(schema);
}

}  // namespace

absl::StatusOr<VerisSchema> VerisSchema::Load(const std::string& veris_dir) {
  absl::StatusOr<json> merged =
      ReadJson(absl::StrCat(veris_dir, "/", kMergedSchemaFile));
  if (!merged.ok()) return merged.status();

  // One era per distinct `before` of the version-bound relaxations: era k
  // holds the versions in [before(k-1), before(k)) and so every relaxation
  // whose `before` is later than them.
  std::vector<SchemaVersion> bounds;
  for (const SchemaRelaxation& relaxation : SchemaRelaxations()) {
    if (relaxation.before) bounds.push_back(*relaxation.before);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  std::vector<Era> eras;
  std::optional<SchemaVersion> from;  // the oldest version of this era
  for (const SchemaVersion& before : bounds) {
    // Any version below `before` and at or above `from` stands for the era.
    const SchemaVersion sample = from.value_or(SchemaVersion{0, 0, 0});
    absl::StatusOr<JsonSchema> schema = CompileFor(*merged, sample);
    if (!schema.ok()) return schema.status();
    eras.push_back({before, *std::move(schema)});
    from = before;
  }
  absl::StatusOr<JsonSchema> current = CompileFor(*merged, std::nullopt);
  if (!current.ok()) return current.status();
  eras.push_back({std::nullopt, *std::move(current)});
  return VerisSchema(std::move(eras));
}

const JsonSchema& VerisSchema::SchemaFor(const json& record) const {
  std::optional<SchemaVersion> version;
  if (record.is_object()) {
    auto declared = record.find("schema_version");
    if (declared != record.end() && declared->is_string()) {
      version = SchemaVersion::Parse(declared->get_ref<const std::string&>());
    }
  }
  if (version) {
    for (const Era& era : eras_) {
      if (era.before && *version < *era.before) return era.schema;
    }
  }
  return eras_.back().schema;
}

std::vector<Violation> VerisSchema::Validate(const json& record) const {
  std::vector<Violation> violations;
  SchemaFor(record).Validate(record, &violations);
  CheckConsistency(record, &violations);
  return violations;
}

}  // namespace atlas::veris
