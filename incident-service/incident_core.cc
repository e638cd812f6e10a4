#include "incident-service/incident_core.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/field_mask_util.h"
#include "incident-service/incident_filter.h"
#include "incident-service/relative_date.h"
#include "common/api/countries.h"
#include "common/api/page_token.h"
#include "common/api/url.h"
#include "common/api/digest.h"
#include "common/api/partial_date.h"
#include "common/api/resource_name.h"
#include "common/api/validation.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::incident {
namespace {

using v1::Incident;

constexpr char kCollection[] = "incidents";

absl::Status Internal(const absl::Status& s, absl::string_view op) {
  log::Error("storage failure", {{"op", op}, {"status", s.ToString()}});
  return absl::InternalError(absl::StrCat(op, ": storage error"));
}

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

Incident WritableCopy(const Incident& in) {
  Incident out = in;
  out.clear_name();
  out.clear_motive_count();
  out.clear_technique_count();
  out.clear_threat_actor_count();
  out.clear_source_count();
  out.clear_event_count();
  out.clear_derived_figures();
  out.clear_create_time();
  out.clear_update_time();
  out.clear_etag();
  out.clear_redacted_fields();
  for (v1::Technique& t : *out.mutable_techniques()) t.clear_name();
  return out;
}

// Fills the public counts from the members-only lists they summarise.
void SetCounts(Incident* incident) {
  incident->set_motive_count(incident->motives_size());
  incident->set_technique_count(incident->techniques_size());
  incident->set_threat_actor_count(incident->threat_actors_size());
}

void SetEtag(Incident* incident) {
  incident->clear_etag();
  incident->set_etag(api::ComputeEtag(*incident));
}

template <typename Enum, typename IsValid>
absl::Status ValidateEnumList(const google::protobuf::RepeatedField<int>& values,
                              absl::string_view field, int max,
                              IsValid is_valid) {
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

// "T1486" or "T1566.001".
bool LooksLikeTechniqueId(absl::string_view id) {
  auto digits = [](absl::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (id.size() == 5) return id[0] == 'T' && digits(id.substr(1));
  if (id.size() == 9) {
    return id[0] == 'T' && digits(id.substr(1, 4)) && id[5] == '.' &&
           digits(id.substr(6));
  }
  return false;
}

// Shape, then membership in Debian's ISO 3166-1 list (iso-codes). If the
// list cannot be loaded the shape check alone applies (logged once by
// CountryList::Default's caller at start-up).
absl::Status ValidateCountry(absl::string_view country, absl::string_view field) {
  RETURN_IF_ERROR(api::ValidateCountryShape(country, field));
  auto list = api::CountryList::Default();
  if (!list.ok()) return absl::OkStatus();
  return (*list)->Validate(country, field);
}

}  // namespace

absl::Status IncidentCore::ValidateIncident(Incident* incident,
                                            absl::string_view field) {
  const std::string f(field);
  RETURN_IF_ERROR(api::ValidateText(incident->title(), f + ".title", 1, 300));
  if (incident->victims_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".victims: at least one victim is required"));
  }
  RETURN_IF_ERROR(api::ValidateCount(incident->victims_size(), f + ".victims", 64));
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
    RETURN_IF_ERROR(ValidateCountry(incident->countries(i), path));
    if (!countries.insert(incident->countries(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": duplicate country"));
    }
  }
  RETURN_IF_ERROR(ValidateOptionalDate(incident->start_date(), f + ".start_date"));
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
  RETURN_IF_ERROR(api::ValidateText(incident->summary(), f + ".summary", 0, 2000));
  RETURN_IF_ERROR(
      api::ValidateText(incident->description(), f + ".description", 0, 50000));
  if (!v1::Determination_IsValid(incident->determination())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".determination: unknown value"));
  }
  RETURN_IF_ERROR(ValidateEnumList<v1::IncidentType>(
      incident->incident_types(), f + ".incident_types", 16,
      v1::IncidentType_IsValid));
  RETURN_IF_ERROR(ValidateEnumList<v1::Motive>(incident->motives(),
                                               f + ".motives", 16,
                                               v1::Motive_IsValid));
  const v1::CiaPosture& cia = incident->cia_posture();
  for (const auto& [name, axis] :
       {std::pair<const char*, const v1::ImpactAssessment*>{
            "confidentiality", &cia.confidentiality()},
        {"integrity", &cia.integrity()},
        {"availability", &cia.availability()}}) {
    const std::string path = absl::StrCat(f, ".cia_posture.", name);
    if (!v1::ImpactLevel_IsValid(axis->level())) {
      return absl::InvalidArgumentError(absl::StrCat(path, ".level: unknown value"));
    }
    RETURN_IF_ERROR(api::ValidateText(axis->note(), path + ".note", 0, 2000));
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->techniques_size(), f + ".techniques", 64));
  std::set<std::string> techniques;
  for (int i = 0; i < incident->techniques_size(); ++i) {
    const std::string path = absl::StrCat(f, ".techniques[", i, "].id");
    const std::string& id = incident->techniques(i).id();
    if (!LooksLikeTechniqueId(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": \"", absl::string_view(id).substr(0, 32),
          "\" is not an ATT&CK technique id (T1234 or T1234.001)"));
    }
    if (!techniques.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": duplicate technique"));
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
      return absl::InvalidArgumentError(absl::StrCat(path, ".type: unknown value"));
    }
    if (!a.country().empty()) {
      RETURN_IF_ERROR(ValidateCountry(a.country(), path + ".country"));
    }
  }
  RETURN_IF_ERROR(api::ValidateCount(incident->impacts_size(), f + ".impacts", 32));
  for (int i = 0; i < incident->impacts_size(); ++i) {
    const std::string path = absl::StrCat(f, ".impacts[", i, "]");
    const v1::Impact& impact = incident->impacts(i);
    if (impact.type() == v1::Impact::TYPE_UNSPECIFIED ||
        !v1::Impact::Type_IsValid(impact.type())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".type: required, a known impact type"));
    }
    RETURN_IF_ERROR(
        api::ValidateText(impact.description(), path + ".description", 0, 2000));
  }
  return absl::OkStatus();
}

