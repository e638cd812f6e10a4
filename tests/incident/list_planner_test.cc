// ListIncidents planning and scan budget (docs/reliability.md, finding 6),
// and the index counts the planner reads: IncidentCore and IncidentQuery
// over a real RocksDB in a temp dir (unsynced: durability is not under
// test), no gRPC server. The number of index entries a call examines is
// read from IncidentQuery::ListStats, never from timing.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_query.h"
#include "incident-service/incident_store.h"
#include "tests/testing/fake_organization_directory.h"
#include "tests/testing/incident_core_data.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::incident {
namespace {

using ::atlas::testing::FakeOrganizationDirectory;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;

const auth::Caller kEditor{auth::Role::kEditor, "editor"};
const auth::Caller kMember{auth::Role::kMember, "member"};
const auth::Caller kPublic{auth::Role::kPublic, ""};

const absl::string_view kSep("\0", 1);

const AttackCatalog& Attack() { return testing::PinnedAttackCatalog(); }
const api::CountryList& Countries() { return testing::BelgiumAndFrance(); }

// One service's parts over a store in `path`.
struct Service {
  explicit Service(const std::string& path) {
    auto opened = IncidentStore::Open(path, /*sync_writes=*/false);
    EXPECT_THAT(opened.status(), IsOk());
    store = *std::move(opened);
    auto opened_log = Changelog::Open(*store);
    EXPECT_THAT(opened_log.status(), IsOk());
    changelog = *std::move(opened_log);
    for (const char* id : {"vooruit", "rare", "other"}) directory.Add(id);
    core = std::make_unique<IncidentCore>(IncidentCore::Collaborators{
        .store = store.get(),
        .changelog = changelog.get(),
        .directory = &directory,
        .attack = &Attack(),
        .countries = &Countries(),
        .veris = &testing::PinnedVerisVocabulary(),
        .clock = &clock,
    });
    query = std::make_unique<IncidentQuery>(*store);
  }
  ~Service() {
    query.reset();
    core.reset();
    changelog.reset();
    EXPECT_THAT(store->Close(), IsOk());
  }

  api::FakeClock clock{absl::FromUnixSeconds(1767225600)};
  FakeOrganizationDirectory directory;
  std::unique_ptr<IncidentStore> store;
  std::unique_ptr<Changelog> changelog;
  std::unique_ptr<IncidentCore> core;
  std::unique_ptr<IncidentQuery> query;
};

// The large data set: more entries per unselective term than one call's
// budget. Incident i (created in order, so listed newest first):
//   country BE; victim "rare" when i % 1500 == 7, else "vooruit";
//   incident_types DDOS when i is even, else RANSOMWARE;
//   determination CONFIRMED when i is odd or i % 500 == 0, else SUSPECTED;
//   start_date in 2003 (even i) or 2004 (odd i), never 2003-12-31 or
//   2004-01-01 except 2003-12-31 for i % 500 == 0 and 2004-01-01 for
//   i % 500 == 1.
constexpr int kCount = 2 * kListScanBudget + 500;

v1::CreateIncidentRequest LargeSetIncident(int i) {
  v1::CreateIncidentRequest r;
  r.set_incident_id(absl::StrFormat("i%05d", i));
  v1::Incident* incident = r.mutable_incident();
  incident->set_title(absl::StrCat("Incident ", i));
  incident->add_victims()->set_organization(
      i % 1500 == 7 ? "organizations/rare" : "organizations/vooruit");
  incident->add_countries("BE");
  incident->add_incident_types(i % 2 == 0 ? v1::DDOS : v1::RANSOMWARE);
  incident->set_determination(i % 2 == 1 || i % 500 == 0 ? v1::CONFIRMED
                                                         : v1::SUSPECTED);
  type::v1::PartialDate* start = incident->mutable_start_date();
  start->set_year(2003 + i % 2);
  start->set_month(1 + (i / 2) % 11);
  start->set_day(1 + i % 28);
  if (i % 500 == 0) {
    start->set_month(12);
    start->set_day(31);
  } else if (i % 500 == 1) {
    start->set_month(1);
    start->set_day(1);
  }
  return r;
}

class ListPlannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new testing::TempDir();
    service_ = new Service(temp_->Sub("incidents"));
    for (int first = 0; first < kCount; first += 500) {
      v1::BatchCreateIncidentsRequest batch;
      for (int i = first; i < first + 500 && i < kCount; ++i) {
        *batch.add_requests() = LargeSetIncident(i);
      }
      ASSERT_THAT(service_->core->BatchCreateIncidents(kEditor, batch).status(),
                  IsOk());
    }
  }
  static void TearDownTestSuite() {
    delete service_;
    delete temp_;
  }

  // Walks every page of `filter` as `caller`; the names served, in order.
  // Each call must examine at most the budget; `max_examined` receives the
  // largest number examined by one call.
  static std::vector<std::string> Walk(const std::string& filter, int page_size,
                                       int64_t* max_examined = nullptr,
                                       int* short_pages = nullptr,
                                       const std::string& order_by = "") {
    std::vector<std::string> names;
    std::string token;
    int64_t most = 0;
    int shorts = 0;
    for (int calls = 0; calls < 2 * kCount; ++calls) {
      v1::ListIncidentsRequest request;
      request.set_filter(filter);
      request.set_order_by(order_by);
      request.set_page_size(page_size);
      request.set_page_token(token);
      IncidentQuery::ListStats stats;
      auto page = service_->query->ListIncidents(kMember, request, &stats);
      EXPECT_THAT(page.status(), IsOk());
      if (!page.ok()) break;
      EXPECT_LE(stats.examined, kListScanBudget) << filter;
      most = std::max(most, stats.examined);
      for (const v1::Incident& i : page->incidents()) names.push_back(i.name());
      token = page->next_page_token();
      if (token.empty()) break;
      if (page->incidents_size() < page_size) ++shorts;
    }
    if (max_examined != nullptr) *max_examined = most;
    if (short_pages != nullptr) *short_pages = shorts;
    return names;
  }

  // The names of the incidents `pred` accepts, newest first.
  template <typename Pred>
  static std::vector<std::string> Expected(Pred pred) {
    std::vector<std::string> out;
    for (int i = kCount - 1; i >= 0; --i) {
      if (pred(i)) out.push_back(absl::StrFormat("incidents/i%05d", i));
    }
    return out;
  }

  static testing::TempDir* temp_;
  static Service* service_;
};

