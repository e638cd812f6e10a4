// Contract tests of SearchIncidents (issue 16) through a real
// catalog-service and incident-service on port 0 over RocksDB in temp
// dirs: words by their stems, snippets with byte-range highlights, the
// ListIncidents filter and its access rule, date orders, paging and its
// bound tokens, facets, every bad input by its field, updates and deletes
// followed, a restart resumed, and members-only text that a public caller
// can neither match, rank by nor see.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "atlas/incident/v1/incident_search.pb.h"
#include "incident-service/search/search_indexer.h"
#include "tests/incident/veris_contract_fixture.h"

namespace atlas::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
namespace v1 = ::atlas::incident::v1;
using Date = ::atlas::type::v1::PartialDate;

constexpr char kPublic[] = "";

Date Year(int year, int month = 0) {
  Date d;
  d.set_year(year);
  d.set_month(month);
  return d;
}

class SearchContractTest : public VerisContractTest {
 protected:
  void SetUp() override {
    VerisContractTest::SetUp();
    // hospital: NL, 2023-05, ransomware; threat actor and source excerpt
    // are members-only.
    v1::CreateIncidentRequest hospital = Plain("hospital");
    v1::Incident* h = hospital.mutable_incident();
    h->set_title("Ransomware attack on regional hospitals");
    h->set_summary("Patient records were encrypted & <held> for ransom.");
    h->set_description("The hospitals postponed surgeries for a week.");
    h->clear_countries();
    h->add_countries("NL");
    h->add_incident_types(v1::RANSOMWARE);
    *h->mutable_start_date() = Year(2023, 5);
    h->add_threat_actors()->set_name("Zeppelinbear");
    v1::CreateSourceRequest* source = hospital.add_sources();
    source->mutable_source()->set_url("https://news.example/hospital");
    source->mutable_source()->set_title("Hospital report");
    source->mutable_source()->set_excerpt("negotiators quietly paid");
    ASSERT_THAT(Create(hospital), IsOk());

    // party: BE, 2024, DDoS against a party's website.
    v1::CreateIncidentRequest party = Plain("party");
    party.mutable_incident()->set_title("Party website knocked offline");
    party.mutable_incident()->set_summary(
        "A denial of service attack hit the party's website during the "
        "campaign.");
    party.mutable_incident()->add_incident_types(v1::DDOS);
    *party.mutable_incident()->mutable_start_date() = Year(2024);
    ASSERT_THAT(Create(party), IsOk());

    // parliament: BE, no start date, website and email.
    v1::CreateIncidentRequest parliament = Plain("parliament");
    parliament.mutable_incident()->set_title(
        "Parliament IT under attack for days");
    parliament.mutable_incident()->set_summary(
        "Email and the website of the parliament were unreachable.");
    ASSERT_THAT(Create(parliament), IsOk());
    WaitIndexed();
  }

  void WaitIndexed() {
    ASSERT_TRUE(incidents_->search_indexer().WaitApplied(
        incidents_->changelog().durable_next_sequence(), absl::Seconds(30)));
  }

  ::grpc::Status Search(const v1::SearchIncidentsRequest& r,
                        v1::SearchIncidentsResponse* out,
                        const std::string& key = kMemberKey) {
    return stub_->SearchIncidents(ContextWithKey(key).get(), r, out);
  }

  static v1::SearchIncidentsRequest Query(const std::string& query,
                                          const std::string& filter = "",
                                          const std::string& order_by = "") {
    v1::SearchIncidentsRequest r;
    r.set_query(query);
    r.set_filter(filter);
    r.set_order_by(order_by);
    return r;
  }

  // The ids of the first page, or {"error: <code> <message>"}.
  std::vector<std::string> Ids(const v1::SearchIncidentsRequest& r,
                               const std::string& key = kMemberKey) {
    v1::SearchIncidentsResponse out;
    ::grpc::Status s = Search(r, &out, key);
    if (!s.ok()) {
      return {absl::StrCat("error: ", s.error_code(), " ", s.error_message())};
    }
    std::vector<std::string> ids;
    for (const v1::SearchResult& result : out.results()) {
      ids.push_back(result.incident().name().substr(10));  // "incidents/"
    }
    return ids;
  }
};

