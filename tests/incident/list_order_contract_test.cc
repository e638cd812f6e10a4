// Contract tests of ListIncidents' order_by and the end / disclosed date
// filters (issue 16, part 4) through a real catalog-service and
// incident-service on port 0 over RocksDB in temp dirs: every order both
// ways, partial dates by the interval they cover with undated incidents
// last, ties by id stable across pages, incidents created between pages,
// page tokens bound to the order, bad order_by, a public caller, and a
// database of layout 2 (no order indexes) migrated on open.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/storage/stored_layout.h"
#include "incident-service/incident_store.h"
#include "tests/incident/veris_contract_fixture.h"

namespace atlas::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
namespace v1 = ::atlas::incident::v1;
using Date = ::atlas::type::v1::PartialDate;

Date D(int year, int month = 0, int day = 0) {
  Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

// The data set, created a..f in this order (all at the same clock time):
//   id  start_date   end_date     disclosed_date
//   a   2024         2024-06      2024-04
//   b   2024-03      2024-03-31   2024-04-02
//   c   2024-03-28   2024-04      -
//   d   2024-01-01   -            2023
//   e   -            -            2024-04
//   f   2024-03-28   -            2025
class ListOrderTest : public VerisContractTest {
 protected:
  void SetUp() override {
    VerisContractTest::SetUp();
    struct Row {
      const char* id;
      std::optional<Date> start, end, disclosed;
    };
    const Row rows[] = {
        {"a", D(2024), D(2024, 6), D(2024, 4)},
        {"b", D(2024, 3), D(2024, 3, 31), D(2024, 4, 2)},
        {"c", D(2024, 3, 28), D(2024, 4), std::nullopt},
        {"d", D(2024, 1, 1), std::nullopt, D(2023)},
        {"e", std::nullopt, std::nullopt, D(2024, 4)},
        {"f", D(2024, 3, 28), std::nullopt, D(2025)},
    };
    for (const Row& row : rows) {
      ASSERT_THAT(Create(Dated(row.id, row.start, row.end, row.disclosed)),
                  IsOk());
    }
  }

  static v1::CreateIncidentRequest Dated(const std::string& id,
                                         std::optional<Date> start,
                                         std::optional<Date> end = {},
                                         std::optional<Date> disclosed = {}) {
    v1::CreateIncidentRequest r = Plain(id);
    if (start) *r.mutable_incident()->mutable_start_date() = *start;
    if (end) *r.mutable_incident()->mutable_end_date() = *end;
    if (disclosed) {
      *r.mutable_incident()->mutable_disclosed_date() = *disclosed;
    }
    return r;
  }

  ::grpc::Status ListPage(const std::string& filter,
                          const std::string& order_by, int page_size,
                          const std::string& token,
                          v1::ListIncidentsResponse* out,
                          const std::string& key = kMemberKey) {
    v1::ListIncidentsRequest r;
    r.set_filter(filter);
    r.set_order_by(order_by);
    r.set_page_size(page_size);
    r.set_page_token(token);
    return stub_->ListIncidents(ContextWithKey(key).get(), r, out);
  }

  // Every page of (filter, order_by) of `page_size`, as ids, or
  // {"error: ..."}.
  std::vector<std::string> Walk(const std::string& filter,
                                const std::string& order_by, int page_size = 0,
                                const std::string& key = kMemberKey) {
    std::vector<std::string> ids;
    std::string token;
    for (int calls = 0; calls < 100; ++calls) {
      v1::ListIncidentsResponse page;
      ::grpc::Status s =
          ListPage(filter, order_by, page_size, token, &page, key);
      if (!s.ok()) return {"error: " + s.error_message()};
      for (const v1::Incident& i : page.incidents()) {
        ids.push_back(i.name().substr(std::string("incidents/").size()));
      }
      token = page.next_page_token();
      if (token.empty()) break;
    }
    return ids;
  }
};

using Ids = std::vector<std::string>;

TEST_F(ListOrderTest, EveryOrderBothWaysWithUndatedLast) {
  const std::pair<const char*, Ids> cases[] = {
      {"", {"f", "e", "d", "c", "b", "a"}},
      {"create_time desc", {"f", "e", "d", "c", "b", "a"}},
      {"create_time asc", {"a", "b", "c", "d", "e", "f"}},
      {"create_time", {"a", "b", "c", "d", "e", "f"}},
      // By interval start, then end, then id; e has no start_date.
      {"start_date asc", {"d", "a", "b", "c", "f", "e"}},
      {"start_date", {"d", "a", "b", "c", "f", "e"}},
      {"start_date desc", {"f", "c", "b", "a", "d", "e"}},
      // a and e tie on Apr 2024 (id order); c has no disclosed_date.
      {"disclosed_date asc", {"d", "a", "e", "b", "f", "c"}},
      {"disclosed_date desc", {"f", "b", "e", "a", "d", "c"}},
      // All created at one clock time: ties by id.
      {"update_time asc", {"a", "b", "c", "d", "e", "f"}},
      {"update_time desc", {"f", "e", "d", "c", "b", "a"}},
      // Words are case-insensitive and spaces collapse.
      {"  START_DATE   Desc ", {"f", "c", "b", "a", "d", "e"}},
  };
  for (const auto& [order_by, expected] : cases) {
    SCOPED_TRACE(order_by);
    EXPECT_EQ(Walk("", order_by), expected);
    // One per page: ties and the undated tail are stable across pages.
    EXPECT_EQ(Walk("", order_by, 1), expected);
    EXPECT_EQ(Walk("", order_by, 4), expected);
  }
}

TEST_F(ListOrderTest, UpdateTimeFollowsUpdates) {
  incidents_->clock().Advance(absl::Seconds(5));
  v1::Incident title;
  title.set_title("Retitled");
  ASSERT_THAT(Update("c", title, {"title"}), IsOk());
  incidents_->clock().Advance(absl::Seconds(5));
  ASSERT_THAT(Update("a", title, {"title"}), IsOk());
  EXPECT_EQ(Walk("", "update_time asc", 1),
            (Ids{"b", "d", "e", "f", "c", "a"}));
  EXPECT_EQ(Walk("", "update_time desc", 2),
            (Ids{"a", "c", "f", "e", "d", "b"}));
  // A date change moves the incident in its date order.
  v1::Incident moved;
  *moved.mutable_start_date() = D(2020);
  ASSERT_THAT(Update("f", moved, {"start_date"}), IsOk());
  EXPECT_EQ(Walk("", "start_date asc", 1), (Ids{"f", "d", "a", "b", "c", "e"}));
  // A deleted incident leaves every order.
  ASSERT_THAT(Delete("b"), IsOk());
  EXPECT_EQ(Walk("", "disclosed_date desc"), (Ids{"f", "e", "a", "d", "c"}));
  // f's move was an update too, at a's time: the tie goes by id.
  EXPECT_EQ(Walk("", "update_time desc"), (Ids{"f", "a", "c", "e", "d"}));
}

TEST_F(ListOrderTest, IncidentsCreatedBetweenPagesNeverShiftAPage) {
  v1::ListIncidentsResponse first;
  ASSERT_THAT(ListPage("", "start_date asc", 2, "", &first), IsOk());
  ASSERT_EQ(first.incidents_size(), 2);
  EXPECT_EQ(first.incidents(1).name(), "incidents/a");
  // g sorts before the token (not served by this walk), h after it.
  ASSERT_THAT(Create(Dated("g", D(2023))), IsOk());
  ASSERT_THAT(Create(Dated("h", D(2024, 12))), IsOk());
  Ids rest;
  std::string token = first.next_page_token();
  while (!token.empty()) {
    v1::ListIncidentsResponse page;
    ASSERT_THAT(ListPage("", "start_date asc", 2, token, &page), IsOk());
    for (const v1::Incident& i : page.incidents()) {
      rest.push_back(i.name().substr(10));
    }
    token = page.next_page_token();
  }
  EXPECT_EQ(rest, (Ids{"b", "c", "f", "h", "e"}));
}

TEST_F(ListOrderTest, APageTokenIsBoundToFilterAndOrder) {
  v1::ListIncidentsResponse page;
  ASSERT_THAT(ListPage("", "start_date asc", 2, "", &page), IsOk());
  const std::string token = page.next_page_token();
  ASSERT_FALSE(token.empty());
  for (const auto& [filter, order_by] :
       std::vector<std::pair<std::string, std::string>>{
           {"", "start_date desc"},
           {"", "disclosed_date asc"},
           {"", ""},
           {"", "create_time asc"},
           {"country = \"BE\"", "start_date asc"}}) {
    SCOPED_TRACE(filter + " / " + order_by);
    v1::ListIncidentsResponse other;
    EXPECT_THAT(ListPage(filter, order_by, 2, token, &other),
                StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                         HasSubstr("page_token")));
  }
  // The same order spelled otherwise is the same query.
  v1::ListIncidentsResponse next;
  EXPECT_THAT(ListPage("", "START_DATE asc", 2, token, &next), IsOk());
  EXPECT_THAT(ListPage("", "start_date", 2, token, &next), IsOk());
  // The default's tokens (as before order_by existed) serve
  // `create_time desc` too.
  v1::ListIncidentsResponse plain;
  ASSERT_THAT(ListPage("", "", 2, "", &plain), IsOk());
  EXPECT_THAT(
      ListPage("", "create_time desc", 2, plain.next_page_token(), &next),
      IsOk());
  EXPECT_EQ(next.incidents(0).name(), "incidents/d");
}