testing::TempDir* ListPlannerTest::temp_ = nullptr;
Service* ListPlannerTest::service_ = nullptr;

TEST_F(ListPlannerTest, TheMostSelectiveEqualityDrivesTheScanWhateverTheOrder) {
  for (const std::string filter :
       {"country = \"BE\" AND victim = \"organizations/rare\"",
        "victim = \"organizations/rare\" AND country = \"BE\""}) {
    SCOPED_TRACE(filter);
    v1::ListIncidentsRequest request;
    request.set_filter(filter);
    IncidentQuery::ListStats stats;
    auto page = service_->query->ListIncidents(kPublic, request, &stats);
    ASSERT_THAT(page.status(), IsOk());
    EXPECT_EQ(stats.driver, "victim");
    // The three incidents of "rare", not the whole corpus.
    EXPECT_EQ(stats.examined, 3);
    EXPECT_EQ(page->incidents_size(), 3);
    EXPECT_TRUE(page->next_page_token().empty());
  }
}

TEST_F(ListPlannerTest, ACountOfZeroAnswersAnEmptyPageWithoutScanning) {
  v1::ListIncidentsRequest request;
  request.set_filter("country = \"BE\" AND victim = \"organizations/nobody\"");
  IncidentQuery::ListStats stats;
  auto page = service_->query->ListIncidents(kPublic, request, &stats);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(stats.examined, 0);
  EXPECT_EQ(page->incidents_size(), 0);
  EXPECT_TRUE(page->next_page_token().empty());
}

TEST_F(ListPlannerTest, UnselectiveTermsExamineAtMostTheBudgetPerCall) {
  // Both terms hold about half the corpus (more than the budget); they
  // meet on every 500th incident.
  const std::string filter =
      "incident_type = DDOS AND determination = CONFIRMED";
  v1::ListIncidentsRequest request;
  request.set_filter(filter);
  request.set_page_size(50);
  IncidentQuery::ListStats stats;
  auto page = service_->query->ListIncidents(kMember, request, &stats);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(stats.driver, "incident_type");  // 2250 entries against 2259
  EXPECT_EQ(stats.examined, kListScanBudget);
  // A short page that says there is more.
  EXPECT_LT(page->incidents_size(), 50);
  EXPECT_FALSE(page->next_page_token().empty());
}

