// Contract tests of atlas.incident.v1.IncidentService through a real
// server: timeline events, sources and the change stream (incidents,
// ATT&CK and lists are in incident_service_test.cc).
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/incident/incident_service_fixture.h"

namespace atlas::incident_contract_test {
namespace {

// --- Timeline and sources
// ---------------------------------------------------------

TEST_F(IncidentServiceTest, TimelineIsInTimeOrderWithMixedPrecisions) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());
  v1::Source src;
  ASSERT_THAT(AddSource(inc.name(), "news", v1::Source(), &src), IsOk());
  v1::TimelineEvent e;
  // Created out of order; two on the same day keep creation order.
  ASSERT_THAT(AddEvent(inc.name(), "april",
                       Event(v1::PUBLIC_DISCLOSURE, Date(2024, 4), "a"), &e),
              IsOk());
  ASSERT_THAT(
      AddEvent(inc.name(), "unresolved",
               Relative(v1::OTHER_EVENT, "yesterday", src.name(), "u"), &e),
      IsOk());
  ASSERT_THAT(
      AddEvent(inc.name(), "day-b",
               Event(v1::REPORTED_TO_POLICE, Date(2024, 3, 28), "b"), &e),
      IsOk());
  ASSERT_THAT(AddEvent(inc.name(), "day-a",
                       Event(v1::DETECTION, Date(2024, 3, 28), "c"), &e),
              IsOk());
  ASSERT_THAT(AddEvent(inc.name(), "march",
                       Event(v1::INITIAL_ACCESS, Date(2024, 3), "d"), &e),
              IsOk());
  ASSERT_THAT(
      AddEvent(inc.name(), "year", Event(v1::OTHER_EVENT, Date(2024), "e"), &e),
      IsOk());
  std::vector<std::string> ids;
  for (const auto& ev : Timeline(inc.name()))
    ids.push_back(ev.name().substr(ev.name().rfind('/') + 1));
  EXPECT_THAT(ids, ElementsAre("year", "march", "day-b", "day-a", "april",
                               "unresolved"));
  // Paging walks the same order.
  v1::ListTimelineEventsRequest r;
  r.set_parent(inc.name());
  r.set_page_size(4);
  v1::ListTimelineEventsResponse page;
  ASSERT_THAT(
      stub_->ListTimelineEvents(ContextWithKey(kMemberKey).get(), r, &page),
      IsOk());
  ASSERT_EQ(page.events_size(), 4);
  r.set_page_token(page.next_page_token());
  ASSERT_THAT(
      stub_->ListTimelineEvents(ContextWithKey(kMemberKey).get(), r, &page),
      IsOk());
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.next_page_token(), "");
  // Moving an event's date moves it in the timeline.
  v1::UpdateTimelineEventRequest u;
  u.mutable_event()->set_name(inc.name() + "/events/year");
  *u.mutable_event()->mutable_date() = Date(2024, 5, 1);
  u.mutable_update_mask()->add_paths("date");
  ASSERT_THAT(
      stub_->UpdateTimelineEvent(ContextWithKey(kEditorKey).get(), u, &e),
      IsOk());
  ids.clear();
  for (const auto& ev : Timeline(inc.name()))
    ids.push_back(ev.name().substr(ev.name().rfind('/') + 1));
  EXPECT_THAT(ids, ElementsAre("march", "day-b", "day-a", "april", "year",
                               "unresolved"));
}

