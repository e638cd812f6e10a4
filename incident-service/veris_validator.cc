#include "incident-service/veris_validator.h"

#include <cmath>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/aip/validation.h"
#include "common/status/status_macros.h"

namespace atlas::incident {
namespace {

using v1::Incident;

constexpr int kMaxValues = 64;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// A value for a message: quoted, cut to 64 bytes.
std::string Quote(absl::string_view value) {
  return absl::StrCat("\"", value.substr(0, 64), "\"");
}

// The VERIS name of a category: the enum value's name, lower-cased
// ("HACKING" -> "hacking").
std::string CategoryName(const std::string& enum_name) {
  return absl::AsciiStrToLower(enum_name);
}

// An enum field that is required: set and known.
absl::Status RequireEnum(int value, bool known, const std::string& field) {
  if (value == 0 || !known) return Invalid(field, "required, a known value");
  return absl::OkStatus();
}

// An optional amount: >= 0 and finite when set.
absl::Status ValidateAmount(std::optional<double> value,
                            const std::string& field) {
  if (!value.has_value()) return absl::OkStatus();
  if (!std::isfinite(*value) || *value < 0) {
    return Invalid(field,
                   absl::StrCat("must be >= 0 and finite, got ", *value));
  }
  return absl::OkStatus();
}

// Optional bounds: each as ValidateAmount, and min <= max when both are set.
absl::Status ValidateRange(std::optional<double> min, std::optional<double> max,
                           const std::string& min_field,
                           const std::string& max_field) {
  RETURN_IF_ERROR(ValidateAmount(min, min_field));
  RETURN_IF_ERROR(ValidateAmount(max, max_field));
  if (min.has_value() && max.has_value() && *max < *min) {
    return Invalid(max_field,
                   absl::StrCat(*max, " is below ", min_field, " ", *min));
  }
  return absl::OkStatus();
}

template <typename Message, typename Getter>
std::optional<double> OptionalOf(const Message& m, bool has, Getter get) {
  if (!has) return std::nullopt;
  return static_cast<double>((m.*get)());
}

}  // namespace

absl::Status VerisValidator::ValidateValue(absl::string_view value,
                                           const std::string& field,
                                           const std::string& veris_path,
                                           bool required) const {
  if (value.empty()) {
    if (!required) return absl::OkStatus();
    return Invalid(field,
                   absl::StrCat("required, a VERIS value of ", veris_path));
  }
  if (!vocabulary_.Contains(veris_path, value)) {
    return Invalid(
        field,
        absl::StrCat(Quote(value), " is not a VERIS value of ", veris_path));
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateValues(
    const google::protobuf::RepeatedPtrField<std::string>& values,
    const std::string& field, const std::string& veris_path, int max) const {
  if (values.empty()) return absl::OkStatus();
  if (!vocabulary_.HasPath(veris_path)) {
    return Invalid(
        field, absl::StrCat("VERIS has no ", veris_path, ": leave it empty"));
  }
  RETURN_IF_ERROR(api::ValidateCount(values.size(), field, max));
  std::set<absl::string_view> seen;
  for (int i = 0; i < values.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    RETURN_IF_ERROR(ValidateValue(values[i], path, veris_path, true));
    if (!seen.insert(values[i]).second) {
      return Invalid(path, absl::StrCat("duplicate value ", Quote(values[i])));
    }
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateClassification(
    const Incident& incident, absl::string_view field) const {
  const std::string f(field);
  if (!v1::Targeting_IsValid(incident.targeting())) {
    return Invalid(f + ".targeting", "unknown value");
  }
  RETURN_IF_ERROR(ValidateActions(incident, f));
  if (incident.has_data_exposure()) {
    RETURN_IF_ERROR(
        ValidateDataExposure(incident.data_exposure(), f + ".data_exposure"));
  }
  RETURN_IF_ERROR(ValidateAssets(incident, f));
  RETURN_IF_ERROR(ValidateDiscovery(incident, f));
  RETURN_IF_ERROR(ValidateDurations(incident, f));
  if (incident.has_losses()) {
    RETURN_IF_ERROR(ValidateLosses(incident.losses(), f + ".losses"));
  }
  if (incident.has_original_record()) {
    RETURN_IF_ERROR(ValidateOriginalRecord(incident.original_record(),
                                           f + ".original_record"));
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateActions(const Incident& incident,
                                             const std::string& field) const {
  std::set<int> categories;
  for (int i = 0; i < incident.actions_size(); ++i) {
    const std::string path = absl::StrCat(field, ".actions[", i, "]");
    const v1::VerisAction& a = incident.actions(i);
    RETURN_IF_ERROR(RequireEnum(a.category(),
                                v1::VerisAction::Category_IsValid(a.category()),
                                path + ".category"));
    if (!categories.insert(a.category()).second) {
      return Invalid(path + ".category",
                     absl::StrCat(v1::VerisAction::Category_Name(a.category()),
                                  " is named twice (one action per category)"));
    }
    const std::string base = absl::StrCat(
        "action.", CategoryName(v1::VerisAction::Category_Name(a.category())),
        ".");
    RETURN_IF_ERROR(ValidateValues(a.varieties(), path + ".varieties",
                                   base + "variety", kMaxValues));
    RETURN_IF_ERROR(ValidateValues(a.vectors(), path + ".vectors",
                                   base + "vector", kMaxValues));
    RETURN_IF_ERROR(ValidateValues(a.results(), path + ".results",
                                   base + "result", kMaxValues));
    RETURN_IF_ERROR(ValidateValues(a.targets(), path + ".targets",
                                   base + "target", kMaxValues));
    RETURN_IF_ERROR(api::ValidateText(a.notes(), path + ".notes", 0, 2000));
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateDataExposure(
    const v1::DataExposure& exposure, const std::string& field) const {
  RETURN_IF_ERROR(
      api::ValidateCount(exposure.data_size(), field + ".data", kMaxValues));
  std::set<absl::string_view> varieties;
  for (int i = 0; i < exposure.data_size(); ++i) {
    const std::string path = absl::StrCat(field, ".data[", i, "]");
    const v1::DataExposure::DataAmount& d = exposure.data(i);
    RETURN_IF_ERROR(ValidateValue(d.variety(), path + ".variety",
                                  "attribute.confidentiality.data.variety",
                                  true));
    if (!varieties.insert(d.variety()).second) {
      return Invalid(path + ".variety",
                     absl::StrCat("duplicate value ", Quote(d.variety())));
    }
    if (d.has_amount() && d.amount() < 0) {
      return Invalid(path + ".amount",
                     absl::StrCat("must be >= 0, got ", d.amount()));
    }
  }
  if (exposure.has_total_records() && exposure.total_records() < 0) {
    return Invalid(
        field + ".total_records",
        absl::StrCat("must be >= 0, got ", exposure.total_records()));
  }
  if (!v1::DataExposure::Disclosure_IsValid(exposure.disclosure())) {
    return Invalid(field + ".disclosure", "unknown value");
  }
  return ValidateValues(exposure.data_subjects(), field + ".data_subjects",
                        "attribute.confidentiality.data_victim", kMaxValues);
}

absl::Status VerisValidator::ValidateAssets(const Incident& incident,
                                            const std::string& field) const {
  RETURN_IF_ERROR(api::ValidateCount(incident.assets_size(), field + ".assets",
                                     kMaxValues));
  std::set<absl::string_view> varieties;
  for (int i = 0; i < incident.assets_size(); ++i) {
    const std::string path = absl::StrCat(field, ".assets[", i, "]");
    const v1::AssetExposure& a = incident.assets(i);
    RETURN_IF_ERROR(ValidateValue(a.variety(), path + ".variety",
                                  "asset.assets.variety", true));
    if (!varieties.insert(a.variety()).second) {
      return Invalid(path + ".variety",
                     absl::StrCat("duplicate value ", Quote(a.variety())));
    }
    if (a.has_amount() && a.amount() < 1) {
      return Invalid(path + ".amount",
                     absl::StrCat("must be >= 1, got ", a.amount()));
    }
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateDiscovery(const Incident& incident,
                                               const std::string& field) const {
  std::set<int> categories;
  for (int i = 0; i < incident.discovery_methods_size(); ++i) {
    const std::string path = absl::StrCat(field, ".discovery_methods[", i, "]");
    const v1::Discovery& d = incident.discovery_methods(i);
    RETURN_IF_ERROR(RequireEnum(d.category(),
                                v1::Discovery::Category_IsValid(d.category()),
                                path + ".category"));
    if (!categories.insert(d.category()).second) {
      return Invalid(path + ".category",
                     absl::StrCat(v1::Discovery::Category_Name(d.category()),
                                  " is named twice (one entry per category)"));
    }
    RETURN_IF_ERROR(ValidateValues(
        d.varieties(), path + ".varieties",
        absl::StrCat("discovery_method.",
                     CategoryName(v1::Discovery::Category_Name(d.category())),
                     ".variety"),
        kMaxValues));
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateDurations(const Incident& incident,
                                               const std::string& field) const {
  std::set<int> phases;
  for (int i = 0; i < incident.durations_size(); ++i) {
    const std::string path = absl::StrCat(field, ".durations[", i, "]");
    const v1::PhaseDuration& d = incident.durations(i);
    RETURN_IF_ERROR(RequireEnum(d.phase(),
                                v1::PhaseDuration::Phase_IsValid(d.phase()),
                                path + ".phase"));
    if (!phases.insert(d.phase()).second) {
      return Invalid(path + ".phase",
                     absl::StrCat(v1::PhaseDuration::Phase_Name(d.phase()),
                                  " is named twice (one entry per phase)"));
    }
    RETURN_IF_ERROR(RequireEnum(
        d.unit(), v1::PhaseDuration::Unit_IsValid(d.unit()), path + ".unit"));
    if (!d.has_value()) continue;
    if (d.unit() > v1::PhaseDuration::YEARS) {
      return Invalid(path + ".value",
                     absl::StrCat("a number of units needs a unit from SECONDS "
                                  "to YEARS, not ",
                                  v1::PhaseDuration::Unit_Name(d.unit())));
    }
    RETURN_IF_ERROR(ValidateAmount(d.value(), path + ".value"));
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateLosses(const v1::Losses& losses,
                                            const std::string& field) const {
  RETURN_IF_ERROR(ValidateValue(losses.currency_code(),
                                field + ".currency_code",
                                "impact.iso_currency_code", false));
  bool any_amount = losses.has_overall_amount() ||
                    losses.has_overall_min_amount() ||
                    losses.has_overall_max_amount();
  RETURN_IF_ERROR(ValidateAmount(OptionalOf(losses, losses.has_overall_amount(),
                                            &v1::Losses::overall_amount),
                                 field + ".overall_amount"));
  RETURN_IF_ERROR(ValidateRange(
      OptionalOf(losses, losses.has_overall_min_amount(),
                 &v1::Losses::overall_min_amount),
      OptionalOf(losses, losses.has_overall_max_amount(),
                 &v1::Losses::overall_max_amount),
      field + ".overall_min_amount", field + ".overall_max_amount"));
  RETURN_IF_ERROR(ValidateValue(losses.overall_rating(),
                                field + ".overall_rating",
                                "impact.overall_rating", false));
  RETURN_IF_ERROR(
      api::ValidateCount(losses.losses_size(), field + ".losses", 16));
  std::set<absl::string_view> varieties;
  for (int i = 0; i < losses.losses_size(); ++i) {
    const std::string path = absl::StrCat(field, ".losses[", i, "]");
    const v1::Loss& l = losses.losses(i);
    RETURN_IF_ERROR(ValidateValue(l.variety(), path + ".variety",
                                  "impact.loss.variety", true));
    if (!varieties.insert(l.variety()).second) {
      return Invalid(path + ".variety",
                     absl::StrCat("duplicate value ", Quote(l.variety())));
    }
    RETURN_IF_ERROR(ValidateValue(l.rating(), path + ".rating",
                                  "impact.loss.rating", false));
    RETURN_IF_ERROR(ValidateAmount(
        OptionalOf(l, l.has_amount(), &v1::Loss::amount), path + ".amount"));
    RETURN_IF_ERROR(
        ValidateRange(OptionalOf(l, l.has_min_amount(), &v1::Loss::min_amount),
                      OptionalOf(l, l.has_max_amount(), &v1::Loss::max_amount),
                      path + ".min_amount", path + ".max_amount"));
    any_amount = any_amount || l.has_amount() || l.has_min_amount() ||
                 l.has_max_amount();
  }
  if (any_amount && losses.currency_code().empty()) {
    return Invalid(field + ".currency_code",
                   "required when an amount is set (ISO 4217, \"EUR\")");
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateOriginalRecord(
    const v1::OriginalRecord& record, const std::string& field) const {
  if (record.format() != kVerisFormat) {
    return Invalid(
        field + ".format",
        record.format().empty()
            ? absl::StrCat("required: \"", kVerisFormat, "\"")
            : absl::StrCat(Quote(record.format()), " is not a known format (\"",
                           kVerisFormat, "\")"));
  }
  // A version such as "1.3.6"; the proto gives no bound, 64 is far above
  // any VERIS version.
  RETURN_IF_ERROR(api::ValidateText(record.format_version(),
                                    field + ".format_version", 0, 64));
  if (record.content().empty()) return Invalid(field + ".content", "required");
  if (record.content().size() > kMaxOriginalRecordBytes) {
    return Invalid(field + ".content",
                   absl::StrCat("at most ", kMaxOriginalRecordBytes,
                                " bytes, got ", record.content().size()));
  }
  if (!api::IsValidUtf8(record.content())) {
    return Invalid(field + ".content", "not valid UTF-8");
  }
  return absl::OkStatus();
}

absl::Status VerisValidator::ValidateActor(const v1::ThreatActor& actor,
                                           absl::string_view field) const {
  const std::string f(field);
  if (!v1::ThreatActor::VerisCategory_IsValid(actor.veris_category())) {
    return Invalid(f + ".veris_category", "unknown value");
  }
  if (actor.veris_varieties_size() > 0) {
    if (actor.veris_category() == v1::ThreatActor::VERIS_CATEGORY_UNSPECIFIED) {
      return Invalid(f + ".veris_varieties",
                     "needs veris_category (EXTERNAL or INTERNAL)");
    }
    const std::string category = CategoryName(
        v1::ThreatActor::VerisCategory_Name(actor.veris_category()));
    RETURN_IF_ERROR(
        ValidateValues(actor.veris_varieties(), f + ".veris_varieties",
                       absl::StrCat("actor.", category, ".variety"), 16));
  }
  RETURN_IF_ERROR(api::ValidateCount(actor.additional_countries_size(),
                                     f + ".additional_countries", 16));
  if (actor.additional_countries_size() > 0 && actor.country().empty()) {
    return Invalid(f + ".additional_countries",
                   "needs country (which holds the first country)");
  }
  std::set<absl::string_view> seen = {actor.country()};
  for (int i = 0; i < actor.additional_countries_size(); ++i) {
    const std::string path = absl::StrCat(f, ".additional_countries[", i, "]");
    const std::string& c = actor.additional_countries(i);
    if (c.empty()) return Invalid(path, "required");
    RETURN_IF_ERROR(countries_.Validate(c, path));
    if (!seen.insert(c).second) {
      return Invalid(path,
                     absl::StrCat("duplicate country ", c,
                                  c == actor.country() ? " (country)" : ""));
    }
  }
  return absl::OkStatus();
}

}  // namespace atlas::incident
