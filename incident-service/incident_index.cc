#include "incident-service/incident_index.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/partial_date.h"

namespace atlas::incident {
namespace {

absl::string_view LastPathSegment(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

}  // namespace

absl::string_view IndexName(IncidentIndex index) {
  switch (index) {
    case IncidentIndex::kAll:
      return "list";
    case IncidentIndex::kVictim:
      return "victim";
    case IncidentIndex::kCountry:
      return "country";
    case IncidentIndex::kType:
      return "type";
    case IncidentIndex::kDetermination:
      return "determination";
    case IncidentIndex::kMotive:
      return "motive";
    case IncidentIndex::kTechnique:
      return "technique";
    case IncidentIndex::kActorType:
      return "actor_type";
    case IncidentIndex::kStartYear:
      return "start_year";
    case IncidentIndex::kExternalReference:
      return "external_ref";
  }
  return "list";
}

std::vector<std::pair<IncidentIndex, std::string>> ListIndexValues(
    const v1::Incident& i) {
  std::vector<std::pair<IncidentIndex, std::string>> values;
  auto add = [&](IncidentIndex index, std::string value) {
    values.emplace_back(index, std::move(value));
  };
  add(IncidentIndex::kAll, "");
  for (const v1::Victim& v : i.victims()) {
    add(IncidentIndex::kVictim, std::string(LastPathSegment(v.organization())));
  }
  for (const std::string& c : i.countries()) add(IncidentIndex::kCountry, c);
  for (int t : i.incident_types()) add(IncidentIndex::kType, absl::StrCat(t));
  add(IncidentIndex::kDetermination, absl::StrCat(i.determination()));
  for (int m : i.motives()) add(IncidentIndex::kMotive, absl::StrCat(m));
  for (const v1::Technique& t : i.techniques()) {
    add(IncidentIndex::kTechnique, t.id());
  }
  for (const v1::ThreatActor& a : i.threat_actors()) {
    add(IncidentIndex::kActorType, absl::StrCat(static_cast<int>(a.type())));
  }
  if (!api::IsEmpty(i.start_date())) {
    char year[8];
    std::snprintf(year, sizeof(year), "%04d", i.start_date().year());
    add(IncidentIndex::kStartYear, year);
  }
  for (const atlas::type::v1::ExternalReference& r : i.external_references()) {
    add(IncidentIndex::kExternalReference, api::ExternalReferenceText(r));
  }
  return values;
}

}  // namespace atlas::incident
