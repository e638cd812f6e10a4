// The other service down, with the real binaries as child processes
// (read_model_test.cc covers graceful restarts in one process; these kill):
// - catalog-service SIGKILLed, or hung with SIGSTOP, during a burst of
//   incident creates: every failing create is UNAVAILABLE within
//   --catalog_timeout (+ slack) and stores nothing; retried with the same
//   request_id once the catalog is back, each creates exactly once;
// - catalog-service SIGKILLed while its follower works through the change
//   stream, with changes committed while it is down: its durable cursor
//   survives, the follower resumes from it and the counts are exact;
// - incident-service SIGKILLed (repeatedly) while the catalog follows: the
//   stream resumes, nothing is missed and nothing is counted twice (the
//   catalog's cursor ends equal to the changelog's last sequence).
#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "catalog-service/catalog_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/incident_store.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::reliability {
namespace {

namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;

constexpr int kOrgs = 4;
constexpr absl::Duration kCatalogTimeout = absl::Milliseconds(800);
// Scheduling on two busy cores, channel set-up.
constexpr absl::Duration kSlack = absl::Milliseconds(700);

std::string OrgName(int i) { return absl::StrCat("organizations/org-", i); }

uint64_t Seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("ATLAS_CRASH_SEED");
    uint64_t s = env != nullptr
                     ? std::strtoull(env, nullptr, 10)
                     : static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
    std::cout << "outage: seed " << s
              << " (reproduce with ATLAS_CRASH_SEED=" << s << ")" << std::endl;
    return s;
  }();
  return seed;
}

// A create with its own request_id; every third has a second victim.
iv1::CreateIncidentRequest CreateRequest(const std::string& id, int org) {
  iv1::CreateIncidentRequest r;
  r.set_incident_id(id);
  r.set_request_id("req-" + id);
  r.mutable_incident()->set_title("Incident " + id);
  r.mutable_incident()->add_victims()->set_organization(OrgName(org % kOrgs));
  if (org % 3 == 0) {
    r.mutable_incident()->add_victims()->set_organization(
        OrgName((org + 1) % kOrgs));
  }
  return r;
}

class OutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Cluster::Options options;
    options.dir = dir_.path();
    options.catalog_timeout = kCatalogTimeout;
    cluster_ = std::make_unique<Cluster>(options);
    ASSERT_THAT(cluster_->Start(), IsOk());
    catalog_ = cluster_->CatalogStub();
    incidents_ = cluster_->IncidentStub();
    for (int i = 0; i < kOrgs; ++i) {
      cv1::CreateOrganizationRequest r;
      r.set_organization_id(absl::StrCat("org-", i));
      r.mutable_organization()->set_display_name(absl::StrCat("Org ", i));
      cv1::Organization out;
      ASSERT_THAT(catalog_->CreateOrganization(ContextWithKey(kEditorKey).get(),
                                               r, &out),
                  IsOk());
    }
  }

  void Reconnect() {
    catalog_ = cluster_->CatalogStub();
    incidents_ = cluster_->IncidentStub();
  }

  // Creates with retries while the catalog channel reconnects.
  void CreateIncident(const std::string& id, int org) {
    ::grpc::Status s;
    ASSERT_TRUE(WaitFor(
        [&] {
          iv1::Incident out;
          s = incidents_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                         CreateRequest(id, org), &out);
          return s.error_code() != ::grpc::StatusCode::UNAVAILABLE;
        },
        absl::Seconds(30)));
    ASSERT_THAT(s, IsOk()) << id;
  }

  // incident -> set of victims, from ListIncidents(victim = org) per
  // organisation.
  std::map<std::string, std::set<std::string>> Truth() {
    std::map<std::string, std::set<std::string>> truth;
    for (int i = 0; i < kOrgs; ++i) {
      iv1::ListIncidentsRequest r;
      r.set_page_size(1000);
      r.set_filter(absl::StrCat("victim = \"", OrgName(i), "\""));
      iv1::ListIncidentsResponse page;
      EXPECT_THAT(
          incidents_->ListIncidents(ContextWithKey(kMemberKey).get(), r, &page),
          IsOk());
      EXPECT_TRUE(page.next_page_token().empty());
      auto& set = truth[OrgName(i)];
      for (const iv1::Incident& inc : page.incidents()) set.insert(inc.name());
    }
    return truth;
  }

  // The truth as linked_incidents shows it: the newest 20 links, and these
  // incidents have no date, so the first 20 by name.
  static std::map<std::string, std::set<std::string>> Shown(
      std::map<std::string, std::set<std::string>> truth) {
    for (auto& [org, set] : truth) {
      while (set.size() > 20) set.erase(std::prev(set.end()));
    }
    return truth;
  }

  // linked_incidents per organisation; counts_match: each incident_count
  // is the truth's and no link is listed twice.
  std::map<std::string, std::set<std::string>> CatalogView(
      const std::map<std::string, std::set<std::string>>& truth,
      bool* counts_match) {
    std::map<std::string, std::set<std::string>> view;
    *counts_match = true;
    for (int i = 0; i < kOrgs; ++i) {
      cv1::GetOrganizationRequest r;
      r.set_name(OrgName(i));
      cv1::Organization org;
      if (!catalog_->GetOrganization(ContextWithKey(kMemberKey).get(), r, &org)
               .ok()) {
        *counts_match = false;
        return {};
      }
      auto& set = view[OrgName(i)];
      set.insert(org.linked_incidents().begin(), org.linked_incidents().end());
      auto want = truth.find(OrgName(i));
      const size_t count = want == truth.end() ? 0 : want->second.size();
      if (org.incident_count() != static_cast<int>(count) ||
          org.linked_incidents_size() != static_cast<int>(set.size())) {
        *counts_match = false;
      }
    }
    return view;
  }

  // Polls until the catalog's read model equals the truth exactly. A
  // marker incident is created first: the stream is in commit order, so
  // once the catalog shows the marker it has applied every change before
  // it (the truth alone could match by chance, e.g. when the unapplied
  // tail is a create and a delete of the same incident).
  void ExpectConverges() {
    ++markers_;
    ASSERT_NO_FATAL_FAILURE(
        CreateIncident(absl::StrCat("marker-", markers_), markers_));
    const auto truth = Truth();
    const auto shown = Shown(truth);
    std::map<std::string, std::set<std::string>> view;
    bool counts_match = false;
    EXPECT_TRUE(WaitFor(
        [&] {
          view = CatalogView(truth, &counts_match);
          return counts_match && view == shown;
        },
        absl::Seconds(30)))
        << "catalog did not converge";
    EXPECT_TRUE(counts_match);
    EXPECT_EQ(view, shown);
  }

  // The last changelog sequence and the catalog's cursor, read from both
  // databases after a graceful stop of both services.
  void ExpectCursorAtEndOfChangelog() {
    ASSERT_EQ(cluster_->catalog().Terminate(), 0);
    ASSERT_EQ(cluster_->incidents().Terminate(), 0);
    auto incident_store =
        incident::IncidentStore::Open(dir_.Sub("incident-db"));
    ASSERT_THAT(incident_store.status(), IsOk());
    auto last_sequence = (*incident_store)->LastSequence();
    ASSERT_THAT(last_sequence.status(), IsOk());
    const int64_t last = *last_sequence;
    ASSERT_THAT((*incident_store)->Close(), IsOk());
    auto catalog_store = catalog::CatalogStore::Open(dir_.Sub("catalog-db"));
    ASSERT_THAT(catalog_store.status(), IsOk());
    auto cursor = (*catalog_store)->GetIncidentCursor();
    ASSERT_THAT(cursor.status(), IsOk());
    EXPECT_EQ(*cursor, last) << "the catalog's cursor is not at the end of "
                                "the changelog";
    EXPECT_GT(last, 0);
  }

  TempDir dir_;
  int markers_ = 0;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<cv1::CatalogService::Stub> catalog_;
  std::unique_ptr<iv1::IncidentService::Stub> incidents_;
};

struct Attempt {
  std::string id;
  int org = 0;
  ::grpc::StatusCode code = ::grpc::StatusCode::OK;
  absl::Duration took;
  bool after_outage = false;
};