namespace {

// INVALID_ARGUMENT naming the victim of `incident` (under `field`) that is
// `missing` from the catalog; OK if no victim is.
absl::Status MissingVictimError(const Incident& incident,
                                absl::string_view field,
                                absl::string_view missing) {
  for (int i = 0; i < incident.victims_size(); ++i) {
    if (incident.victims(i).organization() == missing) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".victims[", i, "].organization: ", missing,
                       " does not exist in the catalog"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IncidentCore::CheckVictimsExist(const Incident& incident,
                                             absl::string_view field) {
  std::vector<std::string> names;
  for (const v1::Victim& v : incident.victims()) names.push_back(v.organization());
  ASSIGN_OR_RETURN(std::optional<std::string> missing,
                   directory_.FindMissing(names));
  if (!missing.has_value()) return absl::OkStatus();
  RETURN_IF_ERROR(MissingVictimError(incident, field, *missing));
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".victims: ", *missing, " does not exist"));
}

namespace {

using v1::Source;
using v1::TimelineEvent;
using atlas::type::v1::PartialDate;
using atlas::type::v1::RelativeDate;

constexpr size_t kCollectionPrefix = sizeof(kCollection);  // "incidents/"
constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

const std::initializer_list<absl::string_view> kIncidentWritable = {
    "title",         "victims",        "countries",  "start_date",
    "end_date",      "disclosed_date", "summary",    "description",
    "determination", "incident_types", "cia_posture", "motives",
    "techniques",    "threat_actors",  "impacts"};
const std::initializer_list<absl::string_view> kIncidentOutputOnly = {
    "name",          "motive_count",    "technique_count", "threat_actor_count",
    "source_count",  "event_count",     "derived_figures", "create_time",
    "update_time",   "etag",            "redacted_fields"};
const std::initializer_list<absl::string_view> kEventWritable = {
    "type", "date", "relative_date", "end_date", "description", "sources"};
const std::initializer_list<absl::string_view> kEventOutputOnly = {
    "name", "effective_date", "create_time", "update_time", "etag",
    "redacted_fields"};
const std::initializer_list<absl::string_view> kSourceWritable = {
    "url",      "title", "publisher", "published_date",
    "language", "kind",  "grade",     "excerpt"};
const std::initializer_list<absl::string_view> kSourceOutputOnly = {
    "name", "create_time", "update_time", "etag", "redacted_fields"};

template <typename Record>
void SetRecordEtag(Record* r) {
  r->clear_etag();
  r->set_etag(api::ComputeEtag(*r));
}

absl::Status CheckEtag(absl::string_view given, absl::string_view current,
                       absl::string_view field) {
  if (given.empty() || given == current) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(
      field, ": stale etag; read the resource again and retry the change"));
}

bool IsDayPrecision(const PartialDate& d) {
  return !api::IsEmpty(d) && d.month() != 0 && d.day() != 0;
}

PartialDate DayToPartial(absl::CivilDay day) {
  PartialDate d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

// Sets the relative date's state and the effective date of `event` from the
// sources of its incident (by resource name).
void Resolve(TimelineEvent* event,
             const std::map<std::string, const Source*>& sources) {
  if (event->has_date()) {
    *event->mutable_effective_date() = event->date();
    return;
  }
  event->clear_effective_date();
  if (!event->has_relative_date()) return;
  RelativeDate* rel = event->mutable_relative_date();
  rel->clear_resolved();
  rel->set_state(RelativeDate::UNRESOLVED);
  auto it = sources.find(rel->anchor_source());
  if (it == sources.end() || !IsDayPrecision(it->second->published_date())) {
    return;
  }
  auto expr = ParseRelativeExpression(rel->expression(), "expression");
  if (!expr.ok()) return;  // validated on write; never guess
  const PartialDate& p = it->second->published_date();
  absl::CivilDay day =
      ResolveRelative(*expr, absl::CivilDay(p.year(), p.month(), p.day()));
  rel->set_state(RelativeDate::RESOLVED);
  *rel->mutable_resolved() = DayToPartial(day);
  *event->mutable_effective_date() = rel->resolved();
}

// Checks an event's fields that need no stored state, and clears its
// output-only fields. `incident_id` is the parent's id.
absl::Status ValidateEventFields(TimelineEvent* e, absl::string_view incident_id,
                                 const std::string& f) {
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
    RETURN_IF_ERROR(api::ValidateText(rel->expression(), rf + ".expression", 1, 200));
    RETURN_IF_ERROR(
        ParseRelativeExpression(rel->expression(), rf + ".expression").status());
    ASSIGN_OR_RETURN(api::ChildName anchor,
                     api::ParseChildName(rel->anchor_source(), "incidents",
                                         "sources", rf + ".anchor_source"));
    if (anchor.parent_id != incident_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          rf, ".anchor_source: ", rel->anchor_source(),
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
  RETURN_IF_ERROR(api::ValidateText(e->description(), f + ".description", 1, 2000));
  RETURN_IF_ERROR(api::ValidateCount(e->sources_size(), f + ".sources", 32));
  std::set<std::string> seen;
  for (int i = 0; i < e->sources_size(); ++i) {
    const std::string path = absl::StrCat(f, ".sources[", i, "]");
    ASSIGN_OR_RETURN(api::ChildName src,
                     api::ParseChildName(e->sources(i), "incidents", "sources",
                                         path));
    if (src.parent_id != incident_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", e->sources(i), " is not a source of incidents/",
          incident_id));
    }
    if (!seen.insert(e->sources(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cited twice"));
    }
  }
  return absl::OkStatus();
}

// Checks that the sources an event cites or is anchored to exist.
absl::Status CheckEventReferences(
    const TimelineEvent& e, const std::map<std::string, const Source*>& sources,
    const std::string& f) {
  if (e.has_relative_date() &&
      sources.count(e.relative_date().anchor_source()) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".relative_date.anchor_source: ",
                     e.relative_date().anchor_source(), " does not exist"));
  }
  for (int i = 0; i < e.sources_size(); ++i) {
    if (sources.count(e.sources(i)) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          f, ".sources[", i, "]: ", e.sources(i), " does not exist"));
    }
  }
  return absl::OkStatus();
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
    if (sub.empty() || sub.size() > 8 || (first && sub.size() < 2)) return false;
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

absl::Status ValidateSourceFields(Source* s, const std::string& f) {
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

std::map<std::string, const Source*> SourceMap(
    const std::vector<StoredSource>& sources) {
  std::map<std::string, const Source*> out;
  for (const StoredSource& s : sources) out[s.record.name()] = &s.record;
  return out;
}

google::protobuf::util::FieldMaskUtil::MergeOptions ReplaceOptions() {
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  return options;
}

google::protobuf::FieldMask MaskOf(const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  return mask;
}

}  // namespace

v1::DerivedFigures IncidentCore::ComputeDerivedFigures(
    const std::vector<TimelineEvent>& events) {
  // For each event type: the interval in which its earliest event falls,
  // [min of first days, min of last days]; unknown if any event of the
  // type is unresolved (the earliest cannot be told).
  struct Earliest {
    bool any = false;
    bool unresolved = false;
    absl::CivilDay lo, hi;
  };
  std::map<int, Earliest> by_type;
  for (const TimelineEvent& e : events) {
    Earliest& x = by_type[e.type()];
    if (api::IsEmpty(e.effective_date())) {
      x.unresolved = true;
      continue;
    }
    api::DayInterval in = api::Interval(e.effective_date());
    if (!x.any) {
      x.lo = in.first;
      x.hi = in.last;
      x.any = true;
    } else {
      x.lo = std::min(x.lo, in.first);
      x.hi = std::min(x.hi, in.last);
    }
  }
  v1::DerivedFigures figures;
  auto known = [&](int type) -> const Earliest* {
    auto it = by_type.find(type);
    if (it == by_type.end() || it->second.unresolved || !it->second.any) {
      return nullptr;
    }
    return &it->second;
  };
  const Earliest* detection = known(v1::DETECTION);
  auto span = [&](int type, v1::DerivedFigures::DaySpan* out) -> bool {
    const Earliest* to = known(type);
    if (detection == nullptr || to == nullptr) return false;
    int64_t max_days = to->hi - detection->lo;
    int64_t min_days = to->lo - detection->hi;
    // Overlapping intervals: the report cannot precede the detection in
    // the same reading, so the fewest days is 0.
    if (max_days >= 0 && min_days < 0) min_days = 0;
    out->set_min_days(static_cast<int32_t>(min_days));
    out->set_max_days(static_cast<int32_t>(max_days));
    return true;
  };
  v1::DerivedFigures::DaySpan s;
  if (span(v1::REPORTED_TO_POLICE, &s)) {
    *figures.mutable_detection_to_police_report() = s;
  }
  bool authority = span(v1::REPORTED_TO_DATA_PROTECTION_AUTHORITY, &s);
  if (authority) *figures.mutable_detection_to_authority_report() = s;
  v1::DerivedFigures::DaySpan d;
  if (span(v1::PUBLIC_DISCLOSURE, &d)) {
    *figures.mutable_detection_to_public_disclosure() = d;
  }
  if (!authority) {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::UNKNOWN);
  } else if (s.max_days() <= 2) {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::YES);
  } else if (s.min_days() >= 4) {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::NO);
  } else {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::UNKNOWN);
  }
  return figures;
}

