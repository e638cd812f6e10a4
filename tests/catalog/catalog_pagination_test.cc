// Pagination over 1,000 organisations: every filter and order serves each
// matching organisation exactly once, in order, from CatalogCore on a real
// RocksDB (unsynced: durability is not under test here).
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_store.h"
#include "common/api/types/countries.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::IsOk;

constexpr int kCount = 1000;
const char* const kCountries[] = {"BE", "FR", "DE", "NL", "LU", "GB", "IT"};
const char* const kSectors[] = {"non-profit", "government-national",
                                "education", "healthcare", "technology"};

class CatalogPaginationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new ::atlas::testing::TempDir();
    store_ = CatalogStore::Open(temp_->Sub("catalog"), false)->release();
    clock_ = new api::FakeClock(absl::FromUnixSeconds(1767225600));
    core_ = new CatalogCore(*store_, *clock_, **api::CountryList::Default());
    auth::Caller editor{auth::Role::kEditor, "editor"};
    for (int i = 0; i < kCount; ++i) {
      v1::CreateOrganizationRequest request;
      v1::Organization* org = request.mutable_organization();
      org->set_display_name(absl::StrFormat("Org %d", i));
      org->set_country(kCountries[i % 7]);
      org->add_sectors(kSectors[i % 5]);
      if (i % 3 == 0) org->add_sectors(kSectors[(i + 1) % 5]);
      org->set_organization_type(static_cast<v1::OrganizationType>(i % 11));
      org->set_non_profit(i % 2 == 0);
      if (i > 0 && i % 10 == 0) org->set_parent("organizations/org-0000");
      // Ids that do not sort like the create order.
      request.set_organization_id(
          absl::StrFormat("org-%04d", (i * 7919) % kCount));
      auto created = core_->CreateOrganization(editor, request);
      ASSERT_THAT(created, IsOk());
      all_[created->name()] = *created;
      // Some organisations share a create time (ties are broken by id).
      if (i % 4 != 0) clock_->Advance(absl::Seconds(1));
    }
  }
  static void TearDownTestSuite() {
    delete core_;
    (void)store_->Close();
    delete store_;
    delete clock_;
    delete temp_;
  }

  // Pages through `filter` in `order_by` with `page_size`; checks order and
  // that the result is exactly the organisations `matches` accepts.
  template <typename Pred>
  void CheckEveryoneOnce(const std::string& filter, const std::string& order_by,
                         int page_size, Pred matches) {
    SCOPED_TRACE(filter + " / " + order_by);
    std::vector<v1::Organization> seen;
    std::string token;
    int pages = 0;
    do {
      v1::ListOrganizationsRequest request;
      request.set_filter(filter);
      request.set_order_by(order_by);
      request.set_page_size(page_size);
      request.set_page_token(token);
      auto page = core_->ListOrganizations(auth::Caller{}, request);
      ASSERT_THAT(page, IsOk());
      ASSERT_LE(page->organizations_size(), page_size);
      for (const auto& o : page->organizations()) seen.push_back(o);
      token = page->next_page_token();
      ASSERT_LT(++pages, 2 * kCount);
    } while (!token.empty());
    std::set<std::string> expected, got;
    for (const auto& [name, org] : all_) {
      if (matches(org)) expected.insert(name);
    }
    for (const auto& o : seen) got.insert(o.name());
    EXPECT_EQ(got.size(), seen.size()) << "an organisation was served twice";
    EXPECT_EQ(got, expected);
    for (size_t i = 1; i < seen.size(); ++i) {
      if (order_by.empty()) {
        ASSERT_LT(seen[i - 1].name(), seen[i].name());
      } else {
        auto a = seen[i - 1].create_time().seconds();
        auto b = seen[i].create_time().seconds();
        ASSERT_TRUE(a > b || (a == b && seen[i - 1].name() < seen[i].name()));
      }
    }
  }

  static ::atlas::testing::TempDir* temp_;
  static CatalogStore* store_;
  static api::FakeClock* clock_;
  static CatalogCore* core_;
  static std::map<std::string, v1::Organization> all_;
};

::atlas::testing::TempDir* CatalogPaginationTest::temp_ = nullptr;
CatalogStore* CatalogPaginationTest::store_ = nullptr;
api::FakeClock* CatalogPaginationTest::clock_ = nullptr;
CatalogCore* CatalogPaginationTest::core_ = nullptr;
std::map<std::string, v1::Organization> CatalogPaginationTest::all_;

bool HasSector(const v1::Organization& o, const std::string& s) {
  return std::find(o.sectors().begin(), o.sectors().end(), s) !=
         o.sectors().end();
}

TEST_F(CatalogPaginationTest, EveryFilterAndOrderServesEachOrganizationOnce) {
  for (const std::string order : {"", "create_time desc"}) {
    for (int page_size : {37, 1000}) {
      CheckEveryoneOnce("", order, page_size, [](auto&) { return true; });
      CheckEveryoneOnce("country = \"BE\"", order, page_size,
                        [](auto& o) { return o.country() == "BE"; });
      CheckEveryoneOnce("sector = \"education\"", order, page_size,
                        [](auto& o) { return HasSector(o, "education"); });
      CheckEveryoneOnce(
          "organization_type = COMPANY", order, page_size,
          [](auto& o) { return o.organization_type() == v1::COMPANY; });
      CheckEveryoneOnce("non_profit = false", order, page_size,
                        [](auto& o) { return !o.non_profit(); });
      CheckEveryoneOnce(
          "parent = \"organizations/org-0000\"", order, page_size,
          [](auto& o) { return o.parent() == "organizations/org-0000"; });
      CheckEveryoneOnce(
          "country = \"FR\" AND sector = \"non-profit\" AND non_profit = true",
          order, page_size, [](auto& o) {
            return o.country() == "FR" && HasSector(o, "non-profit") &&
                   o.non_profit();
          });
      CheckEveryoneOnce("sector = \"technology\" AND organization_type = OTHER",
                        order, page_size, [](auto& o) {
                          return HasSector(o, "technology") &&
                                 o.organization_type() == v1::OTHER;
                        });
      CheckEveryoneOnce("country = \"JP\"", order, page_size,
                        [](auto&) { return false; });
    }
  }
}

}  // namespace
}  // namespace atlas::catalog
