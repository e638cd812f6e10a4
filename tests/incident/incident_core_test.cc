// Core-level tests of incident-service: IncidentCore over a real RocksDB in
// a temp dir, with a FakeOrganizationDirectory and a FakeClock, and no gRPC
// server; IncidentValidator alone, without RocksDB. The contract tests
// (incident_service_test.cc) check the same rules through the API.
#include "incident-service/incident_core.h"

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_store.h"
#include "incident-service/incident_validator.h"
#include "incident-service/victim_reservations.h"
#include "tests/testing/fake_organization_directory.h"
#include "tests/testing/incident_core_data.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::incident {
namespace {

using ::atlas::testing::FakeOrganizationDirectory;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

const auth::Caller kEditor{auth::Role::kEditor, "editor"};
const auth::Caller kMember{auth::Role::kMember, "member"};
const auth::Caller kPublic{auth::Role::kPublic, ""};

const AttackCatalog& Attack() { return testing::PinnedAttackCatalog(); }
const api::CountryList& Countries() { return testing::BelgiumAndFrance(); }

v1::CreateIncidentRequest Create(const std::string& id,
                                 const std::string& victim = "vooruit") {
  v1::CreateIncidentRequest r;
  r.set_incident_id(id);
  v1::Incident* i = r.mutable_incident();
  i->set_title("Website held to ransom");
  i->add_victims()->set_organization("organizations/" + victim);
  i->add_countries("BE");
  i->add_motives(v1::FINANCIAL);
  i->add_techniques()->set_id("T1486");
  return r;
}

class IncidentCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = IncidentStore::Open(dir_.Sub("incidents"));
    ASSERT_THAT(store.status(), IsOk());
    store_ = *std::move(store);
    auto changelog = Changelog::Open(*store_);
    ASSERT_THAT(changelog.status(), IsOk());
    changelog_ = *std::move(changelog);
    directory_.Add("vooruit");
    core_ = std::make_unique<IncidentCore>(IncidentCore::Collaborators{
        .store = store_.get(),
        .changelog = changelog_.get(),
        .directory = &directory_,
        .attack = &Attack(),
        .countries = &Countries(),
        .veris = &testing::PinnedVerisVocabulary(),
        .clock = &clock_,
    });
  }

  void TearDown() override {
    core_.reset();
    changelog_.reset();
    EXPECT_THAT(store_->Close(), IsOk());
  }

  int64_t NextSequence() { return changelog_->next_sequence(); }

  testing::TempDir dir_;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  FakeOrganizationDirectory directory_;
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<Changelog> changelog_;
  std::unique_ptr<IncidentCore> core_;
};

TEST_F(IncidentCoreTest, CreateStoresTheIncidentWithOneChange) {
  auto created = core_->CreateIncident(kEditor, Create("i1"));
  ASSERT_THAT(created.status(), IsOk());
  EXPECT_EQ(created->name(), "incidents/i1");
  EXPECT_EQ(created->technique_count(), 1);
  EXPECT_EQ(created->techniques(0).name(), "Data Encrypted for Impact");
  EXPECT_FALSE(created->etag().empty());
  EXPECT_EQ(NextSequence(), 2);
  std::deque<v1::IncidentChange> changes;
  ASSERT_THAT(changelog_->ReadChanges(1, 10, &changes), IsOk());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].change_type(), v1::IncidentChange::CREATED);
  EXPECT_EQ(changes[0].incident().name(), "incidents/i1");
  v1::GetIncidentRequest get;
  get.set_name("incidents/i1");
  auto got = core_->GetIncident(kMember, get);
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(got->etag(), created->etag());
}

