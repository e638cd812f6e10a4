// The catalog's read model follows incident-service's change stream: both
// services in one process, 200 incidents across 20 organisations, with the
// catalog restarted mid-stream and incident-service restarted while the
// catalog follows. At the end the catalog's counts, links and latest dates
// equal the incident service's truth exactly.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catalog-service/incident_follower.h"
#include "common/api/types/partial_date.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::WaitFor;
namespace v1 = ::atlas::incident::v1;

constexpr int kOrganizations = 20;
constexpr int kIncidents = 200;

std::string OrgId(int i) { return absl::StrCat("org-", i < 10 ? "0" : "", i); }

struct Summary {
  int count = 0;
  std::set<std::string> linked;
  std::string latest;  // FormatPartialDate, empty if none
  bool operator==(const Summary& o) const {
    return count == o.count && linked == o.linked && latest == o.latest;
  }
};

std::ostream& operator<<(std::ostream& os, const Summary& s) {
  return os << "{count=" << s.count << " linked=" << s.linked.size()
            << " latest=" << s.latest << "}";
}

class ReadModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    auto stub = catalog_.NewStub();
    for (int i = 0; i < kOrganizations; ++i) {
      catalog::v1::CreateOrganizationRequest org;
      org.set_organization_id(OrgId(i));
      org.mutable_organization()->set_display_name(OrgId(i));
      org.mutable_organization()->set_country("BE");
      catalog::v1::Organization created;
      ASSERT_THAT(stub->CreateOrganization(ContextWithKey(kEditorKey).get(),
                                           org, &created),
                  IsOk());
    }
  }

  void TearDown() override { StopFollower(); }

  void StartFollower() {
    catalog::IncidentFollower::Options options;
    options.api_key = kServiceKey;
    options.initial_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(200);
    follower_ = std::make_unique<catalog::IncidentFollower>(
        catalog_.core().read_model(),
        ::grpc::CreateChannel(incidents_->address(),
                              ::grpc::InsecureChannelCredentials()),
        options);
    follower_->Start();
  }
  void StopFollower() {
    if (follower_ != nullptr) follower_->Stop();
    follower_.reset();
  }

  void CreateIncident(int i) {
    v1::CreateIncidentRequest r;
    r.set_incident_id(absl::StrCat("inc-", i));
    v1::Incident* inc = r.mutable_incident();
    inc->set_title(absl::StrCat("Incident ", i));
    inc->add_victims()->set_organization("organizations/" +
                                         OrgId(i % kOrganizations));
    // Every seventh incident has a second victim.
    if (i % 7 == 0) {
      inc->add_victims()->set_organization("organizations/" +
                                           OrgId((i + 3) % kOrganizations));
    }
    inc->mutable_start_date()->set_year(2020 + i % 5);
    inc->mutable_start_date()->set_month(1 + i % 12);
    inc->mutable_start_date()->set_day(1 + i % 28);
    r.set_request_id(absl::StrCat("create-", i));
    // Right after a restart the channel to the catalog may still be
    // reconnecting (UNAVAILABLE, nothing written): retry, as clients do.
    auto stub = incident_stub();
    ::grpc::Status status;
    ASSERT_TRUE(WaitFor([&] {
      v1::Incident out;
      status = stub->CreateIncident(ContextWithKey(kEditorKey).get(), r, &out);
      return status.error_code() != ::grpc::StatusCode::UNAVAILABLE;
    }));
    ASSERT_THAT(status, IsOk());
  }

  std::unique_ptr<v1::IncidentService::Stub> incident_stub() {
    return incidents_->NewStub();
  }

  // Per organisation, from incident-service's own records.
  std::map<std::string, Summary> Truth() {
    std::map<std::string, Summary> truth;
    std::map<std::string, atlas::type::v1::PartialDate> latest;
    auto stub = incident_stub();
    v1::ListIncidentsRequest r;
    r.set_page_size(1000);
    v1::ListIncidentsResponse page;
    EXPECT_THAT(stub->ListIncidents(ContextWithKey(kMemberKey).get(), r, &page),
                IsOk());
    for (const v1::Incident& inc : page.incidents()) {
      for (const v1::Victim& v : inc.victims()) {
        const std::string org =
            v.organization().substr(sizeof("organizations"));
        Summary& s = truth[org];
        ++s.count;
        s.linked.insert(inc.name());
        auto it = latest.find(org);
        if (it == latest.end() ||
            api::CompareIntervals(inc.start_date(), it->second) > 0) {
          latest[org] = inc.start_date();
        }
      }
    }
    for (auto& [org, date] : latest)
      truth[org].latest = api::FormatPartialDate(date);
    for (int i = 0; i < kOrganizations; ++i) truth[OrgId(i)];  // zero entries
    return truth;
  }

  std::map<std::string, Summary> CatalogView() {
    std::map<std::string, Summary> view;
    auto stub = catalog_.NewStub();
    for (int i = 0; i < kOrganizations; ++i) {
      catalog::v1::GetOrganizationRequest r;
      r.set_name("organizations/" + OrgId(i));
      catalog::v1::Organization org;
      if (!stub->GetOrganization(ContextWithKey(kMemberKey).get(), r, &org)
               .ok()) {
        return {};
      }
      Summary& s = view[OrgId(i)];
      s.count = org.incident_count();
      s.linked.insert(org.linked_incidents().begin(),
                      org.linked_incidents().end());
      if (org.has_latest_incident_date()) {
        s.latest = api::FormatPartialDate(org.latest_incident_date());
      }
    }
    return view;
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<catalog::IncidentFollower> follower_;
};

