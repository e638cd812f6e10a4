// Tests of IncidentFollower against a fake incident-service (a
// CallbackService serving only WatchIncidentChanges from a script) on a
// free port, with the real IncidentReadModel (of a real CatalogCore) over a
// real RocksDB.
#include "catalog-service/incident_follower.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_store.h"
#include "common/api/types/countries.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
using incident::v1::IncidentChange;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

IncidentChange Change(int64_t seq, IncidentChange::ChangeType type,
                      const std::string& incident,
                      std::vector<std::string> victims,
                      std::vector<std::string> previous = {}, int year = 2024,
                      int month = 0) {
  IncidentChange c;
  c.set_sequence(seq);
  c.set_change_type(type);
  c.mutable_incident()->set_name("incidents/" + incident);
  for (auto& v : victims) {
    c.mutable_incident()->add_victims()->set_organization("organizations/" + v);
  }
  for (auto& p : previous) c.add_previous_victims("organizations/" + p);
  c.mutable_incident()->mutable_start_date()->set_year(year);
  c.mutable_incident()->mutable_start_date()->set_month(month);
  return c;
}

// Serves WatchIncidentChanges from a script: connection i sends
// plans[i].changes (regardless of start_sequence, so tests can resend old
// ones or skip some), then drops the stream with UNAVAILABLE or holds it
// open until cancelled. Connections beyond the script hold open with
// nothing to send.
class FakeIncidentService final
    : public incident::v1::IncidentService::CallbackService {
 public:
  struct Plan {
    std::vector<IncidentChange> changes;
    bool drop_at_end = false;
  };

  explicit FakeIncidentService(std::vector<Plan> plans)
      : plans_(std::move(plans)) {}

  ::grpc::ServerWriteReactor<IncidentChange>* WatchIncidentChanges(
      ::grpc::CallbackServerContext* context,
      const incident::v1::WatchIncidentChangesRequest* request) override {
    Plan plan;
    {
      absl::MutexLock lock(&mu_);
      auto auth = context->client_metadata().find("authorization");
      authorization_ =
          auth == context->client_metadata().end()
              ? ""
              : std::string(auth->second.data(), auth->second.size());
      size_t n = start_sequences_.size();
      start_sequences_.push_back(request->start_sequence());
      if (n < plans_.size()) plan = plans_[n];
      ++open_;
    }
    return new Writer(this, std::move(plan));
  }

  std::vector<int64_t> start_sequences() {
    absl::MutexLock lock(&mu_);
    return start_sequences_;
  }
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }
  int open_streams() {
    absl::MutexLock lock(&mu_);
    return open_;
  }

 private:
  class Writer : public ::grpc::ServerWriteReactor<IncidentChange> {
   public:
    Writer(FakeIncidentService* service, Plan plan)
        : service_(service), plan_(std::move(plan)) {
      Next();
    }
    void OnWriteDone(bool ok) override {
      if (!ok) {
        End(::grpc::Status::CANCELLED);
        return;
      }
      Next();
    }
    void OnCancel() override { End(::grpc::Status::CANCELLED); }
    void OnDone() override {
      {
        absl::MutexLock lock(&service_->mu_);
        --service_->open_;
      }
      delete this;
    }

   private:
    void Next() {
      if (next_ < plan_.changes.size()) {
        StartWrite(&plan_.changes[next_++]);
      } else if (plan_.drop_at_end) {
        End(::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "dropped"));
      }
      // Otherwise hold the stream open until the client cancels.
    }
    void End(const ::grpc::Status& status) {
      if (!finished_.exchange(true)) Finish(status);
    }

    FakeIncidentService* service_;
    Plan plan_;
    size_t next_ = 0;
    std::atomic<bool> finished_{false};
  };

  absl::Mutex mu_;
  std::vector<Plan> plans_;
  std::vector<int64_t> start_sequences_ ABSL_GUARDED_BY(mu_);
  std::string authorization_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

class IncidentFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        CatalogStore::Open(temp_.Sub("catalog"), /*sync_writes=*/false);
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    auto countries = api::CountryList::Default();
    ASSERT_THAT(countries, IsOk());
    core_ = std::make_unique<CatalogCore>(*store_, clock_, **countries);
    for (const char* id : {"vooruit", "parlement"}) {
      v1::CreateOrganizationRequest request;
      request.mutable_organization()->set_display_name(id);
      request.set_organization_id(id);
      ASSERT_THAT(core_->CreateOrganization(editor_, request), IsOk());
    }
  }
  void TearDown() override {
    if (follower_) follower_->Stop();
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  void Serve(std::vector<FakeIncidentService::Plan> plans) {
    fake_ = std::make_unique<FakeIncidentService>(std::move(plans));
    ::grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(fake_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void Follow() {
    IncidentFollower::Options options;
    options.api_key = kServiceKey;
    options.initial_backoff = absl::Milliseconds(5);
    options.max_backoff = absl::Milliseconds(50);
    follower_ = std::make_unique<IncidentFollower>(
        core_->read_model(),
        ::grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                              ::grpc::InsecureChannelCredentials()),
        options);
    follower_->Start();
  }
  int64_t Cursor() { return *core_->IncidentCursor(); }
  v1::Organization Org(const std::string& id) {
    v1::GetOrganizationRequest request;
    request.set_name("organizations/" + id);
    return *core_->GetOrganization(member_, request);
  }

  TempDir temp_;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  auth::Caller editor_{auth::Role::kEditor, "editor"};
  auth::Caller member_{auth::Role::kMember, "member"};
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<CatalogCore> core_;
  std::unique_ptr<FakeIncidentService> fake_;
  std::unique_ptr<::grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<IncidentFollower> follower_;
};

TEST_F(IncidentFollowerTest, AppliesChangesToTheReadModelWithTheServiceKey) {
  Serve(
      {{{Change(1, IncidentChange::CREATED, "ransom", {"vooruit"}, {}, 2024, 3),
         Change(2, IncidentChange::CREATED, "older", {"vooruit"}, {}, 2022),
         Change(3, IncidentChange::UPDATED, "ransom", {"parlement"},
                {"vooruit"}, 2024, 4),
         Change(4, IncidentChange::CREATED, "both", {"vooruit", "parlement"},
                {}, 2023)}}});
  Follow();
  ASSERT_TRUE(WaitFor([&] { return Cursor() == 4; }));
  v1::Organization vooruit = Org("vooruit");
  EXPECT_EQ(vooruit.incident_count(), 2);
  EXPECT_THAT(vooruit.linked_incidents(),
              ElementsAre("incidents/both", "incidents/older"));
  EXPECT_EQ(vooruit.latest_incident_date().year(), 2023);
  v1::Organization parlement = Org("parlement");
  EXPECT_EQ(parlement.incident_count(), 2);
  EXPECT_THAT(parlement.linked_incidents(),
              ElementsAre("incidents/ransom", "incidents/both"));
  EXPECT_EQ(parlement.latest_incident_date().month(), 4);
  EXPECT_EQ(fake_->authorization(), std::string("Bearer ") + kServiceKey);
  EXPECT_THAT(fake_->start_sequences(), ElementsAre(1));

  // A deleted incident unlinks; the Delete precondition follows the model.
  follower_->Stop();
  server_->Shutdown(std::chrono::system_clock::now());
  Serve({{{Change(5, IncidentChange::DELETED, "both", {"vooruit", "parlement"},
                  {"vooruit", "parlement"})}}});
  Follow();
  ASSERT_TRUE(WaitFor([&] { return Cursor() == 5; }));
  EXPECT_THAT(fake_->start_sequences(), ElementsAre(5));
  EXPECT_THAT(Org("vooruit").linked_incidents(),
              ElementsAre("incidents/older"));
  EXPECT_EQ(Org("parlement").incident_count(), 1);
}

TEST_F(IncidentFollowerTest,
       ReconnectsAfterADroppedStreamAndCountsNothingTwice) {
  Serve({
      {{Change(1, IncidentChange::CREATED, "a", {"vooruit"}),
        Change(2, IncidentChange::CREATED, "b", {"vooruit"})},
       /*drop_at_end=*/true},
      // The next stream resends what was already applied: skipped.
      {{Change(1, IncidentChange::CREATED, "a", {"vooruit"}),
        Change(2, IncidentChange::CREATED, "b", {"vooruit"}),
        Change(3, IncidentChange::CREATED, "c", {"vooruit"})},
       /*drop_at_end=*/true},
      {{Change(4, IncidentChange::CREATED, "d", {"parlement"})}},
  });
  Follow();
  ASSERT_TRUE(WaitFor([&] { return Cursor() == 4; }));
  EXPECT_THAT(fake_->start_sequences(), ElementsAre(1, 3, 4));
  EXPECT_EQ(Org("vooruit").incident_count(), 3);
  EXPECT_EQ(Org("parlement").incident_count(), 1);
  EXPECT_EQ(follower_->applied(), 4);
}

TEST_F(IncidentFollowerTest, AGapIsLoggedAndResubscribedFromTheCursor) {
  Serve({
      {{Change(1, IncidentChange::CREATED, "a", {"vooruit"}),
        Change(3, IncidentChange::CREATED, "c", {"vooruit"})}},
      {{Change(2, IncidentChange::CREATED, "b", {"vooruit"}),
        Change(3, IncidentChange::CREATED, "c", {"vooruit"})}},
  });
  Follow();
  ASSERT_TRUE(WaitFor([&] { return Cursor() == 3; }));
  EXPECT_EQ(follower_->gaps_seen(), 1);
  EXPECT_THAT(fake_->start_sequences(), ElementsAre(1, 2));
  EXPECT_EQ(Org("vooruit").incident_count(), 3);
}

TEST_F(IncidentFollowerTest, CoreSkipsOldChangesAndRefusesGaps) {
  ASSERT_THAT(core_->ApplyIncidentChange(
                  Change(1, IncidentChange::CREATED, "a", {"vooruit"})),
              IsOk());
  ASSERT_THAT(core_->ApplyIncidentChange(
                  Change(1, IncidentChange::CREATED, "a", {"vooruit"})),
              IsOk());
  EXPECT_EQ(Org("vooruit").incident_count(), 1);
  EXPECT_THAT(core_->ApplyIncidentChange(
                  Change(3, IncidentChange::CREATED, "c", {"vooruit"})),
              ::atlas::testing::StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(Cursor(), 1);
}

// The cursor belongs to a changelog generation: the first change that
// names one sets it; a change of another generation is refused with nothing
// written; a snapshot reset sets the new one.
TEST_F(IncidentFollowerTest, CoreKeepsTheCursorsGenerationAndRefusesAnother) {
  IncidentChange first = Change(1, IncidentChange::CREATED, "a", {"vooruit"});
  first.set_changelog_generation("gen-a");
  ASSERT_THAT(core_->ApplyIncidentChange(first), IsOk());
  EXPECT_EQ(*core_->read_model().IncidentGeneration(), "gen-a");
  IncidentChange other = Change(2, IncidentChange::CREATED, "b", {"vooruit"});
  other.set_changelog_generation("gen-b");
  EXPECT_THAT(core_->ApplyIncidentChange(other),
              ::atlas::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                         ::testing::HasSubstr("gen-b")));
  EXPECT_EQ(Cursor(), 1);
  EXPECT_EQ(Org("vooruit").incident_count(), 1);
  // No generation (an older incident-service): not checked.
  ASSERT_THAT(core_->ApplyIncidentChange(
                  Change(2, IncidentChange::CREATED, "b", {"vooruit"})),
              IsOk());
  EXPECT_EQ(*core_->read_model().IncidentGeneration(), "gen-a");
  // A resynchronisation takes the new generation with its cursor.
  incident::v1::Incident listed;
  listed.set_name("incidents/c");
  listed.add_victims()->set_organization("organizations/parlement");
  auto token = core_->read_model().ResetToSnapshot({listed}, 6, "gen-b");
  ASSERT_THAT(token, IsOk());
  ASSERT_THAT(core_->read_model().WaitDurable(*token), IsOk());
  EXPECT_EQ(*core_->read_model().IncidentGeneration(), "gen-b");
  EXPECT_EQ(Cursor(), 6);
  EXPECT_EQ(Org("vooruit").incident_count(), 0);
  EXPECT_EQ(Org("parlement").incident_count(), 1);
  other.set_sequence(7);
  EXPECT_THAT(core_->ApplyIncidentChange(other), IsOk());
}

TEST_F(IncidentFollowerTest, StopIsPromptWithAnOpenStream) {
  Serve({{{Change(1, IncidentChange::CREATED, "a", {"vooruit"})}}});
  Follow();
  ASSERT_TRUE(WaitFor([&] { return Cursor() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return fake_->open_streams() == 1; }));
  absl::Time start = absl::Now();
  follower_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(WaitFor([&] { return fake_->open_streams() == 0; }));
}

TEST_F(IncidentFollowerTest, StopIsPromptWhileBackingOff) {
  Serve({});
  server_->Shutdown(std::chrono::system_clock::now());  // nobody listens
  IncidentFollower::Options options;
  options.initial_backoff = absl::Seconds(30);
  options.max_backoff = absl::Seconds(60);
  follower_ = std::make_unique<IncidentFollower>(
      core_->read_model(),
      ::grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                            ::grpc::InsecureChannelCredentials()),
      options);
  follower_->Start();
  ASSERT_TRUE(WaitFor([&] { return follower_->streams_opened() >= 1; }));
  absl::Time start = absl::Now();
  follower_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(Cursor(), 0);
}

}  // namespace
}  // namespace atlas::catalog
