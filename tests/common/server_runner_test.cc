// Tests of the gRPC runtime in common/grpc: ServerRunner (health, drain
// order, graceful shutdown), TerminationSignalWatcher, BoundedExecutor,
// RunUnary/RunUnaryOn, status conversion and main support. Servers listen on
// 127.0.0.1:0.
#include "common/grpc/server_runner.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "common/auth/api_keys.h"
#include "common/auth/key_files.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/status_conversion.h"
#include "common/grpc/unary.h"
#include "common/server/port_file.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::grpc_util {
namespace {
using auth::LoadKeysOrEmpty;
using concurrency::BoundedExecutor;
using server::WritePortFile;

using ::atlas::catalog::v1::CatalogService;
using ::atlas::catalog::v1::CreateOrganizationRequest;
using ::atlas::catalog::v1::GetOrganizationRequest;
using ::atlas::catalog::v1::Organization;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr char kServiceName[] = "atlas.catalog.v1.CatalogService";
constexpr char kHeldName[] = "organizations/held";

// A CatalogService whose GetOrganization either answers at once through
// RunUnary (display_name = the caller's role) or, for kHeldName, stays in
// flight until Release() or until the call is cancelled. CreateOrganization
// runs through RunUnaryOn on a one-slot executor.
class FakeCatalogService : public CatalogService::CallbackService {
 public:
  FakeCatalogService()
      : executor_(1, 1),
        reads_({.public_total = 2,
                .public_per_peer = 2,
                .keyed_total = 2,
                .service_total = 1}) {}

  // The budget of GetOrganization's RunUnary: two public reads at a time,
  // two keyed, one for the other service.
  CallerBudget& reads() { return reads_; }

  ::grpc::ServerUnaryReactor* GetOrganization(
      ::grpc::CallbackServerContext* context,
      const GetOrganizationRequest* request, Organization* response) override {
    if (request->name() == kHeldName) {
      auto* reactor = new HeldReactor(this);
      absl::MutexLock lock(&mu_);
      held_ = reactor;
      held_finished_ = false;
      return reactor;
    }
    return RunUnary(
        reads_, context, atlas::testing::TestKeys(), response,
        [](const auth::Caller& caller) -> absl::StatusOr<Organization> {
          Organization org;
          org.set_display_name(std::string(RoleName(caller.role)));
          return org;
        });
  }

  ::grpc::ServerUnaryReactor* CreateOrganization(
      ::grpc::CallbackServerContext* context,
      const CreateOrganizationRequest* request,
      Organization* response) override {
    std::string id = request->organization_id();
    return RunUnaryOn(
        executor_, context, atlas::testing::TestKeys(), auth::Role::kEditor,
        "CreateOrganization", response,
        [id](const auth::Caller&) -> absl::StatusOr<Organization> {
          Organization org;
          org.set_name(absl::StrCat("organizations/", id));
          return org;
        });
  }

  bool HasHeldCall() {
    absl::MutexLock lock(&mu_);
    return held_ != nullptr;
  }

  // Finishes the held call with `status` unless it already finished.
  void FinishHeld(const ::grpc::Status& status) {
    HeldReactor* reactor = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (held_ == nullptr || held_finished_) return;
      held_finished_ = true;
      reactor = held_;
    }
    // Finish outside the lock: OnDone may run inline. The reactor lives
    // until OnDone, which cannot come before this Finish.
    reactor->Finish(status);
  }

  void Release() { FinishHeld(::grpc::Status::OK); }

  BoundedExecutor& executor() { return executor_; }

 private:
  class HeldReactor : public ::grpc::ServerUnaryReactor {
   public:
    explicit HeldReactor(FakeCatalogService* service) : service_(service) {}
    void OnCancel() override {
      service_->FinishHeld(
          ::grpc::Status(::grpc::StatusCode::CANCELLED, "cancelled"));
    }
    void OnDone() override { delete this; }

   private:
    FakeCatalogService* service_;
  };

  absl::Mutex mu_;
  HeldReactor* held_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool held_finished_ ABSL_GUARDED_BY(mu_) = false;
  BoundedExecutor executor_;
  CallerBudget reads_;
};

ServerOptions TestOptions() {
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.service_name = kServiceName;
  options.shutdown_grace = absl::Seconds(10);
  return options;
}

std::shared_ptr<::grpc::Channel> ChannelTo(int port) {
  return ::grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                               ::grpc::InsecureChannelCredentials());
}

