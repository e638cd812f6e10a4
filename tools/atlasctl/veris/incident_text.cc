#include "tools/atlasctl/veris/incident_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace atlas::atlasctl::veris {
namespace {

constexpr absl::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Byte offset just past the first `chars` code points of `text` (its size
// when it has fewer).
size_t OffsetOfChar(absl::string_view text, size_t chars) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuation(text[i])) continue;
    if (seen == chars) return i;
    ++seen;
  }
  return text.size();
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool EndsSentence(char c) { return c == '.' || c == '!' || c == '?'; }

bool ClosesSentence(char c) {
  return c == '"' || c == '\'' || c == ')' || c == ']';
}

}  // namespace

size_t CharCount(absl::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) {
    if (!IsContinuation(c)) ++n;
  }
  return n;
}

std::string CleanText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      out.push_back('\n');
    } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
      out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

std::string FitAtWord(absl::string_view text, size_t max_chars) {
  if (CharCount(text) <= max_chars) return std::string(text);
  if (max_chars == 0) return "";
  // Room for the ellipsis.
  size_t cut = OffsetOfChar(text, max_chars - 1);
  size_t space = cut;
  while (space > 0 && !IsSpace(text[space])) --space;
  if (space > 0) cut = space;
  absl::string_view lead =
      absl::StripTrailingAsciiWhitespace(text.substr(0, cut));
  return absl::StrCat(lead, kEllipsis);
}

SummarySplit SplitSummary(absl::string_view text) {
  if (CharCount(text) <= kSummaryMaxChars) {
    return {std::string(text), false};
  }
  const size_t limit = OffsetOfChar(text, kSummaryMaxChars);
  // The end of the last whole sentence that fits.
  size_t best = 0;
  for (size_t i = 0; i < limit; ++i) {
    if (!EndsSentence(text[i])) continue;
    size_t end = i + 1;
    while (end < text.size() && ClosesSentence(text[end])) ++end;
    if (end > limit) break;
    if (end == text.size() || IsSpace(text[end])) best = end;
  }
  if (best == 0) return {FitAtWord(text, kSummaryMaxChars), true};
  return {std::string(text.substr(0, best)), true};
}

void DescriptionBuilder::AddParagraph(std::string text) {
  if (!text.empty()) parts_.push_back(std::move(text));
}

void DescriptionBuilder::AddSection(absl::string_view label, std::string text) {
  if (!text.empty()) parts_.push_back(absl::StrCat(label, ": ", text));
}

std::string DescriptionBuilder::Build() const {
  return absl::StrJoin(parts_, "\n\n");
}

std::string IncidentTitle(absl::string_view victim,
                          const std::vector<std::string>& actions) {
  std::string title(victim);
  if (actions.empty()) return FitAtWord(title, kTitleMaxChars);
  absl::StrAppend(&title, ": ");
  const std::string cut_mark = absl::StrCat("; ", kEllipsis);
  for (size_t i = 0; i < actions.size(); ++i) {
    std::string next = absl::StrCat(title, i == 0 ? "" : "; ", actions[i]);
    const size_t reserve = i + 1 < actions.size() ? CharCount(cut_mark) : 0;
    if (CharCount(next) + reserve > kTitleMaxChars) {
      if (i == 0) return FitAtWord(next, kTitleMaxChars);
      absl::StrAppend(&title, cut_mark);
      return title;
    }
    title = std::move(next);
  }
  return title;
}

}  // namespace atlas::atlasctl::veris
