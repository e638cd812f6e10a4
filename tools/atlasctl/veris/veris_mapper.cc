#include "tools/atlasctl/veris/veris_mapper.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/api/aip/digest.h"
#include "common/api/types/partial_date.h"
#include "common/status/status_macros.h"
#include "tools/atlasctl/veris/incident_text.h"
#include "tools/atlasctl/veris/reference_urls.h"
#include "tools/atlasctl/veris/veris_classification.h"
#include "tools/atlasctl/veris/veris_exposure.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

constexpr absl::string_view kIdPrefix = "veris-";
constexpr size_t kMaxIdChars = 63;
// ExternalReference.id (external_reference.proto).
constexpr size_t kMaxReferenceIdChars = 200;

bool IsIdChar(char c) {
  return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z');
}

bool IsPlainId(absl::string_view id) {
  if (id.empty() || !IsIdChar(id.front()) || !IsIdChar(id.back())) {
    return false;
  }
  for (char c : id) {
    if (!IsIdChar(c) && c != '-') return false;
  }
  return true;
}

// A PartialDate from VERIS {year, month, day}. A day without a month
// keeps the year only (a PartialDate cannot say "the 5th of some month").
absl::StatusOr<std::optional<atlas::type::v1::PartialDate>> DateAt(
    const Json& record, std::initializer_list<absl::string_view> path,
    absl::string_view field) {
  const Json* date = At(record, path);
  std::optional<int64_t> year = IntegerOf(Member(date, "year"));
  if (!year.has_value()) return std::optional<atlas::type::v1::PartialDate>();
  std::optional<int64_t> month = IntegerOf(Member(date, "month"));
  std::optional<int64_t> day = IntegerOf(Member(date, "day"));
  auto fits = [](int64_t v) { return v >= -1000000 && v <= 1000000; };
  if (!fits(*year) || (month.has_value() && !fits(*month)) ||
      (day.has_value() && !fits(*day))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a date (a part is out of range)"));
  }
  atlas::type::v1::PartialDate out;
  out.set_year(static_cast<int32_t>(*year));
  if (month.has_value()) {
    out.set_month(static_cast<int32_t>(*month));
    if (day.has_value()) out.set_day(static_cast<int32_t>(*day));
  }
  absl::Status valid = api::ValidatePartialDate(out, field);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        valid.message(), " (", api::FormatPartialDate(out), " as given)"));
  }
  return std::optional<atlas::type::v1::PartialDate>(out);
}

inc::Determination DeterminationOf(absl::string_view veris) {
  if (veris == "Confirmed") return inc::CONFIRMED;
  if (veris == "Suspected") return inc::SUSPECTED;
  if (veris == "Near miss") return inc::NEAR_MISS;
  if (veris == "False positive") return inc::FALSE_POSITIVE;
  return inc::DETERMINATION_UNSPECIFIED;
}

inc::RecordConfidence ConfidenceOf(absl::string_view veris) {
  if (veris == "High") return inc::CONFIDENCE_HIGH;
  if (veris == "Medium") return inc::CONFIDENCE_MEDIUM;
  if (veris == "Low") return inc::CONFIDENCE_LOW;
  if (veris == "None") return inc::CONFIDENCE_NONE;
  return inc::RECORD_CONFIDENCE_UNSPECIFIED;
}

inc::Targeting TargetingOf(absl::string_view veris) {
  if (veris == "Targeted") return inc::TARGETED;
  if (veris == "Opportunistic") return inc::OPPORTUNISTIC;
  if (veris == "NA") return inc::TARGETING_NOT_APPLICABLE;
  if (veris == "Unknown") return inc::TARGETING_UNKNOWN;
  return inc::TARGETING_UNSPECIFIED;
}

std::string TextAt(const Json& record, absl::string_view key) {
  std::optional<std::string> text = StringOf(Member(&record, key));
  return text.has_value() ? CleanText(*text) : "";
}

// The victim sections of the description: notes, and the secondary
// victims an unknown primary victim leaves without a place.
void DescribeVictimText(const Json& record, bool victim_unknown,
                        DescriptionBuilder* description) {
  const Json* victim = Member(&record, "victim");
  if (std::optional<std::string> notes = StringOf(Member(victim, "notes"))) {
    description->AddSection("Notes on the victim", CleanText(*notes));
  }
  const Json* secondary = Member(victim, "secondary");
  if (victim_unknown) {
    description->AddSection("Secondary victims",
                            absl::StrJoin(SecondaryVictimNames(record), "; "));
  }
  if (std::optional<int64_t> amount = IntegerOf(Member(secondary, "amount"))) {
    description->AddSection("Number of secondary victims",
                            absl::StrCat(*amount));
  }
  if (std::optional<std::string> notes = StringOf(Member(secondary, "notes"))) {
    description->AddSection("Notes on the secondary victims",
                            CleanText(*notes));
  }
}

}  // namespace

absl::StatusOr<std::string> VerisMapper::IncidentId(
    absl::string_view veris_id) {
  std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(veris_id));
  if (lower.empty()) {
    return absl::InvalidArgumentError("incident_id: required, and empty");
  }
  if (IsPlainId(lower) && kIdPrefix.size() + lower.size() <= kMaxIdChars) {
    return absl::StrCat(kIdPrefix, lower);
  }
  const std::string hash =
      api::HexEncode(api::Sha256(std::string(veris_id))).substr(0, 8);
  std::string slug = OrganizationSlug(lower);
  if (absl::StartsWith(slug, "org-")) slug = "id";
  const size_t room = kMaxIdChars - kIdPrefix.size() - 1 - hash.size();
  if (slug.size() > room) slug.resize(room);
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return absl::StrCat(kIdPrefix, slug, "-", hash);
}

