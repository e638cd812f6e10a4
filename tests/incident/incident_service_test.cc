// Contract tests of atlas.incident.v1.IncidentService through a real
// server (with a real catalog-service for the victim check): one test per
// API rule of issue 4. Incidents, ATT&CK and lists here; the timeline,
// sources and the change stream in incident_timeline_contract_test.cc.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/incident/incident_service_fixture.h"

namespace atlas::incident_contract_test {
namespace {

// --- Incidents
// ----------------------------------------------------------------

TEST_F(IncidentServiceTest, UpdateReplacesMaskedFieldsOnly) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  v1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(created.name());
  u.mutable_incident()->set_title("New title");
  u.mutable_incident()->set_summary("ignored: not in the mask");
  u.mutable_incident()->set_etag(created.etag());
  u.mutable_update_mask()->add_paths("title");
  v1::Incident updated;
  ASSERT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &updated),
      IsOk());
  EXPECT_EQ(updated.title(), "New title");
  EXPECT_EQ(updated.summary(), "");
  EXPECT_EQ(updated.motives_size(), 2);
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_EQ(updated.create_time().seconds(), created.create_time().seconds());
}

TEST_F(IncidentServiceTest, UpdateWithStaleEtagIsAbortedAndChangesNothing) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  v1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(created.name());
  u.mutable_incident()->set_title("first");
  u.mutable_update_mask()->add_paths("title");
  v1::Incident updated;
  ASSERT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &updated),
      IsOk());
  u.mutable_incident()->set_etag(created.etag());
  u.mutable_incident()->set_title("second");
  const int64_t before = NextSequence();
  EXPECT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &updated),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("incident.etag")));
  EXPECT_EQ(NextSequence(), before);
  v1::Incident now;
  ASSERT_THAT(Get(created.name(), &now), IsOk());
  EXPECT_EQ(now.title(), "first");
}

TEST_F(IncidentServiceTest, UpdateRejectsOutputOnlyAndUnknownPaths) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  v1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(created.name());
  u.mutable_update_mask()->add_paths("event_count");
  v1::Incident out;
  EXPECT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
  u.mutable_update_mask()->set_paths(0, "nope");
  EXPECT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask")));
}

TEST_F(IncidentServiceTest, UpdateToUnknownVictimIsRejectedAndNothingChanges) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  v1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(created.name());
  u.mutable_incident()->add_victims()->set_organization("organizations/nobody");
  u.mutable_update_mask()->add_paths("victims");
  const int64_t before = NextSequence();
  v1::Incident out;
  EXPECT_THAT(stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.victims[0].organization")));
  EXPECT_EQ(NextSequence(), before);
  EXPECT_THAT(ListNames("victim = \"organizations/vooruit\""),
              ElementsAre(created.name()));
}

TEST_F(IncidentServiceTest, UpdateWithCatalogDownIsUnavailable) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  catalog_.Stop();
  v1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(created.name());
  u.mutable_incident()->add_victims()->set_organization("organizations/acme");
  u.mutable_update_mask()->add_paths("victims");
  const int64_t before = NextSequence();
  v1::Incident out;
  EXPECT_THAT(stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(NextSequence(), before);
}

TEST_F(IncidentServiceTest, DatesThatDoNotExistOrEndBeforeStartAreRejected) {
  v1::CreateIncidentRequest r = Vooruit();
  *r.mutable_incident()->mutable_start_date() = Date(2023, 2, 29);
  v1::Incident out;
  EXPECT_THAT(Create(r, &out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("incident.start_date")));
  r = Vooruit();
  *r.mutable_incident()->mutable_end_date() = Date(2024, 2);
  EXPECT_THAT(Create(r, &out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("incident.end_date")));
  EXPECT_EQ(NextSequence(), 1);
}