TEST_F(IncidentServiceTest, EventCitingAnotherIncidentsSourceIsRejected) {
  v1::Incident a, b;
  ASSERT_THAT(Create(Vooruit(), &a), IsOk());
  ASSERT_THAT(Create(NewIncident("other", "acme"), &b), IsOk());
  v1::Source foreign;
  ASSERT_THAT(AddSource(b.name(), "s", v1::Source(), &foreign), IsOk());
  v1::TimelineEvent e = Event(v1::DETECTION, Date(2024, 3, 28), "detected");
  e.add_sources(foreign.name());
  const int64_t before = NextSequence();
  v1::TimelineEvent out;
  EXPECT_THAT(AddEvent(a.name(), "e", e, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("event.sources[0]: incidents/other/sources/s "
                                 "is not a source of incidents/vooruit-2024")));
  e.set_sources(0, a.name() + "/sources/missing");
  EXPECT_THAT(AddEvent(a.name(), "e", e, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("event.sources[0]")));
  EXPECT_EQ(NextSequence(), before);
  EXPECT_TRUE(Timeline(a.name()).empty());
  // A missing parent is NOT_FOUND.
  EXPECT_THAT(AddEvent("incidents/nope", "e",
                       Event(v1::DETECTION, Date(2024), "x"), &out),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(IncidentServiceTest, BadEventInputNamesTheField) {
  v1::Incident a;
  ASSERT_THAT(Create(Vooruit(), &a), IsOk());
  v1::Source src;
  ASSERT_THAT(AddSource(a.name(), "s", v1::Source(), &src), IsOk());
  v1::TimelineEvent out;
  EXPECT_THAT(
      AddEvent(a.name(), "e", Event(v1::DETECTION, Date(2024, 2, 30), "x"),
               &out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("event.date")));
  v1::TimelineEvent e = Event(v1::SERVICE_OUTAGE, Date(2024, 3, 28), "down");
  *e.mutable_end_date() = Date(2024, 3, 1);
  EXPECT_THAT(AddEvent(a.name(), "e", e, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("event.end_date")));
  EXPECT_THAT(
      AddEvent(a.name(), "e",
               Relative(v1::DETECTION, "sometime soonish", src.name(), "x"),
               &out),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("event.relative_date.expression")));
  EXPECT_THAT(AddEvent(a.name(), "e",
                       Relative(v1::DETECTION, "yesterday",
                                a.name() + "/sources/nope", "x"),
                       &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("event.relative_date.anchor_source")));
  v1::TimelineEvent none;
  none.set_type(v1::DETECTION);
  none.set_description("x");
  EXPECT_THAT(
      AddEvent(a.name(), "e", none, &out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("event.date")));
  EXPECT_TRUE(Timeline(a.name()).empty());
}

TEST_F(IncidentServiceTest, RelativeDatesResolveWhenTheAnchorGainsADate) {
  // Seed 003: the Brussels Parliament report, no publication date given.
  v1::Incident inc;
  ASSERT_THAT(
      Create(NewIncident("brussels-parliament-2024", "brussels-parliament"),
             &inc),
      IsOk());
  v1::Source report;
  report.set_url("hxxps://www.brusselstimes[.]com/parliament-cyberattack");
  report.set_publisher("The Brussels Times");
  report.set_kind(v1::NEWS);
  ASSERT_THAT(AddSource(inc.name(), "report", report, &report), IsOk());
  EXPECT_EQ(report.url(), "https://brusselstimes.com/parliament-cyberattack");
  v1::TimelineEvent attack, announced;
  ASSERT_THAT(AddEvent(inc.name(), "attack",
                       Relative(v1::INITIAL_ACCESS, "since Monday of this week",
                                report.name(), "IT under attack"),
                       &attack),
              IsOk());
  ASSERT_THAT(AddEvent(inc.name(), "announced",
                       Relative(v1::PUBLIC_DISCLOSURE, "on Thursday",
                                report.name(), "announced"),
                       &announced),
              IsOk());
  EXPECT_EQ(attack.relative_date().state(), RelativeDate::UNRESOLVED);
  EXPECT_FALSE(attack.has_effective_date());

  // Month precision is not enough: still unresolved, never guessed.
  v1::UpdateSourceRequest u;
  u.mutable_source()->set_name(report.name());
  *u.mutable_source()->mutable_published_date() = Date(2024, 11);
  u.mutable_update_mask()->add_paths("published_date");
  v1::Source updated;
  ASSERT_THAT(
      stub_->UpdateSource(ContextWithKey(kEditorKey).get(), u, &updated),
      IsOk());
  for (const auto& e : Timeline(inc.name())) {
    EXPECT_EQ(e.relative_date().state(), RelativeDate::UNRESOLVED);
  }
  // Friday 2024-11-22: Monday is the 18th, Thursday the 21st.
  *u.mutable_source()->mutable_published_date() = Date(2024, 11, 22);
  ASSERT_THAT(
      stub_->UpdateSource(ContextWithKey(kEditorKey).get(), u, &updated),
      IsOk());
  auto timeline = Timeline(inc.name());
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].name(), attack.name());
  EXPECT_EQ(timeline[0].relative_date().state(), RelativeDate::RESOLVED);
  EXPECT_THAT(timeline[0].effective_date(),
              testing::EqualsProto(Date(2024, 11, 18)));
  EXPECT_THAT(timeline[1].effective_date(),
              testing::EqualsProto(Date(2024, 11, 21)));
  // Derived figures follow: no detection event, so no span.
  v1::Incident now;
  ASSERT_THAT(Get(inc.name(), &now), IsOk());
  EXPECT_EQ(now.event_count(), 2);
  EXPECT_EQ(now.source_count(), 1);
  // The anchor cannot be deleted while events rely on it.
  v1::DeleteSourceRequest d;
  d.set_name(report.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(stub_->DeleteSource(ContextWithKey(kEditorKey).get(), d, &empty),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(IncidentServiceTest, VooruitAuthorityWasToldWithin72Hours) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());
  v1::TimelineEvent e;
  ASSERT_THAT(AddEvent(inc.name(), "ransom-note",
                       Event(v1::RANSOM_DEMAND, Date(2024, 3, 28),
                             "ransom message left in database"),
                       &e),
              IsOk());
  ASSERT_THAT(
      AddEvent(inc.name(), "detected",
               Event(v1::DETECTION, Date(2024, 3, 28), "intrusion detected"),
               &e),
      IsOk());
  ASSERT_THAT(AddEvent(inc.name(), "police",
                       Event(v1::REPORTED_TO_POLICE, Date(2024, 3, 28),
                             "reported to police"),
                       &e),
              IsOk());
  ASSERT_THAT(AddEvent(inc.name(), "apd",
                       Event(v1::REPORTED_TO_DATA_PROTECTION_AUTHORITY,
                             Date(2024, 3, 28), "reported to the APD/GBA"),
                       &e),
              IsOk());
  ASSERT_THAT(
      AddEvent(inc.name(), "public",
               Event(v1::PUBLIC_DISCLOSURE, Date(2024, 4), "made public"), &e),
      IsOk());
  v1::Incident now;
  ASSERT_THAT(Get(inc.name(), &now, ""), IsOk());
  const v1::DerivedFigures& f = now.derived_figures();
  EXPECT_EQ(f.detection_to_authority_report().min_days(), 0);
  EXPECT_EQ(f.detection_to_authority_report().max_days(), 0);
  EXPECT_EQ(f.detection_to_police_report().max_days(), 0);
  EXPECT_EQ(f.detection_to_public_disclosure().min_days(), 4);
  EXPECT_EQ(f.detection_to_public_disclosure().max_days(), 33);
  EXPECT_EQ(f.authority_notified_within_72_hours(), v1::DerivedFigures::YES);
  EXPECT_EQ(now.event_count(), 5);
  // Moving the report to April makes the answer NO.
  v1::UpdateTimelineEventRequest u;
  u.mutable_event()->set_name(inc.name() + "/events/apd");
  *u.mutable_event()->mutable_date() = Date(2024, 4, 2);
  u.mutable_update_mask()->add_paths("date");
  ASSERT_THAT(
      stub_->UpdateTimelineEvent(ContextWithKey(kEditorKey).get(), u, &e),
      IsOk());
  ASSERT_THAT(Get(inc.name(), &now), IsOk());
  EXPECT_EQ(now.derived_figures().authority_notified_within_72_hours(),
            v1::DerivedFigures::NO);
  // A month-precision report leaves it open.
  *u.mutable_event()->mutable_date() = Date(2024, 3);
  ASSERT_THAT(
      stub_->UpdateTimelineEvent(ContextWithKey(kEditorKey).get(), u, &e),
      IsOk());
  ASSERT_THAT(Get(inc.name(), &now), IsOk());
  EXPECT_EQ(now.derived_figures().authority_notified_within_72_hours(),
            v1::DerivedFigures::UNKNOWN);
}