// Runs `writers` threads creating incidents until each has seen
// `failures_each` failures after `outage` was called (bounded: 300 creates
// per thread, 60 s).
std::vector<Attempt> BurstAcrossOutage(iv1::IncidentService::Stub& stub,
                                       const std::string& tag,
                                       const std::function<void()>& outage) {
  constexpr int kWriters = 4;
  constexpr int kFailuresEach = 4;
  std::atomic<bool> down{false};
  std::atomic<int> ok_before{0};
  absl::Mutex mu;
  std::vector<Attempt> attempts;
  std::vector<std::thread> threads;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      int failures = 0;
      for (int i = 0;
           i < 300 && failures < kFailuresEach && absl::Now() < deadline; ++i) {
        Attempt a;
        a.id = absl::StrCat(tag, "-w", w, "-", i);
        a.org = w + i;
        a.after_outage = down.load();
        iv1::Incident out;
        const absl::Time start = absl::Now();
        ::grpc::Status s = stub.CreateIncident(
            ContextWithKey(kEditorKey).get(), CreateRequest(a.id, a.org), &out);
        a.took = absl::Now() - start;
        a.code = s.error_code();
        if (s.ok() && !a.after_outage) ok_before.fetch_add(1);
        if (!s.ok()) ++failures;
        absl::MutexLock lock(&mu);
        attempts.push_back(a);
      }
    });
  }
  // Some writes commit first; then the outage at a random moment.
  WaitFor([&] { return ok_before.load() >= 8; }, absl::Seconds(30));
  std::mt19937_64 rng(Seed());
  absl::SleepFor(
      absl::Milliseconds(std::uniform_int_distribution<int>(0, 150)(rng)));
  outage();
  down.store(true);
  for (std::thread& t : threads) t.join();
  return attempts;
}

// Every failed create is UNAVAILABLE, fast, and left nothing behind; every
// successful one is stored. Returns the failed ones.
std::vector<Attempt> CheckBurst(iv1::IncidentService::Stub& stub,
                                const std::vector<Attempt>& attempts) {
  std::vector<Attempt> failed;
  int succeeded = 0;
  for (const Attempt& a : attempts) {
    iv1::GetIncidentRequest get;
    get.set_name("incidents/" + a.id);
    iv1::Incident got;
    ::grpc::Status s =
        stub.GetIncident(ContextWithKey(kMemberKey).get(), get, &got);
    if (a.code == ::grpc::StatusCode::OK) {
      ++succeeded;
      EXPECT_THAT(s, IsOk()) << "acknowledged " << a.id << " not stored";
      continue;
    }
    failed.push_back(a);
    EXPECT_EQ(a.code, ::grpc::StatusCode::UNAVAILABLE) << a.id;
    EXPECT_LE(a.took, kCatalogTimeout + kSlack)
        << a.id << " failed after " << absl::FormatDuration(a.took);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound))
        << "failed create " << a.id << " was stored";
  }
  EXPECT_GE(succeeded, 8);
  EXPECT_GE(failed.size(), 4u);
  return failed;
}

TEST_F(OutageTest, CatalogKilledDuringBurstFailsFastAndStoresNothing) {
  std::vector<Attempt> attempts =
      BurstAcrossOutage(*incidents_, "k", [&] { cluster_->catalog().Kill(); });
  std::vector<Attempt> failed = CheckBurst(*incidents_, attempts);

  // Back: the follower resumes, the failed creates retried with their
  // request_id create once, and the counts are exact.
  ASSERT_THAT(cluster_->catalog().Start(), IsOk());
  Reconnect();
  for (const Attempt& a : failed)
    ASSERT_NO_FATAL_FAILURE(CreateIncident(a.id, a.org));
  for (const Attempt& a : failed)
    ASSERT_NO_FATAL_FAILURE(CreateIncident(a.id, a.org));
  ExpectConverges();
  ExpectCursorAtEndOfChangelog();
}

TEST_F(OutageTest, CatalogHungDuringBurstFailsWithinTheDeadline) {
  // SIGSTOP: the connection stays open and nothing answers, so only the
  // --catalog_timeout deadline ends each victim check.
  std::vector<Attempt> attempts =
      BurstAcrossOutage(*incidents_, "h", [&] { cluster_->catalog().Pause(); });
  cluster_->catalog().Resume();
  std::vector<Attempt> failed = CheckBurst(*incidents_, attempts);
  int waited_for_deadline = 0;
  for (const Attempt& a : failed) {
    if (a.took >= kCatalogTimeout - absl::Milliseconds(100))
      ++waited_for_deadline;
  }
  EXPECT_GT(waited_for_deadline, 0) << "no create waited for the deadline: "
                                       "was the catalog really hung?";
  for (const Attempt& a : failed)
    ASSERT_NO_FATAL_FAILURE(CreateIncident(a.id, a.org));
  ExpectConverges();
}