// Finding 2 of the hardening issue: the catalog decides a delete on this
// answer, so it must include a create the catalog had already accepted
// but that has not committed yet.
TEST_F(IncidentCoreTest, ReferenceCheckWaitsForACreateTheCatalogAccepted) {
  const auth::Caller service{auth::Role::kService, "catalog"};
  v1::CheckOrganizationReferencesRequest check;
  check.set_organization("organizations/vooruit");
  auto empty = core_->CheckOrganizationReferences(service, check);
  ASSERT_THAT(empty.status(), IsOk());
  EXPECT_TRUE(empty->incidents().empty());

  directory_.calls().Pause();
  std::thread create([&] {
    EXPECT_THAT(core_->CreateIncident(kEditor, Create("in-flight")).status(),
                IsOk());
  });
  directory_.calls().AwaitCalls(1);  // reserved, and asking the catalog
  // It cannot answer while that create is in flight (bounded wait).
  EXPECT_THAT(core_->CheckOrganizationReferences(service, check).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("organizations/vooruit")));
  directory_.calls().Resume();
  create.join();
  auto named = core_->CheckOrganizationReferences(service, check);
  ASSERT_THAT(named.status(), IsOk());
  EXPECT_THAT(named->incidents(),
              ::testing::ElementsAre("incidents/in-flight"));
  EXPECT_FALSE(named->more());
}

