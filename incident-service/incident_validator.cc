#include "incident-service/incident_validator.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/partial_date.h"
#include "common/api/types/relative_date.h"
#include "common/api/types/url.h"
#include "common/status/status_macros.h"

namespace atlas::incident {
namespace {

using atlas::type::v1::RelativeDate;
using v1::Incident;
using v1::Source;
using v1::TimelineEvent;

template <typename Enum, typename IsValid>
absl::Status ValidateEnumList(
    const google::protobuf::RepeatedField<int>& values, absl::string_view field,
    int max, IsValid is_valid) {
  RETURN_IF_ERROR(api::ValidateCount(values.size(), field, max));
  std::set<int> seen;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "]: unknown or unspecified value ", values[i]));
    }
    if (!seen.insert(values[i]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: duplicate value"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalDate(const atlas::type::v1::PartialDate& date,
                                  const std::string& field) {
  if (api::IsEmpty(date)) return absl::OkStatus();
  return api::ValidatePartialDate(date, field);
}

bool IsLanguageTag(absl::string_view tag) {
  // BCP 47 shape: a 2..8 letter primary subtag, then -subtags of 1..8
  // letters or digits.
  size_t i = 0;
  bool first = true;
  while (i <= tag.size()) {
    size_t end = tag.find('-', i);
    if (end == absl::string_view::npos) end = tag.size();
    absl::string_view sub = tag.substr(i, end - i);
    if (sub.empty() || sub.size() > 8 || (first && sub.size() < 2))
      return false;
    for (char c : sub) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool digit = c >= '0' && c <= '9';
      if (!(alpha || (!first && digit))) return false;
    }
    first = false;
    i = end + 1;
  }
  return true;
}

}  // namespace

