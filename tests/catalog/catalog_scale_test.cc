// Core-level tests of the catalog's cost bounds (issue 12, findings 7 and
// 8): organisation search served from the index with a scan budget per
// page, and the incremental read model (counter, date index, bounded
// linked_incidents, dropped whole with its organisation, migrated from the
// layout-1 database). A real RocksDB in a per-test temp dir, no gRPC.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_store.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/storage/stored_layout.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::TempDir;
using incident::v1::IncidentChange;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr absl::string_view kSep("\0", 1);

api::CountryList TestCountries() {
  auto list = api::CountryList::Parse(
      R"json({"3166-1": [{"alpha_2": "BE", "name": "Belgium"}]})json");
  EXPECT_THAT(list, IsOk());
  return *std::move(list);
}

v1::Organization Named(const std::string& display_name) {
  v1::Organization org;
  org.set_display_name(display_name);
  return org;
}

IncidentChange Change(int64_t sequence, IncidentChange::ChangeType type,
                      const std::string& incident,
                      const std::vector<std::string>& victims, int year,
                      int month = 0) {
  IncidentChange change;
  change.set_sequence(sequence);
  change.set_change_type(type);
  change.mutable_incident()->set_name("incidents/" + incident);
  change.mutable_incident()->mutable_start_date()->set_year(year);
  change.mutable_incident()->mutable_start_date()->set_month(month);
  for (const std::string& v : victims) {
    change.mutable_incident()->add_victims()->set_organization(
        "organizations/" + v);
  }
  return change;
}

class CatalogScaleTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { CloseStore(); }
  void Open() {
    auto store = CatalogStore::Open(temp_.Sub("catalog"), false);
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    core_ = std::make_unique<CatalogCore>(*store_, clock_, countries_);
  }
  void CloseStore() {
    core_.reset();
    if (store_ != nullptr) {
      EXPECT_THAT(store_->Close(), IsOk());
    }
    store_.reset();
  }

  void Create(const v1::Organization& org, const std::string& id) {
    v1::CreateOrganizationRequest request;
    *request.mutable_organization() = org;
    request.set_organization_id(id);
    ASSERT_THAT(core_->CreateOrganization(editor_, request), IsOk()) << id;
  }
  v1::Organization Get(const std::string& id) {
    v1::GetOrganizationRequest request;
    request.set_name("organizations/" + id);
    auto org = core_->GetOrganization(member_, request);
    EXPECT_THAT(org, IsOk());
    return org.ok() ? *org : v1::Organization();
  }
  void Apply(const IncidentChange& change) {
    ASSERT_THAT(core_->ApplyIncidentChange(change), IsOk())
        << change.sequence();
  }
  // Every read_model key of organisation `id`.
  std::vector<std::string> ReadModelKeys(const std::string& id) {
    std::vector<std::string> keys;
    for (absl::string_view head :
         {"link", "date", "summary", "public_summary"}) {
      const std::string prefix = head == "summary" || head == "public_summary"
                                     ? absl::StrCat(head, kSep, id)
                                     : absl::StrCat(head, kSep, id, kSep);
      EXPECT_THAT(store_->db().ScanPrefix(
                      CatalogStore::kReadModel, prefix,
                      storage::ScanDirection::kForward,
                      [&](absl::string_view key, absl::string_view) {
                        keys.emplace_back(key);
                        return true;
                      },
                      storage::ReadView::kLatest),
                  IsOk());
    }
    return keys;
  }
  absl::StatusOr<v1::SearchOrganizationsResponse> Search(
      const std::string& query, int page_size, const std::string& token) {
    v1::SearchOrganizationsRequest request;
    request.set_query(query);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return core_->SearchOrganizations(public_, request);
  }

  TempDir temp_;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  const api::CountryList countries_ = TestCountries();
  const auth::Caller public_{};
  const auth::Caller member_{auth::Role::kMember, "member"};
  const auth::Caller editor_{auth::Role::kEditor, "editor"};
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<CatalogCore> core_;
};

// --- Search (finding 7) ------------------------------------------------------