TEST_F(IncidentCoreTest, ReferenceCheckListsThreeNewestAndSaysThereAreMore) {
  for (const char* id : {"a", "b", "c", "d"}) {
    ASSERT_THAT(core_->CreateIncident(kEditor, Create(id)).status(), IsOk());
  }
  v1::CheckOrganizationReferencesRequest check;
  check.set_organization("organizations/vooruit");
  auto named = core_->CheckOrganizationReferences(
      auth::Caller{auth::Role::kAdmin, "admin"}, check);
  ASSERT_THAT(named.status(), IsOk());
  EXPECT_THAT(
      named->incidents(),
      ::testing::ElementsAre("incidents/d", "incidents/c", "incidents/b"));
  EXPECT_TRUE(named->more());
  check.set_organization("organisations/vooruit");
  EXPECT_THAT(
      core_
          ->CheckOrganizationReferences(
              auth::Caller{auth::Role::kService, "catalog"}, check)
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("organization")));
  // Only the other service (and admins) may ask.
  EXPECT_THAT(core_->CheckOrganizationReferences(kEditor, check).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(core_->CheckOrganizationReferences(kPublic, check).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(VictimReservationsTest, WaitsOnlyForHoldsTakenBeforeTheCall) {
  VictimReservations reservations;
  const absl::Time soon = absl::Now() + absl::Milliseconds(20);
  {
    VictimReservations::Hold hold = reservations.Reserve(
        {"organizations/a", "organizations/a", "organizations/b"});
    EXPECT_FALSE(reservations.AwaitEarlierHolds("organizations/a", soon));
    EXPECT_FALSE(reservations.AwaitEarlierHolds("organizations/b", soon));
    EXPECT_TRUE(reservations.AwaitEarlierHolds("organizations/c", soon));
  }
  // Released with its Hold (a name held twice by one hold, released once).
  EXPECT_TRUE(
      reservations.AwaitEarlierHolds("organizations/a", absl::InfinitePast()));
  // A waiter returns as soon as the earlier hold goes.
  auto hold = std::make_unique<VictimReservations::Hold>(
      reservations.Reserve({"organizations/a"}));
  std::thread release([&] { hold.reset(); });
  EXPECT_TRUE(reservations.AwaitEarlierHolds("organizations/a",
                                             absl::InfiniteFuture()));
  release.join();
}

// A change stream's buffer is bounded in bytes, not only in changes (the
// hardening issue's suspicion: 64 whole changes, no byte bound).
TEST_F(IncidentCoreTest, ReadChangesStopsAtItsByteBoundAfterOneChange) {
  for (const char* id : {"a", "b", "c", "d"}) {
    ASSERT_THAT(core_->CreateIncident(kEditor, Create(id)).status(), IsOk());
  }
  std::deque<v1::IncidentChange> all;
  ASSERT_THAT(changelog_->ReadChanges(1, 10, &all), IsOk());
  ASSERT_EQ(all.size(), 4u);
  const size_t first = all[0].ByteSizeLong();
  std::deque<v1::IncidentChange> one;
  ASSERT_THAT(changelog_->ReadChanges(1, 10, &one, 1), IsOk());
  EXPECT_EQ(one.size(), 1u);  // at least one, however large
  std::deque<v1::IncidentChange> two;
  ASSERT_THAT(changelog_->ReadChanges(1, 10, &two, first + 1), IsOk());
  EXPECT_EQ(two.size(), 2u);  // the bound is reached by the second
}

TEST_F(IncidentCoreTest, CreateRefusesAPublicCallerBeforeAnyCheck) {
  v1::CreateIncidentRequest bad = Create("i1", "nobody");
  bad.mutable_incident()->clear_title();
  EXPECT_THAT(core_->CreateIncident(kPublic, bad).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(core_->CreateIncident(kMember, bad).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(directory_.calls().calls(), 0);
}

TEST_F(IncidentCoreTest, CreateNamingAMissingVictimWritesNothing) {
  EXPECT_THAT(core_->CreateIncident(kEditor, Create("i1", "ghost")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.victims[0].organization: "
                                 "organizations/ghost does not exist")));
  EXPECT_EQ(NextSequence(), 1);
}

TEST_F(IncidentCoreTest, CreateWhileTheDirectoryIsDownIsUnavailable) {
  directory_.FailWith(absl::UnavailableError("catalog unreachable"));
  EXPECT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(NextSequence(), 1);
  directory_.FailWith(absl::OkStatus());
  EXPECT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
}

TEST_F(IncidentCoreTest, SameRequestIdCreatesOnce) {
  v1::CreateIncidentRequest r = Create("");
  r.set_request_id("4b0c5d9e-5d1f-4f2b-9d39-6a1f1c7c2e11");
  auto first = core_->CreateIncident(kEditor, r);
  auto second = core_->CreateIncident(kEditor, r);
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_EQ(first->name(), second->name());
  EXPECT_EQ(NextSequence(), 2);
  r.mutable_incident()->set_title("Another incident");
  EXPECT_THAT(core_->CreateIncident(kEditor, r).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request_id: already used")));
}

TEST_F(IncidentCoreTest, CreateOfATakenIdIsAlreadyExists) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  EXPECT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("incidents/i1 already exists")));
}

TEST_F(IncidentCoreTest, BatchCreateIsAllOrNothing) {
  v1::BatchCreateIncidentsRequest batch;
  *batch.add_requests() = Create("a");
  *batch.add_requests() = Create("b", "ghost");
  EXPECT_THAT(core_->BatchCreateIncidents(kEditor, batch).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("requests[1].incident.victims[0]")));
  EXPECT_EQ(NextSequence(), 1);
  batch.mutable_requests(1)->CopyFrom(Create("b"));
  auto created = core_->BatchCreateIncidents(kEditor, batch);
  ASSERT_THAT(created.status(), IsOk());
  EXPECT_EQ(created->incidents_size(), 2);
  EXPECT_EQ(NextSequence(), 3);
}

TEST_F(IncidentCoreTest, UpdateWithAStaleEtagIsAborted) {
  auto created = core_->CreateIncident(kEditor, Create("i1"));
  ASSERT_THAT(created.status(), IsOk());
  v1::UpdateIncidentRequest update;
  update.mutable_incident()->set_name("incidents/i1");
  update.mutable_incident()->set_title("Renamed");
  update.mutable_incident()->set_etag(created->etag());
  update.mutable_update_mask()->add_paths("title");
  auto updated = core_->UpdateIncident(kEditor, update);
  ASSERT_THAT(updated.status(), IsOk());
  EXPECT_EQ(updated->title(), "Renamed");
  // The etag read before the first update is stale now.
  EXPECT_THAT(core_->UpdateIncident(kEditor, update).status(),
              StatusIs(absl::StatusCode::kAborted,
                       HasSubstr("incident.etag: stale etag")));
  EXPECT_EQ(NextSequence(), 3);
}