absl::Status IncidentValidator::ValidateIncident(
    Incident* incident, absl::string_view field) const {
  const std::string f(field);
  RETURN_IF_ERROR(api::ValidateText(incident->title(), f + ".title", 1, 300));
  if (incident->victim_unknown() && incident->victims_size() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".victims: must be empty when victim_unknown is set"));
  }
  if (!incident->victim_unknown() && incident->victims_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        f,
        ".victims: at least one victim is required (or set victim_unknown "
        "when the victim is not known)"));
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->victims_size(), f + ".victims", 64));
  std::set<std::string> seen;
  for (int i = 0; i < incident->victims_size(); ++i) {
    const std::string path = absl::StrCat(f, ".victims[", i, "]");
    const v1::Victim& v = incident->victims(i);
    RETURN_IF_ERROR(api::ParseName(v.organization(), "organizations",
                                   path + ".organization")
                        .status());
    if (!v1::Victim::Role_IsValid(v.role())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".role: unknown value ", v.role()));
    }
    if (!seen.insert(v.organization()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ".organization: ", v.organization(), " is named twice"));
    }
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->countries_size(), f + ".countries", 64));
  std::set<std::string> countries;
  for (int i = 0; i < incident->countries_size(); ++i) {
    const std::string path = absl::StrCat(f, ".countries[", i, "]");
    RETURN_IF_ERROR(countries_.Validate(incident->countries(i), path));
    if (!countries.insert(incident->countries(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate country"));
    }
  }
  RETURN_IF_ERROR(
      ValidateOptionalDate(incident->start_date(), f + ".start_date"));
  RETURN_IF_ERROR(ValidateOptionalDate(incident->end_date(), f + ".end_date"));
  RETURN_IF_ERROR(
      ValidateOptionalDate(incident->disclosed_date(), f + ".disclosed_date"));
  if (!api::IsEmpty(incident->start_date()) &&
      !api::IsEmpty(incident->end_date()) &&
      api::Interval(incident->end_date()).last <
          api::Interval(incident->start_date()).first) {
    return absl::InvalidArgumentError(absl::StrCat(
        f, ".end_date: ", api::FormatPartialDate(incident->end_date()),
        " ends before start_date ",
        api::FormatPartialDate(incident->start_date()), " begins"));
  }
  RETURN_IF_ERROR(
      api::ValidateText(incident->summary(), f + ".summary", 0, 2000));
  RETURN_IF_ERROR(
      api::ValidateText(incident->description(), f + ".description", 0, 50000));
  if (!v1::Determination_IsValid(incident->determination())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".determination: unknown value"));
  }
  RETURN_IF_ERROR(ValidateEnumList<v1::IncidentType>(incident->incident_types(),
                                                     f + ".incident_types", 16,
                                                     v1::IncidentType_IsValid));
  RETURN_IF_ERROR(ValidateEnumList<v1::Motive>(
      incident->motives(), f + ".motives", 16, v1::Motive_IsValid));
  const v1::CiaPosture& cia = incident->cia_posture();
  for (const auto& [name, axis] :
       {std::pair<const char*, const v1::ImpactAssessment*>{
            "confidentiality", &cia.confidentiality()},
        {"integrity", &cia.integrity()},
        {"availability", &cia.availability()}}) {
    const std::string path = absl::StrCat(f, ".cia_posture.", name);
    if (!v1::ImpactLevel_IsValid(axis->level())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".level: unknown value"));
    }
    RETURN_IF_ERROR(api::ValidateText(axis->note(), path + ".note", 0, 2000));
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->techniques_size(), f + ".techniques", 64));
  std::set<std::string> techniques;
  for (int i = 0; i < incident->techniques_size(); ++i) {
    const std::string path = absl::StrCat(f, ".techniques[", i, "].id");
    const std::string& id = incident->techniques(i).id();
    if (!AttackCatalog::IsTechniqueId(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": \"", absl::string_view(id).substr(0, 32),
          "\" is not an ATT&CK technique id (T1234 or T1234.001)"));
    }
    if (!techniques.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate technique"));
    }
    std::string technique_name;
    RETURN_IF_ERROR(attack_.Check(id, path, &technique_name));
    incident->mutable_techniques(i)->set_name(technique_name);
  }
  RETURN_IF_ERROR(api::ValidateCount(incident->threat_actors_size(),
                                     f + ".threat_actors", 32));
  for (int i = 0; i < incident->threat_actors_size(); ++i) {
    const std::string path = absl::StrCat(f, ".threat_actors[", i, "]");
    const v1::ThreatActor& a = incident->threat_actors(i);
    RETURN_IF_ERROR(api::ValidateText(a.name(), path + ".name", 0, 200));
    if (!v1::ThreatActorType_IsValid(a.type())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".type: unknown value"));
    }
    if (!a.country().empty()) {
      RETURN_IF_ERROR(countries_.Validate(a.country(), path + ".country"));
    }
    RETURN_IF_ERROR(veris_.ValidateActor(a, path));
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->impacts_size(), f + ".impacts", 32));
  for (int i = 0; i < incident->impacts_size(); ++i) {
    const std::string path = absl::StrCat(f, ".impacts[", i, "]");
    const v1::Impact& impact = incident->impacts(i);
    if (impact.type() == v1::Impact::TYPE_UNSPECIFIED ||
        !v1::Impact::Type_IsValid(impact.type())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".type: required, a known impact type"));
    }
    RETURN_IF_ERROR(api::ValidateText(impact.description(),
                                      path + ".description", 0, 2000));
  }
  RETURN_IF_ERROR(api::NormalizeExternalReferences(
      incident->mutable_external_references(), f + ".external_references",
      kMaxExternalReferences));
  if (!v1::InvestigationStatus_IsValid(incident->investigation_status())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".investigation_status: unknown value"));
  }
  if (!v1::RecordConfidence_IsValid(incident->confidence())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".confidence: unknown value"));
  }
  return veris_.ValidateClassification(*incident, f);
}