// 1100 organisations named "Alpha" with an alias "Alpha Beta <n>": served
// as EXACT, so in the PREFIX phase their 2200 entries are examined and
// skipped before "Alpha Zulu". A page may examine only page_size + 1000
// entries: the page where that phase starts comes back short with a token
// that resumes the scan, and "Alpha Zulu" follows. The O(N) search put it
// on that page after reading every entry.
TEST_F(CatalogScaleTest, SearchStopsAtItsScanBudgetAndResumesFromTheToken) {
  for (int i = 0; i < 1100; ++i) {
    v1::Organization org = Named("Alpha");
    org.add_aliases(absl::StrFormat("Alpha Beta %04d", i));
    Create(org, absl::StrFormat("a-%04d", i));
  }
  Create(Named("Alpha Zulu"), "zulu");
  std::vector<std::string> seen;
  std::vector<int> sizes;
  bool short_page_with_token = false;
  std::string token;
  int pages = 0;
  do {
    auto page = Search("alpha", 500, token);
    ASSERT_THAT(page, IsOk());
    for (const auto& hit : page->results()) {
      seen.push_back(hit.organization().name());
      EXPECT_EQ(hit.match_kind(), seen.size() <= 1100
                                      ? v1::SearchResult::EXACT
                                      : v1::SearchResult::PREFIX);
    }
    token = page->next_page_token();
    sizes.push_back(page->results_size());
    if (page->results_size() < 500 && !token.empty()) {
      short_page_with_token = true;
    }
  } while (!token.empty() && ++pages < 20);
  EXPECT_TRUE(short_page_with_token) << ::testing::PrintToString(sizes);
  ASSERT_EQ(seen.size(), 1101u);
  EXPECT_EQ(seen.back(), "organizations/zulu");
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1101u);
}

// An exact name is found at once (search) and resolved (Resolve) even when
// more than the scan budget of other names end with the same word: whole
// texts have their own index (exact\0), apart from word suffixes.
TEST_F(CatalogScaleTest, ExactNamesAreNotBehindTrailingWords) {
  for (int i = 0; i < 1100; ++i) {
    Create(Named(absl::StrFormat("Team %04d Gamma", i)),
           absl::StrFormat("g-%04d", i));
  }
  Create(Named("Gamma"), "zz-gamma");
  auto first = Search("GAMMA", 1, "");
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->results_size(), 1);
  EXPECT_EQ(first->results(0).organization().name(), "organizations/zz-gamma");
  EXPECT_EQ(first->results(0).match_kind(), v1::SearchResult::EXACT);
  v1::ResolveOrganizationRequest resolve;
  resolve.set_query("gamma");
  auto resolved = core_->ResolveOrganization(public_, resolve);
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->organization().name(), "organizations/zz-gamma");
  EXPECT_EQ(resolved->resolved_by(), v1::ResolveOrganizationResponse::NAME);
}

// An organisation with several entries the query prefixes (name, alias,
// domain, words) is served once, at the first of them; one that matches
// exactly is served only as EXACT.
TEST_F(CatalogScaleTest, SearchServesEachOrganisationOnceAcrossPages) {
  v1::Organization multi = Named("Brussels Brew");
  multi.add_aliases("Brussels Brewery");
  multi.add_aliases("Bru Partners");
  multi.add_domains("brussels-brew.be");
  Create(multi, "multi");
  v1::Organization exact = Named("Bru");
  exact.add_aliases("Bruges Hall");
  Create(exact, "exact");
  for (int i = 0; i < 5; ++i)
    Create(Named(absl::StrCat("Bruno ", i)), absl::StrCat("bruno-", i));
  std::vector<std::string> seen;
  std::vector<v1::SearchResult::MatchKind> kinds;
  std::string token;
  int pages = 0;
  do {
    auto page = Search("BRU", 2, token);
    ASSERT_THAT(page, IsOk());
    for (const auto& hit : page->results()) {
      seen.push_back(hit.organization().name());
      kinds.push_back(hit.match_kind());
    }
    token = page->next_page_token();
  } while (!token.empty() && ++pages < 20);
  EXPECT_THAT(
      seen, ElementsAreArray({"organizations/exact", "organizations/multi",
                              "organizations/bruno-0", "organizations/bruno-1",
                              "organizations/bruno-2", "organizations/bruno-3",
                              "organizations/bruno-4"}));
  EXPECT_EQ(kinds[0], v1::SearchResult::EXACT);
  EXPECT_EQ(kinds[1], v1::SearchResult::PREFIX);
}

// --- Read model (finding 8) --------------------------------------------------

