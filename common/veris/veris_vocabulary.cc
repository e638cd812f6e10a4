#include "common/veris/veris_vocabulary.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace atlas::veris {
namespace {

// Collects the leaves below `node` (at `path`) into `out`. DATA_LOSS naming
// the path of a leaf that is not an array of strings.
absl::Status Collect(
    const nlohmann::json& node, const std::string& path, int depth,
    absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>>* out) {
  if (depth > 16) {
    return absl::DataLossError(
        absl::StrCat(VerisVocabulary::kFileName, ": ", path, ": too deep"));
  }
  if (node.is_object()) {
    for (const auto& [key, child] : node.items()) {
      absl::Status s =
          Collect(child, path.empty() ? key : path + "." + key, depth + 1, out);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (!node.is_array() || path.empty()) {
    return absl::DataLossError(absl::StrCat(
        VerisVocabulary::kFileName, ": ", path.empty() ? "the top level" : path,
        ": expected an object or an array of strings"));
  }
  absl::flat_hash_set<std::string>& values = (*out)[path];
  for (const nlohmann::json& v : node) {
    if (!v.is_string()) {
      return absl::DataLossError(absl::StrCat(
          VerisVocabulary::kFileName, ": ", path, ": a value is not a string"));
    }
    values.insert(v.get<std::string>());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VerisVocabulary> VerisVocabulary::Load(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kFileName);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(buffer.str());
}

absl::StatusOr<VerisVocabulary> VerisVocabulary::Parse(absl::string_view json) {
  // No exceptions: a parse error yields a discarded value.
  nlohmann::json root = nlohmann::json::parse(json.begin(), json.end(),
                                              /*cb=*/nullptr,
                                              /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::DataLossError(absl::StrCat(kFileName, ": not a JSON object"));
  }
  VerisVocabulary vocabulary;
  absl::Status s = Collect(root, "", 0, &vocabulary.enumerations_);
  if (!s.ok()) return s;
  if (vocabulary.enumerations_.empty()) {
    return absl::DataLossError(absl::StrCat(kFileName, ": no enumeration"));
  }
  return vocabulary;
}

bool VerisVocabulary::Contains(absl::string_view path,
                               absl::string_view value) const {
  auto it = enumerations_.find(path);
  return it != enumerations_.end() && it->second.contains(value);
}

size_t VerisVocabulary::ValueCount(absl::string_view path) const {
  auto it = enumerations_.find(path);
  return it == enumerations_.end() ? 0 : it->second.size();
}

}  // namespace atlas::veris