// Health/Check for `service`; the serving status, or the call's error.
absl::StatusOr<HealthCheckResponse::ServingStatus> Check(
    Health::Stub& stub, const std::string& service) {
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  auto context = ContextWithKey("");
  ::grpc::Status s = stub.Check(context.get(), request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response.status();
}

MATCHER_P(HasServingStatus, expected, "") {
  if (!arg.ok()) {
    *result_listener << "call failed: " << arg.status();
    return false;
  }
  *result_listener << "status is "
                   << HealthCheckResponse::ServingStatus_Name(*arg);
  return *arg == expected;
}

class ServerRunnerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options) {
    auto runner = ServerRunner::Start(std::move(options), {&service_});
    ASSERT_THAT(runner, IsOk());
    runner_ = *std::move(runner);
    channel_ = ChannelTo(runner_->port());
    health_ = Health::NewStub(channel_);
    catalog_ = CatalogService::NewStub(channel_);
  }

  FakeCatalogService service_;
  std::unique_ptr<ServerRunner> runner_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<Health::Stub> health_;
  std::unique_ptr<CatalogService::Stub> catalog_;
};

TEST_F(ServerRunnerTest, StartOnPortZeroBindsAFreePort) {
  StartServer(TestOptions());
  EXPECT_GT(runner_->port(), 0);
}

TEST_F(ServerRunnerTest, HealthIsServingForLivenessAndReadiness) {
  StartServer(TestOptions());
  EXPECT_THAT(Check(*health_, ""),
              HasServingStatus(HealthCheckResponse::SERVING));
  EXPECT_THAT(Check(*health_, kServiceName),
              HasServingStatus(HealthCheckResponse::SERVING));
}