// linked_incidents is the newest kLinkedIncidentsShown, newest first;
// incident_count and latest_incident_date stay exact as links come, move
// (a date change) and go.
TEST_F(CatalogScaleTest, ReadModelKeepsACounterAndTheNewestLinksOnly) {
  Create(Named("Target"), "target");
  int64_t seq = 0;
  // 30 incidents, inc-00 (1990) .. inc-29 (2019).
  for (int i = 0; i < 30; ++i) {
    Apply(Change(++seq, IncidentChange::CREATED, absl::StrFormat("inc-%02d", i),
                 {"target"}, 1990 + i));
  }
  auto expect_newest = [&](std::vector<int> years_desc, int count) {
    v1::Organization org = Get("target");
    EXPECT_EQ(org.incident_count(), count);
    ASSERT_EQ(org.linked_incidents_size(), 20);
    std::vector<std::string> want;
    for (int i = 0; i < 20; ++i) {
      want.push_back(
          absl::StrFormat("incidents/inc-%02d", years_desc[i] - 1990));
    }
    EXPECT_THAT(org.linked_incidents(), ElementsAreArray(want));
    EXPECT_EQ(org.latest_incident_date().year(), years_desc[0]);
  };
  std::vector<int> years;
  for (int y = 2019; y >= 1990; --y) years.push_back(y);
  expect_newest(years, 30);
  // The newest goes: the 21st comes in.
  Apply(Change(++seq, IncidentChange::DELETED, "inc-29", {"target"}, 2019));
  years.erase(years.begin());
  expect_newest(years, 29);
  // An old one moves to the front (its date changes).
  IncidentChange moved =
      Change(++seq, IncidentChange::UPDATED, "inc-00", {"target"}, 2030);
  moved.add_previous_victims("organizations/target");
  Apply(moved);
  v1::Organization org = Get("target");
  EXPECT_EQ(org.incident_count(), 29);
  EXPECT_EQ(org.linked_incidents(0), "incidents/inc-00");
  EXPECT_EQ(org.latest_incident_date().year(), 2030);
  // Resent unchanged: nothing moves.
  IncidentChange same =
      Change(++seq, IncidentChange::UPDATED, "inc-00", {"target"}, 2030);
  same.add_previous_victims("organizations/target");
  Apply(same);
  EXPECT_EQ(Get("target").incident_count(), 29);
  // Unlinked by an update.
  IncidentChange unlinked =
      Change(++seq, IncidentChange::UPDATED, "inc-00", {}, 2030);
  unlinked.add_previous_victims("organizations/target");
  Apply(unlinked);
  org = Get("target");
  EXPECT_EQ(org.incident_count(), 28);
  EXPECT_EQ(org.linked_incidents(0), "incidents/inc-28");
  EXPECT_EQ(org.latest_incident_date().year(), 2018);
}

// The delete drops the whole read model in a fixed number of writes; a
// lagging change about the old incidents (before or after the id is
// taken again) neither resurrects it nor counts for the new organisation.
TEST_F(CatalogScaleTest, DeletedOrganisationsReadModelIsGoneAndNeverReturns) {
  Create(Named("Gone"), "gone");
  int64_t seq = 0;
  for (int i = 0; i < 50; ++i) {
    Apply(Change(++seq, IncidentChange::CREATED, absl::StrCat("old-", i),
                 {"gone"}, 2000 + i % 20));
  }
  ASSERT_EQ(Get("gone").incident_count(), 50);
  ASSERT_FALSE(ReadModelKeys("gone").empty());
  auto stored = store_->GetOrganization("gone");
  ASSERT_THAT(stored, IsOk());
  v1::Organization empty_one = *stored;
  storage::WriteBatch with_links, without_links;
  CatalogStore::DeleteOrganization(*stored, &with_links);
  empty_one.set_name("organizations/other");
  CatalogStore::DeleteOrganization(empty_one, &without_links);
  EXPECT_EQ(with_links.size(), without_links.size());
  // The delete as the lead's DeleteOrganization commits it (the read model
  // lags: links still present).
  ASSERT_THAT(store_->db().Write(with_links), IsOk());
  EXPECT_THAT(ReadModelKeys("gone"), IsEmpty());

  // Lagging: an update still naming it, a new incident naming it.
  IncidentChange update =
      Change(++seq, IncidentChange::UPDATED, "old-1", {"gone"}, 2001);
  update.add_previous_victims("organizations/gone");
  Apply(update);
  Apply(Change(++seq, IncidentChange::CREATED, "late", {"gone"}, 2024));
  EXPECT_THAT(ReadModelKeys("gone"), IsEmpty());

  Create(Named("Gone again"), "gone");
  v1::Organization fresh = Get("gone");
  EXPECT_EQ(fresh.incident_count(), 0);
  EXPECT_THAT(fresh.linked_incidents(), IsEmpty());
  EXPECT_FALSE(fresh.has_latest_incident_date());
  // Lagging unlinks of the old incidents arriving now: no negative count.
  Apply(Change(++seq, IncidentChange::DELETED, "old-2", {"gone"}, 2002));
  IncidentChange dropped =
      Change(++seq, IncidentChange::UPDATED, "old-3", {}, 2003);
  dropped.add_previous_victims("organizations/gone");
  Apply(dropped);
  EXPECT_EQ(Get("gone").incident_count(), 0);
  // A new incident counts.
  Apply(Change(++seq, IncidentChange::CREATED, "new", {"gone"}, 2025));
  fresh = Get("gone");
  EXPECT_EQ(fresh.incident_count(), 1);
  EXPECT_THAT(fresh.linked_incidents(), ElementsAreArray({"incidents/new"}));
}