template <typename T>
absl::StatusOr<T> IncidentCore::Serialized(
    absl::string_view op, absl::FunctionRef<absl::StatusOr<T>()> body) {
  absl::StatusOr<T> result;
  storage::WriteToken token = 0;
  {
    absl::MutexLock lock(&write_mu_);
    result = body();
    // Covers this call's own write and every write its checks read.
    token = store_.last_write_token();
  }
  // Group commit: the sync runs without the lock, shared with every writer
  // that appended meanwhile.
  absl::Status durable = store_.WaitDurable(token);
  if (!durable.ok()) return Internal(durable, op);
  return result;
}

absl::StatusOr<StoredIncident> IncidentCore::LoadIncident(
    absl::string_view id, absl::string_view op, storage::ReadView view) {
  absl::StatusOr<StoredIncident> incident = store_.GetIncident(id, view);
  if (absl::IsNotFound(incident.status())) {
    return NotFound(absl::StrCat(kCollection, "/", id));
  }
  if (!incident.ok()) return Internal(incident.status(), op);
  return incident;
}

absl::StatusOr<std::optional<std::string>> IncidentCore::ReplayedName(
    absl::string_view request_id, absl::string_view fingerprint,
    absl::string_view op, storage::ReadView view) {
  if (request_id.empty()) return std::optional<std::string>();
  auto previous = store_.GetRequest(request_id, view);
  if (!previous.ok()) return Internal(previous.status(), op);
  if (!previous->has_value()) return std::optional<std::string>();
  if ((*previous)->fingerprint != fingerprint) {
    return absl::InvalidArgumentError(
        "request_id: already used for a different request");
  }
  return std::optional<std::string>((*previous)->name);
}

absl::StatusOr<Incident> IncidentCore::GetIncident(
    const auth::Caller& caller, const v1::GetIncidentRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  ASSIGN_OR_RETURN(StoredIncident incident, LoadIncident(id, "GetIncident"));
  auth::Redact(caller, &incident.record);
  return std::move(incident.record);
}

absl::StatusOr<std::string> IncidentCore::GetIncidentWire(
    const auth::Caller& caller, const v1::GetIncidentRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  absl::StatusOr<std::string> bytes =
      store_.GetIncidentWire(id, caller.IsMember());
  if (absl::IsNotFound(bytes.status())) {
    return NotFound(absl::StrCat(kCollection, "/", id));
  }
  if (!bytes.ok()) return Internal(bytes.status(), "GetIncident");
  return bytes;
}

absl::StatusOr<Incident> IncidentCore::CreateIncident(
    const auth::Caller& caller, const v1::CreateIncidentRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "CreateIncident"));
  PendingCreate create;
  create.caller = &caller;
  RETURN_IF_ERROR(PrepareCreate(request, &create));
  return CombinedCreate(&create);
}

absl::StatusOr<v1::BatchCreateIncidentsResponse>
IncidentCore::BatchCreateIncidents(
    const auth::Caller& caller, const v1::BatchCreateIncidentsRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "BatchCreateIncidents"));
  if (request.requests_size() == 0) {
    return absl::InvalidArgumentError("requests: at least one request is required");
  }
  RETURN_IF_ERROR(api::ValidateCount(request.requests_size(), "requests",
                                     kMaxBatchCreate));
  std::vector<PendingCreate> creates(request.requests_size());
  std::vector<PendingCreate*> group;
  absl::flat_hash_map<absl::string_view, int> ids;
  absl::flat_hash_map<absl::string_view, int> request_ids;
  for (int i = 0; i < request.requests_size(); ++i) {
    const v1::CreateIncidentRequest& r = request.requests(i);
    const std::string prefix = absl::StrCat("requests[", i, "].");
    creates[i].caller = &caller;
    creates[i].field_prefix = prefix;
    absl::Status s = PrepareCreate(r, &creates[i]);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
    }
    if (!r.incident_id().empty()) {
      auto [it, inserted] = ids.emplace(r.incident_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(prefix, "incident_id: \"", r.incident_id(),
                         "\" is also requests[", it->second, "].incident_id"));
      }
    }
    if (!r.request_id().empty()) {
      auto [it, inserted] = request_ids.emplace(r.request_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(prefix, "request_id: also requests[", it->second,
                         "].request_id"));
      }
    }
    group.push_back(&creates[i]);
  }
  RETURN_IF_ERROR(
      CreateIncidents("BatchCreateIncidents", group, /*atomic=*/true, [] {}));
  v1::BatchCreateIncidentsResponse response;
  response.mutable_incidents()->Reserve(static_cast<int>(creates.size()));
  for (PendingCreate& c : creates) *response.add_incidents() = *std::move(c.result);
  return response;
}

