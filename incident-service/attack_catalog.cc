#include "incident-service/attack_catalog.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace atlas::incident {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<bool> ParseBool(absl::string_view v, size_t line) {
  if (v == "true") return true;
  if (v == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("enterprise-techniques.tsv line ", line, ": \"", v,
                   "\" is not true or false"));
}

}  // namespace

absl::StatusOr<AttackCatalog> AttackCatalog::Load(const std::string& dir) {
  auto tsv = ReadFile(dir + "/enterprise-techniques.tsv");
  if (!tsv.ok()) return tsv.status();
  std::string release = "the pinned ATT&CK Enterprise release";
  auto source = ReadFile(dir + "/SOURCE.md");
  if (source.ok()) {
    // "# MITRE ATT&CK Enterprise v18.1: techniques and tactics"
    absl::string_view first = *source;
    first = first.substr(0, first.find('\n'));
    if (absl::ConsumePrefix(&first, "# MITRE ")) {
      release = std::string(first.substr(0, first.find(':')));
    }
  }
  return Parse(*tsv, std::move(release));
}

absl::StatusOr<AttackCatalog> AttackCatalog::Parse(absl::string_view tsv,
                                                   std::string release) {
  AttackCatalog catalog;
  catalog.release_ = std::move(release);
  size_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(tsv, '\n')) {
    ++line_no;
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty() || line_no == 1) continue;  // header
    std::vector<absl::string_view> cols = absl::StrSplit(line, '\t');
    if (cols.size() != 7 || cols[0].empty() || cols[0][0] != 'T') {
      return absl::InvalidArgumentError(absl::StrCat(
          "enterprise-techniques.tsv line ", line_no, ": expected 7 columns"));
    }
    Technique t;
    t.id = std::string(cols[0]);
    t.name = std::string(cols[1]);
    auto deprecated = ParseBool(cols[4], line_no);
    if (!deprecated.ok()) return deprecated.status();
    auto revoked = ParseBool(cols[5], line_no);
    if (!revoked.ok()) return revoked.status();
    t.deprecated = *deprecated;
    t.revoked = *revoked;
    t.revoked_by = std::string(cols[6]);
    std::string id = t.id;
    catalog.techniques_.emplace(std::move(id), std::move(t));
  }
  if (catalog.techniques_.empty()) {
    return absl::InvalidArgumentError(
        "enterprise-techniques.tsv: no techniques");
  }
  return catalog;
}

bool AttackCatalog::IsTechniqueId(absl::string_view id) {
  auto digits = [](absl::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
  };
  if (id.size() == 5) return id[0] == 'T' && digits(id.substr(1));
  return id.size() == 9 && id[0] == 'T' && digits(id.substr(1, 4)) &&
         id[5] == '.' && digits(id.substr(6));
}

const AttackCatalog::Technique* AttackCatalog::Find(
    absl::string_view id) const {
  auto it = techniques_.find(id);
  return it == techniques_.end() ? nullptr : &it->second;
}

absl::Status AttackCatalog::Check(absl::string_view id, absl::string_view field,
                                  std::string* name) const {
  const Technique* t = Find(id);
  if (t == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", id.substr(0, 32), " is not a technique of ", release_));
  }
  if (t->revoked) {
    const Technique* by = Find(t->revoked_by);
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", id, " (", t->name, ") was revoked in ", release_, "; use ",
        t->revoked_by,
        by != nullptr ? absl::StrCat(" (", by->name, ")") : std::string()));
  }
  *name = t->name;
  return absl::OkStatus();
}

}  // namespace atlas::incident
