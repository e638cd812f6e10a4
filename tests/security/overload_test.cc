// Overload: a server given more writes than it can serve refuses the
// excess with RESOURCE_EXHAUSTED instead of queueing without limit, and
// its memory stays bounded under a flood.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_service_impl.h"
#include "catalog-service/catalog_store.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/server_runner.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
namespace cv1 = ::atlas::catalog::v1;

cv1::CreateOrganizationRequest NewOrg(const std::string& id, size_t profile) {
  cv1::CreateOrganizationRequest r;
  r.set_organization_id(id);
  r.mutable_organization()->set_display_name("Org " + id);
  r.mutable_organization()->set_profile(std::string(profile, 'p'));
  return r;
}

// Deterministic: the only write thread is held busy, the queue holds two,
// and every further write is refused at once, not queued.
TEST(OverloadTest,
     FullWriteQueueAnswersResourceExhaustedAndQueuesWithinBounds) {
  TempDir dir;
  auto store = catalog::CatalogStore::Open(dir.Sub("db"));
  ASSERT_TRUE(store.ok()) << store.status();
  api::FakeClock clock(absl::FromUnixSeconds(1767225600));
  auto countries = api::CountryList::Default();
  ASSERT_TRUE(countries.ok()) << countries.status();
  catalog::CatalogCore core(**store, clock, **countries);
  {
    concurrency::BoundedExecutor writers(1, 2);
    std::atomic<bool> gate_running{false};
    absl::Notification release;
    ASSERT_TRUE(writers.TrySubmit([&] {
      gate_running = true;
      release.WaitForNotification();
    }));
    ASSERT_TRUE(WaitFor([&] { return gate_running.load(); }));
    concurrency::BoundedExecutor public_reads(1, 16);
    catalog::CatalogServiceImpl service(core, ::atlas::testing::TestKeys(),
                                        writers, public_reads);
    grpc_util::ServerOptions options;
    options.service_name = "atlas.catalog.v1.CatalogService";
    options.shutdown_grace = absl::Seconds(2);
    auto runner = grpc_util::ServerRunner::Start(options, {&service});
    ASSERT_TRUE(runner.ok()) << runner.status();
    auto stub = cv1::CatalogService::NewStub(
        ::grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*runner)->port()),
                              ::grpc::InsecureChannelCredentials()));

    constexpr int kCalls = 10;
    struct Call {
      std::unique_ptr<::grpc::ClientContext> context;
      cv1::CreateOrganizationRequest request;
      cv1::Organization response;
      ::grpc::Status status;
    };
    std::vector<Call> calls(kCalls);
    absl::Mutex mu;
    int done = 0;
    std::map<::grpc::StatusCode, int> codes;
    for (int i = 0; i < kCalls; ++i) {
      Call& c = calls[i];
      c.context = ContextWithKey(kEditorKey);
      c.request = NewOrg(absl::StrCat("org-", i), 10);
      stub->async()->CreateOrganization(c.context.get(), &c.request,
                                        &c.response, [&, i](::grpc::Status s) {
                                          absl::MutexLock lock(&mu);
                                          calls[i].status = s;
                                          ++codes[s.error_code()];
                                          ++done;
                                        });
    }
    // Two calls fit the queue; the other eight are refused while the
    // writer is still busy.
    {
      absl::MutexLock lock(&mu);
      ASSERT_TRUE(mu.AwaitWithTimeout(
          absl::Condition(
              +[](int* d) { return *d >= kCalls - 2; }, &done),
          absl::Seconds(10)));
      EXPECT_EQ(codes[::grpc::StatusCode::RESOURCE_EXHAUSTED], kCalls - 2);
      EXPECT_EQ(done, kCalls - 2);
    }
    release.Notify();
    {
      absl::MutexLock lock(&mu);
      ASSERT_TRUE(
          mu.AwaitWithTimeout(absl::Condition(
                                  +[](int* d) { return *d >= kCalls; }, &done),
                              absl::Seconds(10)));
      EXPECT_EQ(codes[::grpc::StatusCode::OK], 2);
      EXPECT_EQ(codes[::grpc::StatusCode::RESOURCE_EXHAUSTED], kCalls - 2);
    }
    for (const Call& c : calls) {
      if (c.status.error_code() == ::grpc::StatusCode::RESOURCE_EXHAUSTED) {
        EXPECT_THAT(c.status.error_message(), ::testing::HasSubstr("retry"));
      }
    }
    cv1::ListOrganizationsRequest list;
    cv1::ListOrganizationsResponse orgs;
    ASSERT_THAT(stub->ListOrganizations(ContextWithKey("").get(), list, &orgs),
                IsOk());
    EXPECT_EQ(orgs.organizations_size(), 2);
    (*runner)->Shutdown();
  }
  EXPECT_TRUE((*store)->Close().ok());
}

