// Issue 12, retention, across both services (in one process): after
// incident-service scrubs a deleted incident's changes and trims its
// changelog, the catalog's read model still equals incident-service's
// truth exactly, whether it replays from 0, resumes from a cursor before a
// delete, or resynchronises from a snapshot because its cursor was trimmed
// (with writes continuing meanwhile).
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catalog-service/incident_follower.h"
#include "common/api/types/partial_date.h"
#include "gmock/gmock.h"
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

constexpr int kOrganizations = 6;

std::string Org(int i) { return absl::StrCat("org-", i % kOrganizations); }

struct Summary {
  int count = 0;
  std::set<std::string> linked;
  std::string latest;
  bool operator==(const Summary& o) const {
    return count == o.count && linked == o.linked && latest == o.latest;
  }
};

std::ostream& operator<<(std::ostream& os, const Summary& s) {
  os << "{count=" << s.count << " linked=";
  for (const auto& l : s.linked) os << l << ",";
  return os << " latest=" << s.latest << "}";
}

class ChangelogResyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    auto stub = catalog_.NewStub();
    for (int i = 0; i < kOrganizations; ++i) {
      catalog::v1::CreateOrganizationRequest org;
      org.set_organization_id(Org(i));
      org.mutable_organization()->set_display_name(Org(i));
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
    options.max_backoff = absl::Milliseconds(100);
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

  ::grpc::Status Create(int i) {
    v1::CreateIncidentRequest r;
    r.set_incident_id(absl::StrCat("inc-", i));
    v1::Incident* inc = r.mutable_incident();
    inc->set_title(absl::StrCat("Incident ", i));
    inc->set_summary(absl::StrCat("summary ", i));
    inc->add_victims()->set_organization("organizations/" + Org(i));
    if (i % 3 == 0) {
      inc->add_victims()->set_organization("organizations/" + Org(i + 1));
    }
    inc->mutable_start_date()->set_year(2020 + i % 5);
    inc->mutable_start_date()->set_month(1 + i % 12);
    v1::Incident out;
    return stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r, &out);
  }
  ::grpc::Status Move(int i, int to) {
    v1::UpdateIncidentRequest u;
    u.mutable_incident()->set_name(absl::StrCat("incidents/inc-", i));
    u.mutable_incident()->add_victims()->set_organization("organizations/" +
                                                          Org(to));
    u.mutable_update_mask()->add_paths("victims");
    v1::Incident out;
    return stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out);
  }
  ::grpc::Status Delete(int i) {
    v1::DeleteIncidentRequest d;
    d.set_name(absl::StrCat("incidents/inc-", i));
    google::protobuf::Empty empty;
    return stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty);
  }

  // Per organisation, from incident-service's own records.
  std::map<std::string, Summary> Truth() {
    std::map<std::string, Summary> truth;
    std::map<std::string, atlas::type::v1::PartialDate> latest;
    v1::ListIncidentsRequest r;
    r.set_page_size(1000);
    v1::ListIncidentsResponse page;
    EXPECT_THAT(
        stub_->ListIncidents(ContextWithKey(kMemberKey).get(), r, &page),
        IsOk());
    EXPECT_TRUE(page.next_page_token().empty());
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
    for (auto& [org, date] : latest) {
      truth[org].latest = api::FormatPartialDate(date);
    }
    for (int i = 0; i < kOrganizations; ++i) truth[Org(i)];
    return truth;
  }

  std::map<std::string, Summary> CatalogView() {
    std::map<std::string, Summary> view;
    auto stub = catalog_.NewStub();
    for (int i = 0; i < kOrganizations; ++i) {
      catalog::v1::GetOrganizationRequest r;
      r.set_name("organizations/" + Org(i));
      catalog::v1::Organization org;
      EXPECT_THAT(
          stub->GetOrganization(ContextWithKey(kMemberKey).get(), r, &org),
          IsOk());
      Summary& s = view[Org(i)];
      s.count = org.incident_count();
      s.linked.insert(org.linked_incidents().begin(),
                      org.linked_incidents().end());
      if (org.has_latest_incident_date()) {
        s.latest = api::FormatPartialDate(org.latest_incident_date());
      }
    }
    return view;
  }

  // Waits for the catalog's cursor to reach incident-service's last
  // sequence.
  bool CaughtUp() {
    const int64_t last = incidents_->changelog().next_sequence() - 1;
    return WaitFor(
        [&] {
          auto cursor = catalog_.core().IncidentCursor();
          return cursor.ok() && *cursor == last;
        },
        absl::Seconds(30));
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<v1::IncidentService::Stub> stub_;
  std::unique_ptr<catalog::IncidentFollower> follower_;
};