absl::Status IncidentCore::PrepareCreate(const v1::CreateIncidentRequest& request,
                                         PendingCreate* out) {
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  if (!request.has_incident()) {
    return absl::InvalidArgumentError("incident: required");
  }
  if (!request.incident_id().empty()) {
    RETURN_IF_ERROR(api::ValidateId(request.incident_id(), "incident_id"));
  }
  out->request = &request;
  out->id = request.incident_id();
  out->incident = WritableCopy(request.incident());
  RETURN_IF_ERROR(ValidateIncident(&out->incident, "incident"));
  out->fingerprint = api::RequestFingerprint(request);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Incident>> IncidentCore::Replayed(
    const PendingCreate& create, absl::string_view op, storage::ReadView view) {
  ASSIGN_OR_RETURN(std::optional<std::string> name,
                   ReplayedName(create.request->request_id(), create.fingerprint,
                                op, view));
  if (!name.has_value()) return std::optional<Incident>();
  ASSIGN_OR_RETURN(
      StoredIncident existing,
      LoadIncident(absl::string_view(*name).substr(kCollectionPrefix), op, view));
  auth::Redact(*create.caller, &existing.record);
  return std::optional<Incident>(std::move(existing.record));
}

absl::StatusOr<Incident> IncidentCore::CombinedCreate(PendingCreate* create) {
  CreateSlot slot;
  slot.create = create;
  const absl::Time lead_anyway = absl::Now() + kMaxCombineWait;
  combine_mu_.Lock();
  combine_queue_.push_back(&slot);
  while (!slot.done) {
    // Woken (each waiter on its own condition variable, so no herd) when
    // its group is done, when it is first in line as leadership passes on,
    // or at its deadline.
    if (!slot.queued) {
      slot.cv.Wait(&combine_mu_);
      continue;
    }
    if (combine_leaders_ > 0 && absl::Now() < lead_anyway) {
      slot.cv.WaitWithDeadline(&combine_mu_, lead_anyway);
      continue;
    }
    // Lead one group: every create waiting now, this one included (at
    // most write_threads wait here, far fewer than kMaxBatchCreate; if
    // more ever did, the rest lead the next group).
    ++combine_leaders_;
    std::vector<CreateSlot*> slots;
    std::vector<PendingCreate*> group;
    while (!combine_queue_.empty() &&
           group.size() < static_cast<size_t>(kMaxBatchCreate)) {
      CreateSlot* s = combine_queue_.front();
      combine_queue_.pop_front();
      s->queued = false;
      slots.push_back(s);
      group.push_back(s->create);
    }
    combine_mu_.Unlock();
    // Leadership passes on once the group is appended, so the next group's
    // checks overlap this group's WAL sync.
    (void)CreateIncidents("CreateIncident", group, /*atomic=*/false, [this] {
      absl::MutexLock lock(&combine_mu_);
      --combine_leaders_;
      if (combine_leaders_ == 0 && !combine_queue_.empty()) {
        combine_queue_.front()->cv.Signal();
      }
    });
    combine_mu_.Lock();
    for (CreateSlot* s : slots) {
      s->done = true;
      s->cv.Signal();
    }
  }
  combine_mu_.Unlock();
  return std::move(create->result);
}

absl::Status IncidentCore::CreateIncidents(
    absl::string_view op, const std::vector<PendingCreate*>& creates,
    bool atomic, absl::FunctionRef<void()> on_appended) {
  bool appended = false;
  auto signal_appended = [&] {
    if (!appended) {
      appended = true;
      on_appended();
    }
  };
  absl::Cleanup always_signal = signal_appended;
  // Creates still to be written; the others have their result.
  std::vector<PendingCreate*> open;
  // Records a failure of `c`. In a batch the first failure is the answer
  // for every create; field errors name the request there, storage errors
  // stay generic.
  absl::Status batch_failure;
  auto fail = [&](PendingCreate* c, absl::Status s) {
    if (absl::IsInvalidArgument(s) && !c->field_prefix.empty()) {
      s = absl::Status(s.code(), absl::StrCat(c->field_prefix, s.message()));
    }
    c->result = s;
    if (atomic && batch_failure.ok()) batch_failure = s;
  };
  auto fail_all = [&](const absl::Status& s) {
    for (PendingCreate* c : creates) c->result = s;
    return s;
  };
  // A failure of the whole group (catalog unreachable, storage): in a
  // batch every create's answer; otherwise that of every create still
  // open (replayed ones keep their answer, as they would alone).
  auto fail_open = [&](const absl::Status& s) {
    if (atomic) return fail_all(s);
    for (PendingCreate* c : open) c->result = s;
    return s;
  };

  // 1. A retry of a committed request answers without asking the catalog.
  for (PendingCreate* c : creates) {
    absl::StatusOr<std::optional<Incident>> replayed =
        Replayed(*c, op, storage::ReadView::kDurable);
    if (!replayed.ok()) {
      fail(c, replayed.status());
    } else if (replayed->has_value()) {
      c->result = **std::move(replayed);
    } else {
      open.push_back(c);
    }
    if (!batch_failure.ok()) return fail_all(batch_failure);
  }

  // 2. One catalog call for the distinct victims of every open create. A
  // missing victim fails the creates naming it, and the others are checked
  // again (in a batch it fails the batch).
  while (!open.empty()) {
    std::vector<std::string> names;
    absl::flat_hash_set<absl::string_view> seen;
    for (PendingCreate* c : open) {
      for (const v1::Victim& v : c->incident.victims()) {
        if (seen.insert(v.organization()).second) names.push_back(v.organization());
      }
    }
    absl::StatusOr<std::optional<std::string>> missing =
        directory_.FindMissing(names);
    if (!missing.ok()) return fail_open(missing.status());
    if (!missing->has_value()) break;
    std::vector<PendingCreate*> still_open;
    for (PendingCreate* c : open) {
      absl::Status s = MissingVictimError(c->incident, "incident", **missing);
      if (s.ok()) {
        still_open.push_back(c);
      } else {
        fail(c, s);
        if (!batch_failure.ok()) return fail_all(batch_failure);
      }
    }
    if (still_open.size() == open.size()) {
      log::Error("catalog named a missing victim nobody asked for",
                 {{"victim", **missing}});
      return fail_open(absl::InternalError("victim check failed"));
    }
    open = std::move(still_open);
  }

  // 3. Under the write mutex: the checks on the kLatest view, the batch and
  // its append. Then, without the mutex, the shared WAL sync.
  std::vector<PendingCreate*> created;
  // request_id -> the create of this group that carries it: a second
  // combined call with the same request_id is a retry of the first and
  // gets its answer.
  absl::flat_hash_map<absl::string_view, PendingCreate*> group_requests;
  std::vector<std::pair<PendingCreate*, PendingCreate*>> retries;
  absl::Status status;
  storage::WriteToken token = 0;
  {
    absl::MutexLock lock(&write_mu_);
    status = [&]() -> absl::Status {
      const absl::Time now = clock_.Now();
      storage::WriteBatch batch;
      std::vector<v1::IncidentChange> changes;
      int64_t ordinal = store_.next_sequence();
      absl::flat_hash_set<std::string> generated;
      for (PendingCreate* c : open) {
        const std::string& request_id = c->request->request_id();
        if (!request_id.empty()) {
          auto [it, inserted] = group_requests.emplace(request_id, c);
          if (!inserted) {
            if (it->second->fingerprint == c->fingerprint) {
              retries.emplace_back(c, it->second);
            } else {
              fail(c, absl::InvalidArgumentError(
                          "request_id: already used for a different request"));
            }
            continue;
          }
        }
        // Checked again under the lock: a concurrent retry may have
        // committed.
        absl::StatusOr<std::optional<Incident>> replayed =
            Replayed(*c, op, kLatest);
        if (!replayed.ok()) {
          fail(c, replayed.status());
          if (!batch_failure.ok()) return batch_failure;
          continue;
        }
        if (replayed->has_value()) {
          c->result = **std::move(replayed);
          continue;
        }
        if (c->id.empty()) {
          do {
            c->id = api::GenerateId();
          } while (!generated.insert(c->id).second);
        } else if (!generated.insert(c->id).second) {
          // Two combined calls asking for the same new id: the first wins.
          fail(c, absl::AlreadyExistsError(
                      absl::StrCat(kCollection, "/", c->id, " already exists")));
          continue;
        }
        const std::string name = absl::StrCat(kCollection, "/", c->id);
        auto current = store_.GetIncident(c->id, kLatest);
        if (current.ok()) {
          fail(c, absl::AlreadyExistsError(
                      c->field_prefix.empty()
                          ? absl::StrCat(name, " already exists")
                          : absl::StrCat(c->field_prefix, "incident_id: ", name,
                                         " already exists")));
          if (!batch_failure.ok()) return batch_failure;
          continue;
        }
        if (!absl::IsNotFound(current.status())) {
          return Internal(current.status(), op);
        }
        Incident& incident = c->incident;
        incident.set_name(name);
        SetCounts(&incident);
        *incident.mutable_derived_figures() = ComputeDerivedFigures({});
        *incident.mutable_create_time() = api::ToProtoTimestamp(now);
        *incident.mutable_update_time() = incident.create_time();
        SetEtag(&incident);
        // The ordinal is the sequence of the change that creates it: the
        // changes below take consecutive sequences in this order.
        StoredIncident stored{incident, ordinal++};
        IncidentStore::PutIncident(stored, nullptr, &batch);
        if (!c->request->request_id().empty()) {
          IncidentStore::PutRequest(c->request->request_id(),
                                    {c->fingerprint, name}, &batch);
        }
        v1::IncidentChange& change = changes.emplace_back();
        change.set_change_type(v1::IncidentChange::CREATED);
        *change.mutable_incident() = incident;
        *change.mutable_commit_time() = incident.create_time();
        created.push_back(c);
      }
      if (changes.empty()) return absl::OkStatus();
      auto first = store_.CommitChanges(std::move(batch), std::move(changes));
      if (!first.ok()) return Internal(first.status(), op);
      // One line per group (a write(2) each): the names in sequence order.
      std::vector<absl::string_view> names, callers;
      for (const PendingCreate* c : created) {
        names.push_back(c->incident.name());
        if (std::find(callers.begin(), callers.end(), c->caller->label) ==
            callers.end()) {
          callers.push_back(c->caller->label);
        }
      }
      log::Info(created.size() == 1 ? "incident created" : "incidents created",
                {{"count", static_cast<int64_t>(created.size())},
                 {"first_sequence", *first},
                 {"names", absl::StrJoin(names, ",")},
                 {"by", absl::StrJoin(callers, ",")}});
      return absl::OkStatus();
    }();
    // Covers this group's write and every write its checks read, so no
    // answer derived from unsynced state leaves before it is durable.
    token = store_.last_write_token();
  }
  signal_appended();
  absl::Status durable = store_.WaitDurable(token);
  if (!durable.ok()) status = Internal(durable, op);
  if (!status.ok()) {
    // Nothing of this group is known to be durable.
    return fail_open(status);
  }
  for (PendingCreate* c : created) {
    auth::Redact(*c->caller, &c->incident);
    c->result = std::move(c->incident);
  }
  for (auto [retry, first] : retries) retry->result = first->result;
  return absl::OkStatus();
}

absl::StatusOr<Incident> IncidentCore::UpdateIncident(
    const auth::Caller& caller, const v1::UpdateIncidentRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "UpdateIncident"));
  if (!request.has_incident()) {
    return absl::InvalidArgumentError("incident: required");
  }
  ASSIGN_OR_RETURN(std::string id, api::ParseName(request.incident().name(),
                                                  kCollection, "incident.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(request.update_mask(), kIncidentWritable,
                                          kIncidentOutputOnly, &paths));
  const google::protobuf::FieldMask mask = MaskOf(paths);
  // The stored incident with the masked fields replaced, validated.
  auto build = [&](const StoredIncident& current) -> absl::StatusOr<Incident> {
    Incident merged = current.record;
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(
        request.incident(), mask, ReplaceOptions(), &merged);
    Incident writable = WritableCopy(merged);
    RETURN_IF_ERROR(ValidateIncident(&writable, "incident"));
    return writable;
  };
  ASSIGN_OR_RETURN(StoredIncident current, LoadIncident(id, "UpdateIncident"));
  RETURN_IF_ERROR(
      CheckEtag(request.incident().etag(), current.record.etag(), "incident.etag"));
  ASSIGN_OR_RETURN(Incident candidate, build(current));
  // Victims are checked with the catalog when the update names them.
  if (std::find(paths.begin(), paths.end(), "victims") != paths.end()) {
    RETURN_IF_ERROR(CheckVictimsExist(candidate, "incident"));
  }

  return Serialized<Incident>(
      "UpdateIncident", [&]() -> absl::StatusOr<Incident> {
        ASSIGN_OR_RETURN(current, LoadIncident(id, "UpdateIncident", kLatest));
        RETURN_IF_ERROR(CheckEtag(request.incident().etag(),
                                  current.record.etag(), "incident.etag"));
        ASSIGN_OR_RETURN(candidate, build(current));
        const Incident& old = current.record;
        candidate.set_name(old.name());
        SetCounts(&candidate);
        candidate.set_source_count(old.source_count());
        candidate.set_event_count(old.event_count());
        *candidate.mutable_derived_figures() = old.derived_figures();
        *candidate.mutable_create_time() = old.create_time();
        const absl::Time now = clock_.Now();
        *candidate.mutable_update_time() = api::ToProtoTimestamp(now);
        SetEtag(&candidate);

        StoredIncident updated{candidate, current.ordinal};
        storage::WriteBatch batch;
        IncidentStore::PutIncident(updated, &current, &batch);
        v1::IncidentChange change;
        change.set_change_type(v1::IncidentChange::UPDATED);
        *change.mutable_incident() = candidate;
        for (const v1::Victim& v : old.victims()) {
          change.add_previous_victims(v.organization());
        }
        *change.mutable_commit_time() = api::ToProtoTimestamp(now);
        auto sequence =
            store_.CommitChange(std::move(batch), std::move(change));
        if (!sequence.ok())
          return Internal(sequence.status(), "UpdateIncident");
        log::Info("incident updated", {{"name", candidate.name()},
                                       {"sequence", *sequence},
                                       {"by", caller.label}});
        auth::Redact(caller, &candidate);
        return candidate;
      });
}