TEST_F(ListOrderTest, AnUnknownOrderIsInvalidArgumentNamingOrderBy) {
  for (const char* order_by :
       {"start", "title", "start_date up", "start_date desc, create_time",
        "start_date desc asc", "end_date", "-start_date", "relevance"}) {
    SCOPED_TRACE(order_by);
    v1::ListIncidentsResponse out;
    EXPECT_THAT(
        ListPage("", order_by, 0, "", &out),
        StatusIs(::grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("order_by")));
  }
}

TEST_F(ListOrderTest, EndAndDisclosedFiltersCompareByOverlap) {
  const std::pair<const char*, Ids> cases[] = {
      {"disclosed = 2024-04", {"e", "b", "a"}},
      {"disclosed_date = 2024-04", {"e", "b", "a"}},
      {"disclosed >= 2024-05", {"f"}},
      {"disclosed < 2024", {"d"}},
      // a and e (April) end after Apr 1 ends.
      {"disclosed > 2024-04-01", {"f", "e", "b", "a"}},
      {"end < 2024-04-01", {"b"}},
      {"end_date = 2024", {"c", "b", "a"}},
      {"end >= 2024-04-15", {"c", "a"}},
      {"end <= 2024-04-01", {"c", "b"}},
      {"disclosed = 2023 AND start = 2024-01", {"d"}},
      {"end = 2024 AND disclosed = 2024", {"b", "a"}},
  };
  for (const auto& [filter, expected] : cases) {
    SCOPED_TRACE(filter);
    EXPECT_EQ(Walk(filter, ""), expected);
    EXPECT_EQ(Walk(filter, "", 1), expected);
  }
  // Unknown operators and bad dates name the field.
  EXPECT_THAT(Walk("end != 2024", ""),
              ElementsAre(HasSubstr("filter: end: operator !=")));
  EXPECT_THAT(Walk("disclosed = 2024-13", ""),
              ElementsAre(HasSubstr("filter: disclosed")));
}

