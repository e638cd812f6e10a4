// Contract tests of IncidentService.BatchCreateIncidents through a real
// server and a real catalog-service: all or nothing, errors that name the
// failing request, one changelog entry per incident in request order,
// request_id replays per request, and the victim check split across
// catalog calls when a batch names more organisations than one
// BatchGetOrganizations takes.
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
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
using ::atlas::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::atlas::incident::v1;

class BatchCreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
    catalog_stub_ = catalog_.NewStub();
    for (const char* id : {"vooruit", "acme"}) AddOrganization(id);
  }

  void AddOrganization(const std::string& id) {
    catalog::v1::CreateOrganizationRequest org;
    org.set_organization_id(id);
    org.mutable_organization()->set_display_name(id);
    catalog::v1::Organization created;
    ASSERT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  static v1::CreateIncidentRequest NewIncident(const std::string& id,
                                               const std::string& victim) {
    v1::CreateIncidentRequest r;
    r.set_incident_id(id);
    v1::Incident* i = r.mutable_incident();
    i->set_title("Incident " + id);
    i->add_victims()->set_organization("organizations/" + victim);
    i->add_countries("BE");
    i->add_motives(v1::FINANCIAL);  // members-only
    return r;
  }

  ::grpc::Status Batch(const std::vector<v1::CreateIncidentRequest>& requests,
                       v1::BatchCreateIncidentsResponse* out,
                       const std::string& key = kEditorKey) {
    v1::BatchCreateIncidentsRequest r;
    for (const auto& c : requests) *r.add_requests() = c;
    return stub_->BatchCreateIncidents(ContextWithKey(key).get(), r, out);
  }

  ::grpc::Status Get(const std::string& name, v1::Incident* out,
                     const std::string& key = kMemberKey) {
    v1::GetIncidentRequest r;
    r.set_name(name);
    return stub_->GetIncident(ContextWithKey(key).get(), r, out);
  }

  std::vector<std::string> Names(const v1::BatchCreateIncidentsResponse& r) {
    std::vector<std::string> names;
    for (const auto& i : r.incidents()) names.push_back(i.name());
    return names;
  }

  int64_t NextSequence() { return incidents_->changelog().next_sequence(); }

  // The changelog from `from` on: (sequence, incident name) pairs.
  std::vector<std::pair<int64_t, std::string>> Changes(int64_t from) {
    std::deque<v1::IncidentChange> changes;
    EXPECT_THAT(incidents_->store().ReadChanges(from, 10000, &changes),
                absl::OkStatus());
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& c : changes)
      out.emplace_back(c.sequence(), c.incident().name());
    return out;
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<v1::IncidentService::Stub> stub_;
  std::unique_ptr<catalog::v1::CatalogService::Stub> catalog_stub_;
};

TEST_F(BatchCreateTest,
       CreatesEveryIncidentInRequestOrderWithConsecutiveChanges) {
  const int64_t first = NextSequence();
  v1::BatchCreateIncidentsResponse out;
  ASSERT_THAT(Batch({NewIncident("a", "vooruit"), NewIncident("b", "acme"),
                     NewIncident("c", "vooruit")},
                    &out),
              IsOk());
  EXPECT_THAT(Names(out),
              ElementsAre("incidents/a", "incidents/b", "incidents/c"));
  EXPECT_THAT(Changes(first), ElementsAre(std::pair(first, "incidents/a"),
                                          std::pair(first + 1, "incidents/b"),
                                          std::pair(first + 2, "incidents/c")));
  // Each reads back as the batch answered it (the editor sees every field).
  for (const v1::Incident& created : out.incidents()) {
    v1::Incident got;
    ASSERT_THAT(Get(created.name(), &got), IsOk());
    EXPECT_EQ(got.SerializeAsString(), created.SerializeAsString());
    EXPECT_EQ(got.motives_size(), 1);
    EXPECT_FALSE(got.etag().empty());
  }
  // Creation order is the list order (newest first).
  v1::ListIncidentsRequest list;
  v1::ListIncidentsResponse page;
  ASSERT_THAT(
      stub_->ListIncidents(ContextWithKey(kMemberKey).get(), list, &page),
      IsOk());
  ASSERT_EQ(page.incidents_size(), 3);
  EXPECT_EQ(page.incidents(0).name(), "incidents/c");
  EXPECT_EQ(page.incidents(2).name(), "incidents/a");
}