absl::StatusOr<google::protobuf::Empty> IncidentCore::DeleteIncident(
    const auth::Caller& caller, const v1::DeleteIncidentRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "DeleteIncident"));
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  return Serialized<google::protobuf::Empty>(
      "DeleteIncident", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(StoredIncident current,
                         LoadIncident(id, "DeleteIncident", kLatest));
        RETURN_IF_ERROR(
            CheckEtag(request.etag(), current.record.etag(), "etag"));
        auto events = store_.AllEvents(id, kLatest);
        if (!events.ok()) return Internal(events.status(), "DeleteIncident");
        auto sources = store_.AllSources(id, kLatest);
        if (!sources.ok()) return Internal(sources.status(), "DeleteIncident");
        storage::WriteBatch batch;
        for (const StoredEvent& e : *events)
          IncidentStore::DeleteEvent(id, e, &batch);
        for (const StoredSource& s : *sources) {
          IncidentStore::DeleteSource(id, s, &batch);
        }
        IncidentStore::DeleteIncident(current, &batch);
        v1::IncidentChange change;
        change.set_change_type(v1::IncidentChange::DELETED);
        *change.mutable_incident() = current.record;
        for (const v1::Victim& v : current.record.victims()) {
          change.add_previous_victims(v.organization());
        }
        *change.mutable_commit_time() = api::ToProtoTimestamp(clock_.Now());
        auto sequence =
            store_.CommitChange(std::move(batch), std::move(change));
        if (!sequence.ok())
          return Internal(sequence.status(), "DeleteIncident");
        log::Info("incident deleted", {{"name", request.name()},
                                       {"sequence", *sequence},
                                       {"by", caller.label}});
        return google::protobuf::Empty();
      });
}