TEST_F(ListOrderTest, FiltersCombineWithEveryOrder) {
  // A date range on the field ordered by (the walk is bounded to it).
  EXPECT_EQ(Walk("start = 2024-03", "start_date asc", 1),
            (Ids{"a", "b", "c", "f"}));
  EXPECT_EQ(Walk("start = 2024-03", "start_date desc", 1),
            (Ids{"f", "c", "b", "a"}));
  // b (March) and a (2024) cover Mar 28: found before it in the walk.
  EXPECT_EQ(Walk("start >= 2024-03-28", "start_date desc"),
            (Ids{"f", "c", "b", "a"}));
  EXPECT_EQ(Walk("start > 2024-12-31", "start_date asc"), Ids{});
  EXPECT_EQ(Walk("disclosed = 2024-04", "disclosed_date desc", 2),
            (Ids{"b", "e", "a"}));
  // A date range on another field, and an equality.
  EXPECT_EQ(Walk("disclosed = 2024-04", "start_date asc", 1),
            (Ids{"a", "b", "e"}));
  EXPECT_EQ(Walk("end = 2024", "disclosed_date asc", 1), (Ids{"a", "b", "c"}));
  EXPECT_EQ(Walk("country = \"BE\" AND start <= 2024-02", "update_time desc"),
            (Ids{"d", "a"}));
  EXPECT_EQ(Walk("victim = \"organizations/acme\"", "start_date desc"), Ids{});
  EXPECT_EQ(Walk("country = \"BE\"", "create_time asc", 4),
            (Ids{"a", "b", "c", "d", "e", "f"}));
}