TEST_F(SearchContractTest, FindsWordsByTheirStems) {
  // "hospital" matches "hospitals"; every word is required.
  EXPECT_THAT(Ids(Query("hospital")), ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("website")),
              UnorderedElementsAre("party", "parliament"));
  EXPECT_THAT(Ids(Query("website campaign")), ElementsAre("party"));
  EXPECT_THAT(Ids(Query("website OR surgeries")),
              UnorderedElementsAre("party", "parliament", "hospital"));
  EXPECT_THAT(Ids(Query("website -campaign")), ElementsAre("parliament"));
  EXPECT_THAT(Ids(Query("\"under attack\"")), ElementsAre("parliament"));
  EXPECT_THAT(Ids(Query("parl*")), ElementsAre("parliament"));
  EXPECT_THAT(Ids(Query("title:offline")), ElementsAre("party"));
  EXPECT_THAT(Ids(Query("title:website")), ElementsAre("party"));
  EXPECT_THAT(Ids(Query("country:nl attack")), ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("victim:clinic hospital")), ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("nothingmatchesthis")), IsEmpty());
}

TEST_F(SearchContractTest, SnippetsMarkTheMatchedBytesOfPlainText) {
  v1::SearchIncidentsResponse out;
  ASSERT_THAT(Search(Query("held ransom"), &out), IsOk());
  ASSERT_EQ(out.results_size(), 1);
  const v1::SearchResult& result = out.results(0);
  EXPECT_GT(result.score(), 0);
  ASSERT_FALSE(result.snippets().empty());
  const v1::SearchSnippet* summary = nullptr;
  for (const v1::SearchSnippet& s : result.snippets()) {
    if (s.field() == "summary") summary = &s;
  }
  ASSERT_NE(summary, nullptr);
  // Plain text: the escapes Xapian adds are undone.
  EXPECT_THAT(summary->text(), HasSubstr("encrypted & <held> for ransom"));
  std::vector<std::string> marked;
  for (const auto& h : summary->highlights()) {
    ASSERT_LE(h.start(), h.end());
    ASSERT_LE(h.end(), static_cast<int>(summary->text().size()));
    marked.push_back(summary->text().substr(h.start(), h.end() - h.start()));
  }
  EXPECT_THAT(marked, ElementsAre("held", "ransom"));
}

TEST_F(SearchContractTest, PublicCallersNeverMatchRankOrSeeMembersText) {
  // The threat actor and the source's excerpt are members-only.
  EXPECT_THAT(Ids(Query("zeppelinbear")), ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("negotiators")), ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("zeppelinbear"), kPublic), IsEmpty());
  EXPECT_THAT(Ids(Query("negotiators"), kPublic), IsEmpty());
  EXPECT_THAT(Ids(Query("hospital OR zeppelinbear"), kPublic),
              ElementsAre("hospital"));

  // What a public caller gets is the public view, and its snippets come
  // from public text only.
  v1::SearchIncidentsResponse out;
  ASSERT_THAT(
      Search(Query("hospital OR zeppelinbear OR negotiators"), &out, kPublic),
      IsOk());
  ASSERT_EQ(out.results_size(), 1);
  EXPECT_TRUE(out.results(0).incident().threat_actors().empty());
  EXPECT_THAT(out.results(0).incident().redacted_fields(),
              ::testing::Contains("threat_actors"));
  for (const v1::SearchSnippet& s : out.results(0).snippets()) {
    EXPECT_THAT(s.text(), Not(HasSubstr("Zeppelin")));
    EXPECT_THAT(s.text(), Not(HasSubstr("negotiators")));
  }
  // A member sees the record whole.
  ASSERT_THAT(Search(Query("zeppelinbear"), &out), IsOk());
  ASSERT_EQ(out.results_size(), 1);
  EXPECT_EQ(out.results(0).incident().threat_actors(0).name(), "Zeppelinbear");
}