absl::StatusOr<v1::ListIncidentsResponse> IncidentCore::ListIncidents(
    const auth::Caller& caller, const v1::ListIncidentsRequest& request) {
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(IncidentFilter filter, ParseIncidentFilter(request.filter()));
  if (!caller.IsMember() && !filter.members_only_fields.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "filter: ", filter.members_only_fields.front(),
        " is members-only data; filtering on it needs a MEMBER key"));
  }
  const std::string fingerprint =
      api::QueryFingerprint({"incidents", request.filter()});
  std::string cursor;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
  }
  const size_t want = static_cast<size_t>(page_size) + 1;
  struct Hit {
    std::string position;
    Incident incident;
  };
  std::vector<Hit> hits;
  absl::Status failure;
  // Scans one index from the cursor, keeping up to `want` matches.
  auto scan = [&](IncidentIndex index, absl::string_view value,
                  std::vector<Hit>* out) -> absl::Status {
    absl::Status s = store_.ScanIncidentIndex(
        index, value, cursor,
        [&](absl::string_view position, absl::string_view incident_id) {
          auto incident = store_.GetIncident(incident_id);
          if (!incident.ok()) {
            failure = incident.status();
            return false;
          }
          if (!filter.Matches(incident->record)) return true;
          out->push_back({std::string(position), std::move(incident->record)});
          return out->size() < want;
        });
    if (!failure.ok()) return failure;
    return s;
  };
  absl::Status s;
  if (!filter.equalities.empty()) {
    // Driven by the first equality's index; the others and the dates are
    // checked on each record.
    s = scan(filter.equalities.front().index, filter.equalities.front().value,
             &hits);
  } else if (filter.has_date_range()) {
    auto years = store_.StartYearRange();
    if (!years.ok()) return Internal(years.status(), "ListIncidents");
    if (years->has_value()) {
      int first = (*years)->first, last = (*years)->second;
      if (filter.start_min) first = std::max<int>(first, filter.start_min->year());
      if (filter.start_max) last = std::min<int>(last, filter.start_max->year());
      for (int year = first; year <= last && s.ok(); ++year) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "%04d", year);
        s = scan(IncidentIndex::kStartYear, buf, &hits);
      }
      // Each year is in position order; merge them.
      std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
        return a.position < b.position;
      });
      if (hits.size() > want) hits.resize(want);
    }
  } else {
    s = scan(IncidentIndex::kAll, "", &hits);
  }
  if (!s.ok()) return Internal(s, "ListIncidents");
  v1::ListIncidentsResponse response;
  if (hits.size() > static_cast<size_t>(page_size)) {
    hits.resize(page_size);
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, hits.back().position));
  }
  for (Hit& h : hits) *response.add_incidents() = std::move(h.incident);
  auth::Redact(caller, &response);
  return response;
}

absl::Status IncidentCore::CommitSubresourceChange(
    StoredIncident incident, const std::vector<StoredEvent>& events,
    int source_count, storage::WriteBatch batch, absl::string_view op) {
  StoredIncident before = incident;
  Incident& record = incident.record;
  std::vector<TimelineEvent> timeline;
  timeline.reserve(events.size());
  for (const StoredEvent& e : events) timeline.push_back(e.record);
  record.set_event_count(static_cast<int32_t>(events.size()));
  record.set_source_count(source_count);
  *record.mutable_derived_figures() = ComputeDerivedFigures(timeline);
  SetEtag(&record);
  IncidentStore::PutIncident(incident, &before, &batch);
  v1::IncidentChange change;
  change.set_change_type(v1::IncidentChange::UPDATED);
  *change.mutable_incident() = record;
  for (const v1::Victim& v : record.victims()) {
    change.add_previous_victims(v.organization());
  }
  *change.mutable_commit_time() = api::ToProtoTimestamp(clock_.Now());
  auto sequence = store_.CommitChange(std::move(batch), std::move(change));
  if (!sequence.ok()) return Internal(sequence.status(), op);
  log::Info("incident changed", {{"name", record.name()},
                                 {"op", op},
                                 {"sequence", *sequence}});
  return absl::OkStatus();
}

// --- Timeline events --------------------------------------------------------

absl::StatusOr<TimelineEvent> IncidentCore::GetTimelineEvent(
    const auth::Caller& caller, const v1::GetTimelineEventRequest& request) {
  return GetTimelineEvent(caller, request, storage::ReadView::kDurable);
}

absl::StatusOr<TimelineEvent> IncidentCore::GetTimelineEvent(
    const auth::Caller& caller, const v1::GetTimelineEventRequest& request,
    storage::ReadView view) {
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kCollection, "events",
                                       "name"));
  auto event = store_.GetEvent(name.parent_id, name.id, view);
  if (absl::IsNotFound(event.status())) return NotFound(request.name());
  if (!event.ok()) return Internal(event.status(), "GetTimelineEvent");
  auth::Redact(caller, &event->record);
  return std::move(event->record);
}

absl::StatusOr<v1::ListTimelineEventsResponse> IncidentCore::ListTimelineEvents(
    const auth::Caller& caller, const v1::ListTimelineEventsRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.parent(), kCollection, "parent"));
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  const std::string fingerprint = api::QueryFingerprint({"events", id});
  std::string cursor;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(LoadIncident(id, "ListTimelineEvents").status());
  std::vector<std::pair<std::string, std::string>> keys;  // cursor, event id
  absl::Status s = store_.ScanTimeline(
      id, cursor, [&](absl::string_view key, absl::string_view event_id) {
        keys.emplace_back(std::string(key), std::string(event_id));
        return keys.size() <= static_cast<size_t>(page_size);
      });
  if (!s.ok()) return Internal(s, "ListTimelineEvents");
  v1::ListTimelineEventsResponse response;
  if (keys.size() > static_cast<size_t>(page_size)) {
    keys.resize(page_size);
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, keys.back().first));
  }
  for (const auto& [key, event_id] : keys) {
    auto event = store_.GetEvent(id, event_id);
    if (!event.ok()) return Internal(event.status(), "ListTimelineEvents");
    *response.add_events() = std::move(event->record);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<TimelineEvent> IncidentCore::CreateTimelineEvent(
    const auth::Caller& caller, const v1::CreateTimelineEventRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "CreateTimelineEvent"));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  ASSIGN_OR_RETURN(std::string incident_id,
                   api::ParseName(request.parent(), kCollection, "parent"));
  std::string id = request.event_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "event_id"));
  if (!request.has_event()) return absl::InvalidArgumentError("event: required");
  TimelineEvent event = request.event();
  RETURN_IF_ERROR(ValidateEventFields(&event, incident_id, "event"));
  const std::string fingerprint = api::RequestFingerprint(request);

  return Serialized<TimelineEvent>(
      "CreateTimelineEvent", [&]() -> absl::StatusOr<TimelineEvent> {
        ASSIGN_OR_RETURN(std::optional<std::string> replayed,
                         ReplayedName(request.request_id(), fingerprint,
                                      "CreateTimelineEvent", kLatest));
        if (replayed.has_value()) {
          v1::GetTimelineEventRequest get;
          get.set_name(*replayed);
          return GetTimelineEvent(caller, get, kLatest);
        }
        ASSIGN_OR_RETURN(
            StoredIncident incident,
            LoadIncident(incident_id, "CreateTimelineEvent", kLatest));
        auto sources = store_.AllSources(incident_id, kLatest);
        if (!sources.ok())
          return Internal(sources.status(), "CreateTimelineEvent");
        auto events = store_.AllEvents(incident_id, kLatest);
        if (!events.ok())
          return Internal(events.status(), "CreateTimelineEvent");
        const auto source_map = SourceMap(*sources);
        RETURN_IF_ERROR(CheckEventReferences(event, source_map, "event"));
        if (id.empty()) id = api::GenerateId();
        const std::string name =
            absl::StrCat(incident.record.name(), "/events/", id);
        auto existing = store_.GetEvent(incident_id, id, kLatest);
        if (existing.ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat(name, " already exists"));
        }
        if (!absl::IsNotFound(existing.status())) {
          return Internal(existing.status(), "CreateTimelineEvent");
        }
        event.set_name(name);
        Resolve(&event, source_map);
        *event.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
        *event.mutable_update_time() = event.create_time();
        SetRecordEtag(&event);
        StoredEvent stored{event, store_.next_sequence()};
        storage::WriteBatch batch;
        IncidentStore::PutEvent(incident_id, stored, nullptr, &batch);
        if (!request.request_id().empty()) {
          IncidentStore::PutRequest(request.request_id(), {fingerprint, name},
                                    &batch);
        }
        events->push_back(stored);
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()),
            std::move(batch), "CreateTimelineEvent"));
        auth::Redact(caller, &event);
        return event;
      });
}

