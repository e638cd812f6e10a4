#include "tools/atlasctl/veris/veris_exposure.h"

#include <algorithm>
#include <array>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

// Most assets and data varieties an incident holds (veris.proto).
constexpr size_t kMaxAmounts = 64;
// Most losses (veris.proto).
constexpr size_t kMaxLosses = 16;

// A variety with an amount; repeated varieties are merged: the amounts
// add up when every one is known, and are unknown otherwise.
struct VarietyAmount {
  std::string variety;
  std::optional<int64_t> amount;
};

std::vector<VarietyAmount> MergedAmounts(const Json* list, int64_t minimum) {
  std::vector<VarietyAmount> out;
  if (list == nullptr || !list->is_array()) return out;
  std::vector<bool> unknown;
  for (const Json& item : *list) {
    std::optional<std::string> variety = StringOf(Member(&item, "variety"));
    if (!variety.has_value()) continue;
    std::optional<int64_t> amount = IntegerOf(Member(&item, "amount"));
    if (amount.has_value() && *amount < minimum) amount.reset();
    auto it = std::find_if(out.begin(), out.end(), [&](const VarietyAmount& v) {
      return v.variety == *variety;
    });
    if (it == out.end()) {
      if (out.size() == kMaxAmounts) continue;
      out.push_back({*variety, amount});
      unknown.push_back(!amount.has_value());
      continue;
    }
    size_t i = static_cast<size_t>(it - out.begin());
    if (unknown[i] || !amount.has_value()) {
      unknown[i] = true;
      it->amount.reset();
    } else {
      *it->amount += *amount;
    }
  }
  return out;
}

std::vector<std::string> Distinct(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

std::string NotesOf(const Json* section) {
  std::optional<std::string> notes = StringOf(Member(section, "notes"));
  return notes.has_value() ? CleanText(*notes) : "";
}

// `facts` (VERIS values as a sentence) and the section's notes as one
// note; notes that do not fit go to the description under `label`.
void SetNote(const std::string& facts, const Json* section,
             absl::string_view label, inc::ImpactAssessment* assessment,
             DescriptionBuilder* description) {
  std::string notes = NotesOf(section);
  std::string note = facts;
  if (!notes.empty()) {
    note = facts.empty() ? notes : absl::StrCat(facts, "\n", notes);
  }
  if (CharCount(note) > kNoteMaxChars) {
    note = FitAtWord(facts, kNoteMaxChars);
    description->AddSection(label, std::move(notes));
  }
  assessment->set_note(std::move(note));
}

std::string ValuesSentence(absl::string_view label,
                           const std::vector<std::string>& values) {
  if (values.empty()) return "";
  return absl::StrCat(label, ": ", absl::StrJoin(values, ", "), ".");
}

inc::DataExposure::Disclosure DisclosureOf(absl::string_view veris) {
  if (veris == "Yes") return inc::DataExposure::DISCLOSED;
  if (veris == "No") return inc::DataExposure::NOT_DISCLOSED;
  if (veris == "Potentially") return inc::DataExposure::POTENTIALLY_DISCLOSED;
  if (veris == "Unknown") return inc::DataExposure::DISCLOSURE_UNKNOWN;
  return inc::DataExposure::DISCLOSURE_UNSPECIFIED;
}

struct UnitName {
  absl::string_view veris;
  inc::PhaseDuration::Unit unit;
};

constexpr std::array<UnitName, 10> kUnits = {{
    {"Seconds", inc::PhaseDuration::SECONDS},
    {"Minutes", inc::PhaseDuration::MINUTES},
    {"Hours", inc::PhaseDuration::HOURS},
    {"Days", inc::PhaseDuration::DAYS},
    {"Weeks", inc::PhaseDuration::WEEKS},
    {"Months", inc::PhaseDuration::MONTHS},
    {"Years", inc::PhaseDuration::YEARS},
    {"Never", inc::PhaseDuration::NEVER},
    {"NA", inc::PhaseDuration::NOT_APPLICABLE},
    {"Unknown", inc::PhaseDuration::UNIT_UNKNOWN},
}};

inc::PhaseDuration::Unit UnitOf(absl::string_view veris) {
  for (const UnitName& u : kUnits) {
    if (u.veris == veris) return u.unit;
  }
  return inc::PhaseDuration::UNIT_UNSPECIFIED;
}

bool CountsTime(inc::PhaseDuration::Unit unit) {
  return unit >= inc::PhaseDuration::SECONDS &&
         unit <= inc::PhaseDuration::YEARS;
}

// "3 Days", "Months" (no value), "Never".
std::string DurationText(const Json* duration) {
  std::optional<std::string> unit = StringOf(Member(duration, "unit"));
  if (!unit.has_value()) return "";
  std::optional<double> value = NumberOf(Member(duration, "value"));
  if (value.has_value() && CountsTime(UnitOf(*unit))) {
    return absl::StrCat(*value, " ", *unit);
  }
  return *unit;
}

std::optional<double> Amount(const Json* section, absl::string_view key) {
  std::optional<double> value = NumberOf(Member(section, key));
  if (value.has_value() && *value < 0) return std::nullopt;
  return value;
}

// Sets amount, min and max through the setters given, dropping a range
// whose bounds contradict each other.
template <typename Message>
bool SetAmounts(const Json* section, absl::string_view prefix, Message* out,
                void (Message::*set_amount)(double),
                void (Message::*set_min)(double),
                void (Message::*set_max)(double)) {
  std::optional<double> amount =
      Amount(section, absl::StrCat(prefix, "amount"));
  std::optional<double> min =
      Amount(section, absl::StrCat(prefix, "min_amount"));
  std::optional<double> max =
      Amount(section, absl::StrCat(prefix, "max_amount"));
  if (min.has_value() && max.has_value() && *min > *max) {
    min.reset();
    max.reset();
  }
  if (amount.has_value()) (out->*set_amount)(*amount);
  if (min.has_value()) (out->*set_min)(*min);
  if (max.has_value()) (out->*set_max)(*max);
  return amount.has_value() || min.has_value() || max.has_value();
}

std::string KnownRating(const Json* value) {
  std::optional<std::string> rating = StringOf(value);
  if (!rating.has_value() || *rating == "Unknown") return "";
  return *rating;
}

}  // namespace