TEST_F(IncidentServiceTest, SourcesAndCitationsAreMembersOnly) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());
  v1::Source s;
  s.set_title("Vooruit.brussels gehackt");
  s.set_url("https://www.bruzz.be/politiek/vooruit-brussels-gehackt");
  *s.mutable_published_date() = Date(2024, 4, 2);
  ASSERT_THAT(AddSource(inc.name(), "bruzz", s, &s), IsOk());
  v1::TimelineEvent e = Event(v1::DETECTION, Date(2024, 3, 28), "detected");
  e.add_sources(s.name());
  ASSERT_THAT(AddEvent(inc.name(), "detected", e, &e), IsOk());

  v1::GetSourceRequest g;
  g.set_name(s.name());
  v1::Source pub;
  ASSERT_THAT(stub_->GetSource(ContextWithKey("").get(), g, &pub), IsOk());
  EXPECT_EQ(pub.name(), s.name());
  EXPECT_EQ(pub.title(), "");
  EXPECT_THAT(pub.redacted_fields(), ::testing::Contains("url"));
  v1::Source member;
  ASSERT_THAT(stub_->GetSource(ContextWithKey(kMemberKey).get(), g, &member),
              IsOk());
  EXPECT_EQ(member.title(), "Vooruit.brussels gehackt");
  EXPECT_TRUE(member.redacted_fields().empty());

  auto pub_timeline = Timeline(inc.name(), "");
  ASSERT_EQ(pub_timeline.size(), 1u);
  EXPECT_EQ(pub_timeline[0].sources_size(), 0);
  EXPECT_THAT(pub_timeline[0].redacted_fields(), ElementsAre("sources"));
  EXPECT_EQ(Timeline(inc.name())[0].sources_size(), 1);

  v1::ListSourcesRequest l;
  l.set_parent(inc.name());
  v1::ListSourcesResponse sources;
  ASSERT_THAT(stub_->ListSources(ContextWithKey("").get(), l, &sources),
              IsOk());
  ASSERT_EQ(sources.sources_size(), 1);
  EXPECT_EQ(sources.sources(0).url(), "");

  // A cited source cannot be deleted.
  v1::DeleteSourceRequest d;
  d.set_name(s.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(
      stub_->DeleteSource(ContextWithKey(kEditorKey).get(), d, &empty),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cited by")));
  v1::DeleteTimelineEventRequest de;
  de.set_name(e.name());
  ASSERT_THAT(
      stub_->DeleteTimelineEvent(ContextWithKey(kEditorKey).get(), de, &empty),
      IsOk());
  ASSERT_THAT(stub_->DeleteSource(ContextWithKey(kEditorKey).get(), d, &empty),
              IsOk());
  v1::Incident now;
  ASSERT_THAT(Get(inc.name(), &now), IsOk());
  EXPECT_EQ(now.source_count(), 0);
  EXPECT_EQ(now.event_count(), 0);
}

TEST_F(IncidentServiceTest, SameRequestIdCreatesOneEvent) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());
  v1::CreateTimelineEventRequest r;
  r.set_parent(inc.name());
  r.set_request_id("import-event-1");
  *r.mutable_event() = Event(v1::DETECTION, Date(2024, 3, 28), "detected");
  v1::TimelineEvent first, second;
  ASSERT_THAT(
      stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(), r, &first),
      IsOk());
  const int64_t after_first = NextSequence();
  ASSERT_THAT(
      stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(), r, &second),
      IsOk());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(NextSequence(), after_first);
  EXPECT_EQ(Timeline(inc.name()).size(), 1u);
}