TEST_F(ListOrderTest, APublicCallerOrdersAndFiltersOnPublicDates) {
  const std::string kPublic;  // no key
  EXPECT_EQ(Walk("", "start_date desc", 1, kPublic),
            (Ids{"f", "c", "b", "a", "d", "e"}));
  EXPECT_EQ(Walk("disclosed = 2024-04 AND end = 2024", "disclosed_date asc", 1,
                 kPublic),
            (Ids{"a", "b"}));
  v1::ListIncidentsResponse page;
  ASSERT_THAT(ListPage("", "update_time desc", 1, "", &page, kPublic), IsOk());
  ASSERT_EQ(page.incidents_size(), 1);
  EXPECT_THAT(page.incidents(0).redacted_fields(),
              ::testing::Contains("motives"));
  // Members-only fields stay members-only, whatever the order.
  EXPECT_THAT(
      ListPage("motive = FINANCIAL", "start_date desc", 1, "", &page, kPublic),
      StatusIs(::grpc::StatusCode::PERMISSION_DENIED,
               HasSubstr("filter: motive")));
  EXPECT_THAT(ListPage("start = 2024 AND technique = \"T1486\"",
                       "disclosed_date asc", 1, "", &page, kPublic),
              StatusIs(::grpc::StatusCode::PERMISSION_DENIED,
                       HasSubstr("filter: technique")));
}

// A database written by the release before order_by (layout 2: no
// order\0 entries) gets them when it opens, and lists in every order.
TEST_F(ListOrderTest, ADatabaseOfLayoutTwoIsMigratedAndListsInOrder) {
  incidents_->Stop();
  {
    auto store = incident::IncidentStore::Open(incidents_->db_path());
    ASSERT_THAT(store.status(), IsOk());
    storage::WriteBatch older;
    const std::string prefix("order\0", 6);
    int entries = 0;
    ASSERT_THAT((*store)->db().ScanPrefix(
                    incident::IncidentStore::kIndexes, prefix,
                    storage::ScanDirection::kForward,
                    [&](absl::string_view key, absl::string_view) {
                      older.Delete(incident::IncidentStore::kIndexes, key);
                      ++entries;
                      return true;
                    },
                    storage::ReadView::kLatest),
                IsOk());
    EXPECT_EQ(entries, 3 * 6);  // three indexes, six incidents
    older.Put(incident::IncidentStore::kMeta, storage::kLayoutVersionKey, "2");
    ASSERT_THAT((*store)->db().Write(older), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  incidents_->Start();
  stub_ = incidents_->NewStub();
  EXPECT_EQ(*incidents_->store().db().Get(incident::IncidentStore::kMeta,
                                          storage::kLayoutVersionKey),
            "3");
  EXPECT_EQ(Walk("", "start_date asc", 1), (Ids{"d", "a", "b", "c", "f", "e"}));
  EXPECT_EQ(Walk("", "disclosed_date desc", 2),
            (Ids{"f", "b", "e", "a", "d", "c"}));
  EXPECT_EQ(Walk("", "update_time desc"), (Ids{"f", "e", "d", "c", "b", "a"}));
  // And the migrated entries are maintained from then on.
  ASSERT_THAT(Delete("d"), IsOk());
  EXPECT_EQ(Walk("", "start_date asc"), (Ids{"a", "b", "c", "f", "e"}));
}

}  // namespace
}  // namespace atlas::testing
