// The free text of an incident made from a VERIS record: summary,
// description and title, within the limits of atlas.incident.v1.Incident
// (summary 2,000 characters, description 50,000, title 300; characters are
// Unicode code points, as the server counts them).
//
// No text is lost: a VERIS summary longer than the summary field keeps its
// leading whole sentences there and goes whole into the description; notes
// with no field of their own become labelled sections of the description
// (docs/interop.md lists which).
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_TEXT_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_TEXT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace atlas::atlasctl::veris {

inline constexpr size_t kSummaryMaxChars = 2000;
inline constexpr size_t kDescriptionMaxChars = 50000;
inline constexpr size_t kTitleMaxChars = 300;
// VerisAction.notes and ImpactAssessment.note.
inline constexpr size_t kNoteMaxChars = 2000;
// ThreatActor.name.
inline constexpr size_t kActorNameMaxChars = 200;

// Code points in UTF-8 text.
size_t CharCount(absl::string_view utf8);

// Text as the server accepts it: CR LF and lone CR become LF, any other
// control character but tab and LF becomes a space, and leading and
// trailing whitespace is trimmed. Only whitespace changes.
std::string CleanText(absl::string_view text);

// The longest leading part of `text` of at most `max_chars` characters that
// ends at a word boundary, with "…" appended when anything was cut (the
// ellipsis counts). `text` itself when it fits.
std::string FitAtWord(absl::string_view text, size_t max_chars);

// A summary that fits the summary field.
struct SummarySplit {
  std::string summary;
  // True when `summary` is only the lead of the text (which then belongs in
  // the description whole).
  bool shortened = false;
};

// `text` when it fits kSummaryMaxChars; otherwise its leading whole
// sentences (a sentence ends with '.', '!' or '?', possibly followed by
// closing quotes or brackets, before whitespace) up to kSummaryMaxChars;
// when even the first sentence is longer, FitAtWord of it.
SummarySplit SplitSummary(absl::string_view text);

// A description assembled from parts: unlabelled paragraphs (the full
// summary) and labelled sections ("Notes: ..."), in the order added,
// separated by blank lines. Empty parts are skipped.
class DescriptionBuilder {
 public:
  void AddParagraph(std::string text);
  void AddSection(absl::string_view label, std::string text);
  bool empty() const { return parts_.empty(); }
  std::string Build() const;

 private:
  std::vector<std::string> parts_;
};

// "<victim>: <action>; <action>" cut at a whole action to fit
// kTitleMaxChars ("; …" marks the cut). `victim` is the victim's name or a
// stand-in ("Unknown victim"); `actions` are short phrases such as
// "Hacking (SQLi, Use of stolen creds)".
std::string IncidentTitle(absl::string_view victim,
                          const std::vector<std::string>& actions);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_TEXT_H_