// --- Changelog stream
// -----------------------------------------------------------

std::vector<v1::IncidentChange> ReadChanges(v1::IncidentService::Stub& stub,
                                            int64_t start, size_t count,
                                            const std::string& key) {
  auto ctx = ContextWithKey(key);
  v1::WatchIncidentChangesRequest r;
  r.set_start_sequence(start);
  auto reader = stub.WatchIncidentChanges(ctx.get(), r);
  std::vector<v1::IncidentChange> out;
  v1::IncidentChange c;
  while (out.size() < count && reader->Read(&c)) out.push_back(c);
  ctx->TryCancel();
  reader->Finish();
  return out;
}

TEST_F(IncidentServiceTest, EveryWriteAppendsExactlyOneChange) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());  // 1
  v1::Source s;
  ASSERT_THAT(AddSource(inc.name(), "s", v1::Source(), &s), IsOk());  // 2
  v1::TimelineEvent e;
  ASSERT_THAT(AddEvent(inc.name(), "e",
                       Event(v1::DETECTION, Date(2024, 3, 28), "d"), &e),
              IsOk());  // 3
  v1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(inc.name());
  u.mutable_incident()->add_victims()->set_organization("organizations/acme");
  u.mutable_update_mask()->add_paths("victims");
  ASSERT_THAT(stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &inc),
              IsOk());  // 4
  // Read before the delete, which scrubs the incident's earlier entries
  // (changelog_retention_test).
  auto changes = ReadChanges(*stub_, 0, 4, kMemberKey);
  v1::DeleteIncidentRequest d;
  d.set_name(inc.name());
  google::protobuf::Empty empty;
  ASSERT_THAT(
      stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
      IsOk());  // 5
  EXPECT_EQ(NextSequence(), 6);
  auto deleted = ReadChanges(*stub_, 5, 1, kMemberKey);
  ASSERT_EQ(deleted.size(), 1u);
  changes.push_back(deleted[0]);
  ASSERT_EQ(changes.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(changes[i].sequence(), i + 1);
  EXPECT_EQ(changes[0].change_type(), v1::IncidentChange::CREATED);
  EXPECT_EQ(changes[1].change_type(), v1::IncidentChange::UPDATED);
  EXPECT_EQ(changes[1].incident().source_count(), 1);
  EXPECT_THAT(changes[2].previous_victims(),
              ElementsAre("organizations/vooruit"));
  EXPECT_EQ(changes[2].incident().event_count(), 1);
  EXPECT_THAT(changes[3].previous_victims(),
              ElementsAre("organizations/vooruit"));
  EXPECT_EQ(changes[3].incident().victims(0).organization(),
            "organizations/acme");
  EXPECT_EQ(changes[4].change_type(), v1::IncidentChange::DELETED);
  EXPECT_THAT(changes[4].previous_victims(),
              ElementsAre("organizations/acme", "organizations/vooruit"));
  // From the middle.
  auto tail = ReadChanges(*stub_, 4, 2, kMemberKey);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].sequence(), 4);
}

