// Contract tests of issue 13's incident fields through a real server:
// every new field round-trips through create, get and update; the VERIS
// rules answer INVALID_ARGUMENT naming the field on every write path; a
// public caller sees none of the members-only fields (listed in
// redacted_fields) while members see them all; victim_unknown replaces
// victims.
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "tests/incident/veris_contract_fixture.h"

namespace atlas::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;
namespace v1 = ::atlas::incident::v1;

// The paths of issue 13's members-only fields of Incident.
const std::vector<std::string>& VerisMemberPaths() {
  static const auto* paths = new std::vector<std::string>{
      "targeting",         "actions",   "data_exposure", "assets",
      "discovery_methods", "durations", "losses",        "original_record"};
  return *paths;
}

// `got` without what the server adds (name, counts, times, etag, derived
// figures, technique names), to compare with what was written.
v1::Incident Written(v1::Incident got) {
  got.clear_name();
  got.clear_motive_count();
  got.clear_technique_count();
  got.clear_threat_actor_count();
  got.clear_source_count();
  got.clear_event_count();
  got.clear_derived_figures();
  got.clear_create_time();
  got.clear_update_time();
  got.clear_etag();
  got.clear_redacted_fields();
  return got;
}

// What the server stores of SetEveryVerisField's input: the reference's
// system lower-cased and its URL refanged and normalised.
v1::Incident Normalised(v1::Incident in) {
  in.mutable_external_references(0)->set_system("veris");
  in.mutable_external_references(0)->set_url("https://github.com/vz-risk/VCDB");
  return in;
}

using VerisIncidentTest = VerisContractTest;

TEST_F(VerisIncidentTest, EveryNewFieldRoundTripsThroughCreateAndGet) {
  const v1::CreateIncidentRequest request = Full("full");
  v1::Incident created;
  ASSERT_THAT(Create(request, &created), IsOk());
  v1::Incident got;
  ASSERT_THAT(Get("full", &got), IsOk());
  const v1::Incident expected = Normalised(request.incident());
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(expected, Written(got))) << diff;
  EXPECT_TRUE(differ.Compare(expected, Written(created))) << diff;
  // Unknown is not zero: the amounts left out stay unset.
  EXPECT_FALSE(got.data_exposure().data(1).has_amount());
  EXPECT_FALSE(got.durations(1).has_value());
  EXPECT_TRUE(got.durations(0).has_value());
}

TEST_F(VerisIncidentTest, EveryNewFieldRoundTripsThroughUpdate) {
  ASSERT_THAT(Create(Plain("later")), IsOk());
  const v1::Incident full = Full("later").incident();
  const std::vector<std::string> paths = {
      "external_references", "victim_unknown", "investigation_status",
      "confidence",          "targeting",      "actions",
      "data_exposure",       "assets",         "discovery_methods",
      "durations",           "losses",         "original_record",
      "threat_actors"};
  v1::Incident updated;
  ASSERT_THAT(Update("later", full, paths, &updated), IsOk());
  v1::Incident got;
  ASSERT_THAT(Get("later", &got), IsOk());
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(Normalised(full), Written(got))) << diff;

  // Each path alone is writable, and replaces only its field.
  v1::Incident change;
  change.set_investigation_status(v1::INVESTIGATION_OPEN);
  change.set_confidence(v1::CONFIDENCE_LOW);
  change.set_targeting(v1::OPPORTUNISTIC);
  change.add_actions()->set_category(v1::VerisAction::UNKNOWN);
  change.mutable_losses()->set_overall_rating("Unknown");
  for (const char* path : {"investigation_status", "confidence", "targeting",
                           "actions", "losses", "original_record"}) {
    SCOPED_TRACE(path);
    ASSERT_THAT(Update("later", change, {path}), IsOk());
  }
  ASSERT_THAT(Get("later", &got), IsOk());
  EXPECT_EQ(got.investigation_status(), v1::INVESTIGATION_OPEN);
  EXPECT_EQ(got.confidence(), v1::CONFIDENCE_LOW);
  EXPECT_EQ(got.targeting(), v1::OPPORTUNISTIC);
  ASSERT_EQ(got.actions_size(), 1);
  EXPECT_EQ(got.actions(0).category(), v1::VerisAction::UNKNOWN);
  EXPECT_FALSE(got.losses().has_overall_amount());
  EXPECT_FALSE(got.has_original_record());  // cleared by its mask path
  EXPECT_EQ(got.assets_size(), 2);          // untouched
  EXPECT_EQ(got.external_references(0).system(), "veris");
}

TEST_F(VerisIncidentTest, NewEnumValuesAreAccepted) {
  v1::CreateIncidentRequest r = Plain("near-miss");
  r.mutable_incident()->set_determination(v1::NEAR_MISS);
  r.mutable_incident()->add_incident_types(v1::ACCIDENTAL_ERROR);
  r.mutable_incident()->add_incident_types(v1::ENVIRONMENTAL_EVENT);
  r.mutable_incident()->add_motives(v1::SECONDARY_MOTIVE);
  ASSERT_THAT(Create(r), IsOk());
  EXPECT_THAT(Names("determination = NEAR_MISS"),
              ::testing::ElementsAre("incidents/near-miss"));
  EXPECT_THAT(Names("incident_type = ENVIRONMENTAL_EVENT"),
              ::testing::ElementsAre("incidents/near-miss"));
  EXPECT_THAT(Names("motive = SECONDARY_MOTIVE"),
              ::testing::ElementsAre("incidents/near-miss"));
}