absl::StatusOr<MappedRecord> VerisMapper::Map(const Json& record,
                                              absl::string_view content) const {
  MappedRecord out;
  inc::Incident* incident = out.request.mutable_incident();

  std::optional<std::string> veris_id =
      StringOf(Member(&record, "incident_id"));
  if (!veris_id.has_value()) {
    return absl::InvalidArgumentError("incident_id: required, and missing");
  }
  ASSIGN_OR_RETURN(std::string incident_id, IncidentId(*veris_id));
  if (*veris_id != absl::StripAsciiWhitespace(*veris_id) ||
      CharCount(*veris_id) > kMaxReferenceIdChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        "incident_id: an external id has 1..", kMaxReferenceIdChars,
        " characters and no leading or trailing space"));
  }
  out.request.set_incident_id(std::move(incident_id));
  atlas::type::v1::ExternalReference* reference =
      incident->add_external_references();
  reference->set_system(kIncidentReferenceSystem);
  reference->set_id(*veris_id);

  if (content.size() > kMaxOriginalRecordBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "$: the record takes ", content.size(),
        " bytes written compactly, more than the ", kMaxOriginalRecordBytes,
        " an incident keeps as its original record"));
  }
  inc::OriginalRecord* original = incident->mutable_original_record();
  original->set_format(kOriginalRecordFormat);
  if (std::optional<std::string> version =
          StringOf(Member(&record, "schema_version"))) {
    original->set_format_version(*version);
  }
  original->set_content(std::string(content));

  ASSIGN_OR_RETURN(auto start, DateAt(record, {"timeline", "incident"},
                                      "timeline.incident"));
  if (start.has_value()) *incident->mutable_start_date() = *start;
  ASSIGN_OR_RETURN(auto disclosed,
                   DateAt(record, {"plus", "timeline", "notification"},
                          "plus.timeline.notification"));
  if (disclosed.has_value()) *incident->mutable_disclosed_date() = *disclosed;

  DescriptionBuilder description;
  SummarySplit summary = SplitSummary(TextAt(record, "summary"));
  if (summary.shortened) description.AddParagraph(TextAt(record, "summary"));
  incident->set_summary(std::move(summary.summary));
  description.AddSection("Notes", TextAt(record, "notes"));

  ASSIGN_OR_RETURN(out.victims, DescribeVictims(record, countries_));
  const bool victim_unknown = VictimIsUnknown(record);
  incident->set_victim_unknown(victim_unknown);
  DescribeVictimText(record, victim_unknown, &description);
  for (const std::string& country :
       IsoCountries(StringsOf(At(record, {"victim", "country"})), countries_)) {
    incident->add_countries(country);
  }

  MapActions(record, incident, &description);
  MapActors(record, countries_, incident, &description);
  DeriveIncidentTypes(record, incident);
  MapAttributes(record, incident, &description);
  MapAssets(record, incident, &description);
  MapDiscovery(record, incident, &description);
  MapDurations(record, incident);
  MapLosses(record, incident, &description);

  if (std::optional<std::string> determination =
          StringOf(Member(&record, "security_incident"))) {
    incident->set_determination(DeterminationOf(*determination));
  }
  if (std::optional<std::string> confidence =
          StringOf(Member(&record, "confidence"))) {
    incident->set_confidence(ConfidenceOf(*confidence));
  }
  if (std::optional<std::string> targeted =
          StringOf(Member(&record, "targeted"))) {
    incident->set_targeting(TargetingOf(*targeted));
  }

  description.AddSection("Control failure", TextAt(record, "control_failure"));
  description.AddSection("Corrective action",
                         TextAt(record, "corrective_action"));
  description.AddSection("Cost of the corrective action",
                         TextAt(record, "cost_corrective_action"));

  References references = SplitReferences(TextAt(record, "reference"));
  if (references.urls.size() > kMaxSources) {
    description.AddSection("Further references",
                           absl::StrJoin(references.urls.begin() + kMaxSources,
                                         references.urls.end(), " "));
    references.urls.resize(kMaxSources);
  }
  out.source_urls = std::move(references.urls);
  // Created with the incident, in the same write (CreateIncidentRequest
  // .sources).
  for (const std::string& url : out.source_urls) {
    incident::v1::CreateSourceRequest* source = out.request.add_sources();
    source->set_source_id(ImportedSourceId(url));
    source->mutable_source()->set_url(url);
  }
  description.AddSection("References that are not URLs",
                         absl::StrJoin(references.other_text, " "));

  incident->set_title(IncidentTitle(
      victim_unknown ? "Unknown victim"
                     : out.victims.front().organization.display_name(),
      ActionPhrases(record)));
  std::string text = description.Build();
  if (CharCount(text) > kDescriptionMaxChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("summary: the summary and notes take ", CharCount(text),
                     " characters, more than the ", kDescriptionMaxChars,
                     " an incident's description holds"));
  }
  incident->set_description(std::move(text));
  return out;
}

}  // namespace atlas::atlasctl::veris