TEST_F(ListPlannerTest, ShortPagesWalkToExactlyTheMatchingSet) {
  auto rare_meeting = [](int i) { return i % 500 == 0; };
  for (const std::string filter :
       {"incident_type = DDOS AND determination = CONFIRMED",
        "determination = CONFIRMED AND incident_type = DDOS"}) {
    for (int page_size : {1, 3, 50}) {
      SCOPED_TRACE(absl::StrCat(filter, " / ", page_size));
      int64_t most = 0;
      int shorts = 0;
      EXPECT_EQ(Walk(filter, page_size, &most, &shorts),
                Expected(rare_meeting));
      if (page_size == 50) {
        // Pages of 50 would need the whole corpus: every call stopped at
        // the budget with a short page.
        EXPECT_EQ(most, kListScanBudget);
        EXPECT_GT(shorts, 0);
      }
    }
  }
}

TEST_F(ListPlannerTest, ADateRangeOverSeveralYearsIsBoundedAndMerged) {
  // Only the start-year buckets 2003 and 2004 (every incident), where
  // every 500th pair of incidents falls within the range.
  const std::string filter = "start >= 2003-12-31 AND start <= 2004-01-01";
  v1::ListIncidentsRequest request;
  request.set_filter(filter);
  IncidentQuery::ListStats stats;
  auto page = service_->query->ListIncidents(kMember, request, &stats);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(stats.driver, "start_year");
  EXPECT_LE(stats.examined, kListScanBudget);
  EXPECT_FALSE(page->next_page_token().empty());
  for (int page_size : {1, 4, 50}) {
    SCOPED_TRACE(page_size);
    EXPECT_EQ(Walk(filter, page_size),
              Expected([](int i) { return i % 500 <= 1; }));
  }
  // Oldest first: the year buckets walked backward, merged the same way.
  std::vector<std::string> oldest =
      Expected([](int i) { return i % 500 <= 1; });
  std::reverse(oldest.begin(), oldest.end());
  EXPECT_EQ(Walk(filter, 4, nullptr, nullptr, "create_time asc"), oldest);
  // With an equality, the smaller term drives: "rare" (3 entries).
  EXPECT_EQ(Walk("start >= 2003 AND victim = \"organizations/rare\"", 2),
            Expected([](int i) { return i % 1500 == 7; }));
}

// Issue 16, part 4: an order other than create_time walks its order
// index and checks the filter, within the same budget.
TEST_F(ListPlannerTest, AnOrderWalksItsIndexWithinTheBudget) {
  // Every 500th incident: all start on 2003-12-31, so ties go by id.
  const std::string filter =
      "incident_type = DDOS AND determination = CONFIRMED";
  auto rare_meeting = [](int i) { return i % 500 == 0; };
  std::vector<std::string> newest_first = Expected(rare_meeting);
  std::vector<std::string> oldest_first(newest_first.rbegin(),
                                        newest_first.rend());
  int64_t most = 0;
  int shorts = 0;
  EXPECT_EQ(Walk(filter, 50, &most, &shorts, "start_date desc"), newest_first);
  EXPECT_EQ(most, kListScanBudget);
  EXPECT_GT(shorts, 0);
  EXPECT_EQ(Walk(filter, 3, &most, &shorts, "start_date asc"), oldest_first);
  EXPECT_LE(most, kListScanBudget);
  // create_time asc is the creation plan walked backward.
  EXPECT_EQ(Walk(filter, 50, &most, &shorts, "create_time asc"), oldest_first);
  std::vector<std::string> rare = Expected([](int i) { return i % 1500 == 7; });
  std::reverse(rare.begin(), rare.end());
  EXPECT_EQ(Walk("victim = \"organizations/rare\"", 1, &most, &shorts,
                 "create_time asc"),
            rare);
  EXPECT_EQ(most, 2);  // the victim index drives it
}

TEST_F(ListPlannerTest, ADateRangeOnTheOrderedFieldBoundsTheWalk) {
  // 18 incidents start on 2003-12-31 or 2004-01-01; the walk reads the
  // entries beginning on those days (and on 2003-01-01 and 2003-12-01,
  // which could cover 2003-12-31), not the whole of 2003.
  const std::string filter = "start >= 2003-12-31 AND start <= 2004-01-01";
  v1::ListIncidentsRequest request;
  request.set_filter(filter);
  request.set_order_by("start_date asc");
  IncidentQuery::ListStats stats;
  auto page = service_->query->ListIncidents(kMember, request, &stats);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(stats.driver, "order:start_date");
  EXPECT_LT(stats.examined, 40);
  EXPECT_EQ(page->incidents_size(), 18);
  EXPECT_TRUE(page->next_page_token().empty());
  // 2003-12-31 (i % 500 == 0) before 2004-01-01 (i % 500 == 1), ids
  // ascending within a day.
  std::vector<std::string> expected;
  for (int rest : {0, 1}) {
    for (int i = 0; i < kCount; ++i) {
      if (i % 500 == rest)
        expected.push_back(absl::StrFormat("incidents/i%05d", i));
    }
  }
  EXPECT_EQ(Walk(filter, 4, nullptr, nullptr, "start_date asc"), expected);
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(Walk(filter, 5, nullptr, nullptr, "start_date desc"), expected);
}

