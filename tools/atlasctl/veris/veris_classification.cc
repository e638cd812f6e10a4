#include "tools/atlasctl/veris/veris_classification.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "tools/atlasctl/veris/victim_description.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

// Most values a VerisAction list holds (veris.proto).
constexpr size_t kMaxListValues = 64;
// Most varieties and additional countries of a ThreatActor.
constexpr size_t kMaxActorValues = 16;

struct ActionCategory {
  absl::string_view veris;
  inc::VerisAction::Category category;
};

constexpr std::array<ActionCategory, 8> kActionCategories = {{
    {"hacking", inc::VerisAction::HACKING},
    {"malware", inc::VerisAction::MALWARE},
    {"social", inc::VerisAction::SOCIAL},
    {"misuse", inc::VerisAction::MISUSE},
    {"physical", inc::VerisAction::PHYSICAL},
    {"error", inc::VerisAction::ERROR},
    {"environmental", inc::VerisAction::ENVIRONMENTAL},
    {"unknown", inc::VerisAction::UNKNOWN},
}};

struct ActorCategory {
  absl::string_view veris;
  inc::ThreatActor::VerisCategory category;
};

constexpr std::array<ActorCategory, 4> kActorCategories = {{
    {"external", inc::ThreatActor::EXTERNAL},
    {"internal", inc::ThreatActor::INTERNAL},
    {"partner", inc::ThreatActor::PARTNER},
    {"unknown", inc::ThreatActor::UNKNOWN},
}};

// The values in order, each once, at most `max`.
std::vector<std::string> Distinct(const std::vector<std::string>& values,
                                  size_t max) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    if (out.size() == max) break;
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

template <typename Repeated>
void AddAll(const std::vector<std::string>& values, Repeated* field) {
  for (const std::string& v : values) field->Add(std::string(v));
}

bool Has(const Json* list, absl::string_view value) {
  for (const std::string& v : StringsOf(list)) {
    if (v == value) return true;
  }
  return false;
}

std::string Capitalised(absl::string_view word) {
  std::string out(word);
  if (!out.empty()) out[0] = absl::ascii_toupper(out[0]);
  return out;
}

inc::Motive MotiveOf(absl::string_view veris) {
  if (veris == "Convenience") return inc::CONVENIENCE;
  if (veris == "Espionage") return inc::ESPIONAGE_MOTIVE;
  if (veris == "Fear") return inc::FEAR;
  if (veris == "Financial") return inc::FINANCIAL;
  if (veris == "Fun") return inc::FUN;
  if (veris == "Grudge") return inc::GRUDGE;
  if (veris == "Ideology") return inc::IDEOLOGY;
  if (veris == "NA") return inc::NA_ACCIDENT;
  if (veris == "Secondary") return inc::SECONDARY_MOTIVE;
  if (veris == "Other") return inc::OTHER_MOTIVE;
  return inc::MOTIVE_UNSPECIFIED;  // "Unknown"
}

// The actor type VERIS varieties imply, strongest claim first; none for
// varieties that name no type of ours.
inc::ThreatActorType ExternalActorType(const std::vector<std::string>& v) {
  auto has = [&](absl::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (has("Nation-state") || has("State-affiliated")) return inc::NATION_STATE;
  if (has("Organized crime")) return inc::CRIMINAL;
  if (has("Activist")) return inc::HACKTIVIST;
  return inc::THREAT_ACTOR_TYPE_UNSPECIFIED;
}

// `names` joined with "; " as far as they fit ThreatActor.name; the full
// list goes to the description when they do not all fit.
std::string ActorName(const std::vector<std::string>& names,
                      absl::string_view category,
                      DescriptionBuilder* description) {
  std::string joined;
  for (const std::string& name : names) {
    std::string next = joined.empty() ? name : absl::StrCat(joined, "; ", name);
    if (CharCount(next) > kActorNameMaxChars) {
      description->AddSection(absl::StrCat("Names of the ", category, " actor"),
                              absl::StrJoin(names, "; "));
      break;
    }
    joined = std::move(next);
  }
  return joined;
}

void AddNotes(const Json* section, absl::string_view label,
              DescriptionBuilder* description) {
  if (std::optional<std::string> notes = StringOf(Member(section, "notes"))) {
    description->AddSection(label, CleanText(*notes));
  }
}

}  // namespace

void MapActions(const Json& record, inc::Incident* incident,
                DescriptionBuilder* description) {
  const Json* actions = Member(&record, "action");
  for (const ActionCategory& category : kActionCategories) {
    const Json* section = Member(actions, category.veris);
    if (section == nullptr || !section->is_object()) continue;
    inc::VerisAction* action = incident->add_actions();
    action->set_category(category.category);
    AddAll(Distinct(StringsOf(Member(section, "variety")), kMaxListValues),
           action->mutable_varieties());
    AddAll(Distinct(StringsOf(Member(section, "vector")), kMaxListValues),
           action->mutable_vectors());
    AddAll(Distinct(StringsOf(Member(section, "result")), kMaxListValues),
           action->mutable_results());
    if (category.category == inc::VerisAction::SOCIAL) {
      AddAll(Distinct(StringsOf(Member(section, "target")), kMaxListValues),
             action->mutable_targets());
    }
    if (std::optional<std::string> notes = StringOf(Member(section, "notes"))) {
      std::string text = CleanText(*notes);
      if (CharCount(text) <= kNoteMaxChars) {
        action->set_notes(std::move(text));
      } else {
        description->AddSection(
            absl::StrCat("Notes on the ", category.veris, " action"),
            std::move(text));
      }
    }
    if (std::optional<std::string> name = StringOf(Member(section, "name"))) {
      description->AddSection(absl::StrCat("Malware name"), CleanText(*name));
    }
    if (std::optional<std::string> cve = StringOf(Member(section, "cve"))) {
      description->AddSection(
          absl::StrCat("CVE of the ", category.veris, " action"),
          CleanText(*cve));
    }
  }
}