void MapAttributes(const Json& record, inc::Incident* incident,
                   DescriptionBuilder* description) {
  const Json* attributes = Member(&record, "attribute");
  if (const Json* c = Member(attributes, "confidentiality");
      c != nullptr && c->is_object()) {
    inc::DataExposure* exposure = incident->mutable_data_exposure();
    for (VarietyAmount& data : MergedAmounts(Member(c, "data"), 0)) {
      inc::DataExposure::DataAmount* out = exposure->add_data();
      out->set_variety(std::move(data.variety));
      if (data.amount.has_value()) out->set_amount(*data.amount);
    }
    if (std::optional<int64_t> total = IntegerOf(Member(c, "data_total"));
        total.has_value() && *total >= 0) {
      exposure->set_total_records(*total);
    }
    if (std::optional<std::string> disclosure =
            StringOf(Member(c, "data_disclosure"))) {
      exposure->set_disclosure(DisclosureOf(*disclosure));
    }
    for (const std::string& subject :
         Distinct(StringsOf(Member(c, "data_victim")))) {
      exposure->add_data_subjects(subject);
    }
    SetNote(
        ValuesSentence("Data state", Distinct(StringsOf(Member(c, "state")))),
        c, "Notes on confidentiality",
        incident->mutable_cia_posture()->mutable_confidentiality(),
        description);
  }
  if (const Json* i = Member(attributes, "integrity");
      i != nullptr && i->is_object()) {
    SetNote(
        ValuesSentence("Varieties", Distinct(StringsOf(Member(i, "variety")))),
        i, "Notes on integrity",
        incident->mutable_cia_posture()->mutable_integrity(), description);
  }
  if (const Json* a = Member(attributes, "availability");
      a != nullptr && a->is_object()) {
    std::string facts =
        ValuesSentence("Varieties", Distinct(StringsOf(Member(a, "variety"))));
    if (std::string duration = DurationText(Member(a, "duration"));
        !duration.empty()) {
      absl::StrAppend(&facts, facts.empty() ? "" : " ", "Duration: ", duration,
                      ".");
    }
    SetNote(facts, a, "Notes on availability",
            incident->mutable_cia_posture()->mutable_availability(),
            description);
  }
  if (const Json* u = Member(attributes, "unknown")) {
    description->AddSection("Notes on the unknown attribute", NotesOf(u));
  }
}

void MapAssets(const Json& record, inc::Incident* incident,
               DescriptionBuilder* description) {
  const Json* asset = Member(&record, "asset");
  for (VarietyAmount& a : MergedAmounts(Member(asset, "assets"), 1)) {
    inc::AssetExposure* out = incident->add_assets();
    out->set_variety(std::move(a.variety));
    if (a.amount.has_value()) out->set_amount(*a.amount);
  }
  description->AddSection("Notes on the assets", NotesOf(asset));
}