absl::StatusOr<TimelineEvent> IncidentCore::UpdateTimelineEvent(
    const auth::Caller& caller, const v1::UpdateTimelineEventRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateTimelineEvent"));
  if (!request.has_event()) return absl::InvalidArgumentError("event: required");
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.event().name(), kCollection,
                                       "events", "event.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(request.update_mask(), kEventWritable,
                                          kEventOutputOnly, &paths));
  return Serialized<TimelineEvent>(
      "UpdateTimelineEvent", [&]() -> absl::StatusOr<TimelineEvent> {
        ASSIGN_OR_RETURN(
            StoredIncident incident,
            LoadIncident(name.parent_id, "UpdateTimelineEvent", kLatest));
        auto current = store_.GetEvent(name.parent_id, name.id, kLatest);
        if (absl::IsNotFound(current.status()))
          return NotFound(request.event().name());
        if (!current.ok())
          return Internal(current.status(), "UpdateTimelineEvent");
        RETURN_IF_ERROR(CheckEtag(request.event().etag(),
                                  current->record.etag(), "event.etag"));
        const TimelineEvent& in = request.event();
        TimelineEvent merged = current->record;
        for (const std::string& p : paths) {
          if (p == "type") {
            merged.set_type(in.type());
          } else if (p == "date") {
            if (in.has_date()) {
              *merged.mutable_date() = in.date();
            } else if (merged.has_date()) {
              merged.clear_date();
            }
          } else if (p == "relative_date") {
            if (in.has_relative_date()) {
              *merged.mutable_relative_date() = in.relative_date();
            } else if (merged.has_relative_date()) {
              merged.clear_relative_date();
            }
          } else if (p == "end_date") {
            *merged.mutable_end_date() = in.end_date();
            if (!in.has_end_date()) merged.clear_end_date();
          } else if (p == "description") {
            merged.set_description(in.description());
          } else if (p == "sources") {
            *merged.mutable_sources() = in.sources();
          }
        }
        RETURN_IF_ERROR(ValidateEventFields(&merged, name.parent_id, "event"));
        auto sources = store_.AllSources(name.parent_id, kLatest);
        if (!sources.ok())
          return Internal(sources.status(), "UpdateTimelineEvent");
        auto events = store_.AllEvents(name.parent_id, kLatest);
        if (!events.ok())
          return Internal(events.status(), "UpdateTimelineEvent");
        const auto source_map = SourceMap(*sources);
        RETURN_IF_ERROR(CheckEventReferences(merged, source_map, "event"));
        merged.set_name(current->record.name());
        Resolve(&merged, source_map);
        *merged.mutable_create_time() = current->record.create_time();
        *merged.mutable_update_time() = api::ToProtoTimestamp(clock_.Now());
        SetRecordEtag(&merged);
        StoredEvent updated{merged, current->ordinal};
        storage::WriteBatch batch;
        IncidentStore::PutEvent(name.parent_id, updated, &*current, &batch);
        for (StoredEvent& e : *events) {
          if (e.record.name() == merged.name()) e = updated;
        }
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()),
            std::move(batch), "UpdateTimelineEvent"));
        auth::Redact(caller, &merged);
        return merged;
      });
}

absl::StatusOr<google::protobuf::Empty> IncidentCore::DeleteTimelineEvent(
    const auth::Caller& caller, const v1::DeleteTimelineEventRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "DeleteTimelineEvent"));
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kCollection, "events",
                                       "name"));
  return Serialized<google::protobuf::Empty>(
      "DeleteTimelineEvent", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(
            StoredIncident incident,
            LoadIncident(name.parent_id, "DeleteTimelineEvent", kLatest));
        auto current = store_.GetEvent(name.parent_id, name.id, kLatest);
        if (absl::IsNotFound(current.status())) return NotFound(request.name());
        if (!current.ok())
          return Internal(current.status(), "DeleteTimelineEvent");
        RETURN_IF_ERROR(
            CheckEtag(request.etag(), current->record.etag(), "etag"));
        auto events = store_.AllEvents(name.parent_id, kLatest);
        if (!events.ok())
          return Internal(events.status(), "DeleteTimelineEvent");
        auto sources = store_.AllSources(name.parent_id, kLatest);
        if (!sources.ok())
          return Internal(sources.status(), "DeleteTimelineEvent");
        storage::WriteBatch batch;
        IncidentStore::DeleteEvent(name.parent_id, *current, &batch);
        events->erase(std::remove_if(events->begin(), events->end(),
                                     [&](const StoredEvent& e) {
                                       return e.record.name() == request.name();
                                     }),
                      events->end());
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()),
            std::move(batch), "DeleteTimelineEvent"));
        return google::protobuf::Empty();
      });
}

// --- Sources ---------------------------------------------------------------

absl::StatusOr<Source> IncidentCore::GetSource(
    const auth::Caller& caller, const v1::GetSourceRequest& request) {
  return GetSource(caller, request, storage::ReadView::kDurable);
}

absl::StatusOr<Source> IncidentCore::GetSource(
    const auth::Caller& caller, const v1::GetSourceRequest& request,
    storage::ReadView view) {
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kCollection, "sources",
                                       "name"));
  auto source = store_.GetSource(name.parent_id, name.id, view);
  if (absl::IsNotFound(source.status())) return NotFound(request.name());
  if (!source.ok()) return Internal(source.status(), "GetSource");
  auth::Redact(caller, &source->record);
  return std::move(source->record);
}