TEST_F(IncidentServiceTest, WatchRedactsForPublicCallers) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());
  auto pub = ReadChanges(*stub_, 1, 1, "");
  ASSERT_EQ(pub.size(), 1u);
  EXPECT_EQ(pub[0].incident().motives_size(), 0);
  EXPECT_EQ(pub[0].incident().motive_count(), 2);
  EXPECT_THAT(pub[0].incident().redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
  auto member = ReadChanges(*stub_, 1, 1, kMemberKey);
  ASSERT_EQ(member.size(), 1u);
  EXPECT_EQ(member[0].incident().motives_size(), 2);
}

TEST_F(IncidentServiceTest, WatchBeyondTheNextSequenceIsOutOfRange) {
  v1::Incident inc;
  ASSERT_THAT(Create(Vooruit(), &inc), IsOk());
  for (int64_t start : {int64_t{3}, int64_t{-1}}) {
    auto ctx = ContextWithKey(kMemberKey);
    v1::WatchIncidentChangesRequest r;
    r.set_start_sequence(start);
    auto reader = stub_->WatchIncidentChanges(ctx.get(), r);
    v1::IncidentChange c;
    EXPECT_FALSE(reader->Read(&c));
    EXPECT_THAT(reader->Finish(),
                StatusIs(start < 0 ? absl::StatusCode::kInvalidArgument
                                   : absl::StatusCode::kOutOfRange,
                         HasSubstr("start_sequence")));
  }
}

TEST_F(IncidentServiceTest, WatchFollowsLiveCommitsAndEndsOnDrain) {
  auto ctx = ContextWithKey(kMemberKey);
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  v1::WatchIncidentChangesRequest r;  // from the beginning of an empty log
  auto reader = stub_->WatchIncidentChanges(ctx.get(), r);
  ASSERT_TRUE(WaitFor([&] { return incidents_->stream_subscribers() == 1; }));
  v1::Incident inc;
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(Create(NewIncident("live" + std::to_string(i), "acme"), &inc),
                IsOk());
  }
  v1::IncidentChange c;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(reader->Read(&c));
    EXPECT_EQ(c.sequence(), i + 1);
    EXPECT_EQ(c.incident().name(), "incidents/live" + std::to_string(i));
  }
  // Drain: the stream ends promptly with UNAVAILABLE.
  absl::Time start = absl::Now();
  incidents_->service().CloseStreams();
  EXPECT_FALSE(reader->Read(&c));
  EXPECT_THAT(reader->Finish(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

}  // namespace
}  // namespace atlas::incident_contract_test
