#include "tools/atlasctl/veris/import_tally.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace atlas::atlasctl::veris {

void ImportTally::Add(uint64_t sequence, Outcome outcome, std::string line) {
  absl::MutexLock lock(&mu_);
  switch (outcome) {
    case Outcome::kImported:
      ++counts_.imported;
      break;
    case Outcome::kUnchanged:
      ++counts_.unchanged;
      break;
    case Outcome::kChanged:
      ++counts_.changed;
      break;
    case Outcome::kUpdated:
      ++counts_.updated;
      break;
    case Outcome::kRefused:
      ++counts_.refused;
      break;
  }
  if (!line.empty()) lines_.emplace(sequence, std::move(line));
}

ImportTally::Counts ImportTally::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

std::vector<std::string> ImportTally::Lines() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> lines;
  lines.reserve(lines_.size());
  for (const auto& [sequence, line] : lines_) lines.push_back(line);
  return lines;
}

std::string ImportTally::SummaryLine(const Counts& counts) {
  return absl::StrCat("imported ", counts.imported, ", unchanged ",
                      counts.unchanged + counts.changed, ", updated ",
                      counts.updated, ", refused ", counts.refused);
}

}  // namespace atlas::atlasctl::veris