absl::StatusOr<v1::ListSourcesResponse> IncidentCore::ListSources(
    const auth::Caller& caller, const v1::ListSourcesRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.parent(), kCollection, "parent"));
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  const std::string fingerprint = api::QueryFingerprint({"sources", id});
  std::string cursor;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(LoadIncident(id, "ListSources").status());
  std::vector<std::pair<std::string, std::string>> keys;
  absl::Status s = store_.ScanSourceOrder(
      id, cursor, [&](absl::string_view key, absl::string_view source_id) {
        keys.emplace_back(std::string(key), std::string(source_id));
        return keys.size() <= static_cast<size_t>(page_size);
      });
  if (!s.ok()) return Internal(s, "ListSources");
  v1::ListSourcesResponse response;
  if (keys.size() > static_cast<size_t>(page_size)) {
    keys.resize(page_size);
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, keys.back().first));
  }
  for (const auto& [key, source_id] : keys) {
    auto source = store_.GetSource(id, source_id);
    if (!source.ok()) return Internal(source.status(), "ListSources");
    *response.add_sources() = std::move(source->record);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<Source> IncidentCore::CreateSource(
    const auth::Caller& caller, const v1::CreateSourceRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "CreateSource"));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  ASSIGN_OR_RETURN(std::string incident_id,
                   api::ParseName(request.parent(), kCollection, "parent"));
  std::string id = request.source_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "source_id"));
  if (!request.has_source()) return absl::InvalidArgumentError("source: required");
  Source source = request.source();
  RETURN_IF_ERROR(ValidateSourceFields(&source, "source"));
  const std::string fingerprint = api::RequestFingerprint(request);

  return Serialized<Source>("CreateSource", [&]() -> absl::StatusOr<Source> {
    ASSIGN_OR_RETURN(std::optional<std::string> replayed,
                     ReplayedName(request.request_id(), fingerprint,
                                  "CreateSource", kLatest));
    if (replayed.has_value()) {
      v1::GetSourceRequest get;
      get.set_name(*replayed);
      return GetSource(caller, get, kLatest);
    }
    ASSIGN_OR_RETURN(StoredIncident incident,
                     LoadIncident(incident_id, "CreateSource", kLatest));
    auto sources = store_.AllSources(incident_id, kLatest);
    if (!sources.ok()) return Internal(sources.status(), "CreateSource");
    auto events = store_.AllEvents(incident_id, kLatest);
    if (!events.ok()) return Internal(events.status(), "CreateSource");
    if (id.empty()) id = api::GenerateId();
    const std::string name =
        absl::StrCat(incident.record.name(), "/sources/", id);
    auto existing = store_.GetSource(incident_id, id, kLatest);
    if (existing.ok()) {
      return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
    }
    if (!absl::IsNotFound(existing.status())) {
      return Internal(existing.status(), "CreateSource");
    }
    source.set_name(name);
    *source.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
    *source.mutable_update_time() = source.create_time();
    SetRecordEtag(&source);
    storage::WriteBatch batch;
    IncidentStore::PutSource(incident_id, {source, store_.next_sequence()},
                             &batch);
    if (!request.request_id().empty()) {
      IncidentStore::PutRequest(request.request_id(), {fingerprint, name},
                                &batch);
    }
    RETURN_IF_ERROR(CommitSubresourceChange(
        std::move(incident), *events, static_cast<int>(sources->size()) + 1,
        std::move(batch), "CreateSource"));
    auth::Redact(caller, &source);
    return source;
  });
}

absl::StatusOr<Source> IncidentCore::UpdateSource(
    const auth::Caller& caller, const v1::UpdateSourceRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "UpdateSource"));
  if (!request.has_source()) return absl::InvalidArgumentError("source: required");
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.source().name(), kCollection,
                                       "sources", "source.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(request.update_mask(), kSourceWritable,
                                          kSourceOutputOnly, &paths));
  return Serialized<Source>("UpdateSource", [&]() -> absl::StatusOr<Source> {
    ASSIGN_OR_RETURN(StoredIncident incident,
                     LoadIncident(name.parent_id, "UpdateSource", kLatest));
    auto current = store_.GetSource(name.parent_id, name.id, kLatest);
    if (absl::IsNotFound(current.status()))
      return NotFound(request.source().name());
    if (!current.ok()) return Internal(current.status(), "UpdateSource");
    RETURN_IF_ERROR(CheckEtag(request.source().etag(), current->record.etag(),
                              "source.etag"));
    Source merged = current->record;
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(
        request.source(), MaskOf(paths), ReplaceOptions(), &merged);
    RETURN_IF_ERROR(ValidateSourceFields(&merged, "source"));
    merged.set_name(current->record.name());
    *merged.mutable_create_time() = current->record.create_time();
    *merged.mutable_update_time() = api::ToProtoTimestamp(clock_.Now());
    SetRecordEtag(&merged);
    auto sources = store_.AllSources(name.parent_id, kLatest);
    if (!sources.ok()) return Internal(sources.status(), "UpdateSource");
    auto events = store_.AllEvents(name.parent_id, kLatest);
    if (!events.ok()) return Internal(events.status(), "UpdateSource");
    for (StoredSource& s : *sources) {
      if (s.record.name() == merged.name()) s.record = merged;
    }
    const auto source_map = SourceMap(*sources);
    storage::WriteBatch batch;
    IncidentStore::PutSource(name.parent_id, {merged, current->ordinal},
                             &batch);
    // Relative dates anchored to this source resolve (or change) with its
    // published date; their timeline keys move in the same batch.
    for (StoredEvent& e : *events) {
      if (!e.record.has_relative_date() ||
          e.record.relative_date().anchor_source() != merged.name()) {
        continue;
      }
      StoredEvent before = e;
      Resolve(&e.record, source_map);
      if (e.record.relative_date().SerializeAsString() ==
              before.record.relative_date().SerializeAsString() &&
          e.record.effective_date().SerializeAsString() ==
              before.record.effective_date().SerializeAsString()) {
        continue;
      }
      SetRecordEtag(&e.record);
      IncidentStore::PutEvent(name.parent_id, e, &before, &batch);
    }
    RETURN_IF_ERROR(CommitSubresourceChange(std::move(incident), *events,
                                            static_cast<int>(sources->size()),
                                            std::move(batch), "UpdateSource"));
    auth::Redact(caller, &merged);
    return merged;
  });
}

absl::StatusOr<google::protobuf::Empty> IncidentCore::DeleteSource(
    const auth::Caller& caller, const v1::DeleteSourceRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "DeleteSource"));
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kCollection, "sources",
                                       "name"));
  return Serialized<google::protobuf::Empty>(
      "DeleteSource", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(StoredIncident incident,
                         LoadIncident(name.parent_id, "DeleteSource", kLatest));
        auto current = store_.GetSource(name.parent_id, name.id, kLatest);
        if (absl::IsNotFound(current.status())) return NotFound(request.name());
        if (!current.ok()) return Internal(current.status(), "DeleteSource");
        RETURN_IF_ERROR(
            CheckEtag(request.etag(), current->record.etag(), "etag"));
        auto events = store_.AllEvents(name.parent_id, kLatest);
        if (!events.ok()) return Internal(events.status(), "DeleteSource");
        auto sources = store_.AllSources(name.parent_id, kLatest);
        if (!sources.ok()) return Internal(sources.status(), "DeleteSource");
        for (const StoredEvent& e : *events) {
          bool anchored =
              e.record.has_relative_date() &&
              e.record.relative_date().anchor_source() == request.name();
          bool cited =
              std::find(e.record.sources().begin(), e.record.sources().end(),
                        request.name()) != e.record.sources().end();
          if (anchored || cited) {
            return absl::FailedPreconditionError(absl::StrCat(
                request.name(), " is ", anchored ? "the anchor of" : "cited by",
                " ", e.record.name(), "; change that event first"));
          }
        }
        storage::WriteBatch batch;
        IncidentStore::DeleteSource(name.parent_id, *current, &batch);
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()) - 1,
            std::move(batch), "DeleteSource"));
        return google::protobuf::Empty();
      });
}

// --- Changelog ---------------------------------------------------------------

absl::StatusOr<int64_t> IncidentCore::WatchStart(
    const auth::Caller&, const v1::WatchIncidentChangesRequest& request) {
  if (request.start_sequence() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "start_sequence: must not be negative, got ", request.start_sequence()));
  }
  // Durable changes only: a stream never serves what a crash could lose.
  const int64_t next = store_.durable_next_sequence();
  if (request.start_sequence() > next) {
    return absl::OutOfRangeError(absl::StrCat(
        "start_sequence: ", request.start_sequence(),
        " is beyond the next sequence to be written (", next, ")"));
  }
  return std::max<int64_t>(1, request.start_sequence());
}

absl::Status IncidentCore::ReadChanges(int64_t from, size_t max,
                                       std::deque<v1::IncidentChange>* out) {
  absl::Status s = store_.ReadChanges(from, max, out);
  if (!s.ok()) return Internal(s, "WatchIncidentChanges");
  return absl::OkStatus();
}

}  // namespace atlas::incident