TEST_F(ReadModelTest, CatalogCountsEqualIncidentTruthAcrossRestarts) {
  StartFollower();
  for (int i = 0; i < kIncidents / 2; ++i)
    ASSERT_NO_FATAL_FAILURE(CreateIncident(i));

  // Restart the catalog while its follower is still working through the
  // stream (no wait for it to catch up).
  StopFollower();
  catalog_.Stop();
  catalog_.Start();
  StartFollower();
  for (int i = kIncidents / 2; i < kIncidents * 3 / 4; ++i) {
    ASSERT_NO_FATAL_FAILURE(CreateIncident(i));
  }

  // Restart incident-service while the catalog follows: the stream ends
  // (UNAVAILABLE on drain) and the follower reconnects with backoff.
  incidents_->Stop();
  incidents_->Start();
  for (int i = kIncidents * 3 / 4; i < kIncidents; ++i) {
    ASSERT_NO_FATAL_FAILURE(CreateIncident(i));
  }

  // Moves and deletions travel with previous_victims.
  auto stub = incident_stub();
  for (int i = 0; i < kIncidents; i += 25) {
    v1::UpdateIncidentRequest u;
    u.mutable_incident()->set_name(absl::StrCat("incidents/inc-", i));
    u.mutable_incident()->add_victims()->set_organization(
        "organizations/org-19");
    u.mutable_update_mask()->add_paths("victims");
    v1::Incident out;
    ASSERT_THAT(stub->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
                IsOk());
  }
  for (int i = 1; i < kIncidents; i += 40) {
    v1::DeleteIncidentRequest d;
    d.set_name(absl::StrCat("incidents/inc-", i));
    google::protobuf::Empty empty;
    ASSERT_THAT(
        stub->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
        IsOk());
  }

  const std::map<std::string, Summary> truth = Truth();
  const int64_t last = incidents_->changelog().next_sequence() - 1;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto cursor = catalog_.core().IncidentCursor();
        return cursor.ok() && *cursor == last;
      },
      absl::Seconds(30)))
      << "catalog cursor did not reach " << last;
  EXPECT_EQ(CatalogView(), truth);
  int total = 0;
  for (const auto& [org, s] : truth) total += s.count;
  // 200 primary victims + 29 second victims (i % 7 == 0); the 8 moved
  // incidents keep one victim (0 and 175 had two); the 5 deleted held 6.
  EXPECT_EQ(total, 200 + 29 - 2 - 6);
  EXPECT_EQ(follower_->gaps_seen(), 0);

  // Restarting the catalog once more changes nothing: no change is
  // counted twice.
  StopFollower();
  catalog_.Stop();
  catalog_.Start();
  StartFollower();
  ASSERT_TRUE(WaitFor([&] { return follower_->streams_opened() >= 1; }));
  EXPECT_EQ(CatalogView(), truth);
}

