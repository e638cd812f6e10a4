// The field rules of issue 13's incident fields, through IncidentValidator
// (and the VerisValidator it calls) on the pinned ATT&CK and VERIS data,
// without storage: each rule with its exact code and field path.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/incident_validator.h"
#include "tests/testing/incident_core_data.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/veris_incident.h"

namespace atlas::incident {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

v1::Incident Valid() {
  v1::Incident i;
  i.set_title("Clinic records exposed");
  i.add_victims()->set_organization("organizations/clinic");
  testing::SetEveryVerisField(&i);
  return i;
}

class VerisValidatorTest : public ::testing::Test {
 protected:
  absl::Status Validate(v1::Incident i) {
    return validator_.ValidateIncident(&i, "incident");
  }
  IncidentValidator validator_{testing::PinnedAttackCatalog(),
                               testing::BelgiumAndFrance(),
                               testing::PinnedVerisVocabulary()};
};

TEST_F(VerisValidatorTest, EveryFieldSetIsValidAndNormalised) {
  v1::Incident i = Valid();
  ASSERT_THAT(validator_.ValidateIncident(&i, "incident"), IsOk());
  EXPECT_EQ(i.external_references(0).system(), "veris");
  EXPECT_EQ(i.external_references(0).id(), testing::kVcdbId);
  EXPECT_EQ(i.external_references(0).url(), "https://github.com/vz-risk/VCDB");
}

TEST_F(VerisValidatorTest, NewEnumValuesAreAccepted) {
  v1::Incident i = Valid();
  i.set_determination(v1::NEAR_MISS);
  for (v1::IncidentType t : {v1::ACCIDENTAL_ERROR, v1::PHYSICAL_ACT,
                             v1::INSIDER_MISUSE, v1::ENVIRONMENTAL_EVENT}) {
    i.add_incident_types(t);
  }
  i.add_motives(v1::SECONDARY_MOTIVE);
  i.set_investigation_status(v1::INVESTIGATION_OPEN);
  i.set_confidence(v1::CONFIDENCE_NONE);
  i.set_targeting(v1::TARGETING_UNKNOWN);
  EXPECT_THAT(Validate(i), IsOk());
}

TEST_F(VerisValidatorTest, VictimUnknownIsExclusiveWithVictims) {
  v1::Incident unknown = Valid();
  unknown.clear_victims();
  unknown.set_victim_unknown(true);
  EXPECT_THAT(Validate(unknown), IsOk());
  v1::Incident both = Valid();
  both.set_victim_unknown(true);
  EXPECT_THAT(Validate(both),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.victims: must be empty when "
                                 "victim_unknown is set")));
  v1::Incident neither = Valid();
  neither.clear_victims();
  EXPECT_THAT(Validate(neither),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.victims: at least one victim")));
}

// One broken field and the message that must name it.
struct Case {
  const char* name;
  std::function<void(v1::Incident*)> breaks;
  const char* message;
};

