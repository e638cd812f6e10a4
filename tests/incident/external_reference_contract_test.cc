// Contract tests of Incident.external_references through a real server: a
// (system, id) pair names one incident (ALREADY_EXISTS naming the holder on
// create, batch and update, and for exactly one of concurrent creates), the
// `external_reference` filter finds it through its index, a delete or an
// update that drops the pair frees it and the deleted incident's log
// entries keep none of it, and a database written before the field existed
// opens and works with no migration.
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "incident-service/incident_query.h"
#include "incident-service/incident_store.h"
#include "tests/incident/veris_contract_fixture.h"

namespace atlas::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
namespace v1 = ::atlas::incident::v1;
using incident::IncidentIndex;

class ExternalReferenceTest : public VerisContractTest {
 protected:
  // The list planner's count of one index value (-1 on a storage error).
  int64_t Count(IncidentIndex index, const std::string& value) {
    absl::StatusOr<int64_t> count =
        incidents_->store().IndexCount(index, value);
    EXPECT_THAT(count.status(), IsOk());
    return count.value_or(-1);
  }
};

v1::Incident References(const std::vector<std::string>& keys) {
  v1::Incident i;
  for (const std::string& key : keys) {
    auto* r = i.add_external_references();
    r->set_system(key.substr(0, key.find(':')));
    r->set_id(key.substr(key.find(':') + 1));
  }
  return i;
}

TEST_F(ExternalReferenceTest,
       ASecondCreateOfAPairIsAlreadyExistsNamingTheHolder) {
  ASSERT_THAT(Create(WithReference("a", "veris", "X")), IsOk());
  // The system is compared lower-cased, as stored.
  EXPECT_THAT(Create(WithReference("b", "VERIS", "X")),
              StatusIs(::grpc::StatusCode::ALREADY_EXISTS,
                       HasSubstr("incident.external_references[0]: veris:X "
                                 "is already held by incidents/a")));
  // The id keeps its case: another pair. Another system: another pair.
  EXPECT_THAT(Create(WithReference("c", "veris", "x")), IsOk());
  EXPECT_THAT(Create(WithReference("d", "vcdb", "X")), IsOk());
  v1::Incident got;
  EXPECT_THAT(Get("b", &got), StatusIs(::grpc::StatusCode::NOT_FOUND));
}

TEST_F(ExternalReferenceTest, BatchesAreRefusedWholeForAHeldOrRepeatedPair) {
  ASSERT_THAT(Create(WithReference("a", "veris", "X")), IsOk());
  v1::BatchCreateIncidentsRequest held;
  *held.add_requests() = WithReference("b1", "veris", "new");
  *held.add_requests() = WithReference("b2", "VERIS", "X");
  EXPECT_THAT(BatchCreate(held),
              StatusIs(::grpc::StatusCode::ALREADY_EXISTS,
                       HasSubstr("requests[1].incident.external_references[0]"
                                 ": veris:X is already held by incidents/a")));
  v1::BatchCreateIncidentsRequest repeated;
  *repeated.add_requests() = WithReference("c1", "veris", "Y");
  *repeated.add_requests() = WithReference("c2", "veris", "Y");
  EXPECT_THAT(BatchCreate(repeated),
              StatusIs(::grpc::StatusCode::ALREADY_EXISTS,
                       HasSubstr("requests[1].incident.external_references[0]"
                                 ": veris:Y is already held by "
                                 "requests[0].incident")));
  v1::Incident got;
  for (const char* id : {"b1", "b2", "c1", "c2"}) {
    EXPECT_THAT(Get(id, &got), StatusIs(::grpc::StatusCode::NOT_FOUND)) << id;
  }
  EXPECT_THAT(Names("external_reference = \"veris:Y\""), IsEmpty());
  EXPECT_THAT(Names("external_reference = \"veris:new\""), IsEmpty());
}