TEST_F(SearchContractTest, FiltersAsListIncidentsDoesWithItsAccessRule) {
  EXPECT_THAT(Ids(Query("attack", "country = \"BE\"")),
              UnorderedElementsAre("party", "parliament"));
  EXPECT_THAT(Ids(Query("attack", "incident_type = RANSOMWARE")),
              ElementsAre("hospital"));
  // Undated incidents match no date term.
  EXPECT_THAT(Ids(Query("attack", "start >= 2024-01-01")),
              ElementsAre("party"));
  EXPECT_THAT(Ids(Query("attack", "start <= 2023-12")),
              ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("attack", "start = 2023-05-17")),
              ElementsAre("hospital"));
  // Members-only fields need a MEMBER key, before anything is read.
  EXPECT_THAT(Ids(Query("attack", "motive = FINANCIAL"), kPublic),
              ElementsAre(HasSubstr("error: 7 filter: motive")));
  EXPECT_THAT(Ids(Query("attack", "motive = FINANCIAL")), IsEmpty());
  EXPECT_THAT(Ids(Query("attack", "country = nl OR")),
              ElementsAre(HasSubstr("error: 3 filter:")));
}

TEST_F(SearchContractTest, OrdersByDateWithUndatedLast) {
  EXPECT_THAT(Ids(Query("attack OR website", "", "start_date desc")),
              ElementsAre("party", "hospital", "parliament"));
  EXPECT_THAT(Ids(Query("attack OR website", "", "start_date")),
              ElementsAre("hospital", "party", "parliament"));
  EXPECT_THAT(Ids(Query("attack", "", "create_time desc")),
              ElementsAre(HasSubstr("error: 3 order_by:")));
  EXPECT_THAT(Ids(Query("attack", "", "start_date sideways")),
              ElementsAre(HasSubstr("error: 3 order_by:")));
}