void MapDiscovery(const Json& record, inc::Incident* incident,
                  DescriptionBuilder* description) {
  const Json* method = Member(&record, "discovery_method");
  struct Category {
    absl::string_view veris;
    inc::Discovery::Category category;
  };
  for (const Category& c : {Category{"external", inc::Discovery::EXTERNAL},
                            Category{"internal", inc::Discovery::INTERNAL},
                            Category{"partner", inc::Discovery::PARTNER}}) {
    const Json* section = Member(method, c.veris);
    if (section == nullptr || !section->is_object()) continue;
    inc::Discovery* out = incident->add_discovery_methods();
    out->set_category(c.category);
    for (const std::string& v :
         Distinct(StringsOf(Member(section, "variety")))) {
      out->add_varieties(v);
    }
  }
  if (IsTrue(Member(method, "other"))) {
    incident->add_discovery_methods()->set_category(inc::Discovery::OTHER);
  }
  if (IsTrue(Member(method, "unknown"))) {
    incident->add_discovery_methods()->set_category(inc::Discovery::UNKNOWN);
  }
  if (std::optional<std::string> notes =
          StringOf(Member(&record, "discovery_notes"))) {
    description->AddSection("Notes on the discovery", CleanText(*notes));
  }
}

void MapDurations(const Json& record, inc::Incident* incident) {
  const Json* timeline = Member(&record, "timeline");
  struct Phase {
    absl::string_view veris;
    inc::PhaseDuration::Phase phase;
  };
  for (const Phase& p :
       {Phase{"compromise", inc::PhaseDuration::COMPROMISE},
        Phase{"exfiltration", inc::PhaseDuration::EXFILTRATION},
        Phase{"discovery", inc::PhaseDuration::DISCOVERY},
        Phase{"containment", inc::PhaseDuration::CONTAINMENT}}) {
    const Json* section = Member(timeline, p.veris);
    std::optional<std::string> unit_name = StringOf(Member(section, "unit"));
    if (!unit_name.has_value()) continue;
    inc::PhaseDuration::Unit unit = UnitOf(*unit_name);
    if (unit == inc::PhaseDuration::UNIT_UNSPECIFIED) continue;
    inc::PhaseDuration* out = incident->add_durations();
    out->set_phase(p.phase);
    out->set_unit(unit);
    std::optional<double> value = NumberOf(Member(section, "value"));
    if (value.has_value() && *value >= 0 && CountsTime(unit)) {
      out->set_value(*value);
    }
  }
}

void MapLosses(const Json& record, inc::Incident* incident,
               DescriptionBuilder* description) {
  const Json* impact = Member(&record, "impact");
  if (impact == nullptr || !impact->is_object()) return;
  description->AddSection("Notes on the impact", NotesOf(impact));
  inc::Losses losses;
  std::optional<std::string> currency =
      StringOf(Member(impact, "iso_currency_code"));
  const bool priced = currency.has_value() && !currency->empty();
  if (priced) losses.set_currency_code(*currency);
  losses.set_overall_rating(KnownRating(Member(impact, "overall_rating")));
  bool any_amount = false;
  if (priced) {
    any_amount = SetAmounts(impact, "overall_", &losses,
                            &inc::Losses::set_overall_amount,
                            &inc::Losses::set_overall_min_amount,
                            &inc::Losses::set_overall_max_amount);
  }
  const Json* list = Member(impact, "loss");
  if (list != nullptr && list->is_array()) {
    for (const Json& item : *list) {
      std::optional<std::string> variety = StringOf(Member(&item, "variety"));
      if (!variety.has_value() || losses.losses_size() == kMaxLosses) continue;
      bool repeated = std::any_of(
          losses.losses().begin(), losses.losses().end(),
          [&](const inc::Loss& l) { return l.variety() == *variety; });
      if (repeated) continue;
      inc::Loss* loss = losses.add_losses();
      loss->set_variety(*variety);
      loss->set_rating(KnownRating(Member(&item, "rating")));
      if (priced) {
        any_amount |=
            SetAmounts(&item, "", loss, &inc::Loss::set_amount,
                       &inc::Loss::set_min_amount, &inc::Loss::set_max_amount);
      }
    }
  }
  if (!any_amount) losses.clear_currency_code();
  if (losses.overall_rating().empty() && losses.losses_size() == 0 &&
      !any_amount) {
    return;
  }
  *incident->mutable_losses() = std::move(losses);
}

}  // namespace atlas::atlasctl::veris