TEST_F(ListPlannerTest, MembersOnlyFiltersAreRefusedBeforeAnyScan) {
  v1::ListIncidentsRequest request;
  request.set_filter("country = \"BE\" AND motive = FINANCIAL");
  IncidentQuery::ListStats stats;
  EXPECT_THAT(service_->query->ListIncidents(kPublic, request, &stats).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(stats.examined, 0);
  EXPECT_TRUE(stats.driver.empty());
}

// --- Index counts.

// The count keys as stored, and the counts recomputed from the entries
// (the layout of incident_store.h).
std::map<std::string, std::string> StoredCounts(const IncidentStore& store) {
  std::map<std::string, std::string> out;
  EXPECT_THAT(store.db().ScanPrefix(
                  IncidentStore::kIndexes, absl::StrCat("count", kSep),
                  storage::ScanDirection::kForward,
                  [&](absl::string_view key, absl::string_view value) {
                    out[std::string(key)] = std::string(value);
                    return true;
                  },
                  storage::ReadView::kLatest),
              IsOk());
  return out;
}

std::map<std::string, std::string> RecountedCounts(const IncidentStore& store) {
  std::map<std::string, int64_t> counts;
  for (const char* index :
       {"list", "victim", "country", "type", "determination", "motive",
        "technique", "actor_type", "start_year"}) {
    EXPECT_THAT(store.db().ScanPrefix(
                    IncidentStore::kIndexes, absl::StrCat(index, kSep),
                    storage::ScanDirection::kForward,
                    [&](absl::string_view key, absl::string_view) {
                      ++counts[absl::StrCat("count", kSep,
                                            key.substr(0, key.size() - 16))];
                      return true;
                    },
                    storage::ReadView::kLatest),
                IsOk());
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, n] : counts) out[key] = absl::StrCat(n);
  return out;
}

v1::CreateIncidentRequest Small(const std::string& id,
                                const std::string& victim,
                                const std::string& country) {
  v1::CreateIncidentRequest r;
  r.set_incident_id(id);
  v1::Incident* i = r.mutable_incident();
  i->set_title("Website held to ransom");
  i->add_victims()->set_organization("organizations/" + victim);
  i->add_countries(country);
  i->add_incident_types(v1::RANSOMWARE);
  i->add_motives(v1::FINANCIAL);
  i->add_techniques()->set_id("T1486");
  i->mutable_start_date()->set_year(2024);
  return r;
}

int64_t Count(const IncidentStore& store, IncidentIndex index,
              absl::string_view value) {
  auto count = store.IndexCount(index, value);
  EXPECT_THAT(count.status(), IsOk());
  return count.ok() ? *count : -1;
}