void MapActors(const Json& record, const api::CountryList& countries,
               inc::Incident* incident, DescriptionBuilder* description) {
  const Json* actors = Member(&record, "actor");
  std::vector<inc::Motive> motives;
  for (const ActorCategory& category : kActorCategories) {
    const Json* section = Member(actors, category.veris);
    if (section == nullptr || !section->is_object()) continue;
    inc::ThreatActor* actor = incident->add_threat_actors();
    actor->set_veris_category(category.category);
    std::vector<std::string> varieties =
        Distinct(StringsOf(Member(section, "variety")), kMaxActorValues);
    AddAll(varieties, actor->mutable_veris_varieties());
    if (category.category == inc::ThreatActor::EXTERNAL) {
      actor->set_type(ExternalActorType(varieties));
    } else if (category.category == inc::ThreatActor::INTERNAL) {
      actor->set_type(inc::INSIDER);
    }
    std::vector<std::string> iso =
        IsoCountries(StringsOf(Member(section, "country")), countries);
    if (!iso.empty()) {
      actor->set_country(iso.front());
      for (size_t i = 1; i < iso.size() && i <= kMaxActorValues; ++i) {
        actor->add_additional_countries(iso[i]);
      }
    }
    std::vector<std::string> names;
    for (const std::string& name : StringsOf(Member(section, "name"))) {
      std::string clean = CleanText(name);
      if (!clean.empty()) names.push_back(std::move(clean));
    }
    actor->set_name(ActorName(names, category.veris, description));
    AddNotes(section, absl::StrCat("Notes on the ", category.veris, " actor"),
             description);
    for (const std::string& value : StringsOf(Member(section, "motive"))) {
      inc::Motive motive = MotiveOf(value);
      if (motive != inc::MOTIVE_UNSPECIFIED &&
          std::find(motives.begin(), motives.end(), motive) == motives.end()) {
        motives.push_back(motive);
      }
    }
  }
  for (inc::Motive motive : motives) incident->add_motives(motive);
}

void DeriveIncidentTypes(const Json& record, inc::Incident* incident) {
  const Json* action = Member(&record, "action");
  const Json* hacking = Member(action, "hacking");
  const Json* malware = Member(action, "malware");
  const Json* social = Member(action, "social");
  std::vector<inc::IncidentType> types;
  auto add = [&](bool condition, inc::IncidentType type) {
    if (condition) types.push_back(type);
  };
  std::vector<std::string> malware_varieties =
      StringsOf(Member(malware, "variety"));
  add(Has(Member(malware, "variety"), "Ransomware"), inc::RANSOMWARE);
  add(malware != nullptr &&
          (malware_varieties.empty() ||
           std::any_of(malware_varieties.begin(), malware_varieties.end(),
                       [](const std::string& v) { return v != "Ransomware"; })),
      inc::MALWARE);
  add(Has(Member(hacking, "variety"), "DoS") ||
          Has(Member(malware, "variety"), "DoS"),
      inc::DDOS);
  add(Has(At(record, {"attribute", "integrity", "variety"}), "Defacement"),
      inc::DEFACEMENT);
  add(StringOf(At(record, {"attribute", "confidentiality",
                           "data_disclosure"})) == "Yes",
      inc::DATA_BREACH);
  add(Has(Member(social, "variety"), "Extortion"), inc::EXTORTION);
  add(Has(Member(social, "variety"), "Phishing") ||
          Has(Member(hacking, "variety"), "Use of stolen creds"),
      inc::ACCOUNT_COMPROMISE);
  add(Has(Member(hacking, "vector"), "Web application"),
      inc::WEBSITE_COMPROMISE);
  add(Has(Member(social, "variety"), "Influence") ||
          Has(Member(social, "variety"), "Propaganda"),
      inc::INFORMATION_OPERATION);
  bool espionage = false;
  for (const ActorCategory& category : kActorCategories) {
    espionage |=
        Has(At(record, {"actor", category.veris, "motive"}), "Espionage");
  }
  add(espionage &&
          (hacking != nullptr || malware != nullptr || social != nullptr),
      inc::ESPIONAGE);
  add(Member(action, "error") != nullptr, inc::ACCIDENTAL_ERROR);
  add(Member(action, "physical") != nullptr, inc::PHYSICAL_ACT);
  add(Member(action, "misuse") != nullptr, inc::INSIDER_MISUSE);
  add(Member(action, "environmental") != nullptr, inc::ENVIRONMENTAL_EVENT);
  for (inc::IncidentType type : types) incident->add_incident_types(type);
}

std::vector<std::string> ActionPhrases(const Json& record) {
  std::vector<std::string> phrases;
  const Json* actions = Member(&record, "action");
  for (const ActionCategory& category : kActionCategories) {
    const Json* section = Member(actions, category.veris);
    if (section == nullptr) continue;
    if (category.category == inc::VerisAction::UNKNOWN) {
      phrases.push_back("Unknown action");
      continue;
    }
    std::vector<std::string> known;
    for (const std::string& v :
         Distinct(StringsOf(Member(section, "variety")), kMaxListValues)) {
      if (v != "Unknown") known.push_back(v);
    }
    std::string phrase = Capitalised(category.veris);
    if (!known.empty()) {
      absl::StrAppend(&phrase, " (", absl::StrJoin(known, ", "), ")");
    }
    phrases.push_back(std::move(phrase));
  }
  return phrases;
}

}  // namespace atlas::atlasctl::veris
