// ChildServer and Cluster (the two service binaries as child processes on
// loopback), and the crash run's options and summary: see crash_harness.h.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/test_env.h"

namespace atlas::reliability {

namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;

std::shared_ptr<::grpc::Channel> LoopbackChannel(int port) {
  ::grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  // A global subchannel shared with an older channel could still be in its
  // backoff from before the restart.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return ::grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                     ::grpc::InsecureChannelCredentials(),
                                     args);
}

// --- ChildServer -------------------------------------------------------------

ChildServer::ChildServer(std::string binary, std::string work_dir,
                         std::string name)
    : binary_(std::move(binary)),
      name_(std::move(name)),
      port_file_(absl::StrCat(work_dir, "/", name_, ".port")),
      log_path_(absl::StrCat(work_dir, "/", name_, ".log")) {}

ChildServer::~ChildServer() { Kill(); }

std::string ChildServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status ChildServer::Start(absl::Duration timeout, int attempts) {
  absl::Status last;
  for (int i = 0; i < attempts; ++i) {
    last = StartOnce(timeout);
    if (last.ok()) return last;
    // The old socket may linger for a moment after a SIGKILL; the retry
    // waits a little (bounded by `attempts`), it does not poll readiness.
    absl::SleepFor(absl::Milliseconds(50));
  }
  return last;
}

absl::Status ChildServer::StartOnce(absl::Duration timeout) {
  if (pid_ > 0) return absl::FailedPreconditionError(name_ + " is running");
  std::remove(port_file_.c_str());
  std::vector<std::string> argv_strings = {binary_};
  argv_strings.push_back(absl::StrCat("--listen=127.0.0.1:", port_));
  argv_strings.push_back("--port_file=" + port_file_);
  for (const std::string& a : args_) argv_strings.push_back(a);
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Opened before fork: only async-signal-safe calls in the child.
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = ::fork();
  if (pid < 0) {
    if (log_fd >= 0) ::close(log_fd);
    return absl::InternalError(absl::StrCat("fork: errno ", errno));
  }
  if (pid == 0) {
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  pid_ = pid;
  ++starts_;
  int port = 0;
  bool exited = false;
  ::atlas::testing::WaitFor(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          exited = true;
          return true;
        }
        std::ifstream in(port_file_);
        return static_cast<bool>(in >> port) && port > 0;
      },
      timeout);
  if (exited) {
    pid_ = -1;
    return absl::UnavailableError(
        absl::StrCat(name_, " exited during start; see ", log_path_));
  }
  if (port <= 0) {
    Kill();
    return absl::UnavailableError(
        absl::StrCat(name_, " not ready in ", absl::FormatDuration(timeout)));
  }
  if (port_ != 0 && port != port_) {
    Kill();
    return absl::InternalError(
        absl::StrCat(name_, " moved from port ", port_, " to ", port));
  }
  port_ = port;
  return absl::OkStatus();
}

void ChildServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);  // a paused child must die too
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void ChildServer::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void ChildServer::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

int ChildServer::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// --- Cluster -----------------------------------------------------------------

Cluster::Cluster(Options options) : options_(std::move(options)) {
  {
    std::ofstream keys(options_.dir + "/keys");
    keys << ::atlas::testing::TestKeyFileText();
    std::ofstream service_key(options_.dir + "/service-key");
    service_key << kServiceKey << "\n";
  }
  catalog_ = std::make_unique<ChildServer>(
      ::atlas::testing::BinaryDir() + "/catalog-service/catalog-service",
      options_.dir, "catalog");
  incidents_ = std::make_unique<ChildServer>(
      ::atlas::testing::BinaryDir() + "/incident-service/incident-service",
      options_.dir, "incident");
}

void Cluster::SetArgs(bool follow) {
  std::vector<std::string> catalog_args = {
      "--db_path=" + options_.dir + "/catalog-db",
      "--api_keys_file=" + options_.dir + "/keys", "--shutdown_grace=2s"};
  if (follow) {
    catalog_args.push_back("--incident_address=" + incidents_->address());
    catalog_args.push_back("--incident_api_key_file=" + options_.dir +
                           "/service-key");
  }
  catalog_->set_args(std::move(catalog_args));
  incidents_->set_args({
      "--db_path=" + options_.dir + "/incident-db",
      "--api_keys_file=" + options_.dir + "/keys",
      "--catalog_address=" + catalog_->address(),
      "--catalog_api_key_file=" + options_.dir + "/service-key",
      absl::StrCat("--catalog_timeout=",
                   absl::FormatDuration(options_.catalog_timeout)),
      "--attack_dir=" + ::atlas::testing::SourceDir() +
          "/incident-service/data/attack",
      "--veris_dir=" + ::atlas::testing::SourceDir() + "/datasets/veris",
      "--shutdown_grace=2s",
  });
}

absl::Status Cluster::Start() {
  SetArgs(/*follow=*/false);
  absl::Status s = catalog_->Start();
  if (!s.ok()) return s;
  SetArgs(/*follow=*/false);  // now with the catalog's port
  s = incidents_->Start();
  if (!s.ok()) return s;
  if (catalog_->Terminate() != 0) {
    return absl::InternalError("catalog did not exit 0 on SIGTERM");
  }
  SetArgs(/*follow=*/true);
  return catalog_->Start();
}

std::unique_ptr<cv1::CatalogService::Stub> Cluster::CatalogStub() const {
  return cv1::CatalogService::NewStub(LoopbackChannel(catalog_->port()));
}

std::unique_ptr<iv1::IncidentService::Stub> Cluster::IncidentStub() const {
  return iv1::IncidentService::NewStub(LoopbackChannel(incidents_->port()));
}

// --- Options and stats -------------------------------------------------------

namespace {

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  int64_t out = 0;
  if (v == nullptr || !absl::SimpleAtoi(v, &out)) return fallback;
  return out;
}

}  // namespace

CrashOptions CrashOptionsFromEnv(CrashOptions o) {
  o.seed = static_cast<uint64_t>(
      EnvInt("ATLAS_CRASH_SEED", absl::ToUnixMicros(absl::Now()) % 1000000007));
  o.rounds_per_service =
      static_cast<int>(EnvInt("ATLAS_CRASH_ROUNDS", o.rounds_per_service));
  o.writers = static_cast<int>(EnvInt("ATLAS_CRASH_WRITERS", o.writers));
  o.min_write = absl::Milliseconds(EnvInt(
      "ATLAS_CRASH_MIN_WRITE_MS", absl::ToInt64Milliseconds(o.min_write)));
  o.max_write = absl::Milliseconds(EnvInt(
      "ATLAS_CRASH_MAX_WRITE_MS", absl::ToInt64Milliseconds(o.max_write)));
  o.time_budget = absl::Seconds(
      EnvInt("ATLAS_CRASH_BUDGET_S", absl::ToInt64Seconds(o.time_budget)));
  if (o.max_write < o.min_write) o.max_write = o.min_write;
  return o;
}

std::string CrashStats::SummaryLine() const {
  return absl::StrCat(
      "crash-safety: seed=", seed,
      " rounds survived: incident-service=", incident_rounds,
      " catalog-service=", catalog_rounds,
      "; writes acknowledged=", acknowledged, " verified=", verified,
      "; unknown-outcome writes=", unknown, " resolved=", resolved,
      " (committed before the kill: ", unknown_committed, "); lost=", lost,
      " inconsistencies=", inconsistencies,
      "; converged=", converged ? "yes" : "no", " (slowest ",
      absl::FormatDuration(max_converge), "); elapsed ",
      absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(100))));
}

}  // namespace atlas::reliability
