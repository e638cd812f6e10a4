// ListOrganizations planning and scan budget (docs/reliability.md, finding
// 6), and the index counts the planner reads: CatalogCore over a real
// RocksDB in a temp dir (unsynced: durability is not under test), no gRPC
// server. The number of index entries a call examines is read from
// ListScanStats, never from timing.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/list_filter.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::IsOk;

const auth::Caller kEditor{auth::Role::kEditor, "editor"};
const auth::Caller kPublic{auth::Role::kPublic, ""};
const absl::string_view kSep("\0", 1);

// A core over a store in `path`.
struct Catalog {
  explicit Catalog(const std::string& path) {
    auto opened = CatalogStore::Open(path, /*sync_writes=*/false);
    EXPECT_THAT(opened.status(), IsOk());
    store = *std::move(opened);
    core = std::make_unique<CatalogCore>(*store, clock,
                                         **api::CountryList::Default());
  }
  ~Catalog() {
    core.reset();
    EXPECT_THAT(store->Close(), IsOk());
  }

  absl::StatusOr<v1::Organization> Create(const std::string& id,
                                          v1::Organization org) {
    v1::CreateOrganizationRequest request;
    request.set_organization_id(id);
    *request.mutable_organization() = std::move(org);
    clock.Advance(absl::Seconds(1));
    return core->CreateOrganization(kEditor, request);
  }

  api::FakeClock clock{absl::FromUnixSeconds(1767225600)};
  std::unique_ptr<CatalogStore> store;
  std::unique_ptr<CatalogCore> core;
};

// More organisations per unselective value than one call's budget.
// Organisation i (id org-NNNNN, created in order, one second apart):
//   country BE, sector education;
//   organization_type COMPANY when i is even, else OTHER;
//   non_profit when i is odd or i % 500 == 0;
//   parent organizations/p-rare when i % 1500 == 7.
constexpr int kCount = 2 * kListScanBudget + 500;

v1::Organization LargeSetOrganization(int i) {
  v1::Organization org;
  org.set_display_name(absl::StrFormat("Org %d", i));
  org.set_country("BE");
  org.add_sectors("education");
  org.set_organization_type(i % 2 == 0 ? v1::COMPANY : v1::OTHER);
  org.set_non_profit(i % 2 == 1 || i % 500 == 0);
  if (i % 1500 == 7) org.set_parent("organizations/p-rare");
  return org;
}

class CatalogListPlannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new testing::TempDir();
    catalog_ = new Catalog(temp_->Sub("catalog"));
    v1::Organization parent;
    parent.set_display_name("Rare parent");
    parent.set_country("FR");
    ASSERT_THAT(catalog_->Create("p-rare", parent).status(), IsOk());
    for (int i = 0; i < kCount; ++i) {
      ASSERT_THAT(
          catalog_
              ->Create(absl::StrFormat("org-%05d", i), LargeSetOrganization(i))
              .status(),
          IsOk());
    }
  }
  static void TearDownTestSuite() {
    delete catalog_;
    delete temp_;
  }

  // Walks every page; the names served, in order. Each call must examine
  // at most the budget.
  static std::vector<std::string> Walk(const std::string& filter,
                                       const std::string& order_by,
                                       int page_size,
                                       int64_t* max_examined = nullptr,
                                       int* short_pages = nullptr) {
    std::vector<std::string> names;
    std::string token;
    int64_t most = 0;
    int shorts = 0;
    for (int calls = 0; calls < 2 * kCount; ++calls) {
      v1::ListOrganizationsRequest request;
      request.set_filter(filter);
      request.set_order_by(order_by);
      request.set_page_size(page_size);
      request.set_page_token(token);
      ListScanStats stats;
      auto page = catalog_->core->ListOrganizations(kPublic, request, &stats);
      EXPECT_THAT(page.status(), IsOk());
      if (!page.ok()) break;
      EXPECT_LE(stats.examined, kListScanBudget) << filter;
      most = std::max(most, stats.examined);
      for (const auto& o : page->organizations()) names.push_back(o.name());
      token = page->next_page_token();
      if (token.empty()) break;
      if (page->organizations_size() < page_size) ++shorts;
    }
    if (max_examined != nullptr) *max_examined = most;
    if (short_pages != nullptr) *short_pages = shorts;
    return names;
  }

  // The names `pred` accepts, in name order or newest first.
  template <typename Pred>
  static std::vector<std::string> Expected(bool newest_first, Pred pred) {
    std::vector<std::string> out;
    for (int n = 0; n < kCount; ++n) {
      int i = newest_first ? kCount - 1 - n : n;
      if (pred(i)) out.push_back(absl::StrFormat("organizations/org-%05d", i));
    }
    return out;
  }

  static testing::TempDir* temp_;
  static Catalog* catalog_;
};