TEST(IndexCountsTest, StayExactThroughCreateBatchUpdateAndDelete) {
  testing::TempDir dir;
  Service service(dir.Sub("incidents"));
  const IncidentStore& store = *service.store;
  ASSERT_THAT(service.core->CreateIncident(kEditor, Small("a", "vooruit", "BE"))
                  .status(),
              IsOk());
  // One batch of several incidents sharing index values: the additions of
  // one batch add up.
  v1::BatchCreateIncidentsRequest batch;
  *batch.add_requests() = Small("b", "vooruit", "BE");
  *batch.add_requests() = Small("c", "vooruit", "FR");
  *batch.add_requests() = Small("d", "rare", "BE");
  ASSERT_THAT(service.core->BatchCreateIncidents(kEditor, batch).status(),
              IsOk());
  EXPECT_EQ(Count(store, IncidentIndex::kAll, ""), 4);
  EXPECT_EQ(Count(store, IncidentIndex::kVictim, "vooruit"), 3);
  EXPECT_EQ(Count(store, IncidentIndex::kCountry, "BE"), 3);
  EXPECT_EQ(Count(store, IncidentIndex::kStartYear, "2024"), 4);
  EXPECT_EQ(StoredCounts(store), RecountedCounts(store));

  // An update moving index values: victim, country, motive, start year.
  v1::GetIncidentRequest get;
  get.set_name("incidents/b");
  auto b = service.core->GetIncident(kMember, get);
  ASSERT_THAT(b.status(), IsOk());
  v1::UpdateIncidentRequest update;
  *update.mutable_incident() = *b;
  update.mutable_incident()->clear_victims();
  update.mutable_incident()->add_victims()->set_organization(
      "organizations/other");
  update.mutable_incident()->clear_countries();
  update.mutable_incident()->add_countries("FR");
  update.mutable_incident()->clear_motives();
  update.mutable_incident()->mutable_start_date()->set_year(2023);
  for (const char* path : {"victims", "countries", "motives", "start_date"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  ASSERT_THAT(service.core->UpdateIncident(kEditor, update).status(), IsOk());
  EXPECT_EQ(Count(store, IncidentIndex::kVictim, "vooruit"), 2);
  EXPECT_EQ(Count(store, IncidentIndex::kVictim, "other"), 1);
  EXPECT_EQ(Count(store, IncidentIndex::kCountry, "BE"), 2);
  EXPECT_EQ(Count(store, IncidentIndex::kCountry, "FR"), 2);
  EXPECT_EQ(Count(store, IncidentIndex::kStartYear, "2023"), 1);
  EXPECT_EQ(Count(store, IncidentIndex::kMotive,
                  absl::StrCat(static_cast<int>(v1::FINANCIAL))),
            3);
  EXPECT_EQ(StoredCounts(store), RecountedCounts(store));

  // An update that changes no index value leaves every count.
  auto before = StoredCounts(store);
  v1::UpdateIncidentRequest retitle;
  retitle.mutable_incident()->set_name("incidents/a");
  retitle.mutable_incident()->set_title("Renamed");
  retitle.mutable_update_mask()->add_paths("title");
  ASSERT_THAT(service.core->UpdateIncident(kEditor, retitle).status(), IsOk());
  EXPECT_EQ(StoredCounts(store), before);

  // Deletes; a value with no entry left has no count key.
  for (const char* name : {"incidents/d", "incidents/b"}) {
    v1::DeleteIncidentRequest del;
    del.set_name(name);
    ASSERT_THAT(service.core->DeleteIncident(kEditor, del).status(), IsOk());
  }
  EXPECT_EQ(Count(store, IncidentIndex::kAll, ""), 2);
  EXPECT_EQ(Count(store, IncidentIndex::kVictim, "rare"), 0);
  EXPECT_EQ(Count(store, IncidentIndex::kVictim, "other"), 0);
  EXPECT_EQ(Count(store, IncidentIndex::kStartYear, "2023"), 0);
  EXPECT_EQ(StoredCounts(store), RecountedCounts(store));
}

TEST(IndexCountsTest, ADatabaseWrittenWithoutCountsIsCountedAtOpen) {
  testing::TempDir dir;
  const std::string path = dir.Sub("incidents");
  std::map<std::string, std::string> counted;
  {
    Service service(path);
    v1::BatchCreateIncidentsRequest batch;
    for (int i = 0; i < 30; ++i) {
      *batch.add_requests() =
          Small(absl::StrCat("x", i), i % 3 == 0 ? "rare" : "vooruit",
                i % 2 == 0 ? "BE" : "FR");
    }
    ASSERT_THAT(service.core->BatchCreateIncidents(kEditor, batch).status(),
                IsOk());
    counted = StoredCounts(*service.store);
    // What a build without counts leaves: entries, no counts, no marker.
    storage::WriteBatch strip;
    for (const auto& [key, value] : counted) {
      strip.Delete(IncidentStore::kIndexes, key);
    }
    strip.Delete(IncidentStore::kMeta, "index_counts");
    ASSERT_THAT(service.store->db().Write(strip), IsOk());
    ASSERT_TRUE(StoredCounts(*service.store).empty());
  }
  Service reopened(path);
  EXPECT_EQ(StoredCounts(*reopened.store), counted);
  EXPECT_EQ(Count(*reopened.store, IncidentIndex::kVictim, "rare"), 10);
  // And lists are served from them.
  v1::ListIncidentsRequest request;
  request.set_filter("country = \"BE\" AND victim = \"organizations/rare\"");
  auto page = reopened.query->ListIncidents(kPublic, request);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(page->incidents_size(), 5);
}

}  // namespace
}  // namespace atlas::incident