TEST_F(BatchCreateTest, AnInvalidRequestRejectsTheWholeBatchAndNamesIt) {
  const int64_t before = NextSequence();
  v1::CreateIncidentRequest bad = NewIncident("b", "acme");
  bad.mutable_incident()->clear_title();
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(Batch({NewIncident("a", "vooruit"), bad}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("requests[1].incident.title")));
  v1::CreateIncidentRequest bad_country = NewIncident("c", "acme");
  bad_country.mutable_incident()->add_countries("XX");
  EXPECT_THAT(Batch({bad_country}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("requests[0].incident.countries[1]")));
  EXPECT_EQ(NextSequence(), before);
  v1::Incident got;
  EXPECT_THAT(Get("incidents/a", &got), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BatchCreateTest, AMissingVictimNamesTheRequestAndTheVictim) {
  const int64_t before = NextSequence();
  v1::CreateIncidentRequest ghost = NewIncident("c", "vooruit");
  ghost.mutable_incident()->add_victims()->set_organization(
      "organizations/nobody");
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(
      Batch({NewIncident("a", "vooruit"), NewIncident("b", "acme"), ghost},
            &out),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("requests[2].incident.victims[1].organization: "
                         "organizations/nobody does not exist")));
  EXPECT_EQ(NextSequence(), before);
}

TEST_F(BatchCreateTest, IdsAndRequestIdsMustBeDistinctWithinABatch) {
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(
      Batch({NewIncident("a", "vooruit"), NewIncident("a", "acme")}, &out),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("requests[1].incident_id")));
  v1::CreateIncidentRequest x = NewIncident("x", "vooruit");
  v1::CreateIncidentRequest y = NewIncident("y", "acme");
  x.set_request_id("5f0c6a43-6a35-4d0b-9a55-3c1e2a1c2b10");
  y.set_request_id(x.request_id());
  EXPECT_THAT(Batch({x, y}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("requests[1].request_id")));
  EXPECT_EQ(NextSequence(), 1);
}

TEST_F(BatchCreateTest, AnExistingIdIsAlreadyExistsAndNothingIsCreated) {
  v1::Incident single;
  ASSERT_THAT(stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                    NewIncident("a", "vooruit"), &single),
              IsOk());
  const int64_t before = NextSequence();
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(
      Batch({NewIncident("b", "acme"), NewIncident("a", "acme")}, &out),
      StatusIs(
          absl::StatusCode::kAlreadyExists,
          HasSubstr("requests[1].incident_id: incidents/a already exists")));
  EXPECT_EQ(NextSequence(), before);
  v1::Incident got;
  EXPECT_THAT(Get("incidents/b", &got), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BatchCreateTest, ARepeatedRequestIdAnswersItsFirstResultInPlace) {
  v1::CreateIncidentRequest x = NewIncident("", "vooruit");  // generated id
  x.set_request_id("0b6f4a7e-2f8e-4c53-8d0c-6a9d6b1f0a01");
  v1::CreateIncidentRequest y = NewIncident("y", "acme");
  y.set_request_id("0b6f4a7e-2f8e-4c53-8d0c-6a9d6b1f0a02");
  v1::BatchCreateIncidentsResponse first;
  ASSERT_THAT(Batch({x, y}, &first), IsOk());
  const int64_t after_first = NextSequence();

  // The same batch again: both answered as before, nothing written.
  v1::BatchCreateIncidentsResponse again;
  ASSERT_THAT(Batch({x, y}, &again), IsOk());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(NextSequence(), after_first);

  // A batch mixing a replay and a new request creates only the new one.
  v1::BatchCreateIncidentsResponse mixed;
  ASSERT_THAT(Batch({NewIncident("z", "acme"), x}, &mixed), IsOk());
  EXPECT_THAT(Names(mixed),
              ElementsAre("incidents/z", first.incidents(0).name()));
  EXPECT_EQ(NextSequence(), after_first + 1);

  // A request_id reused for a different request is refused, naming it.
  v1::CreateIncidentRequest changed = x;
  changed.mutable_incident()->set_title("another");
  EXPECT_THAT(Batch({NewIncident("w", "acme"), changed}, &mixed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("requests[1].request_id")));

  // A request first sent alone replays inside a batch too.
  v1::CreateIncidentRequest alone = NewIncident("alone", "acme");
  alone.set_request_id("0b6f4a7e-2f8e-4c53-8d0c-6a9d6b1f0a03");
  v1::Incident created;
  ASSERT_THAT(
      stub_->CreateIncident(ContextWithKey(kEditorKey).get(), alone, &created),
      IsOk());
  ASSERT_THAT(Batch({alone}, &mixed), IsOk());
  EXPECT_EQ(mixed.incidents(0).SerializeAsString(),
            created.SerializeAsString());
}

TEST_F(BatchCreateTest, BatchSizeIsOneToOneThousand) {
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(Batch({}, &out), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("requests")));
  std::vector<v1::CreateIncidentRequest> many;
  for (int i = 0; i < 1001; ++i)
    many.push_back(NewIncident(absl::StrCat("i", i), "acme"));
  EXPECT_THAT(Batch(many, &out), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("requests")));
  many.pop_back();
  ASSERT_THAT(Batch(many, &out), IsOk());
  EXPECT_EQ(out.incidents_size(), 1000);
  EXPECT_EQ(NextSequence(), 1001);
}