testing::TempDir* CatalogListPlannerTest::temp_ = nullptr;
Catalog* CatalogListPlannerTest::catalog_ = nullptr;

TEST_F(CatalogListPlannerTest, TheMostSelectiveFieldDrivesTheScan) {
  for (const std::string filter :
       {"country = \"BE\" AND parent = \"organizations/p-rare\"",
        "non_profit = true AND country = \"BE\" AND "
        "parent = \"organizations/p-rare\""}) {
    SCOPED_TRACE(filter);
    v1::ListOrganizationsRequest request;
    request.set_filter(filter);
    ListScanStats stats;
    auto page = catalog_->core->ListOrganizations(kPublic, request, &stats);
    ASSERT_THAT(page.status(), IsOk());
    EXPECT_EQ(stats.driver, "parent");
    EXPECT_EQ(stats.examined, 3);
    EXPECT_EQ(page->organizations_size(), 3);
  }
}

TEST_F(CatalogListPlannerTest, ACountOfZeroAnswersAnEmptyPageWithoutScanning) {
  for (const std::string filter :
       {"country = \"BE\" AND sector = \"healthcare\"",
        "sector = \"healthcare\" AND country = \"BE\""}) {
    SCOPED_TRACE(filter);
    v1::ListOrganizationsRequest request;
    request.set_filter(filter);
    ListScanStats stats;
    auto page = catalog_->core->ListOrganizations(kPublic, request, &stats);
    ASSERT_THAT(page.status(), IsOk());
    EXPECT_EQ(stats.examined, 0);
    EXPECT_EQ(page->organizations_size(), 0);
    EXPECT_TRUE(page->next_page_token().empty());
  }
}

TEST_F(CatalogListPlannerTest, UnselectiveFieldsExamineAtMostTheBudgetPerCall) {
  v1::ListOrganizationsRequest request;
  request.set_filter("organization_type = COMPANY AND non_profit = true");
  request.set_page_size(50);
  ListScanStats stats;
  auto page = catalog_->core->ListOrganizations(kPublic, request, &stats);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(stats.driver, "type");  // 2250 entries against 2259
  EXPECT_EQ(stats.examined, kListScanBudget);
  EXPECT_LT(page->organizations_size(), 50);
  EXPECT_FALSE(page->next_page_token().empty());
}

TEST_F(CatalogListPlannerTest, ShortPagesWalkToExactlyTheMatchingSet) {
  auto meeting = [](int i) { return i % 500 == 0; };
  for (const std::string order : {"", "create_time desc"}) {
    for (const std::string filter :
         {"organization_type = COMPANY AND non_profit = true",
          "non_profit = true AND organization_type = COMPANY"}) {
      for (int page_size : {1, 3, 50}) {
        SCOPED_TRACE(absl::StrCat(filter, " / ", order, " / ", page_size));
        int64_t most = 0;
        int shorts = 0;
        EXPECT_EQ(Walk(filter, order, page_size, &most, &shorts),
                  Expected(!order.empty(), meeting));
        if (page_size == 50) {
          EXPECT_EQ(most, kListScanBudget);
          EXPECT_GT(shorts, 0);
        }
      }
    }
  }
  // A field that every organisation but the parent meets: full pages.
  EXPECT_EQ(Walk("country = \"BE\"", "create_time desc", 1000),
            Expected(true, [](int) { return true; }));
}

// --- Index counts.

std::map<std::string, std::string> StoredCounts(CatalogStore& store) {
  std::map<std::string, std::string> out;
  EXPECT_THAT(store.db().ScanPrefix(
                  CatalogStore::kIndexes, absl::StrCat("count", kSep),
                  storage::ScanDirection::kForward,
                  [&](absl::string_view key, absl::string_view value) {
                    out[std::string(key)] = std::string(value);
                    return true;
                  },
                  storage::ReadView::kLatest),
              IsOk());
  return out;
}

// Recounted from the name-order filter entries f\0<field>\0<value>\0n\0<id>.
std::map<std::string, std::string> RecountedCounts(CatalogStore& store) {
  std::map<std::string, int64_t> counts;
  EXPECT_THAT(
      store.db().ScanPrefix(
          CatalogStore::kIndexes, absl::StrCat("f", kSep),
          storage::ScanDirection::kForward,
          [&](absl::string_view key, absl::string_view) {
            std::vector<absl::string_view> parts = absl::StrSplit(key, kSep);
            if (parts.size() == 5 && parts[3] == "n") {
              ++counts[absl::StrCat("count", kSep, parts[1], kSep, parts[2])];
            }
            return true;
          },
          storage::ReadView::kLatest),
      IsOk());
  std::map<std::string, std::string> out;
  for (const auto& [key, n] : counts) out[key] = absl::StrCat(n);
  return out;
}