// kB of a /proc/<pid>/status line ("VmRSS:", "VmHWM:"); -1 if absent.
int64_t ProcStatusKb(pid_t pid, const std::string& key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      return std::strtoll(line.c_str() + key.size(), nullptr, 10);
    }
  }
  return -1;
}

// The real binary, flooded for a bounded time from many connections with
// more concurrent writes than its one write thread and queue of 8 can take,
// and more concurrent reads of large pages (50 organisations of ~16 kB)
// than its 32 read slots: the excess is refused with RESOURCE_EXHAUSTED,
// nothing else goes wrong, its peak RSS stays under a bound, and it serves
// normally afterwards.
TEST(OverloadTest, FloodedBinaryRefusesExcessAndKeepsMemoryBounded) {
  TempDir dir;
  {
    std::ofstream keys(dir.Sub("keys"));
    keys << ::atlas::testing::TestKeyFileText();
  }
  std::string binary =
      ::atlas::testing::BinaryDir() + "/catalog-service/catalog-service";
  std::vector<std::string> args = {binary,
                                   "--listen=127.0.0.1:0",
                                   "--db_path=" + dir.Sub("db"),
                                   "--api_keys_file=" + dir.Sub("keys"),
                                   "--port_file=" + dir.Sub("port"),
                                   "--shutdown_grace=2s",
                                   "--write_threads=1",
                                   "--max_queued_writes=8",
                                   "--max_inflight_reads=32",
                                   "--max_request_bytes=65536"};
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 2);  // the flood logs one line per refused write
    ::execv(binary.c_str(), argv.data());
    std::_Exit(127);
  }
  struct Killer {
    pid_t pid;
    ~Killer() {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } killer{pid};
  int port = 0;
  ASSERT_TRUE(WaitFor([&] {
    std::ifstream in(dir.Sub("port"));
    return static_cast<bool>(in >> port);
  }));
  const std::string address = absl::StrCat("127.0.0.1:", port);
  const int64_t baseline_kb = ProcStatusKb(pid, "VmRSS:");
  ASSERT_GT(baseline_kb, 0);

  // The size limit set by --max_request_bytes holds.
  auto probe = cv1::CatalogService::NewStub(
      ::grpc::CreateChannel(address, ::grpc::InsecureChannelCredentials()));
  {
    cv1::Organization out;
    cv1::CreateOrganizationRequest big = NewOrg("too-big", 100000);
    EXPECT_THAT(
        probe->CreateOrganization(ContextWithKey(kEditorKey).get(), big, &out),
        ::atlas::testing::StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED));
  }

  constexpr int kConnections = 8;
  constexpr int kMaxOutstanding = 400;
  constexpr int kMaxCalls = 6000;
  const int kReadPageSize = std::getenv("ATLAS_FLOOD_PAGE")
                                ? std::atoi(std::getenv("ATLAS_FLOOD_PAGE"))
                                : 50;
  const absl::Duration kFloodTime = absl::Seconds(3);
  std::vector<std::unique_ptr<cv1::CatalogService::Stub>> stubs;
  for (int i = 0; i < kConnections; ++i) {
    ::grpc::ChannelArguments channel_args;
    channel_args.SetInt("atlas.test.connection", i);  // one connection each
    stubs.push_back(cv1::CatalogService::NewStub(::grpc::CreateCustomChannel(
        address, ::grpc::InsecureChannelCredentials(), channel_args)));
  }

  struct Call {
    std::unique_ptr<::grpc::ClientContext> context;
    cv1::CreateOrganizationRequest write;
    cv1::Organization written;
    cv1::ListOrganizationsRequest read;
    cv1::ListOrganizationsResponse listed;
  };
  absl::Mutex mu;
  int outstanding = 0;
  std::map<std::string, int> outcomes;  // "write/OK", "read/OK", ...
  std::atomic<bool> sampling{true};
  std::atomic<int64_t> peak_kb{baseline_kb};
  std::thread sampler([&] {
    while (sampling.load()) {
      int64_t kb = ProcStatusKb(pid, "VmRSS:");
      if (kb > peak_kb.load()) peak_kb = kb;
      absl::SleepFor(absl::Milliseconds(20));
    }
  });

  const absl::Time end = absl::Now() + kFloodTime;
  int issued = 0;
  while (issued < kMaxCalls && absl::Now() < end) {
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](int* o) { return *o < kMaxOutstanding; }, &outstanding));
      ++outstanding;
    }
    auto* call = new Call;
    call->context = ContextWithKey(kEditorKey);
    auto& stub = *stubs[issued % kConnections];
    const bool write = issued % 4 != 3;
    auto finish = [&, call, write](::grpc::Status s) {
      absl::MutexLock lock(&mu);
      ++outcomes[absl::StrCat(write ? "write/" : "read/",
                              static_cast<int>(s.error_code()))];
      --outstanding;
      delete call;
    };
    if (write) {
      call->write = NewOrg(absl::StrCat("flood-", issued), 16000);
      stub.async()->CreateOrganization(call->context.get(), &call->write,
                                       &call->written, finish);
    } else {
      call->read.set_page_size(kReadPageSize);
      stub.async()->ListOrganizations(call->context.get(), &call->read,
                                      &call->listed, finish);
    }
    ++issued;
  }
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(
                                +[](int* o) { return *o == 0; }, &outstanding),
                            absl::Seconds(30)));
  }
  sampling = false;
  sampler.join();
  const int64_t hwm_kb = ProcStatusKb(pid, "VmHWM:");

  const std::string ok = absl::StrCat(static_cast<int>(::grpc::StatusCode::OK));
  const std::string exhausted =
      absl::StrCat(static_cast<int>(::grpc::StatusCode::RESOURCE_EXHAUSTED));
  int total = 0;
  for (const auto& [outcome, count] : outcomes) {
    total += count;
    EXPECT_THAT(outcome, ::testing::AnyOf("write/" + ok, "write/" + exhausted,
                                          "read/" + ok, "read/" + exhausted))
        << count << " calls";
  }
  EXPECT_EQ(total, issued);
  EXPECT_GT(outcomes["write/" + exhausted], 0)
      << "the write queue never filled: " << issued << " calls";
  EXPECT_GT(outcomes["write/" + ok], 0);
  // 16 kB writes, at most 400 in flight: far below the bound unless
  // requests pile up inside the server.
#if !defined(__SANITIZE_ADDRESS__)
  // Not under AddressSanitizer: its shadow memory and quarantine of freed
  // blocks (256 MB by default) say nothing about the server's own bound.
  EXPECT_LT(hwm_kb - baseline_kb, 256 * 1024)
      << "baseline " << baseline_kb << " kB, peak " << hwm_kb << " kB";
#endif
  RecordProperty("issued", issued);
  RecordProperty("refused", outcomes["write/" + exhausted]);
  RecordProperty("peak_rss_kb", static_cast<int>(hwm_kb));

  // Still serving.
  cv1::Organization out;
  EXPECT_THAT(probe->CreateOrganization(ContextWithKey(kEditorKey).get(),
                                        NewOrg("after-flood", 10), &out),
              IsOk());
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  killer.pid = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::printf("flood: %d calls, %d refused, peak RSS %lld kB (baseline %lld)\n",
              issued, outcomes["write/" + exhausted],
              static_cast<long long>(hwm_kb),
              static_cast<long long>(baseline_kb));
}

}  // namespace
}  // namespace atlas