// A database written in layout 1 (summaries holding every link, links of
// a deleted organisation left behind, no date index) is migrated at Open:
// the summary is rebuilt bounded from the links, the orphans go, and the
// next change applies incrementally.
TEST_F(CatalogScaleTest, OpenMigratesALayoutOneReadModel) {
  Create(Named("Kept"), "kept");
  // Rewrite the read model as layout 1 would have stored it.
  storage::WriteBatch old;
  v1::Organization summary;
  summary.set_incident_count(25);
  for (int i = 0; i < 25; ++i) {
    const std::string id = absl::StrFormat("inc-%02d", i);
    type::v1::PartialDate date;
    date.set_year(2000 + i);
    old.Put(CatalogStore::kReadModel,
            absl::StrCat("link", kSep, "kept", kSep, id),
            date.SerializeAsString());
  }
  for (int i = 24; i >= 0; --i) {
    summary.add_linked_incidents(absl::StrFormat("incidents/inc-%02d", i));
  }
  summary.mutable_latest_incident_date()->set_year(2024);
  old.Put(CatalogStore::kReadModel, absl::StrCat("summary", kSep, "kept"),
          summary.SerializeAsString());
  type::v1::PartialDate date;
  date.set_year(2020);
  old.Put(CatalogStore::kReadModel,
          absl::StrCat("link", kSep, "orphan", kSep, "x"),
          date.SerializeAsString());
  old.Put(CatalogStore::kReadModel, absl::StrCat("summary", kSep, "orphan"),
          summary.SerializeAsString());
  old.Delete(CatalogStore::kMeta, "read_model_layout");
  // And a search index without its exact\0 entries.
  old.Delete(CatalogStore::kIndexes,
             absl::StrCat("exact", kSep, "kept", kSep, "kept"));
  old.Delete(CatalogStore::kMeta, "search_layout");
  // Both from before layouts were versioned (common/storage/stored_layout.h).
  old.Delete(CatalogStore::kMeta, storage::kLayoutVersionKey);
  ASSERT_THAT(store_->db().Write(old), IsOk());
  ASSERT_EQ(Get("kept").linked_incidents_size(), 25);  // as layout 1 served
  CloseStore();
  Open();

  v1::Organization kept = Get("kept");
  EXPECT_EQ(kept.incident_count(), 25);
  ASSERT_EQ(kept.linked_incidents_size(), 20);
  EXPECT_EQ(kept.linked_incidents(0), "incidents/inc-24");
  EXPECT_EQ(kept.linked_incidents(19), "incidents/inc-05");
  EXPECT_EQ(kept.latest_incident_date().year(), 2024);
  EXPECT_THAT(ReadModelKeys("orphan"), IsEmpty());
  auto exact = Search("kept", 10, "");
  ASSERT_THAT(exact, IsOk());
  ASSERT_EQ(exact->results_size(), 1);
  EXPECT_EQ(exact->results(0).match_kind(), v1::SearchResult::EXACT);
  Apply(Change(1, IncidentChange::CREATED, "inc-new", {"kept"}, 2030));
  Apply(Change(2, IncidentChange::DELETED, "inc-24", {"kept"}, 2024));
  kept = Get("kept");
  EXPECT_EQ(kept.incident_count(), 25);
  EXPECT_EQ(kept.linked_incidents(0), "incidents/inc-new");
  EXPECT_EQ(kept.linked_incidents(1), "incidents/inc-23");
  EXPECT_EQ(kept.linked_incidents(19), "incidents/inc-05");
}

}  // namespace
}  // namespace atlas::catalog
