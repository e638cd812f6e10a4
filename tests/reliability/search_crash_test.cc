// The search index survives SIGKILL of incident-service (issue 16): the
// built binaries run as child processes; incidents are created while the
// service is killed; after the restart the index resumes from its last
// commit (a page token made before the kill is still valid, so nothing was
// rebuilt) and converges to exactly the incidents the store holds, each
// once. Traffic goes to 127.0.0.1 only; every loop is bounded.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::reliability {
namespace {

using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
namespace iv1 = ::atlas::incident::v1;

constexpr char kWord[] = "killswitch";

// Every incident created here has kWord in its title.
::grpc::Status CreateIncident(iv1::IncidentService::Stub& stub, int i) {
  iv1::CreateIncidentRequest r;
  r.set_incident_id(absl::StrCat("crash-", i));
  r.set_request_id(absl::StrCat("crash-", i));
  r.mutable_incident()->set_title(absl::StrCat("Incident ", i, " ", kWord));
  r.mutable_incident()->add_victims()->set_organization("organizations/acme");
  auto context = ContextWithKey(kEditorKey);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
  iv1::Incident out;
  return stub.CreateIncident(context.get(), r, &out);
}

// How many incidents the store holds (every page of ListIncidents).
int64_t StoredIncidents(iv1::IncidentService::Stub& stub) {
  iv1::ListIncidentsRequest r;
  r.set_page_size(1000);
  int64_t count = 0;
  for (int pages = 0; pages < 100; ++pages) {
    iv1::ListIncidentsResponse out;
    if (!stub.ListIncidents(ContextWithKey(kMemberKey).get(), r, &out).ok()) {
      return -1;
    }
    count += out.incidents_size();
    if (out.next_page_token().empty()) return count;
    r.set_page_token(out.next_page_token());
  }
  return -1;
}

::grpc::Status Search(iv1::IncidentService::Stub& stub,
                      const iv1::SearchIncidentsRequest& r,
                      iv1::SearchIncidentsResponse* out) {
  return stub.SearchIncidents(ContextWithKey(kMemberKey).get(), r, out);
}

TEST(SearchCrashTest, IndexResumesAfterSigkillAndHoldsEveryIncidentOnce) {
  TempDir dir;
  Cluster cluster({.dir = dir.path()});
  ASSERT_THAT(cluster.Start(), IsOk());
  {
    catalog::v1::CreateOrganizationRequest org;
    org.set_organization_id("acme");
    org.mutable_organization()->set_display_name("Acme");
    catalog::v1::Organization created;
    ASSERT_THAT(cluster.CatalogStub()->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }
  auto stub = cluster.IncidentStub();
  constexpr int kBefore = 40;
  for (int i = 0; i < kBefore; ++i) {
    ASSERT_THAT(CreateIncident(*stub, i), IsOk());
  }
  iv1::SearchIncidentsRequest query;
  query.set_query(kWord);
  query.set_page_size(5);
  iv1::SearchIncidentsResponse page;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Search(*stub, query, &page).ok() && page.total_size() == kBefore;
      },
      absl::Seconds(30)));
  const std::string token = page.next_page_token();
  ASSERT_FALSE(token.empty());

  // Writers run while the service is killed; some creates fail.
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto own = cluster.IncidentStub();
    for (int i = kBefore; i < kBefore + 400 && !stop; ++i) {
      if (CreateIncident(*own, i).ok()) ++acknowledged;
    }
  });
  ASSERT_TRUE(WaitFor([&] { return acknowledged >= 30; }, absl::Seconds(30)));
  cluster.incidents().Kill();
  stop = true;
  writer.join();
  ASSERT_THAT(cluster.incidents().Start(), IsOk());

  // The index converges to the store: every incident found, once.
  int64_t stored = -1;
  iv1::SearchIncidentsRequest all = query;
  all.set_page_size(100);
  ASSERT_TRUE(WaitFor(
      [&] {
        stored = StoredIncidents(*stub);
        iv1::SearchIncidentsResponse out;
        return stored > 0 && Search(*stub, all, &out).ok() &&
               out.total_size() == stored;
      },
      absl::Seconds(60)))
      << "stored " << stored;
  EXPECT_GE(stored, kBefore + acknowledged.load());
  std::set<std::string> names;
  iv1::SearchIncidentsResponse out;
  for (int pages = 0; pages < 20; ++pages) {
    ASSERT_THAT(Search(*stub, all, &out), IsOk());
    for (const auto& result : out.results()) {
      EXPECT_TRUE(names.insert(result.incident().name()).second)
          << result.incident().name() << " twice";
    }
    if (out.next_page_token().empty()) break;
    all.set_page_token(out.next_page_token());
  }
  EXPECT_EQ(static_cast<int64_t>(names.size()), stored);

  // Resumed, not rebuilt: the index generation, to which tokens are bound,
  // is the one from before the kill.
  iv1::SearchIncidentsRequest next = query;
  next.set_page_token(token);
  EXPECT_THAT(Search(*stub, next, &out), IsOk());

  // And it keeps following new writes.
  ASSERT_THAT(CreateIncident(*stub, 10000), IsOk());
  EXPECT_TRUE(WaitFor(
      [&] {
        iv1::SearchIncidentsRequest r;
        r.set_query("10000");
        iv1::SearchIncidentsResponse found;
        return Search(*stub, r, &found).ok() && found.results_size() == 1;
      },
      absl::Seconds(30)));
}

}  // namespace
}  // namespace atlas::reliability