TEST_F(IncidentServiceTest, DeleteRemovesIncidentWithEventsAndSources) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  v1::Source source;
  ASSERT_THAT(AddSource(created.name(), "s1", v1::Source(), &source), IsOk());
  v1::TimelineEvent event;
  ASSERT_THAT(
      AddEvent(created.name(), "e1",
               Event(v1::DETECTION, Date(2024, 3, 28), "detected"), &event),
      IsOk());
  v1::DeleteIncidentRequest d;
  d.set_name(created.name());
  d.set_etag("stale");
  google::protobuf::Empty empty;
  EXPECT_THAT(
      stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
      StatusIs(absl::StatusCode::kAborted));
  d.clear_etag();
  ASSERT_THAT(
      stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
      IsOk());
  v1::Incident out;
  EXPECT_THAT(Get(created.name(), &out), StatusIs(absl::StatusCode::kNotFound));
  v1::GetTimelineEventRequest ge;
  ge.set_name(event.name());
  EXPECT_THAT(
      stub_->GetTimelineEvent(ContextWithKey(kMemberKey).get(), ge, &event),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(ListNames("").empty());
  EXPECT_TRUE(ListNames("country = \"BE\"").empty());
  EXPECT_THAT(
      stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(IncidentServiceTest, WritesNeedAnEditorKey) {
  v1::Incident out;
  EXPECT_THAT(Create(Vooruit(), &out, ""),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Create(Vooruit(), &out, kMemberKey),
              StatusIs(absl::StatusCode::kPermissionDenied));
  v1::DeleteIncidentRequest d;
  d.set_name("incidents/does-not-exist");
  google::protobuf::Empty empty;
  // Permission before existence.
  EXPECT_THAT(
      stub_->DeleteIncident(ContextWithKey(kMemberKey).get(), d, &empty),
      StatusIs(absl::StatusCode::kPermissionDenied));
  v1::CreateSourceRequest s;
  s.set_parent("incidents/does-not-exist");
  v1::Source source;
  EXPECT_THAT(stub_->CreateSource(ContextWithKey("").get(), s, &source),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// --- ATT&CK
// -------------------------------------------------------------------

TEST_F(IncidentServiceTest, TechniqueNameIsFilledFromTheAttackRelease) {
  v1::Incident created;
  ASSERT_THAT(Create(Vooruit(), &created), IsOk());
  ASSERT_EQ(created.techniques_size(), 1);
  EXPECT_EQ(created.techniques(0).name(), "Data Encrypted for Impact");
  EXPECT_EQ(created.technique_count(), 1);
}

TEST_F(IncidentServiceTest, UnknownTechniqueIsInvalidArgument) {
  v1::CreateIncidentRequest r = Vooruit();
  r.mutable_incident()->mutable_techniques(0)->set_id("T9999");
  v1::Incident out;
  EXPECT_THAT(Create(r, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.techniques[0].id: T9999")));
  EXPECT_EQ(NextSequence(), 1);
}

TEST_F(IncidentServiceTest, RevokedTechniqueNamesItsReplacement) {
  v1::CreateIncidentRequest r = Vooruit();
  r.mutable_incident()->mutable_techniques(0)->set_id("T1002");
  v1::Incident out;
  EXPECT_THAT(Create(r, &out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("use T1560")));
}

// --- Lists
// --------------------------------------------------------------------

TEST_F(IncidentServiceTest, ListFiltersOnIndexesAndCombinesWithAnd) {
  v1::Incident out;
  ASSERT_THAT(Create(Vooruit(), &out), IsOk());
  v1::CreateIncidentRequest a = NewIncident("acme-ddos", "acme");
  a.mutable_incident()->add_incident_types(v1::DDOS);
  a.mutable_incident()->set_determination(v1::CLAIMED);
  *a.mutable_incident()->mutable_start_date() = Date(2023);
  auto* actor = a.mutable_incident()->add_threat_actors();
  actor->set_type(v1::HACKTIVIST);
  ASSERT_THAT(Create(a, &out), IsOk());
  v1::CreateIncidentRequest g = NewIncident("globex-nl", "globex");
  g.mutable_incident()->set_countries(0, "NL");
  g.mutable_incident()->add_incident_types(v1::DDOS);
  *g.mutable_incident()->mutable_start_date() = Date(2024, 4);
  ASSERT_THAT(Create(g, &out), IsOk());

  // Newest first.
  EXPECT_THAT(ListNames(""),
              ElementsAre("incidents/globex-nl", "incidents/acme-ddos",
                          "incidents/vooruit-2024"));
  EXPECT_THAT(ListNames("victim = \"organizations/acme\""),
              ElementsAre("incidents/acme-ddos"));
  EXPECT_THAT(ListNames("country = BE AND incident_type = DDOS"),
              ElementsAre("incidents/acme-ddos"));
  EXPECT_THAT(ListNames("determination = CONFIRMED"),
              ElementsAre("incidents/vooruit-2024"));
  EXPECT_THAT(ListNames("motive = FINANCIAL"),
              ElementsAre("incidents/vooruit-2024"));
  EXPECT_THAT(ListNames("technique = \"T1486\""),
              ElementsAre("incidents/vooruit-2024"));
  EXPECT_THAT(ListNames("threat_actor_type = HACKTIVIST"),
              ElementsAre("incidents/acme-ddos"));
  // Dates compare by overlap: "Apr 2024" matches start >= 2024-04-15,
  // "2023" matches start <= 2023-01-01.
  EXPECT_THAT(ListNames("start >= 2024-04-15"),
              ElementsAre("incidents/globex-nl"));
  EXPECT_THAT(ListNames("start >= 2024-03 AND start <= 2024-03-31"),
              ElementsAre("incidents/vooruit-2024"));
  EXPECT_THAT(ListNames("start <= 2023-01-01"),
              ElementsAre("incidents/acme-ddos"));
  EXPECT_THAT(ListNames("start = 2024"),
              ElementsAre("incidents/globex-nl", "incidents/vooruit-2024"));
  EXPECT_THAT(ListNames("incident_type = DDOS AND start >= 2024"),
              ElementsAre("incidents/globex-nl"));
}

TEST_F(IncidentServiceTest, BadFiltersNameTheFilter) {
  ::grpc::Status s;
  for (const char* f :
       {"colour = red", "country = Belgium", "incident_type = X",
        "start >= 2024-02-30", "country = BE OR country = NL", "country ="}) {
    ListNames(f, kMemberKey, &s);
    EXPECT_THAT(
        s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("filter")))
        << f;
  }
}

TEST_F(IncidentServiceTest, PublicCallerFilteringOnMembersOnlyFieldIsDenied) {
  ::grpc::Status s;
  for (const char* f : {"motive = FINANCIAL", "technique = T1486",
                        "country = BE AND threat_actor_type = CRIMINAL"}) {
    ListNames(f, "", &s);
    EXPECT_THAT(
        s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("filter: ")))
        << f;
  }
  ListNames("country = BE", "", &s);
  EXPECT_THAT(s, IsOk());
}

TEST_F(IncidentServiceTest, PagesAreStableUnderConcurrentInserts) {
  v1::Incident out;
  for (int i = 0; i < 7; ++i) {
    ASSERT_THAT(Create(NewIncident("i" + std::to_string(i), "acme"), &out),
                IsOk());
  }
  std::vector<std::string> seen;
  v1::ListIncidentsRequest r;
  r.set_page_size(3);
  r.set_filter("victim = \"organizations/acme\"");
  int inserted = 0;
  do {
    v1::ListIncidentsResponse page;
    ASSERT_THAT(
        stub_->ListIncidents(ContextWithKey(kMemberKey).get(), r, &page),
        IsOk());
    for (const auto& i : page.incidents()) seen.push_back(i.name());
    r.set_page_token(page.next_page_token());
    // Inserts between pages never shift or repeat a page.
    ASSERT_THAT(
        Create(NewIncident("late" + std::to_string(inserted++), "acme"), &out),
        IsOk());
  } while (!r.page_token().empty());
  EXPECT_THAT(seen, ElementsAre("incidents/i6", "incidents/i5", "incidents/i4",
                                "incidents/i3", "incidents/i2", "incidents/i1",
                                "incidents/i0"));
  r.set_filter("country = BE");
  v1::ListIncidentsResponse page;
  r.set_page_token(r.page_token());
  v1::ListIncidentsRequest other;
  other.set_page_size(3);
  ASSERT_THAT(
      stub_->ListIncidents(ContextWithKey(kMemberKey).get(), other, &page),
      IsOk());
  other.set_page_token(page.next_page_token());
  other.set_filter("country = NL");
  EXPECT_THAT(
      stub_->ListIncidents(ContextWithKey(kMemberKey).get(), other, &page),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(IncidentServiceTest, ListRedactsForPublicCallers) {
  v1::Incident out;
  ASSERT_THAT(Create(Vooruit(), &out), IsOk());
  v1::ListIncidentsRequest r;
  v1::ListIncidentsResponse page;
  ASSERT_THAT(stub_->ListIncidents(ContextWithKey("").get(), r, &page), IsOk());
  ASSERT_EQ(page.incidents_size(), 1);
  EXPECT_EQ(page.incidents(0).motives_size(), 0);
  EXPECT_EQ(page.incidents(0).motive_count(), 2);
  EXPECT_THAT(page.incidents(0).redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
}

}  // namespace
}  // namespace atlas::incident_contract_test
