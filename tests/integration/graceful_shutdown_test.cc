// SIGTERM under load, against the built binary: readiness flips to
// NOT_SERVING first (seen by a health Watch), calls in flight complete,
// later calls are refused, the process exits 0, every acknowledged write is
// there after a restart, and no refused write happened.
//
// How later calls are refused is gRPC's choice: a call that reaches the
// server after Shutdown() began is answered CANCELLED by gRPC 1.51 itself
// (no handler runs), one that finds the port closed gets UNAVAILABLE. Both
// mean "not done, retry elsewhere"; the test checks that it is true.
#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::reliability::ChildServer;
using ::atlas::testing::BinaryDir;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

TEST(GracefulShutdownTest, SigtermUnderLoadDrainsAndLosesNothing) {
  TempDir dir;
  std::ofstream(dir.Sub("keys")) << ::atlas::testing::TestKeyFileText();
  ChildServer server(BinaryDir() + "/catalog-service/catalog-service",
                     dir.path(), "catalog");
  server.set_args({"--db_path=" + dir.Sub("db"),
                   "--api_keys_file=" + dir.Sub("keys"),
                   "--shutdown_grace=5s"});
  ASSERT_THAT(server.Start(), IsOk());
  auto channel = ::grpc::CreateChannel(server.address(),
                                       ::grpc::InsecureChannelCredentials());
  auto stub = catalog::v1::CatalogService::NewStub(channel);

  // A readiness watcher, as a load balancer or the kubelet would hold.
  std::vector<HealthCheckResponse::ServingStatus> seen;
  std::mutex seen_mu;
  auto health = grpc::health::v1::Health::NewStub(channel);
  ::grpc::ClientContext watch_context;
  HealthCheckRequest watch_request;
  watch_request.set_service("atlas.catalog.v1.CatalogService");
  auto watch = health->Watch(&watch_context, watch_request);
  std::thread watcher([&] {
    HealthCheckResponse response;
    while (watch->Read(&response)) {
      std::lock_guard<std::mutex> lock(seen_mu);
      seen.push_back(response.status());
    }
  });
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(seen_mu);
    return !seen.empty();
  }));

  // Writers: each create is either acknowledged (and must survive) or
  // refused with UNAVAILABLE once the server stops taking calls.
  std::atomic<bool> stop{false};
  std::atomic<absl::Time> sigterm_time{absl::InfiniteFuture()};
  std::atomic<int> next{0};
  std::mutex results_mu;
  std::set<std::string> acknowledged;
  std::set<std::string> refused;
  std::vector<std::string> unexpected;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      while (!stop.load()) {
        int n = next.fetch_add(1);
        if (n >= 5000) return;  // bounded
        catalog::v1::CreateOrganizationRequest request;
        request.set_organization_id(absl::StrCat("org-", n));
        request.mutable_organization()->set_display_name(
            absl::StrCat("Org ", n));
        catalog::v1::Organization created;
        absl::Time started = absl::Now();
        ::grpc::Status status = stub->CreateOrganization(
            ContextWithKey(kEditorKey).get(), request, &created);
        std::lock_guard<std::mutex> lock(results_mu);
        if (status.ok()) {
          acknowledged.insert(created.name());
        } else if (status.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
                   (status.error_code() == ::grpc::StatusCode::CANCELLED &&
                    absl::Now() >= sigterm_time.load())) {
          // The server stopped taking calls.
          refused.insert("organizations/" + request.organization_id());
          return;
        } else {
          unexpected.push_back(absl::StrCat(
              status.error_code(), ": ", status.error_message(), " (sent ",
              absl::FormatDuration(started - sigterm_time.load()),
              " after SIGTERM, took ",
              absl::FormatDuration(absl::Now() - started), ")"));
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(results_mu);
    return acknowledged.size() >= 50;
  }));

  sigterm_time = absl::Now();
  EXPECT_EQ(server.Terminate(), 0);
  stop = true;
  for (std::thread& t : writers) t.join();
  watcher.join();
  watch->Finish().IgnoreError();

  {
    std::lock_guard<std::mutex> lock(seen_mu);
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen.front(), HealthCheckResponse::SERVING);
    EXPECT_EQ(seen.back(), HealthCheckResponse::NOT_SERVING);
  }
  EXPECT_THAT(unexpected, ::testing::IsEmpty());

  // Everything acknowledged is there after a restart.
  ASSERT_THAT(server.Start(), IsOk());
  // Its own subchannel: the load's channel shares the global one, which is
  // still backing off from the refused connects while the server was down
  // (calls on it would fail fast with UNAVAILABLE for up to a second).
  auto after = catalog::v1::CatalogService::NewStub(
      ::atlas::reliability::LoopbackChannel(server.port()));
  int missing = 0;
  for (const std::string& name : acknowledged) {
    catalog::v1::GetOrganizationRequest get;
    get.set_name(name);
    catalog::v1::Organization org;
    if (!after->GetOrganization(ContextWithKey("").get(), get, &org).ok())
      ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged";
  for (const std::string& name : refused) {
    catalog::v1::GetOrganizationRequest get;
    get.set_name(name);
    catalog::v1::Organization org;
    EXPECT_EQ(after->GetOrganization(ContextWithKey("").get(), get, &org)
                  .error_code(),
              ::grpc::StatusCode::NOT_FOUND)
        << name << " was refused but exists";
  }
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace atlas
