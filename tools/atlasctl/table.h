// Plain-text tables for atlasctl's `--output table`, and the formatting of
// the value types that appear in them.
#ifndef ATLAS_TOOLS_ATLASCTL_TABLE_H_
#define ATLAS_TOOLS_ATLASCTL_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "atlas/type/v1/partial_date.pb.h"

namespace atlas::atlasctl {

// Collects rows, then prints them with a header, columns padded to their
// widest cell (counted in UTF-8 characters). Cells of every column but the
// last are cut at `max_width` characters with "...".
class Table {
 public:
  explicit Table(std::vector<std::string> header, size_t max_width = 48);

  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // Prints the header and the rows; prints nothing when there are no rows.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  size_t max_width_;
};

// "2024", "2024-04", "2024-03-28"; "" for an unset date (year 0).
std::string FormatPartialDate(const atlas::type::v1::PartialDate& date);

// The part of a resource name after its last '/' ("organizations/x" -> "x").
std::string ShortId(absl::string_view name);

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_TABLE_H_