// Every timeline write reloads the incident's events and sources under the
// write mutex, so their number is bounded (the hardening issue's suspicion:
// one incident with very many events made every write to it slow).
TEST_F(IncidentCoreTest, AnIncidentHoldsAtMostTheLimitOfEventsAndSources) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  auto event = [](int i) {
    v1::CreateTimelineEventRequest r;
    r.set_parent("incidents/i1");
    r.set_event_id(absl::StrCat("e", i));
    r.mutable_event()->set_type(v1::DETECTION);
    r.mutable_event()->set_description("Detected");
    r.mutable_event()->mutable_date()->set_year(2024);
    return r;
  };
  auto source = [](int i) {
    v1::CreateSourceRequest r;
    r.set_parent("incidents/i1");
    r.set_source_id(absl::StrCat("s", i));
    r.mutable_source()->set_title("Report");
    return r;
  };
  for (int i = 0; i < TimelineCore::kMaxEventsPerIncident; ++i) {
    ASSERT_THAT(core_->CreateTimelineEvent(kEditor, event(i)).status(), IsOk())
        << i;
  }
  for (int i = 0; i < TimelineCore::kMaxSourcesPerIncident; ++i) {
    ASSERT_THAT(core_->CreateSource(kEditor, source(i)).status(), IsOk()) << i;
  }
  const int64_t before = NextSequence();
  EXPECT_THAT(
      core_->CreateTimelineEvent(kEditor, event(-1)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("500 events")));
  EXPECT_THAT(core_->CreateSource(kEditor, source(-1)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("500 sources")));
  EXPECT_EQ(NextSequence(), before);
  // Room again once one goes.
  v1::DeleteTimelineEventRequest del;
  del.set_name("incidents/i1/events/e0");
  ASSERT_THAT(core_->DeleteTimelineEvent(kEditor, del).status(), IsOk());
  EXPECT_THAT(core_->CreateTimelineEvent(kEditor, event(-1)).status(), IsOk());
}

TEST_F(IncidentCoreTest, RelativeDateResolvesOnceTheAnchorIsDated) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  v1::CreateSourceRequest source;
  source.set_parent("incidents/i1");
  source.set_source_id("report");
  source.mutable_source()->set_title("Brussels Parliament under attack");
  ASSERT_THAT(core_->CreateSource(kEditor, source).status(), IsOk());
  v1::CreateTimelineEventRequest event;
  event.set_parent("incidents/i1");
  event.set_event_id("detected");
  event.mutable_event()->set_type(v1::DETECTION);
  event.mutable_event()->set_description("Under attack since Monday");
  event.mutable_event()->mutable_relative_date()->set_expression(
      "since Monday");
  event.mutable_event()->mutable_relative_date()->set_anchor_source(
      "incidents/i1/sources/report");
  auto created = core_->CreateTimelineEvent(kEditor, event);
  ASSERT_THAT(created.status(), IsOk());
  EXPECT_EQ(created->relative_date().state(),
            type::v1::RelativeDate::UNRESOLVED);
  EXPECT_FALSE(created->has_effective_date());

  // Thursday 2024-03-14: "since Monday" is 2024-03-11.
  v1::UpdateSourceRequest update;
  update.mutable_source()->set_name("incidents/i1/sources/report");
  update.mutable_source()->mutable_published_date()->set_year(2024);
  update.mutable_source()->mutable_published_date()->set_month(3);
  update.mutable_source()->mutable_published_date()->set_day(14);
  update.mutable_update_mask()->add_paths("published_date");
  ASSERT_THAT(core_->UpdateSource(kEditor, update).status(), IsOk());
  v1::GetTimelineEventRequest get;
  get.set_name("incidents/i1/events/detected");
  auto resolved = core_->GetTimelineEvent(kMember, get);
  ASSERT_THAT(resolved.status(), IsOk());
  EXPECT_EQ(resolved->relative_date().state(),
            type::v1::RelativeDate::RESOLVED);
  EXPECT_EQ(resolved->effective_date().day(), 11);
}