TEST_F(BatchCreateTest, OnlyEditorsMayBatchCreate) {
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(Batch({NewIncident("a", "acme")}, &out, ""),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Batch({NewIncident("a", "acme")}, &out, kMemberKey),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(NextSequence(), 1);
}

// 600 incidents with two victims each name 1,200 organisations, more than
// one BatchGetOrganizations takes (1,000): the check is split, and a
// victim missing from the second part is still found and named.
TEST_F(BatchCreateTest, VictimCheckCoversBatchesBeyondOneCatalogCall) {
  std::vector<v1::CreateIncidentRequest> requests;
  for (int i = 0; i < 600; ++i) {
    const std::string a = absl::StrCat("org-a", i);
    const std::string b = absl::StrCat("org-b", i);
    AddOrganization(a);
    if (i != 599) AddOrganization(b);
    v1::CreateIncidentRequest r = NewIncident(absl::StrCat("inc-", i), a);
    r.mutable_incident()->add_victims()->set_organization("organizations/" + b);
    requests.push_back(std::move(r));
  }
  v1::BatchCreateIncidentsResponse out;
  EXPECT_THAT(
      Batch(requests, &out),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("requests[599].incident.victims[1].organization: "
                         "organizations/org-b599 does not exist")));
  EXPECT_EQ(NextSequence(), 1);
  AddOrganization("org-b599");
  ASSERT_THAT(Batch(requests, &out), IsOk());
  EXPECT_EQ(out.incidents_size(), 600);
}

// Concurrent CreateIncident calls are combined into groups (one catalog
// call, one write, one sync), but each gets the answer it would get alone:
// a missing victim fails only its own call, one of many calls racing for
// the same id wins, and calls sharing a request_id create once.
TEST_F(BatchCreateTest, ConcurrentCreatesAreCombinedButAnsweredAlone) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 10;
  struct Answer {
    int kind;
    ::grpc::Status status;
    std::string name;
  };
  std::vector<std::vector<Answer>> answers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = incidents_->NewStub();
      for (int k = 0; k < kPerThread; ++k) {
        const int kind = k % 5;
        v1::CreateIncidentRequest r;
        switch (kind) {
          case 0:  // a victim that does not exist
            r = NewIncident(absl::StrCat("ghost-", t, "-", k), "vooruit");
            r.mutable_incident()->mutable_victims(0)->set_organization(
                absl::StrCat("organizations/nobody-", t));
            break;
          case 1:  // every thread asks for the same id
            r = NewIncident("shared", "acme");
            break;
          case 2:  // the same request, retried by every thread
            r = NewIncident("", "acme");
            r.set_request_id(
                absl::StrCat("9a1d2c3b-0000-4000-8000-00000000000", k));
            break;
          default:
            r = NewIncident(absl::StrCat("inc-", t, "-", k), "vooruit");
        }
        v1::Incident out;
        ::grpc::Status s =
            stub->CreateIncident(ContextWithKey(kEditorKey).get(), r, &out);
        answers[t].push_back({kind, s, out.name()});
      }
    });
  }
  for (auto& th : threads) th.join();

  int shared_ok = 0;
  std::set<std::string> retried_names;
  for (int t = 0; t < kThreads; ++t) {
    for (const Answer& a : answers[t]) {
      switch (a.kind) {
        case 0:
          EXPECT_THAT(a.status,
                      StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr(absl::StrCat(
                                   "incident.victims[0].organization: "
                                   "organizations/nobody-",
                                   t, " does not exist"))));
          break;
        case 1:
          if (a.status.ok()) {
            ++shared_ok;
          } else {
            EXPECT_THAT(a.status,
                        StatusIs(absl::StatusCode::kAlreadyExists,
                                 HasSubstr("incidents/shared already exists")));
          }
          break;
        case 2:
          ASSERT_THAT(a.status, IsOk());
          retried_names.insert(a.name);
          break;
        default:
          EXPECT_THAT(a.status, IsOk());
      }
    }
  }
  EXPECT_EQ(shared_ok, 1);
  // Two request_ids (k = 2 and k = 7), each created once whoever sent it.
  EXPECT_EQ(retried_names.size(), 2u);
  // 4 plain creates per thread, "shared" once, the two retried requests.
  const int64_t created = kThreads * 4 + 1 + 2;
  EXPECT_EQ(NextSequence(), created + 1);
  const auto changes = Changes(1);
  ASSERT_EQ(changes.size(), static_cast<size_t>(created));
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].first, static_cast<int64_t>(i + 1));
  }
}

}  // namespace
}  // namespace atlas
