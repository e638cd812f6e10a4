// An incident's VERIS fields (issue 13), every one of them set with values
// the pinned VERIS enumerations (datasets/veris) accept, for tests that need
// each new field to round-trip, be redacted or be refused one at a time.
#ifndef ATLAS_TESTS_TESTING_VERIS_INCIDENT_H_
#define ATLAS_TESTS_TESTING_VERIS_INCIDENT_H_

#include "atlas/incident/v1/incident_service.pb.h"

namespace atlas::testing {

// The VCDB id the helper gives as the incident's `veris` reference.
inline constexpr char kVcdbId[] = "002599D4-A872-433B-9980-BD9F257B283F";

// Sets every field of Incident from external_references (27) to
// original_record (38) but victim_unknown, and adds a threat actor with
// every VERIS field set (countries BE and FR, known to every test country
// list). The reference is written as input may be ("VERIS", a defanged
// URL): a server stores it as "veris" and "https://github.com/vz-risk/VCDB".
inline void SetEveryVerisField(incident::v1::Incident* i) {
  namespace v1 = ::atlas::incident::v1;
  auto* ref = i->add_external_references();
  ref->set_system("VERIS");
  ref->set_id(kVcdbId);
  ref->set_url("hxxps://github[.]com/vz-risk/VCDB");
  i->set_investigation_status(v1::INVESTIGATION_CLOSED);
  i->set_confidence(v1::CONFIDENCE_HIGH);
  i->set_targeting(v1::TARGETED);

  v1::VerisAction* hacking = i->add_actions();
  hacking->set_category(v1::VerisAction::HACKING);
  hacking->add_varieties("Exploit vuln");
  hacking->add_varieties("SQLi");
  hacking->add_vectors("Web application");
  hacking->add_results("Exfiltrate");
  hacking->set_notes("Entry through the contact form.");
  v1::VerisAction* social = i->add_actions();
  social->set_category(v1::VerisAction::SOCIAL);
  social->add_varieties("Phishing");
  social->add_vectors("Email");
  social->add_targets("End-user or employee");

  v1::DataExposure* data = i->mutable_data_exposure();
  auto* personal = data->add_data();
  personal->set_variety("Personal");
  personal->set_amount(1200);
  data->add_data()->set_variety("Medical");  // amount not known
  data->set_total_records(1500);
  data->set_disclosure(v1::DataExposure::DISCLOSED);
  data->add_data_subjects("Customer");

  v1::AssetExposure* server = i->add_assets();
  server->set_variety("S - Web application");
  server->set_amount(1);
  i->add_assets()->set_variety("U - Laptop");

  v1::Discovery* found = i->add_discovery_methods();
  found->set_category(v1::Discovery::EXTERNAL);
  found->add_varieties("Customer");
  i->add_discovery_methods()->set_category(v1::Discovery::OTHER);

  v1::PhaseDuration* compromise = i->add_durations();
  compromise->set_phase(v1::PhaseDuration::COMPROMISE);
  compromise->set_unit(v1::PhaseDuration::DAYS);
  compromise->set_value(3);
  v1::PhaseDuration* discovery = i->add_durations();
  discovery->set_phase(v1::PhaseDuration::DISCOVERY);
  discovery->set_unit(v1::PhaseDuration::MONTHS);  // how many: not known
  v1::PhaseDuration* exfiltration = i->add_durations();
  exfiltration->set_phase(v1::PhaseDuration::EXFILTRATION);
  exfiltration->set_unit(v1::PhaseDuration::NEVER);

  v1::Losses* losses = i->mutable_losses();
  losses->set_currency_code("EUR");
  losses->set_overall_amount(125000.5);
  losses->set_overall_min_amount(100000);
  losses->set_overall_max_amount(150000);
  losses->set_overall_rating("Painful");
  v1::Loss* recovery = losses->add_losses();
  recovery->set_variety("Response and recovery");
  recovery->set_rating("Major");
  recovery->set_amount(50000);
  recovery->set_min_amount(40000);
  recovery->set_max_amount(60000);

  v1::OriginalRecord* original = i->mutable_original_record();
  original->set_format("veris");
  original->set_format_version("1.3.6");
  original->set_content(
      R"({"incident_id":"002599D4-A872-433B-9980-BD9F257B283F",)"
      R"("schema_version":"1.3.6","security_incident":"Confirmed"})");

  v1::ThreatActor* actor = i->add_threat_actors();
  actor->set_name("Unnamed crew");
  actor->set_type(v1::CRIMINAL);
  actor->set_country("BE");
  actor->set_veris_category(v1::ThreatActor::EXTERNAL);
  actor->add_veris_varieties("Organized crime");
  actor->add_additional_countries("FR");
}

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_VERIS_INCIDENT_H_