absl::Status IncidentValidator::ValidateEvent(TimelineEvent* e,
                                              absl::string_view incident_id,
                                              absl::string_view field) const {
  const std::string f(field);
  e->clear_name();
  e->clear_effective_date();
  e->clear_create_time();
  e->clear_update_time();
  e->clear_etag();
  e->clear_redacted_fields();
  if (e->type() == v1::EVENT_TYPE_UNSPECIFIED ||
      !v1::EventType_IsValid(e->type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".type: required, a known event type"));
  }
  if (e->has_date()) {
    RETURN_IF_ERROR(api::ValidatePartialDate(e->date(), f + ".date"));
  } else if (e->has_relative_date()) {
    RelativeDate* rel = e->mutable_relative_date();
    rel->clear_state();
    rel->clear_resolved();
    const std::string rf = f + ".relative_date";
    RETURN_IF_ERROR(
        api::ValidateText(rel->expression(), rf + ".expression", 1, 200));
    RETURN_IF_ERROR(
        api::ParseRelativeExpression(rel->expression(), rf + ".expression")
            .status());
    ASSIGN_OR_RETURN(api::ChildName anchor,
                     api::ParseChildName(rel->anchor_source(), "incidents",
                                         "sources", rf + ".anchor_source"));
    if (anchor.parent_id != incident_id) {
      return absl::InvalidArgumentError(
          absl::StrCat(rf, ".anchor_source: ", rel->anchor_source(),
                       " is not a source of incidents/", incident_id));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        f, ".date: required: exactly one of date and relative_date"));
  }
  if (!api::IsEmpty(e->end_date())) {
    RETURN_IF_ERROR(api::ValidatePartialDate(e->end_date(), f + ".end_date"));
    if (e->has_date() &&
        api::Interval(e->end_date()).last < api::Interval(e->date()).first) {
      return absl::InvalidArgumentError(absl::StrCat(
          f, ".end_date: ", api::FormatPartialDate(e->end_date()),
          " ends before date ", api::FormatPartialDate(e->date()), " begins"));
    }
  }
  RETURN_IF_ERROR(
      api::ValidateText(e->description(), f + ".description", 1, 2000));
  RETURN_IF_ERROR(api::ValidateCount(e->sources_size(), f + ".sources", 32));
  std::set<std::string> seen;
  for (int i = 0; i < e->sources_size(); ++i) {
    const std::string path = absl::StrCat(f, ".sources[", i, "]");
    ASSIGN_OR_RETURN(
        api::ChildName src,
        api::ParseChildName(e->sources(i), "incidents", "sources", path));
    if (src.parent_id != incident_id) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", e->sources(i),
                       " is not a source of incidents/", incident_id));
    }
    if (!seen.insert(e->sources(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cited twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status IncidentValidator::ValidateSource(Source* s,
                                               absl::string_view field) const {
  const std::string f(field);
  s->clear_name();
  s->clear_create_time();
  s->clear_update_time();
  s->clear_etag();
  s->clear_redacted_fields();
  // Stored refanged and normalised ("hxxps://x[.]be/" -> "https://x.be").
  if (!s->url().empty()) {
    if (s->url().size() > 2048) {
      return absl::InvalidArgumentError(absl::StrCat(
          f, ".url: at most 2048 characters, got ", s->url().size()));
    }
    ASSIGN_OR_RETURN(std::string url, api::NormalizeUrl(s->url(), f + ".url"));
    s->set_url(std::move(url));
  }
  RETURN_IF_ERROR(api::ValidateText(s->title(), f + ".title", 0, 500));
  RETURN_IF_ERROR(api::ValidateText(s->publisher(), f + ".publisher", 0, 200));
  if (!api::IsEmpty(s->published_date())) {
    RETURN_IF_ERROR(
        api::ValidatePartialDate(s->published_date(), f + ".published_date"));
  }
  // RFC 5646 (section 4.4.1) asks implementations to handle tags of at
  // least 35 characters; longer ones are refused before the shape check.
  RETURN_IF_ERROR(api::ValidateText(s->language(), f + ".language", 0, 35));
  if (!s->language().empty() && !IsLanguageTag(s->language())) {
    return absl::InvalidArgumentError(absl::StrCat(
        f, ".language: \"", absl::string_view(s->language()).substr(0, 40),
        "\" is not a BCP 47 language tag (\"en\", \"nl-BE\")"));
  }
  if (!v1::SourceKind_IsValid(s->kind())) {
    return absl::InvalidArgumentError(absl::StrCat(f, ".kind: unknown value"));
  }
  if (!atlas::type::v1::SourceGrade::Reliability_IsValid(
          s->grade().reliability())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".grade.reliability: unknown value"));
  }
  if (!atlas::type::v1::SourceGrade::Credibility_IsValid(
          s->grade().credibility())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".grade.credibility: unknown value"));
  }
  RETURN_IF_ERROR(api::ValidateText(s->excerpt(), f + ".excerpt", 0, 5000));
  return absl::OkStatus();
}

}  // namespace atlas::incident