TEST_F(ExternalReferenceTest, UpdatesTakeOnlyFreePairsAndFreeWhatTheyDrop) {
  ASSERT_THAT(Create(WithReference("a", "veris", "X")), IsOk());
  ASSERT_THAT(Create(Plain("b")), IsOk());
  EXPECT_THAT(Update("b", References({"veris:X"}), {"external_references"}),
              StatusIs(::grpc::StatusCode::ALREADY_EXISTS,
                       HasSubstr("incident.external_references[0]: veris:X "
                                 "is already held by incidents/a")));
  // The holder keeps its pair through its own updates.
  EXPECT_THAT(Update("a", References({"veris:X", "wikidata:Q1"}),
                     {"external_references"}),
              IsOk());
  // Dropped, the pair is free for another incident.
  ASSERT_THAT(Update("a", References({"wikidata:Q1"}), {"external_references"}),
              IsOk());
  EXPECT_THAT(Names("external_reference = \"veris:X\""), IsEmpty());
  ASSERT_THAT(Update("b", References({"veris:X"}), {"external_references"}),
              IsOk());
  EXPECT_THAT(Names("external_reference = \"veris:X\""),
              ElementsAre("incidents/b"));
  EXPECT_THAT(Names("external_reference = \"wikidata:Q1\""),
              ElementsAre("incidents/a"));
}

TEST_F(ExternalReferenceTest, OfConcurrentCreatesOfOnePairExactlyOneSucceeds) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const std::string pair_id = "R" + std::to_string(round);
    std::vector<::grpc::Status> results(kThreads);
    std::latch ready(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const auto request = WithReference(
            "race-" + std::to_string(round) + "-" + std::to_string(t), "veris",
            pair_id);
        ready.arrive_and_wait();
        results[t] = Create(request);
      });
    }
    for (std::thread& th : threads) th.join();
    int won = -1;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t].ok()) {
        EXPECT_EQ(won, -1) << "two creates of veris:" << pair_id << " won";
        won = t;
      }
    }
    ASSERT_NE(won, -1);
    const std::string winner =
        "incidents/race-" + std::to_string(round) + "-" + std::to_string(won);
    for (int t = 0; t < kThreads; ++t) {
      if (t == won) continue;
      EXPECT_THAT(results[t],
                  StatusIs(::grpc::StatusCode::ALREADY_EXISTS,
                           HasSubstr("veris:" + pair_id +
                                     " is already held by " + winner)));
    }
    EXPECT_THAT(Names("external_reference = \"veris:" + pair_id + "\""),
                ElementsAre(winner));
  }
}

TEST_F(ExternalReferenceTest, TheFilterIsServedByTheIndex) {
  ASSERT_THAT(Create(WithReference("a", "veris", "X")), IsOk());
  ASSERT_THAT(Create(WithReference("b", "veris", "Z")), IsOk());
  for (int n = 0; n < 5; ++n)
    ASSERT_THAT(Create(Plain("p" + std::to_string(n))), IsOk());
  EXPECT_THAT(Names("external_reference = \"veris:X\""),
              ElementsAre("incidents/a"));
  EXPECT_THAT(Names("external_reference = \"VERIS:X\""),
              ElementsAre("incidents/a"));
  EXPECT_THAT(Names("external_reference = \"veris:X\"", /*key=*/""),
              ElementsAre("incidents/a"));  // a public field
  EXPECT_THAT(Names("external_reference = \"veris:x\""), IsEmpty());
  v1::ListIncidentsResponse miss;
  ASSERT_THAT(List("external_reference = \"veris:nope\"", &miss), IsOk());
  EXPECT_THAT(miss.incidents(), IsEmpty());
  EXPECT_TRUE(miss.next_page_token().empty());
  EXPECT_THAT(Names("country = \"BE\" AND external_reference = \"veris:Z\""),
              ElementsAre("incidents/b"));

  // The planner picks the reference's index (one entry) over the country's.
  incident::IncidentQuery query(incidents_->store());
  incident::IncidentQuery::ListStats stats;
  v1::ListIncidentsRequest both;
  both.set_filter("country = \"BE\" AND external_reference = \"veris:Z\"");
  const auth::Caller member{auth::Role::kMember, "member"};
  ASSERT_THAT(query.ListIncidents(member, both, &stats).status(), IsOk());
  EXPECT_EQ(stats.driver, "external_reference");
  EXPECT_EQ(stats.examined, 1);

  for (const char* bad :
       {"external_reference = \"veris\"", "external_reference = \"1x:y\"",
        "external_reference = \"veris: y\"", "external_reference = \":y\"",
        "external_reference >= \"veris:X\""}) {
    v1::ListIncidentsResponse out;
    EXPECT_THAT(List(bad, &out),
                StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                         HasSubstr("filter: external_reference")))
        << bad;
  }
}