std::vector<Case> Cases() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {
      // External references.
      {"ref system",
       [](auto* i) { i->mutable_external_references(0)->set_system("1veris"); },
       "incident.external_references[0].system: \"1veris\" must start with a "
       "letter"},
      {"ref id",
       [](auto* i) { i->mutable_external_references(0)->set_id(" x"); },
       "incident.external_references[0].id: must not start or end with a "
       "space"},
      {"ref url",
       [](auto* i) {
         i->mutable_external_references(0)->set_url("ftp://x.example/");
       },
       "incident.external_references[0].url: "},
      {"ref twice",
       [](auto* i) {
         auto* again = i->add_external_references();
         again->set_system("veris");
         again->set_id(testing::kVcdbId);
       },
       "incident.external_references[1]: duplicate external reference "
       "veris:002599D4-A872-433B-9980-BD9F257B283F (also "
       "incident.external_references[0])"},
      {"ref count",
       [](auto* i) {
         for (int n = 0; n < 16; ++n) {
           auto* r = i->add_external_references();
           r->set_system("x");
           r->set_id(std::to_string(n));
         }
       },
       "incident.external_references: at most 16 items, got 17"},
      // Enums.
      {"investigation status",
       [](auto* i) {
         i->set_investigation_status(static_cast<v1::InvestigationStatus>(9));
       },
       "incident.investigation_status: unknown value"},
      {"confidence",
       [](auto* i) { i->set_confidence(static_cast<v1::RecordConfidence>(9)); },
       "incident.confidence: unknown value"},
      {"targeting",
       [](auto* i) { i->set_targeting(static_cast<v1::Targeting>(9)); },
       "incident.targeting: unknown value"},
      // Actions.
      {"action variety",
       [](auto* i) { i->mutable_actions(1)->set_varieties(0, "Phishin"); },
       "incident.actions[1].varieties[0]: \"Phishin\" is not a VERIS value of "
       "action.social.variety"},
      {"action variety of another category",
       [](auto* i) { i->mutable_actions(0)->add_varieties("Phishing"); },
       "incident.actions[0].varieties[2]: \"Phishing\" is not a VERIS value "
       "of action.hacking.variety"},
      {"action vector",
       [](auto* i) { i->mutable_actions(0)->add_vectors("Email"); },
       "incident.actions[0].vectors[1]: \"Email\" is not a VERIS value of "
       "action.hacking.vector"},
      {"action duplicate",
       [](auto* i) { i->mutable_actions(0)->add_varieties("SQLi"); },
       "incident.actions[0].varieties[2]: duplicate value \"SQLi\""},
      {"action category required",
       [](auto* i) { i->mutable_actions(0)->clear_category(); },
       "incident.actions[0].category: required"},
      {"action category twice",
       [](auto* i) {
         i->add_actions()->set_category(v1::VerisAction::HACKING);
       },
       "incident.actions[2].category: HACKING is named twice"},
      {"error has no result",
       [](auto* i) {
         auto* a = i->add_actions();
         a->set_category(v1::VerisAction::ERROR);
         a->add_results("Exfiltrate");
       },
       "incident.actions[2].results: VERIS has no action.error.result"},
      {"targets are social only",
       [](auto* i) { i->mutable_actions(0)->add_targets("End-user"); },
       "incident.actions[0].targets: VERIS has no action.hacking.target"},
      {"action notes",
       [](auto* i) {
         i->mutable_actions(0)->set_notes(std::string(2001, 'n'));
       },
       "incident.actions[0].notes: at most 2000 characters"},
      {"action values count",
       [](auto* i) {
         for (int n = 0; n < 64; ++n)
           i->mutable_actions(0)->add_results("Exfiltrate");
       },
       "incident.actions[0].results: at most 64 items"},
      // Data exposure.
      {"data variety",
       [](auto* i) {
         i->mutable_data_exposure()->mutable_data(0)->set_variety("Secret");
       },
       "incident.data_exposure.data[0].variety: \"Secret\" is not a VERIS "
       "value of attribute.confidentiality.data.variety"},
      {"data variety required",
       [](auto* i) {
         i->mutable_data_exposure()->mutable_data(1)->clear_variety();
       },
       "incident.data_exposure.data[1].variety: required"},
      {"data variety twice",
       [](auto* i) {
         i->mutable_data_exposure()->add_data()->set_variety("Medical");
       },
       "incident.data_exposure.data[2].variety: duplicate value \"Medical\""},
      {"data amount",
       [](auto* i) {
         i->mutable_data_exposure()->mutable_data(0)->set_amount(-1);
       },
       "incident.data_exposure.data[0].amount: must be >= 0, got -1"},
      {"total records",
       [](auto* i) { i->mutable_data_exposure()->set_total_records(-5); },
       "incident.data_exposure.total_records: must be >= 0, got -5"},
      {"disclosure",
       [](auto* i) {
         i->mutable_data_exposure()->set_disclosure(
             static_cast<v1::DataExposure::Disclosure>(7));
       },
       "incident.data_exposure.disclosure: unknown value"},
      {"data subjects",
       [](auto* i) { i->mutable_data_exposure()->add_data_subjects("Aliens"); },
       "incident.data_exposure.data_subjects[1]: \"Aliens\" is not a VERIS "
       "value of attribute.confidentiality.data_victim"},
      // Assets.
      {"asset variety",
       [](auto* i) { i->mutable_assets(1)->set_variety("U - Laptops"); },
       "incident.assets[1].variety: \"U - Laptops\" is not a VERIS value of "
       "asset.assets.variety"},
      {"asset twice",
       [](auto* i) { i->add_assets()->set_variety("U - Laptop"); },
       "incident.assets[2].variety: duplicate value \"U - Laptop\""},
      {"asset amount", [](auto* i) { i->mutable_assets(0)->set_amount(0); },
       "incident.assets[0].amount: must be >= 1, got 0"},
      {"asset count",
       [](auto* i) {
         for (int n = 0; n < 63; ++n)
           i->add_assets()->set_variety("U - Laptop");
       },
       "incident.assets: at most 64 items, got 65"},
      // Discovery.
      {"discovery variety",
       [](auto* i) {
         i->mutable_discovery_methods(0)->set_varieties(0, "Antivirus");
       },
       "incident.discovery_methods[0].varieties[0]: \"Antivirus\" is not a "
       "VERIS value of discovery_method.external.variety"},
      {"other has no variety",
       [](auto* i) {
         i->mutable_discovery_methods(1)->add_varieties("Customer");
       },
       "incident.discovery_methods[1].varieties: VERIS has no "
       "discovery_method.other.variety"},
      {"discovery twice",
       [](auto* i) {
         i->add_discovery_methods()->set_category(v1::Discovery::EXTERNAL);
       },
       "incident.discovery_methods[2].category: EXTERNAL is named twice"},
      {"discovery category",
       [](auto* i) { i->mutable_discovery_methods(0)->clear_category(); },
       "incident.discovery_methods[0].category: required"},
      // Durations.
      {"phase twice",
       [](auto* i) {
         auto* d = i->add_durations();
         d->set_phase(v1::PhaseDuration::COMPROMISE);
         d->set_unit(v1::PhaseDuration::HOURS);
       },
       "incident.durations[3].phase: COMPROMISE is named twice"},
      {"unit required", [](auto* i) { i->mutable_durations(0)->clear_unit(); },
       "incident.durations[0].unit: required"},
      {"negative value",
       [](auto* i) { i->mutable_durations(0)->set_value(-1); },
       "incident.durations[0].value: must be >= 0 and finite, got -1"},
      {"nan value", [nan](auto* i) { i->mutable_durations(0)->set_value(nan); },
       "incident.durations[0].value: must be >= 0 and finite"},
      {"value with NEVER",
       [](auto* i) { i->mutable_durations(2)->set_value(0); },
       "incident.durations[2].value: a number of units needs a unit from "
       "SECONDS to YEARS, not NEVER"},
      // Losses.
      {"currency",
       [](auto* i) { i->mutable_losses()->set_currency_code("EURO"); },
       "incident.losses.currency_code: \"EURO\" is not a VERIS value of "
       "impact.iso_currency_code"},
      {"currency needed",
       [](auto* i) { i->mutable_losses()->clear_currency_code(); },
       "incident.losses.currency_code: required when an amount is set"},
      {"currency needed by a loss",
       [](auto* i) {
         v1::Losses* l = i->mutable_losses();
         l->clear_currency_code();
         l->clear_overall_amount();
         l->clear_overall_min_amount();
         l->clear_overall_max_amount();
       },
       "incident.losses.currency_code: required when an amount is set"},
      {"overall infinite",
       [inf](auto* i) { i->mutable_losses()->set_overall_amount(inf); },
       "incident.losses.overall_amount: must be >= 0 and finite"},
      {"overall min above max",
       [](auto* i) { i->mutable_losses()->set_overall_min_amount(200000); },
       "incident.losses.overall_max_amount: 150000 is below "
       "incident.losses.overall_min_amount 200000"},
      {"overall rating",
       [](auto* i) { i->mutable_losses()->set_overall_rating("Bad"); },
       "incident.losses.overall_rating: \"Bad\" is not a VERIS value of "
       "impact.overall_rating"},
      {"loss variety",
       [](auto* i) {
         i->mutable_losses()->mutable_losses(0)->set_variety("Fines");
       },
       "incident.losses.losses[0].variety: \"Fines\" is not a VERIS value of "
       "impact.loss.variety"},
      {"loss rating",
       [](auto* i) {
         i->mutable_losses()->mutable_losses(0)->set_rating("Huge");
       },
       "incident.losses.losses[0].rating: \"Huge\" is not a VERIS value of "
       "impact.loss.rating"},
      {"loss negative",
       [](auto* i) {
         i->mutable_losses()->mutable_losses(0)->set_min_amount(-0.5);
       },
       "incident.losses.losses[0].min_amount: must be >= 0 and finite, got "
       "-0.5"},
      {"loss min above max",
       [](auto* i) {
         i->mutable_losses()->mutable_losses(0)->set_max_amount(1);
       },
       "incident.losses.losses[0].max_amount: 1 is below "
       "incident.losses.losses[0].min_amount 40000"},
      {"loss twice",
       [](auto* i) {
         i->mutable_losses()->add_losses()->set_variety(
             "Response and recovery");
       },
       "incident.losses.losses[1].variety: duplicate value \"Response and "
       "recovery\""},
      {"loss count",
       [](auto* i) {
         for (int n = 0; n < 16; ++n)
           i->mutable_losses()->add_losses()->set_variety("Other");
       },
       "incident.losses.losses: at most 16 items, got 17"},
      // Original record.
      {"format",
       [](auto* i) { i->mutable_original_record()->set_format("stix"); },
       "incident.original_record.format: \"stix\" is not a known format"},
      {"format required",
       [](auto* i) { i->mutable_original_record()->clear_format(); },
       "incident.original_record.format: required"},
      {"content required",
       [](auto* i) { i->mutable_original_record()->clear_content(); },
       "incident.original_record.content: required"},
      {"content size",
       [](auto* i) {
         i->mutable_original_record()->set_content(
             std::string((1 << 20) + 1, ' '));
       },
       "incident.original_record.content: at most 1048576 bytes, got 1048577"},
      {"content utf-8",
       [](auto* i) {
         i->mutable_original_record()->set_content("{\"a\":\"\xc3\"}");
       },
       "incident.original_record.content: not valid UTF-8"},
      // Threat actors.
      {"actor variety",
       [](auto* i) {
         i->mutable_threat_actors(0)->add_veris_varieties("Nation state");
       },
       "incident.threat_actors[0].veris_varieties[1]: \"Nation state\" is not "
       "a VERIS value of actor.external.variety"},
      {"actor variety of internal",
       [](auto* i) {
         i->mutable_threat_actors(0)->set_veris_category(
             v1::ThreatActor::INTERNAL);
       },
       "incident.threat_actors[0].veris_varieties[0]: \"Organized crime\" is "
       "not a VERIS value of actor.internal.variety"},
      {"partner has no variety",
       [](auto* i) {
         i->mutable_threat_actors(0)->set_veris_category(
             v1::ThreatActor::PARTNER);
       },
       "incident.threat_actors[0].veris_varieties: VERIS has no "
       "actor.partner.variety"},
      {"unknown has no variety",
       [](auto* i) {
         i->mutable_threat_actors(0)->set_veris_category(
             v1::ThreatActor::UNKNOWN);
       },
       "incident.threat_actors[0].veris_varieties: VERIS has no "
       "actor.unknown.variety"},
      {"variety needs a category",
       [](auto* i) { i->mutable_threat_actors(0)->clear_veris_category(); },
       "incident.threat_actors[0].veris_varieties: needs veris_category"},
      {"actor category",
       [](auto* i) {
         i->mutable_threat_actors(0)->set_veris_category(
             static_cast<v1::ThreatActor::VerisCategory>(9));
       },
       "incident.threat_actors[0].veris_category: unknown value"},
      {"actor variety twice",
       [](auto* i) {
         i->mutable_threat_actors(0)->add_veris_varieties("Organized crime");
       },
       "incident.threat_actors[0].veris_varieties[1]: duplicate value"},
      {"additional country unknown",
       [](auto* i) {
         i->mutable_threat_actors(0)->add_additional_countries("DE");
       },
       "incident.threat_actors[0].additional_countries[1]: "},
      {"additional country shape",
       [](auto* i) {
         i->mutable_threat_actors(0)->add_additional_countries("fr");
       },
       "incident.threat_actors[0].additional_countries[1]: "},
      {"additional country twice",
       [](auto* i) {
         i->mutable_threat_actors(0)->add_additional_countries("FR");
       },
       "incident.threat_actors[0].additional_countries[1]: duplicate country "
       "FR"},
      {"additional country is the first",
       [](auto* i) {
         i->mutable_threat_actors(0)->set_additional_countries(0, "BE");
       },
       "incident.threat_actors[0].additional_countries[0]: duplicate country "
       "BE (country)"},
      {"additional countries need country",
       [](auto* i) { i->mutable_threat_actors(0)->clear_country(); },
       "incident.threat_actors[0].additional_countries: needs country"},
      {"additional country empty",
       [](auto* i) {
         i->mutable_threat_actors(0)->add_additional_countries("");
       },
       "incident.threat_actors[0].additional_countries[1]: required"},
  };
}

TEST_F(VerisValidatorTest, EachRuleIsInvalidArgumentNamingTheFieldPath) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    v1::Incident i = Valid();
    c.breaks(&i);
    EXPECT_THAT(Validate(i), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr(c.message)));
  }
}

TEST_F(VerisValidatorTest, UnknownIsNotZero) {
  // Amounts left out are fine; a value 0 is a known zero.
  v1::Incident i = Valid();
  i.mutable_data_exposure()->set_total_records(0);
  i.mutable_durations(0)->set_value(0);
  i.mutable_losses()->set_overall_amount(0);
  EXPECT_THAT(Validate(i), IsOk());
  v1::Incident bare;
  bare.set_title("Nothing known");
  bare.set_victim_unknown(true);
  bare.mutable_losses()->set_overall_rating("Unknown");  // no amount
  bare.mutable_data_exposure();                          // present, empty
  EXPECT_THAT(Validate(bare), IsOk());
}

}  // namespace
}  // namespace atlas::incident