TEST_F(SearchContractTest, PagesHoldEveryMatchOnceAndTokensAreBound) {
  for (int i = 0; i < 7; ++i) {
    v1::CreateIncidentRequest r = Plain(absl::StrCat("leak-", i));
    r.mutable_incident()->set_title(absl::StrCat("Data leak number ", i));
    ASSERT_THAT(Create(r), IsOk());
  }
  WaitIndexed();
  v1::SearchIncidentsRequest r = Query("leak");
  r.set_page_size(3);
  std::set<std::string> seen;
  int pages = 0;
  v1::SearchIncidentsResponse out;
  do {
    ASSERT_THAT(Search(r, &out), IsOk());
    EXPECT_EQ(out.total_size(), 7);
    for (const auto& result : out.results()) {
      EXPECT_TRUE(seen.insert(result.incident().name()).second);
    }
    r.set_page_token(out.next_page_token());
    ++pages;
  } while (!out.next_page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 7u);

  // A token belongs to its query, filter, order and tier.
  v1::SearchIncidentsRequest first = Query("leak");
  first.set_page_size(3);
  ASSERT_THAT(Search(first, &out), IsOk());
  ASSERT_FALSE(out.next_page_token().empty());
  for (auto change :
       {+[](v1::SearchIncidentsRequest& q) { q.set_query("data"); },
        +[](v1::SearchIncidentsRequest& q) {
          q.set_filter("country = \"BE\"");
        },
        +[](v1::SearchIncidentsRequest& q) { q.set_order_by("start_date"); }}) {
    v1::SearchIncidentsRequest next = first;
    next.set_page_token(out.next_page_token());
    change(next);
    v1::SearchIncidentsResponse ignored;
    EXPECT_THAT(
        Search(next, &ignored),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  }
  v1::SearchIncidentsRequest next = first;
  next.set_page_token(out.next_page_token());
  v1::SearchIncidentsResponse ignored;
  EXPECT_THAT(
      Search(next, &ignored, kPublic),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  next.set_page_token("garbage");
  EXPECT_THAT(
      Search(next, &ignored),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(SearchContractTest, CountsFacetsOverEveryMatch) {
  v1::SearchIncidentsResponse out;
  ASSERT_THAT(Search(Query("attack OR website"), &out), IsOk());
  EXPECT_EQ(out.total_size(), 3);
  EXPECT_TRUE(out.facets_exact());
  std::map<std::string, std::map<std::string, int64_t>> facets;
  for (const v1::SearchFacet& f : out.facets()) {
    for (const auto& v : f.values()) facets[f.field()][v.value()] = v.count();
  }
  EXPECT_EQ(facets["country"],
            (std::map<std::string, int64_t>{{"BE", 2}, {"NL", 1}}));
  EXPECT_EQ(facets["incident_type"],
            (std::map<std::string, int64_t>{{"DDOS", 1}, {"RANSOMWARE", 1}}));
  EXPECT_EQ(facets["start_year"],
            (std::map<std::string, int64_t>{{"2023", 1}, {"2024", 1}}));
  // Ordered by count, then value.
  const v1::SearchFacet& country = out.facets(0);
  ASSERT_EQ(country.field(), "country");
  EXPECT_EQ(country.values(0).value(), "BE");
}

TEST_F(SearchContractTest, RejectsBadInputNamingTheField) {
  v1::SearchIncidentsResponse out;
  EXPECT_THAT(Search(Query(""), &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query")));
  EXPECT_THAT(Search(Query("   "), &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query")));
  EXPECT_THAT(Search(Query(std::string(1001, 'a')), &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query")));
  std::string many;
  for (int i = 0; i < 65; ++i) absl::StrAppend(&many, "w", i, " ");
  EXPECT_THAT(Search(Query(many), &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("query: at most 64")));
  EXPECT_THAT(Search(Query(std::string(10240, 'x')), &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query")));
  std::string ored = "w0";
  for (int i = 1; i < 1000 && ored.size() < 990; ++i) {
    absl::StrAppend(&ored, " OR w", i);
  }
  EXPECT_THAT(Search(Query(ored), &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("query: at most 64")));
  // Bounded answers, not errors: an unbalanced quote reads as a phrase to
  // the end; a wildcard stands for at most 64 words.
  EXPECT_THAT(Ids(Query("\"under attack")), ElementsAre("parliament"));
  EXPECT_THAT(Search(Query("a*"), &out), IsOk());
  EXPECT_THAT(Search(Query("*"), &out),
              ::testing::Not(StatusIs(absl::StatusCode::kInternal)));
  v1::SearchIncidentsRequest r = Query("attack");
  r.set_page_size(-1);
  EXPECT_THAT(Search(r, &out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("page_size")));
  // Over the maximum is capped, not refused.
  r.set_page_size(100000);
  EXPECT_THAT(Search(r, &out), IsOk());
}

TEST_F(SearchContractTest, FollowsUpdatesAndDeletes) {
  Incident fields;
  fields.set_title("Parliament email outage");
  ASSERT_THAT(Update("parliament", fields, {"title"}), IsOk());
  ASSERT_THAT(Delete("party"), IsOk());
  WaitIndexed();
  EXPECT_THAT(Ids(Query("outage")), ElementsAre("parliament"));
  EXPECT_THAT(Ids(Query("title:attack")), ElementsAre("hospital"));
  EXPECT_THAT(Ids(Query("campaign")), IsEmpty());
}

// Searches run on gRPC's threads at once: nothing they use is shared
// unguarded (a Xapian::Stem is not thread-safe; under ASan a shared one
// corrupts the heap).
TEST_F(SearchContractTest, ConcurrentSearchesAllGetTheirAnswer) {
  constexpr int kThreads = 8;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = incidents_->NewStub();
      for (int i = 0; i < 25; ++i) {
        v1::SearchIncidentsRequest r =
            Query(t % 2 ? "hospitals OR website" : "attack");
        v1::SearchIncidentsResponse out;
        ::grpc::Status s = stub->SearchIncidents(
            ContextWithKey(t % 3 ? kMemberKey : kPublic).get(), r, &out);
        if (!s.ok() || out.results_size() != 3 ||
            out.results(0).snippets().empty()) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
}

TEST_F(SearchContractTest, ResumesAfterARestart) {
  incidents_->Stop();
  incidents_->Start();
  stub_ = incidents_->NewStub();
  WaitIndexed();
  EXPECT_THAT(Ids(Query("hospital")), ElementsAre("hospital"));
  v1::CreateIncidentRequest r = Plain("after");
  r.mutable_incident()->set_title("Breach reported after the restart");
  ASSERT_THAT(Create(r), IsOk());
  WaitIndexed();
  EXPECT_THAT(Ids(Query("restart")), ElementsAre("after"));
}

}  // namespace
}  // namespace atlas::testing