// Issue 4's "done when": the Vooruit seed entered from JSON with its
// timeline and source, read back in time order, redacted for the public and
// whole for members, and the catalog shows Vooruit with one incident.
TEST_F(ReadModelTest, VooruitSeedFromJsonIsLinkedInTheCatalog) {
  catalog::v1::CreateOrganizationRequest org;
  org.set_organization_id("vooruit");
  org.mutable_organization()->set_display_name("Vooruit");
  org.mutable_organization()->set_country("BE");
  catalog::v1::Organization created_org;
  ASSERT_THAT(catalog_.NewStub()->CreateOrganization(
                  ContextWithKey(kEditorKey).get(), org, &created_org),
              IsOk());
  StartFollower();
  auto stub = incident_stub();
  v1::CreateIncidentRequest incident;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"json({
    "incidentId": "vooruit-2024",
    "incident": {
      "title": "Vooruit.brussels website compromised, ransom demanded",
      "victims": [{"organization": "organizations/vooruit", "role": "PRIMARY"}],
      "countries": ["BE"],
      "startDate": {"year": 2024, "month": 3, "day": 28},
      "disclosedDate": {"year": 2024, "month": 4},
      "determination": "CONFIRMED",
      "incidentTypes": ["WEBSITE_COMPROMISE", "EXTORTION"],
      "motives": ["FINANCIAL", "IDEOLOGY"],
      "techniques": [{"id": "T1486"}],
      "impacts": [{"type": "DATA_IRRECOVERABLE"}, {"type": "RANSOM_REFUSED"}]
    }})json",
                                                          &incident)
                  .ok());
  v1::Incident inc;
  ASSERT_THAT(
      stub->CreateIncident(ContextWithKey(kEditorKey).get(), incident, &inc),
      IsOk());
  v1::CreateSourceRequest source;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"json({
    "parent": "incidents/vooruit-2024", "sourceId": "bruzz",
    "source": {"url": "hxxps://www.bruzz[.]be/politiek/vooruit-brussels-gehackt",
               "publisher": "BRUZZ", "publishedDate": {"year": 2024, "month": 4, "day": 2},
               "kind": "NEWS", "language": "nl"}})json",
                                                          &source)
                  .ok());
  v1::Source created_source;
  ASSERT_THAT(stub->CreateSource(ContextWithKey(kEditorKey).get(), source,
                                 &created_source),
              IsOk());
  const char* events[] = {
      R"j({"type": "EXTERNAL_RESPONDERS_ENGAGED", "date": {"year": 2024, "month": 4}, "description": "external responders engaged", "sources": ["incidents/vooruit-2024/sources/bruzz"]})j",
      R"j({"type": "REPORTED_TO_DATA_PROTECTION_AUTHORITY", "date": {"year": 2024, "month": 3, "day": 28}, "description": "reported to the Data Protection Authority (APD/GBA)"})j",
      R"j({"type": "REPORTED_TO_POLICE", "date": {"year": 2024, "month": 3, "day": 28}, "description": "reported to police"})j",
      R"j({"type": "DETECTION", "date": {"year": 2024, "month": 3, "day": 28}, "description": "ransom message left in database"})j",
      R"j({"type": "SERVICE_OUTAGE", "date": {"year": 2024, "month": 3, "day": 28}, "description": "website taken offline"})j",
  };
  for (const char* json : events) {
    v1::CreateTimelineEventRequest r;
    r.set_parent(inc.name());
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(json, r.mutable_event())
            .ok());
    v1::TimelineEvent e;
    ASSERT_THAT(
        stub->CreateTimelineEvent(ContextWithKey(kEditorKey).get(), r, &e),
        IsOk());
  }
  v1::ListTimelineEventsRequest list;
  list.set_parent(inc.name());
  v1::ListTimelineEventsResponse member, pub;
  ASSERT_THAT(
      stub->ListTimelineEvents(ContextWithKey(kMemberKey).get(), list, &member),
      IsOk());
  ASSERT_THAT(stub->ListTimelineEvents(ContextWithKey("").get(), list, &pub),
              IsOk());
  ASSERT_EQ(member.events_size(), 5);
  EXPECT_EQ(member.events(0).type(), v1::REPORTED_TO_DATA_PROTECTION_AUTHORITY);
  EXPECT_EQ(member.events(4).type(), v1::EXTERNAL_RESPONDERS_ENGAGED);
  EXPECT_EQ(member.events(4).sources_size(), 1);
  EXPECT_EQ(pub.events(4).sources_size(), 0);
  v1::GetIncidentRequest get;
  get.set_name(inc.name());
  v1::Incident whole, redacted;
  ASSERT_THAT(stub->GetIncident(ContextWithKey(kMemberKey).get(), get, &whole),
              IsOk());
  ASSERT_THAT(stub->GetIncident(ContextWithKey("").get(), get, &redacted),
              IsOk());
  EXPECT_EQ(whole.motives_size(), 2);
  EXPECT_EQ(whole.techniques(0).name(), "Data Encrypted for Impact");
  EXPECT_EQ(redacted.motives_size(), 0);
  EXPECT_EQ(redacted.technique_count(), 1);
  EXPECT_EQ(whole.derived_figures().authority_notified_within_72_hours(),
            v1::DerivedFigures::YES);

  catalog::v1::GetOrganizationRequest g;
  g.set_name("organizations/vooruit");
  catalog::v1::Organization vooruit;
  ASSERT_TRUE(WaitFor([&] {
    return catalog_.NewStub()
               ->GetOrganization(ContextWithKey(kMemberKey).get(), g, &vooruit)
               .ok() &&
           vooruit.incident_count() == 1;
  }));
  EXPECT_THAT(vooruit.linked_incidents(), ::testing::ElementsAre(inc.name()));
}

}  // namespace
}  // namespace atlas
