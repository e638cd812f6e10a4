#include "tools/atlasctl/table.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace atlas::atlasctl {
namespace {

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t CharCount(absl::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return !IsContinuationByte(c); });
}

// Cuts `s` to at most `max` characters, never inside a UTF-8 sequence.
std::string Truncate(const std::string& s, size_t max) {
  if (CharCount(s) <= max) return s;
  size_t chars = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (!IsContinuationByte(s[i]) && chars++ == max - 3) break;
  }
  return s.substr(0, i) + "...";
}

// Tabs and newlines would break the layout.
std::string OneLine(std::string s) {
  std::replace_if(
      s.begin(), s.end(),
      [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
  return s;
}

}  // namespace

Table::Table(std::vector<std::string> header, size_t max_width)
    : header_(std::move(header)), max_width_(std::max<size_t>(max_width, 4)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    cells[i] = OneLine(std::move(cells[i]));
    if (i + 1 < cells.size()) cells[i] = Truncate(cells[i], max_width_);
  }
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  if (rows_.empty()) return;
  std::vector<size_t> widths(header_.size());
  for (size_t i = 0; i < header_.size(); ++i) widths[i] = CharCount(header_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], CharCount(row[i]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - CharCount(row[i]) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print_row(header_);
  for (const auto& row : rows_) print_row(row);
}

std::string FormatPartialDate(const atlas::type::v1::PartialDate& date) {
  if (date.year() == 0) return "";
  if (date.month() == 0) return absl::StrFormat("%04d", date.year());
  if (date.day() == 0) {
    return absl::StrFormat("%04d-%02d", date.year(), date.month());
  }
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

std::string ShortId(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

}  // namespace atlas::atlasctl