TEST_F(ExternalReferenceTest, ADeleteFreesThePairAndScrubsItFromTheLog) {
  ASSERT_THAT(Create(Full("gone")), IsOk());
  v1::Incident retitled;
  retitled.set_title("Renamed");
  ASSERT_THAT(Update("gone", retitled, {"title"}), IsOk());
  const std::string pair = std::string("veris:") + kVcdbId;
  ASSERT_THAT(Names("external_reference = \"" + pair + "\""),
              ElementsAre("incidents/gone"));
  ASSERT_THAT(Delete("gone"), IsOk());
  EXPECT_THAT(Names("external_reference = \"" + pair + "\""), IsEmpty());
  EXPECT_EQ(Count(IncidentIndex::kExternalReference, pair), 0);
  int entries = 0;
  ASSERT_THAT(incidents_->store().ScanChanges(
                  1,
                  [&](const v1::IncidentChange& change) {
                    if (change.incident().name() != "incidents/gone") {
                      return true;
                    }
                    ++entries;
                    EXPECT_THAT(change.incident().external_references(),
                                IsEmpty());
                    EXPECT_FALSE(change.incident().has_original_record());
                    EXPECT_THAT(change.incident().actions(), IsEmpty());
                    EXPECT_FALSE(change.incident().has_losses());
                    return true;
                  }),
              IsOk());
  EXPECT_EQ(entries, 3);  // created, updated, deleted
  // The pair names no incident any more: another may take it.
  EXPECT_THAT(Create(Full("again")), IsOk());
}

// A database written before external references existed has no
// external_ref index and holds no reference, so it needs no migration: it
// opens (its public views rewritten for the new policy, its counts, when
// recounted, right) and takes references from then on.
TEST_F(ExternalReferenceTest, ADatabaseWrittenBeforeOpensAndWorks) {
  ASSERT_THAT(Create(Plain("old-1")), IsOk());
  ASSERT_THAT(Create(Plain("old-2")), IsOk());
  incidents_->Stop();
  {
    auto store = incident::IncidentStore::Open(incidents_->db_path());
    ASSERT_THAT(store.status(), IsOk());
    storage::WriteBatch older;
    // As an older build left it: its redaction policy, no counts marker
    // (so this open recounts every index, the new one included).
    older.Put(incident::IncidentStore::kMeta, "public_view_policy",
              "atlas.incident.v1.Incident:cia_posture,motives,techniques,"
              "threat_actors");
    older.Delete(incident::IncidentStore::kMeta, "index_counts");
    ASSERT_THAT((*store)->db().Write(older), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  incidents_->Start();
  stub_ = incidents_->NewStub();
  v1::Incident got;
  ASSERT_THAT(Get("old-1", &got, /*key=*/""), IsOk());
  EXPECT_THAT(std::vector<std::string>(got.redacted_fields().begin(),
                                       got.redacted_fields().end()),
              ::testing::Contains("original_record"));
  EXPECT_THAT(Names("external_reference = \"veris:A\""), IsEmpty());
  ASSERT_THAT(Update("old-1", References({"veris:A"}), {"external_references"}),
              IsOk());
  EXPECT_THAT(Names("external_reference = \"veris:A\""),
              ElementsAre("incidents/old-1"));
  EXPECT_THAT(Create(WithReference("new", "veris", "A")),
              StatusIs(::grpc::StatusCode::ALREADY_EXISTS,
                       HasSubstr("held by incidents/old-1")));
  EXPECT_EQ(Count(IncidentIndex::kExternalReference, "veris:A"), 1);
  EXPECT_EQ(Count(IncidentIndex::kAll, ""), 2);
}

}  // namespace
}  // namespace atlas::testing