int64_t Count(const CatalogStore& store, absl::string_view field,
              absl::string_view value) {
  auto count = store.IndexCount(field, value);
  EXPECT_THAT(count.status(), IsOk());
  return count.ok() ? *count : -1;
}

v1::Organization Small(const std::string& country,
                       const std::vector<std::string>& sectors) {
  v1::Organization org;
  org.set_display_name("Small " + country);
  org.set_country(country);
  for (const std::string& s : sectors) org.add_sectors(s);
  return org;
}

TEST(CatalogIndexCountsTest, StayExactThroughCreateUpdateAndDelete) {
  testing::TempDir dir;
  Catalog catalog(dir.Sub("catalog"));
  CatalogStore& store = *catalog.store;
  ASSERT_THAT(catalog.Create("a", Small("BE", {"education"})).status(), IsOk());
  ASSERT_THAT(
      catalog.Create("b", Small("BE", {"education", "healthcare"})).status(),
      IsOk());
  v1::Organization child = Small("FR", {"healthcare"});
  child.set_parent("organizations/a");
  ASSERT_THAT(catalog.Create("c", child).status(), IsOk());
  EXPECT_EQ(Count(store, "country", "BE"), 2);
  EXPECT_EQ(Count(store, "sector", "healthcare"), 2);
  EXPECT_EQ(Count(store, "parent", "a"), 1);
  EXPECT_EQ(StoredCounts(store), RecountedCounts(store));

  // An update moving country and sectors.
  v1::UpdateOrganizationRequest update;
  update.mutable_organization()->set_name("organizations/b");
  update.mutable_organization()->set_country("FR");
  update.mutable_organization()->add_sectors("technology");
  update.mutable_update_mask()->add_paths("country");
  update.mutable_update_mask()->add_paths("sectors");
  ASSERT_THAT(catalog.core->UpdateOrganization(kEditor, update).status(),
              IsOk());
  EXPECT_EQ(Count(store, "country", "BE"), 1);
  EXPECT_EQ(Count(store, "country", "FR"), 2);
  EXPECT_EQ(Count(store, "sector", "healthcare"), 1);
  EXPECT_EQ(Count(store, "sector", "technology"), 1);
  EXPECT_EQ(StoredCounts(store), RecountedCounts(store));

  v1::DeleteOrganizationRequest del;
  del.set_name("organizations/c");
  ASSERT_THAT(catalog.core->DeleteOrganization(kEditor, del).status(), IsOk());
  EXPECT_EQ(Count(store, "parent", "a"), 0);
  EXPECT_EQ(Count(store, "sector", "healthcare"), 0);
  EXPECT_EQ(Count(store, "country", "FR"), 1);
  EXPECT_EQ(StoredCounts(store), RecountedCounts(store));
}

TEST(CatalogIndexCountsTest, ADatabaseWrittenWithoutCountsIsCountedAtOpen) {
  testing::TempDir dir;
  const std::string path = dir.Sub("catalog");
  std::map<std::string, std::string> counted;
  {
    Catalog catalog(path);
    for (int i = 0; i < 20; ++i) {
      ASSERT_THAT(catalog
                      .Create(absl::StrCat("o", i),
                              Small(i % 4 == 0 ? "FR" : "BE", {"education"}))
                      .status(),
                  IsOk());
    }
    counted = StoredCounts(*catalog.store);
    // What a build without counts leaves: entries, no counts, no marker.
    storage::WriteBatch strip;
    for (const auto& [key, value] : counted) {
      strip.Delete(CatalogStore::kIndexes, key);
    }
    strip.Delete(CatalogStore::kMeta, "index_counts");
    ASSERT_THAT(catalog.store->db().Write(strip), IsOk());
    ASSERT_TRUE(StoredCounts(*catalog.store).empty());
  }
  Catalog reopened(path);
  EXPECT_EQ(StoredCounts(*reopened.store), counted);
  EXPECT_EQ(Count(*reopened.store, "country", "FR"), 5);
  v1::ListOrganizationsRequest request;
  request.set_filter("sector = \"education\" AND country = \"FR\"");
  auto page = reopened.core->ListOrganizations(kPublic, request);
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_EQ(page->organizations_size(), 5);
}

}  // namespace
}  // namespace atlas::catalog