// Hardening: a relative date that would resolve before 1970 (the first
// day a PartialDate holds) stays unresolved instead of storing an invalid
// date.
TEST_F(IncidentCoreTest, ARelativeDateBefore1970StaysUnresolved) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  v1::CreateSourceRequest source;
  source.set_parent("incidents/i1");
  source.set_source_id("old");
  source.mutable_source()->set_title("An old report");
  source.mutable_source()->mutable_published_date()->set_year(1970);
  source.mutable_source()->mutable_published_date()->set_month(1);
  source.mutable_source()->mutable_published_date()->set_day(5);
  ASSERT_THAT(core_->CreateSource(kEditor, source).status(), IsOk());
  v1::CreateTimelineEventRequest event;
  event.set_parent("incidents/i1");
  event.mutable_event()->set_type(v1::DETECTION);
  event.mutable_event()->set_description("Detected two weeks before");
  event.mutable_event()->mutable_relative_date()->set_expression("2 weeks ago");
  event.mutable_event()->mutable_relative_date()->set_anchor_source(
      "incidents/i1/sources/old");
  auto created = core_->CreateTimelineEvent(kEditor, event);
  ASSERT_THAT(created.status(), IsOk());
  EXPECT_EQ(created->relative_date().state(),
            type::v1::RelativeDate::UNRESOLVED);
  EXPECT_FALSE(created->has_effective_date());
  event.mutable_event()->mutable_relative_date()->set_expression("yesterday");
  created = core_->CreateTimelineEvent(kEditor, event);
  ASSERT_THAT(created.status(), IsOk());
  EXPECT_EQ(created->effective_date().day(), 4);
}

TEST_F(IncidentCoreTest, DeletingACitedSourceIsFailedPrecondition) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  v1::CreateSourceRequest source;
  source.set_parent("incidents/i1");
  source.set_source_id("s1");
  source.mutable_source()->set_title("Police statement");
  ASSERT_THAT(core_->CreateSource(kEditor, source).status(), IsOk());
  v1::CreateTimelineEventRequest event;
  event.set_parent("incidents/i1");
  event.set_event_id("e1");
  event.mutable_event()->set_type(v1::DETECTION);
  event.mutable_event()->set_description("Detected");
  event.mutable_event()->mutable_date()->set_year(2024);
  event.mutable_event()->add_sources("incidents/i1/sources/s1");
  ASSERT_THAT(core_->CreateTimelineEvent(kEditor, event).status(), IsOk());
  v1::DeleteSourceRequest del;
  del.set_name("incidents/i1/sources/s1");
  EXPECT_THAT(core_->DeleteSource(kEditor, del).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cited by incidents/i1/events/e1")));
}