// Scrubbed entries keep only name, type and sequence; replayed from 0 into
// a fresh read model they still give the exact counts.
TEST_F(ChangelogResyncTest, ReplayFromZeroAfterScrubbingIsExact) {
  stub_ = incidents_->NewStub();
  for (int i = 0; i < 30; ++i) ASSERT_THAT(Create(i), IsOk());
  for (int i = 0; i < 30; i += 4) ASSERT_THAT(Move(i, i + 2), IsOk());
  for (int i = 0; i < 30; i += 5) ASSERT_THAT(Delete(i), IsOk());
  StartFollower();
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(CatalogView(), Truth());
  EXPECT_EQ(follower_->resyncs(), 0);
  EXPECT_EQ(follower_->gaps_seen(), 0);
}

// A follower that applied an incident's creation, then missed its move
// and deletion (stopped), still unlinks every organisation it linked:
// the scrubbed move says nothing, the DELETED change names them all.
TEST_F(ChangelogResyncTest, FollowerBehindADeleteUnlinksEveryVictim) {
  stub_ = incidents_->NewStub();
  StartFollower();
  ASSERT_THAT(Create(1), IsOk());  // org-1
  ASSERT_THAT(Create(3), IsOk());  // org-3, org-4
  ASSERT_TRUE(CaughtUp());
  StopFollower();
  ASSERT_THAT(Move(1, 2), IsOk());
  ASSERT_THAT(Move(3, 5), IsOk());
  ASSERT_THAT(Delete(1), IsOk());
  ASSERT_THAT(Delete(3), IsOk());
  StartFollower();
  ASSERT_TRUE(CaughtUp());
  const auto view = CatalogView();
  EXPECT_EQ(view, Truth());
  for (const auto& [org, s] : view) EXPECT_EQ(s.count, 0) << org;
}

// The follower's cursor is trimmed while it is stopped (deletes and moves
// of incidents it had linked among the trimmed changes): it gets
// FAILED_PRECONDITION, rebuilds from a snapshot and follows on, exactly.
TEST_F(ChangelogResyncTest, FollowerResynchronisesWhenItsCursorIsTrimmed) {
  stub_ = incidents_->NewStub();
  StartFollower();
  for (int i = 0; i < 20; ++i) ASSERT_THAT(Create(i), IsOk());
  ASSERT_TRUE(CaughtUp());
  StopFollower();
  incidents_->changelog().set_retention_entries(5);
  for (int i = 0; i < 20; i += 3) ASSERT_THAT(Move(i, i + 1), IsOk());
  for (int i = 0; i < 20; i += 4) ASSERT_THAT(Delete(i), IsOk());
  for (int i = 20; i < 30; ++i) ASSERT_THAT(Create(i), IsOk());
  ASSERT_GT(incidents_->changelog().first_kept_sequence(), 21);
  StartFollower();
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(CatalogView(), Truth());
  EXPECT_EQ(follower_->resyncs(), 1);
  // And it keeps following live changes after the resynchronisation.
  ASSERT_THAT(Delete(21), IsOk());
  ASSERT_THAT(Move(22, 0), IsOk());
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(CatalogView(), Truth());
  EXPECT_EQ(follower_->resyncs(), 1);
}

// Writes go on while the follower takes its snapshot: whatever state each
// incident is listed in, the changes replayed from the oldest kept one
// converge to the truth.
TEST_F(ChangelogResyncTest, ResyncIsExactWhileWritesContinue) {
  stub_ = incidents_->NewStub();
  for (int i = 0; i < 40; ++i) ASSERT_THAT(Create(i), IsOk());
  incidents_->changelog().set_retention_entries(8);
  ASSERT_THAT(Create(40), IsOk());  // trims: a fresh follower must resync
  ASSERT_GT(incidents_->changelog().first_kept_sequence(), 1);
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int round = 0; round < 60 && !failed; ++round) {
      const int i = (round * 7) % 40;
      ::grpc::Status s = round % 5 == 4 ? Delete(i) : Move(i, round);
      // A second delete of the same incident is NOT_FOUND.
      if (!s.ok() && s.error_code() != ::grpc::StatusCode::NOT_FOUND &&
          s.error_code() != ::grpc::StatusCode::FAILED_PRECONDITION) {
        failed = true;
      }
    }
  });
  StartFollower();
  writer.join();
  ASSERT_FALSE(failed);
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(CatalogView(), Truth());
  EXPECT_GE(follower_->resyncs(), 1);
}

}  // namespace
}  // namespace atlas