TEST_F(OutageTest, CatalogKilledWhileFollowingResumesFromItsCursor) {
  for (int i = 0; i < 60; ++i) {
    ASSERT_NO_FATAL_FAILURE(CreateIncident(absl::StrCat("f-", i), i));
  }
  ExpectConverges();
  // Changes that need no catalog (title updates, events, deletes) flow
  // while the catalog is SIGKILLed at a random moment, and go on while it
  // is down.
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::thread writer([&] {
    for (int i = 0; i < 60 && !stop.load(); ++i) {
      const std::string name = absl::StrCat("incidents/f-", i);
      ::grpc::Status s;
      if (i % 4 == 0) {
        iv1::DeleteIncidentRequest d;
        d.set_name(name);
        google::protobuf::Empty out;
        s = incidents_->DeleteIncident(ContextWithKey(kEditorKey).get(), d,
                                       &out);
      } else if (i % 4 == 1) {
        iv1::CreateTimelineEventRequest e;
        e.set_parent(name);
        e.mutable_event()->set_type(iv1::DETECTION);
        e.mutable_event()->mutable_date()->set_year(2024);
        e.mutable_event()->set_description("detected");
        iv1::TimelineEvent out;
        s = incidents_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(), e,
                                            &out);
      } else {
        iv1::UpdateIncidentRequest u;
        u.mutable_incident()->set_name(name);
        u.mutable_incident()->set_title("renamed");
        u.mutable_update_mask()->add_paths("title");
        iv1::Incident out;
        s = incidents_->UpdateIncident(ContextWithKey(kEditorKey).get(), u,
                                       &out);
      }
      EXPECT_THAT(s, IsOk()) << name;
      committed.fetch_add(1);
    }
  });
  std::mt19937_64 rng(Seed());
  const int kill_after = std::uniform_int_distribution<int>(5, 30)(rng);
  ASSERT_TRUE(WaitFor([&] { return committed.load() >= kill_after; }));
  cluster_->catalog().Kill();
  writer.join();

  // The cursor survived the SIGKILL, between what had been applied before
  // and the end of the log.
  int64_t cursor_after_kill = 0;
  {
    auto store = catalog::CatalogStore::Open(dir_.Sub("catalog-db"));
    ASSERT_THAT(store.status(), IsOk());
    auto cursor = (*store)->GetIncidentCursor();
    ASSERT_THAT(cursor.status(), IsOk());
    cursor_after_kill = *cursor;
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  // The 60 creates (sequences 1..60) were applied before the burst.
  EXPECT_GE(cursor_after_kill, 60);
  ASSERT_THAT(cluster_->catalog().Start(), IsOk());
  Reconnect();
  ExpectConverges();
  ExpectCursorAtEndOfChangelog();
}

TEST_F(OutageTest, IncidentServiceKilledWhileCatalogFollowsMissesNothing) {
  std::mt19937_64 rng(Seed());
  int next = 0;
  for (int round = 0; round < 5; ++round) {
    // Creates, victim moves and deletes while the catalog follows; the
    // incident service dies at a random point of the burst.
    std::atomic<bool> stop{false};
    std::thread writer([&, round] {
      auto stub = cluster_->IncidentStub();
      for (int i = 0; i < 200 && !stop.load(); ++i) {
        const std::string id = absl::StrCat("r", round, "-", i);
        iv1::Incident out;
        if (!stub->CreateIncident(ContextWithKey(kEditorKey).get(),
                                  CreateRequest(id, i), &out)
                 .ok()) {
          return;  // down: what committed is checked below
        }
        if (i % 3 == 0) {
          iv1::UpdateIncidentRequest u;
          u.mutable_incident()->set_name("incidents/" + id);
          u.mutable_incident()->add_victims()->set_organization(
              OrgName((i + 2) % kOrgs));
          u.mutable_update_mask()->add_paths("victims");
          if (!stub->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out)
                   .ok()) {
            return;
          }
        }
        if (i % 5 == 0) {
          iv1::DeleteIncidentRequest d;
          d.set_name("incidents/" + id);
          google::protobuf::Empty empty;
          if (!stub->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty)
                   .ok()) {
            return;
          }
        }
      }
    });
    absl::SleepFor(
        absl::Milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    cluster_->incidents().Kill();
    stop.store(true);
    writer.join();
    ASSERT_THAT(cluster_->incidents().Start(), IsOk());
    Reconnect();
    ++next;
  }
  EXPECT_EQ(next, 5);
  ExpectConverges();
  ExpectCursorAtEndOfChangelog();
}

}  // namespace
}  // namespace atlas::reliability