TEST_F(VerisIncidentTest, VerisRulesAreInvalidArgumentOnEveryWritePath) {
  v1::CreateIncidentRequest bad = Full("bad");
  bad.mutable_incident()->mutable_actions(1)->set_varieties(0, "Phishin");
  EXPECT_THAT(Create(bad),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("incident.actions[1].varieties[0]: "
                                 "\"Phishin\" is not a VERIS value of "
                                 "action.social.variety")));
  v1::BatchCreateIncidentsRequest batch;
  *batch.add_requests() = Plain("fine");
  *batch.add_requests() = bad;
  EXPECT_THAT(BatchCreate(batch),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("requests[1].incident.actions[1]."
                                 "varieties[0]: \"Phishin\"")));
  ASSERT_THAT(Create(Plain("target")), IsOk());
  v1::Incident losses;
  losses.mutable_losses()->set_overall_amount(10);
  EXPECT_THAT(Update("target", losses, {"losses"}),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("incident.losses.currency_code: required "
                                 "when an amount is set")));
  v1::Incident actor = Full("x").incident();
  actor.mutable_threat_actors(0)->set_veris_category(v1::ThreatActor::PARTNER);
  EXPECT_THAT(Update("target", actor, {"threat_actors"}),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("incident.threat_actors[0].veris_varieties: "
                                 "VERIS has no actor.partner.variety")));
  v1::Incident get;
  EXPECT_THAT(Get("fine", &get), StatusIs(::grpc::StatusCode::NOT_FOUND));
}

TEST_F(VerisIncidentTest, PublicCallersSeeNoMembersOnlyVerisField) {
  ASSERT_THAT(Create(Full("full")), IsOk());
  v1::Incident member;
  ASSERT_THAT(Get("full", &member), IsOk());
  EXPECT_THAT(member.redacted_fields(), IsEmpty());
  EXPECT_NE(member.targeting(), v1::TARGETING_UNSPECIFIED);
  EXPECT_TRUE(member.has_original_record());

  v1::Incident reads[2];
  ASSERT_THAT(Get("full", &reads[0], /*key=*/""), IsOk());
  v1::ListIncidentsResponse listed;
  ASSERT_THAT(List("", &listed, /*key=*/""), IsOk());
  ASSERT_EQ(listed.incidents_size(), 1);
  reads[1] = listed.incidents(0);
  for (const v1::Incident& pub : reads) {
    EXPECT_EQ(pub.targeting(), v1::TARGETING_UNSPECIFIED);
    EXPECT_THAT(pub.actions(), IsEmpty());
    EXPECT_FALSE(pub.has_data_exposure());
    EXPECT_THAT(pub.assets(), IsEmpty());
    EXPECT_THAT(pub.discovery_methods(), IsEmpty());
    EXPECT_THAT(pub.durations(), IsEmpty());
    EXPECT_FALSE(pub.has_losses());
    EXPECT_FALSE(pub.has_original_record());
    EXPECT_THAT(pub.threat_actors(), IsEmpty());  // actor VERIS fields too
    const std::set<std::string> redacted(pub.redacted_fields().begin(),
                                         pub.redacted_fields().end());
    for (const std::string& path : VerisMemberPaths()) {
      EXPECT_TRUE(redacted.contains(path)) << path;
    }
    // The public new fields stay.
    ASSERT_EQ(pub.external_references_size(), 1);
    EXPECT_EQ(pub.external_references(0).id(), kVcdbId);
    EXPECT_EQ(pub.investigation_status(), v1::INVESTIGATION_CLOSED);
    EXPECT_EQ(pub.confidence(), v1::CONFIDENCE_HIGH);
  }
  // Get serves the stored public view, List redacts per read: both hide
  // the same fields.
  EXPECT_THAT(std::vector<std::string>(reads[0].redacted_fields().begin(),
                                       reads[0].redacted_fields().end()),
              UnorderedElementsAreArray(reads[1].redacted_fields()));
}

TEST_F(VerisIncidentTest, VictimUnknownIncidentsNeedNoVictim) {
  v1::CreateIncidentRequest unknown = Plain("nobody");
  unknown.mutable_incident()->clear_victims();
  unknown.mutable_incident()->set_victim_unknown(true);
  ASSERT_THAT(Create(unknown), IsOk());
  v1::Incident got;
  ASSERT_THAT(Get("nobody", &got), IsOk());
  EXPECT_TRUE(got.victim_unknown());
  EXPECT_THAT(got.victims(), IsEmpty());

  v1::CreateIncidentRequest both = Plain("both");
  both.mutable_incident()->set_victim_unknown(true);
  EXPECT_THAT(Create(both),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("incident.victims: must be empty when "
                                 "victim_unknown is set")));
  v1::CreateIncidentRequest neither = Plain("neither");
  neither.mutable_incident()->clear_victims();
  EXPECT_THAT(Create(neither),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("incident.victims: at least one victim")));

  // An update may name the victim once known, in one step.
  v1::Incident known;
  known.add_victims()->set_organization("organizations/acme");
  EXPECT_THAT(Update("nobody", known, {"victims"}),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("incident.victims: must be empty")));
  ASSERT_THAT(Update("nobody", known, {"victims", "victim_unknown"}), IsOk());
  ASSERT_THAT(Get("nobody", &got), IsOk());
  EXPECT_FALSE(got.victim_unknown());
  ASSERT_EQ(got.victims_size(), 1);
  EXPECT_THAT(Names("victim = \"organizations/acme\""),
              ::testing::ElementsAre("incidents/nobody"));
}

}  // namespace
}  // namespace atlas::testing