TEST_F(ServerRunnerTest, HealthOfUnknownServiceIsNotFound) {
  StartServer(TestOptions());
  EXPECT_THAT(Check(*health_, "atlas.no.such.Service"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServerRunnerTest, SetReadyTogglesReadinessOnly) {
  StartServer(TestOptions());
  runner_->SetReady(false);
  EXPECT_THAT(Check(*health_, kServiceName),
              HasServingStatus(HealthCheckResponse::NOT_SERVING));
  EXPECT_THAT(Check(*health_, ""),
              HasServingStatus(HealthCheckResponse::SERVING));
  runner_->SetReady(true);
  EXPECT_THAT(Check(*health_, kServiceName),
              HasServingStatus(HealthCheckResponse::SERVING));
}

TEST_F(ServerRunnerTest, InProcessChannelReachesTheServer) {
  StartServer(TestOptions());
  auto stub = Health::NewStub(runner_->InProcessChannel());
  EXPECT_THAT(Check(*stub, kServiceName),
              HasServingStatus(HealthCheckResponse::SERVING));
}

TEST_F(ServerRunnerTest, ReadinessIsNotServingWhenDrainHookRuns) {
  absl::StatusOr<HealthCheckResponse::ServingStatus> readiness_in_hook =
      absl::UnknownError("hook did not run");
  absl::StatusOr<HealthCheckResponse::ServingStatus> liveness_in_hook =
      absl::UnknownError("hook did not run");
  ServerOptions options = TestOptions();
  options.on_drain_start = [&] {
    // The channel connected before Shutdown(); the server still serves.
    readiness_in_hook = Check(*health_, kServiceName);
    liveness_in_hook = Check(*health_, "");
  };
  StartServer(std::move(options));
  ASSERT_THAT(Check(*health_, kServiceName),
              HasServingStatus(HealthCheckResponse::SERVING));

  runner_->Shutdown();

  EXPECT_THAT(readiness_in_hook,
              HasServingStatus(HealthCheckResponse::NOT_SERVING));
  EXPECT_THAT(liveness_in_hook, HasServingStatus(HealthCheckResponse::SERVING));
}

TEST_F(ServerRunnerTest, InFlightCallCompletesDuringGrace) {
  StartServer(TestOptions());
  GetOrganizationRequest request;
  request.set_name(kHeldName);
  Organization response;
  auto context = ContextWithKey("");
  absl::Notification call_done;
  ::grpc::Status call_status;
  catalog_->async()->GetOrganization(context.get(), &request, &response,
                                     [&](::grpc::Status s) {
                                       call_status = std::move(s);
                                       call_done.Notify();
                                     });
  ASSERT_TRUE(WaitFor([&] { return service_.HasHeldCall(); }));

  std::atomic<bool> shutdown_returned{false};
  std::thread shutdown([&] {
    runner_->Shutdown();
    shutdown_returned = true;
  });
  // New calls are refused while the held call is still running.
  EXPECT_TRUE(WaitFor([&] { return !Check(*health_, "").ok(); }));
  EXPECT_FALSE(shutdown_returned.load());
  EXPECT_FALSE(call_done.HasBeenNotified());

  service_.Release();
  ASSERT_TRUE(call_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_THAT(call_status, IsOk());
  shutdown.join();
  EXPECT_TRUE(shutdown_returned.load());
}

TEST_F(ServerRunnerTest, CallStillRunningAtGraceDeadlineIsCutOffUnavailable) {
  ServerOptions options = TestOptions();
  options.shutdown_grace = absl::Milliseconds(100);
  StartServer(std::move(options));
  GetOrganizationRequest request;
  request.set_name(kHeldName);
  Organization response;
  auto context = ContextWithKey("");
  absl::Notification call_done;
  ::grpc::Status call_status;
  catalog_->async()->GetOrganization(context.get(), &request, &response,
                                     [&](::grpc::Status s) {
                                       call_status = std::move(s);
                                       call_done.Notify();
                                     });
  ASSERT_TRUE(WaitFor([&] { return service_.HasHeldCall(); }));

  runner_->Shutdown();  // returns only once the held call is cancelled

  // gRPC cancels what is left at the deadline with UNAVAILABLE, so a client
  // retries the call elsewhere.
  ASSERT_TRUE(call_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_THAT(call_status, StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ServerRunnerTest, ShutdownIsIdempotentAndReleasesWait) {
  StartServer(TestOptions());
  std::thread waiter([&] { runner_->Wait(); });
  std::thread first([&] { runner_->Shutdown(); });
  std::thread second([&] { runner_->Shutdown(); });
  first.join();
  second.join();
  waiter.join();
  runner_->Shutdown();
  runner_->Wait();
}

TEST_F(ServerRunnerTest, SecondStartOnTakenPortIsUnavailable) {
  StartServer(TestOptions());
  FakeCatalogService other_service;
  ServerOptions options = TestOptions();
  options.listen_address = absl::StrCat("127.0.0.1:", runner_->port());
  EXPECT_THAT(ServerRunner::Start(std::move(options), {&other_service}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ServerRunnerTest, StartWithoutServiceNameIsInvalidArgument) {
  ServerOptions options = TestOptions();
  options.service_name.clear();
  EXPECT_THAT(ServerRunner::Start(std::move(options), {&service_}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ServerRunnerTest, RequestLargerThanLimitIsResourceExhausted) {
  ServerOptions options = TestOptions();
  options.max_receive_message_bytes = 1024;
  StartServer(std::move(options));
  GetOrganizationRequest request;
  request.set_name(std::string(4096, 'x'));
  Organization response;
  auto context = ContextWithKey("");
  EXPECT_THAT(catalog_->GetOrganization(context.get(), request, &response),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

// RunUnary / RunUnaryOn / CallerOf, through a real server.
class RunUnaryTest : public ServerRunnerTest {
 protected:
  void SetUp() override { StartServer(TestOptions()); }

  ::grpc::Status Get(const std::string& key, Organization* response) {
    GetOrganizationRequest request;
    request.set_name("organizations/any");
    auto context = ContextWithKey(key);
    return catalog_->GetOrganization(context.get(), request, response);
  }

  ::grpc::Status Create(const std::string& key, Organization* response) {
    CreateOrganizationRequest request;
    request.set_organization_id("acme");
    auto context = ContextWithKey(key);
    return catalog_->CreateOrganization(context.get(), request, response);
  }
};

TEST_F(RunUnaryTest, CallerWithoutKeyIsPublic) {
  Organization response;
  ASSERT_THAT(Get("", &response), IsOk());
  EXPECT_EQ(response.display_name(), "public");
}

TEST_F(RunUnaryTest, CallerWithKnownKeyHasItsRole) {
  Organization response;
  ASSERT_THAT(Get(atlas::testing::kMemberKey, &response), IsOk());
  EXPECT_EQ(response.display_name(), "member");
  ASSERT_THAT(Get(atlas::testing::kServiceKey, &response), IsOk());
  EXPECT_EQ(response.display_name(), "service");
}

TEST_F(RunUnaryTest, UnknownKeyIsUnauthenticated) {
  Organization response;
  EXPECT_THAT(Get(atlas::testing::kUnknownKey, &response),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Create(atlas::testing::kUnknownKey, &response),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(RunUnaryTest, ReadsPastTheirClassShareAreResourceExhaustedOthersServed) {
  CallerBudget& budget = service_.reads();
  const auth::Caller anonymous{auth::Role::kPublic, ""};
  std::vector<CallerBudget::Slot> taken(2);
  for (CallerBudget::Slot& slot : taken) {
    ASSERT_TRUE(budget.Admit(anonymous, "ipv4:127.0.0.1:1", &slot));
  }
  Organization response;
  EXPECT_THAT(Get("", &response), StatusIs(absl::StatusCode::kResourceExhausted,
                                           HasSubstr("reads")));
  EXPECT_EQ(budget.open_public(), 2);  // the refused call took nothing
  // A public flood does not refuse keyed callers or the other service.
  ASSERT_THAT(Get(atlas::testing::kMemberKey, &response), IsOk());
  ASSERT_THAT(Get(atlas::testing::kServiceKey, &response), IsOk());
  for (CallerBudget::Slot& slot : taken) budget.Release(&slot);
  ASSERT_THAT(Get("", &response), IsOk());
  // The slots of served calls are given back once gRPC is done with them.
  EXPECT_TRUE(atlas::testing::WaitFor([&] {
    return budget.open_public() == 0 && budget.open_keyed() == 0 &&
           budget.open_service() == 0;
  }));
}

TEST_F(RunUnaryTest, RunUnaryOnAnswersFromTheExecutor) {
  Organization response;
  ASSERT_THAT(Create(atlas::testing::kEditorKey, &response), IsOk());
  EXPECT_EQ(response.name(), "organizations/acme");
}

// The role is checked before a write is queued: with the queue full, a
// caller without an editor key is refused for its role, not for the queue,
// so public callers can never take queue slots (or hold the memory of
// their requests) from editors.
TEST_F(RunUnaryTest, RunUnaryOnChecksTheRoleBeforeQueueing) {
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(service_.executor().TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(service_.executor().TrySubmit([] {}));  // fills the one slot

  Organization response;
  EXPECT_THAT(Create("", &response),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("CreateOrganization")));
  EXPECT_THAT(Create(atlas::testing::kMemberKey, &response),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("CreateOrganization")));
  EXPECT_THAT(Create(atlas::testing::kEditorKey, &response),
              StatusIs(absl::StatusCode::kResourceExhausted));
  release.Notify();
  // The blocked task is done with the notifications (locals of this test)
  // once the executor serves a write again.
  EXPECT_TRUE(WaitFor(
      [&] { return Create(atlas::testing::kEditorKey, &response).ok(); }));
}

TEST_F(RunUnaryTest, RunUnaryOnWithFullQueueIsResourceExhausted) {
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(service_.executor().TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(service_.executor().TrySubmit([] {}));  // fills the one slot

  Organization response;
  EXPECT_THAT(
      Create(atlas::testing::kEditorKey, &response),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("retry")));

  release.Notify();
  EXPECT_TRUE(WaitFor(
      [&] { return Create(atlas::testing::kEditorKey, &response).ok(); }));
}

TEST(MainSupportTest, WritePortFileWritesPortAndNewline) {
  TempDir dir;
  std::string path = dir.Sub("port");
  ASSERT_THAT(WritePortFile(path, 43210), IsOk());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "43210\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(MainSupportTest, WritePortFileWithEmptyPathDoesNothing) {
  EXPECT_THAT(WritePortFile("", 1), IsOk());
}

TEST(MainSupportTest, LoadKeysOrEmptyWithoutPathGivesNoKeys) {
  auto keys = LoadKeysOrEmpty("");
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 0u);
}

TEST(MainSupportTest, LoadKeysOrEmptyOfMissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(LoadKeysOrEmpty(dir.Sub("missing")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(MainSupportTest, LoadKeysOrEmptyReadsKeyFile) {
  TempDir dir;
  std::string path = dir.Sub("keys");
  {
    std::ofstream out(path);
    out << atlas::testing::TestKeyFileText();
  }
  auto keys = LoadKeysOrEmpty(path);
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 4u);
}

TEST(TerminationSignalWatcherTest, SigtermRunsTheCallbackOnce) {
  // In a child process (re-executed, so no other thread exists when the
  // watcher blocks the signals): SIGTERM must reach the callback instead of
  // killing the process.
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        TerminationSignalWatcher watcher;
        absl::Notification called;
        std::atomic<int> seen{0};
        watcher.Start([&](int signo) {
          seen = signo;
          called.Notify();
        });
        kill(getpid(), SIGTERM);
        bool ok = called.WaitForNotificationWithTimeout(absl::Seconds(10)) &&
                  seen.load() == SIGTERM;
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(TerminationSignalWatcherTest, DestructorWithoutSignalStopsTheThread) {
  bool called = false;
  {
    TerminationSignalWatcher watcher;
    watcher.Start([&](int) { called = true; });
  }
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace atlas::grpc_util