TEST_F(IncidentCoreTest, ListFiltersOnAnIndexAndRedactsForThePublic) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  v1::CreateIncidentRequest fr = Create("i2");
  fr.mutable_incident()->set_countries(0, "FR");
  ASSERT_THAT(core_->CreateIncident(kEditor, fr).status(), IsOk());
  v1::ListIncidentsRequest list;
  list.set_filter("country = \"FR\"");
  auto page = core_->ListIncidents(kPublic, list);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->incidents_size(), 1);
  EXPECT_EQ(page->incidents(0).name(), "incidents/i2");
  EXPECT_EQ(page->incidents(0).motives_size(), 0);
  EXPECT_EQ(page->incidents(0).motive_count(), 1);
  list.set_filter("motive = FINANCIAL");
  EXPECT_THAT(core_->ListIncidents(kPublic, list).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// A subscriber of the changelog, for the durability test below.
class Recorder : public ChangeSubscriber {
 public:
  void OnChangeCommitted(const v1::IncidentChange& change) override {
    sequences.push_back(change.sequence());
  }
  void OnShutdown() override { shut_down = true; }
  std::vector<int64_t> sequences;
  bool shut_down = false;
};

TEST_F(IncidentCoreTest, ChangelogAnnouncesDurableChangesInOrder) {
  Recorder recorder;
  ASSERT_TRUE(changelog_->Subscribe(&recorder));
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i2")).status(), IsOk());
  EXPECT_EQ(recorder.sequences, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(changelog_->durable_next_sequence(), 3);
  v1::WatchIncidentChangesRequest watch;
  watch.set_start_sequence(-1);
  EXPECT_THAT(changelog_->WatchStart(watch).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  watch.set_start_sequence(4);
  EXPECT_THAT(changelog_->WatchStart(watch).status(),
              StatusIs(absl::StatusCode::kOutOfRange));
  changelog_->Shutdown();
  EXPECT_TRUE(recorder.shut_down);
  EXPECT_FALSE(changelog_->Subscribe(&recorder));
  changelog_->Unsubscribe(&recorder);
}

TEST_F(IncidentCoreTest, TheChangelogResumesAfterTheLastStoredSequence) {
  ASSERT_THAT(core_->CreateIncident(kEditor, Create("i1")).status(), IsOk());
  auto reopened = Changelog::Open(*store_);
  ASSERT_THAT(reopened.status(), IsOk());
  EXPECT_EQ((*reopened)->next_sequence(), 2);
}

// --- IncidentValidator: no RocksDB -----------------------------------------

class IncidentValidatorTest : public ::testing::Test {
 protected:
  IncidentValidator validator_{Attack(), Countries(),
                               testing::PinnedVerisVocabulary()};
};

TEST_F(IncidentValidatorTest, CountriesAreCheckedAgainstTheInjectedList) {
  v1::Incident incident = Create("i").incident();
  EXPECT_THAT(validator_.ValidateIncident(&incident, "incident"), IsOk());
  incident.set_countries(0, "DE");  // a real code, not in the injected list
  EXPECT_THAT(validator_.ValidateIncident(&incident, "incident"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.countries[0]")));
}

TEST_F(IncidentValidatorTest, TechniquesMustBeInThePinnedCatalog) {
  v1::Incident incident = Create("i").incident();
  incident.mutable_techniques(0)->set_id("T9999");
  EXPECT_THAT(validator_.ValidateIncident(&incident, "incident"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("incident.techniques[0].id")));
  incident.mutable_techniques(0)->set_id("1486");
  EXPECT_THAT(validator_.ValidateIncident(&incident, "incident"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not an ATT&CK technique id")));
}

TEST_F(IncidentValidatorTest, AnEventNeedsADateAndCitesOnlyItsIncident) {
  v1::TimelineEvent event;
  event.set_type(v1::DETECTION);
  event.set_description("Detected");
  EXPECT_THAT(validator_.ValidateEvent(&event, "i1", "event"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("event.date: required")));
  event.mutable_date()->set_year(2024);
  event.add_sources("incidents/other/sources/s1");
  EXPECT_THAT(validator_.ValidateEvent(&event, "i1", "event"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not a source of incidents/i1")));
}

TEST_F(IncidentValidatorTest, SourcesAreRefangedAndLanguageTagsChecked) {
  v1::Source source;
  source.set_url("hxxps://www.vooruit[.]be/nieuws");
  ASSERT_THAT(validator_.ValidateSource(&source, "source"), IsOk());
  EXPECT_EQ(source.url().rfind("https://", 0), 0u) << source.url();
  source.set_language(std::string(36, 'a').replace(2, 1, "-"));
  EXPECT_THAT(validator_.ValidateSource(&source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("source.language: at most 35")));
  source.set_language("not a tag");
  EXPECT_THAT(validator_.ValidateSource(&source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("source.language")));
}

}  // namespace
}  // namespace atlas::incident
