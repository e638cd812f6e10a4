#include "tests/reliability/crash_harness.h"

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

// --- The crash run -----------------------------------------------------------

namespace {

constexpr int kVictims = 6;
const char* const kCountries[] = {"BE", "NL", "FR", "DE", "LU"};
constexpr int kCountryCount = 5;

std::string VictimId(int i) { return absl::StrCat("victim-", i); }
std::string OrgName(const std::string& id) { return "organizations/" + id; }
std::string IncidentName(const std::string& id) { return "incidents/" + id; }

std::unique_ptr<::grpc::ClientContext> Context(
    const std::string& key, absl::Duration deadline = absl::Seconds(10)) {
  auto context = std::make_unique<::grpc::ClientContext>();
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return context;
}

// A failure in which the write may or may not have committed.
bool OutcomeUnknown(const ::grpc::Status& s) {
  switch (s.error_code()) {
    case ::grpc::StatusCode::UNAVAILABLE:
    case ::grpc::StatusCode::DEADLINE_EXCEEDED:
    case ::grpc::StatusCode::CANCELLED:
    case ::grpc::StatusCode::UNKNOWN:
    case ::grpc::StatusCode::INTERNAL:
      return true;
    default:
      return false;
  }
}

std::string Describe(const ::grpc::Status& s) {
  return absl::StrCat("code ", static_cast<int>(s.error_code()), ": ",
                      s.error_message());
}

struct OrgModel {
  std::string display_name;
  std::string country;
  std::string etag;
  bool exists = true;
};

struct IncidentModel {
  std::string title;
  std::vector<std::string> victims;  // organisation names, in order
  std::string country;
  bool exists = true;
  int version = 0;
  std::set<std::string> events;   // event names
  std::set<std::string> sources;  // source names
};

enum class Op {
  kCreateOrg,
  kUpdateOrg,
  kDeleteOrg,
  kCreateIncident,
  kUpdateIncident,
  kDeleteIncident,
  kCreateEvent,
  kDeleteEvent,
  kCreateSource,
};

// A write whose outcome is unknown, with what is needed to settle it.
struct Pending {
  Op op;
  std::string id;  // the organisation or incident it touches
  cv1::CreateOrganizationRequest create_org;
  cv1::UpdateOrganizationRequest update_org;
  iv1::CreateIncidentRequest create_incident;
  iv1::UpdateIncidentRequest update_incident;
  iv1::CreateTimelineEventRequest create_event;
  iv1::CreateSourceRequest create_source;
  std::string name;  // deletes: the resource name
};

Pending MakePending(Op op, std::string id = "", std::string name = "") {
  Pending p;
  p.op = op;
  p.id = std::move(id);
  p.name = std::move(name);
  return p;
}

// One writer thread's share of the data. Each writer creates, updates and
// deletes only its own organisations and incidents, one write at a time,
// so the model of each record is exact; threads share nothing while
// writing.
struct Writer {
  int index = 0;
  std::mt19937_64 rng;
  int next = 0;
  std::map<std::string, OrgModel> orgs;            // by id
  std::map<std::string, IncidentModel> incidents;  // by id
  std::set<std::string> busy;  // ids with an unsettled write
  std::vector<Pending> pending;
  int64_t acknowledged = 0;
  std::vector<std::string> errors;  // unexpected definite errors
};

class CrashRun {
 public:
  explicit CrashRun(const CrashOptions& options)
      : options_(options), rng_(options.seed) {}

  CrashStats Run();

 private:
  absl::Status Setup();
  void Fail(std::string what) {
    if (stats_.failures.size() < 30) stats_.failures.push_back(std::move(what));
  }
  void RefreshStubs() {
    catalog_ = cluster_->CatalogStub();
    incidents_ = cluster_->IncidentStub();
  }

  // Write phase.
  void WriteLoop(Writer& w, const std::atomic<bool>& stop);
  void WriteOnce(Writer& w);
  // Settles every pending write; false on a definite inconsistency.
  void Resolve(Writer& w);
  template <typename F>
  ::grpc::Status RetryWhileUnavailable(F call);

  // Verification; failures go to stats_.
  void Verify(int round);
  bool VerifyIncidents(std::map<std::string, iv1::Incident>* records);
  void VerifyChangelog(std::map<std::string, iv1::Incident>* records);
  void VerifyOrganizations();
  void VerifyConvergence(const std::map<std::string, iv1::Incident>& records);
  absl::StatusOr<std::vector<iv1::Incident>> ListIncidents(
      const std::string& filter);
  absl::StatusOr<std::vector<cv1::Organization>> ListOrganizations(
      const std::string& filter);

  const CrashOptions options_;
  std::mt19937_64 rng_;
  std::unique_ptr<::atlas::testing::TempDir> temp_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<cv1::CatalogService::Stub> catalog_;
  std::unique_ptr<iv1::IncidentService::Stub> incidents_;
  std::vector<Writer> writers_;
  int sentinel_version_ = 0;
  CrashStats stats_;
};

template <typename F>
::grpc::Status CrashRun::RetryWhileUnavailable(F call) {
  // Right after a restart the other service's channel may still be
  // reconnecting: such a call fails with UNAVAILABLE and writes nothing.
  ::grpc::Status s;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int attempt = 0; attempt < 3000 && absl::Now() < deadline; ++attempt) {
    s = call();
    if (!OutcomeUnknown(s)) return s;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return s;
}

absl::Status CrashRun::Setup() {
  std::string dir = options_.dir;
  if (dir.empty()) {
    temp_ = std::make_unique<::atlas::testing::TempDir>();
    dir = temp_->path();
  }
  Cluster::Options cluster_options;
  cluster_options.dir = dir;
  cluster_options.catalog_timeout = options_.catalog_timeout;
  cluster_ = std::make_unique<Cluster>(cluster_options);
  absl::Status s = cluster_->Start();
  if (!s.ok()) return s;
  RefreshStubs();
  for (int i = 0; i < kVictims; ++i) {
    cv1::CreateOrganizationRequest r;
    r.set_organization_id(VictimId(i));
    r.mutable_organization()->set_display_name(VictimId(i));
    r.mutable_organization()->set_country(kCountries[i % kCountryCount]);
    cv1::Organization out;
    ::grpc::Status g =
        catalog_->CreateOrganization(Context(kEditorKey).get(), r, &out);
    if (!g.ok())
      return absl::InternalError("seed organisation: " + Describe(g));
  }
  // The sentinel: the verifier updates it last and reads the changelog up
  // to that update, so "caught up" needs no timeout.
  iv1::CreateIncidentRequest r;
  r.set_incident_id("sentinel");
  r.mutable_incident()->set_title("sentinel 0");
  r.mutable_incident()->add_victims()->set_organization(OrgName(VictimId(0)));
  iv1::Incident out;
  ::grpc::Status g = RetryWhileUnavailable([&] {
    return incidents_->CreateIncident(Context(kEditorKey).get(), r, &out);
  });
  if (!g.ok()) return absl::InternalError("sentinel incident: " + Describe(g));
  writers_.resize(static_cast<size_t>(options_.writers));
  for (int i = 0; i < options_.writers; ++i) {
    writers_[static_cast<size_t>(i)].index = i;
    writers_[static_cast<size_t>(i)].rng.seed(options_.seed * 7919 +
                                              static_cast<uint64_t>(i));
  }
  return absl::OkStatus();
}

void CrashRun::WriteLoop(Writer& w, const std::atomic<bool>& stop) {
  // Bounded in count and time; the main thread sets `stop` right after the
  // kill.
  const absl::Time deadline =
      absl::Now() + options_.max_write + absl::Seconds(5);
  for (int i = 0; i < 100000 && !stop.load() && absl::Now() < deadline; ++i) {
    const size_t pending_before = w.pending.size();
    const size_t errors_before = w.errors.size();
    WriteOnce(w);
    // After an unknown outcome the service is (probably) down: stop here,
    // and settle it after the restart.
    if (w.pending.size() != pending_before ||
        w.errors.size() != errors_before) {
      return;
    }
  }
}

void CrashRun::WriteOnce(Writer& w) {
  auto pick = [&](int n) {
    return static_cast<int>(
        std::uniform_int_distribution<int>(0, n - 1)(w.rng));
  };
  auto idle = [&](const auto& records) {
    std::vector<std::string> ids;
    for (const auto& [id, model] : records) {
      if (model.exists && !w.busy.contains(id)) ids.push_back(id);
    }
    return ids;
  };
  auto record_unknown = [&](Pending p) {
    w.busy.insert(p.id);
    w.pending.push_back(std::move(p));
  };
  auto unexpected = [&](const std::string& what, const ::grpc::Status& s) {
    w.errors.push_back(
        absl::StrCat("writer ", w.index, ": ", what, ": ", Describe(s)));
  };
  const std::vector<std::string> orgs = idle(w.orgs);
  const std::vector<std::string> incidents = idle(w.incidents);
  int dice = pick(100);
  // The mix: 12% organisation writes, the rest on incidents and their
  // events and sources; falls back to a create when there is nothing to
  // touch.
  if (dice < 6 || (dice < 12 && orgs.empty())) {
    Pending p = MakePending(Op::kCreateOrg);
    p.id = absl::StrCat("w", w.index, "-o", w.next++);
    p.create_org.set_organization_id(p.id);
    p.create_org.set_request_id(absl::StrCat("s", options_.seed, "-", p.id));
    p.create_org.mutable_organization()->set_display_name(p.id + " v0");
    p.create_org.mutable_organization()->set_country(
        kCountries[pick(kCountryCount)]);
    cv1::Organization out;
    ::grpc::Status s = catalog_->CreateOrganization(Context(kEditorKey).get(),
                                                    p.create_org, &out);
    if (s.ok()) {
      w.orgs[p.id] = {out.display_name(), out.country(), out.etag(), true};
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("CreateOrganization " + p.id, s);
    }
    return;
  }
  if (dice < 10) {
    const std::string id =
        orgs[static_cast<size_t>(pick(static_cast<int>(orgs.size())))];
    OrgModel& m = w.orgs[id];
    Pending p = MakePending(Op::kUpdateOrg, id);
    cv1::Organization* o = p.update_org.mutable_organization();
    o->set_name(OrgName(id));
    o->set_display_name(absl::StrCat(id, " v", w.next++));
    o->set_country(kCountries[pick(kCountryCount)]);
    o->set_etag(m.etag);
    p.update_org.mutable_update_mask()->add_paths("display_name");
    p.update_org.mutable_update_mask()->add_paths("country");
    cv1::Organization out;
    ::grpc::Status s = catalog_->UpdateOrganization(Context(kEditorKey).get(),
                                                    p.update_org, &out);
    if (s.ok()) {
      m = {out.display_name(), out.country(), out.etag(), true};
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("UpdateOrganization " + id, s);
    }
    return;
  }
  if (dice < 12) {
    const std::string id =
        orgs[static_cast<size_t>(pick(static_cast<int>(orgs.size())))];
    Pending p = MakePending(Op::kDeleteOrg, id, OrgName(id));
    cv1::DeleteOrganizationRequest r;
    r.set_name(p.name);
    r.set_etag(w.orgs[id].etag);
    google::protobuf::Empty out;
    ::grpc::Status s =
        catalog_->DeleteOrganization(Context(kEditorKey).get(), r, &out);
    if (s.ok()) {
      w.orgs[id].exists = false;
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("DeleteOrganization " + id, s);
    }
    return;
  }
  auto fill_incident = [&](iv1::Incident* inc, const std::string& id,
                           int version) {
    inc->set_title(absl::StrCat(id, " v", version));
    const int a = pick(kVictims);
    inc->add_victims()->set_organization(OrgName(VictimId(a)));
    if (pick(3) == 0) {
      inc->add_victims()->set_organization(
          OrgName(VictimId((a + 1 + pick(kVictims - 1)) % kVictims)));
    }
    inc->add_countries(kCountries[pick(kCountryCount)]);
  };
  auto model_of = [](const iv1::Incident& inc, int version) {
    IncidentModel m;
    m.title = inc.title();
    for (const iv1::Victim& v : inc.victims())
      m.victims.push_back(v.organization());
    m.country = inc.countries_size() > 0 ? inc.countries(0) : "";
    m.version = version;
    return m;
  };
  if (dice < 45 || incidents.empty()) {
    Pending p = MakePending(Op::kCreateIncident);
    p.id = absl::StrCat("w", w.index, "-i", w.next++);
    p.create_incident.set_incident_id(p.id);
    p.create_incident.set_request_id(
        absl::StrCat("s", options_.seed, "-", p.id));
    iv1::Incident* inc = p.create_incident.mutable_incident();
    fill_incident(inc, p.id, 0);
    inc->mutable_start_date()->set_year(2020 + pick(5));
    iv1::Incident out;
    ::grpc::Status s = incidents_->CreateIncident(Context(kEditorKey).get(),
                                                  p.create_incident, &out);
    if (s.ok()) {
      w.incidents[p.id] = model_of(out, 0);
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("CreateIncident " + p.id, s);
    }
    return;
  }
  const std::string id =
      incidents[static_cast<size_t>(pick(static_cast<int>(incidents.size())))];
  IncidentModel& m = w.incidents[id];
  if (dice < 62) {
    Pending p = MakePending(Op::kUpdateIncident, id);
    iv1::Incident* inc = p.update_incident.mutable_incident();
    inc->set_name(IncidentName(id));
    fill_incident(inc, id, m.version + 1);
    for (const char* path : {"title", "victims", "countries"}) {
      p.update_incident.mutable_update_mask()->add_paths(path);
    }
    iv1::Incident out;
    ::grpc::Status s = incidents_->UpdateIncident(Context(kEditorKey).get(),
                                                  p.update_incident, &out);
    if (s.ok()) {
      IncidentModel next = model_of(out, m.version + 1);
      next.events = std::move(m.events);
      next.sources = std::move(m.sources);
      m = std::move(next);
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("UpdateIncident " + id, s);
    }
    return;
  }
  if (dice < 67) {
    Pending p = MakePending(Op::kDeleteIncident, id, IncidentName(id));
    iv1::DeleteIncidentRequest r;
    r.set_name(p.name);
    google::protobuf::Empty out;
    ::grpc::Status s =
        incidents_->DeleteIncident(Context(kEditorKey).get(), r, &out);
    if (s.ok()) {
      m.exists = false;
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("DeleteIncident " + id, s);
    }
    return;
  }
  if (dice < 72 && !m.events.empty()) {
    const std::string name = *m.events.begin();
    Pending p = MakePending(Op::kDeleteEvent, id, name);
    iv1::DeleteTimelineEventRequest r;
    r.set_name(name);
    google::protobuf::Empty out;
    ::grpc::Status s =
        incidents_->DeleteTimelineEvent(Context(kEditorKey).get(), r, &out);
    if (s.ok()) {
      m.events.erase(name);
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("DeleteTimelineEvent " + name, s);
    }
    return;
  }
  if (dice < 88) {
    Pending p = MakePending(Op::kCreateEvent, id);
    const std::string event_id = absl::StrCat("e", w.next++);
    p.create_event.set_parent(IncidentName(id));
    p.create_event.set_event_id(event_id);
    p.create_event.set_request_id(
        absl::StrCat("s", options_.seed, "-", id, "-", event_id));
    iv1::TimelineEvent* e = p.create_event.mutable_event();
    e->set_type(iv1::DETECTION);
    e->mutable_date()->set_year(2024);
    e->mutable_date()->set_month(1 + pick(12));
    e->set_description("detected " + event_id);
    iv1::TimelineEvent out;
    ::grpc::Status s = incidents_->CreateTimelineEvent(
        Context(kEditorKey).get(), p.create_event, &out);
    if (s.ok()) {
      m.events.insert(out.name());
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("CreateTimelineEvent " + id, s);
    }
    return;
  }
  Pending p = MakePending(Op::kCreateSource, id);
  const std::string source_id = absl::StrCat("s", w.next++);
  p.create_source.set_parent(IncidentName(id));
  p.create_source.set_source_id(source_id);
  p.create_source.set_request_id(
      absl::StrCat("s", options_.seed, "-", id, "-", source_id));
  p.create_source.mutable_source()->set_url("https://news.example/" +
                                            source_id);
  p.create_source.mutable_source()->set_kind(iv1::NEWS);
  iv1::Source out;
  ::grpc::Status s = incidents_->CreateSource(Context(kEditorKey).get(),
                                              p.create_source, &out);
  if (s.ok()) {
    m.sources.insert(out.name());
    ++w.acknowledged;
  } else if (OutcomeUnknown(s)) {
    record_unknown(std::move(p));
  } else {
    unexpected("CreateSource " + id, s);
  }
}

void CrashRun::Resolve(Writer& w) {
  for (Pending& p : w.pending) {
    ++stats_.unknown;
    const std::string where =
        absl::StrCat("unknown-outcome write on ", p.id, ": ");
    bool settled = false;
    switch (p.op) {
      case Op::kCreateOrg: {
        cv1::GetOrganizationRequest get;
        get.set_name(OrgName(p.id));
        cv1::Organization before;
        ::grpc::Status g = RetryWhileUnavailable([&] {
          return catalog_->GetOrganization(Context(kMemberKey).get(), get,
                                           &before);
        });
        if (g.ok()) ++stats_.unknown_committed;
        // The same request_id: the first result if it committed, else it
        // commits now. ALREADY_EXISTS would mean a record without its
        // request record, i.e. a half-written batch.
        cv1::Organization out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return catalog_->CreateOrganization(Context(kEditorKey).get(),
                                              p.create_org, &out);
        });
        if (s.ok()) {
          w.orgs[p.id] = {out.display_name(), out.country(), out.etag(), true};
          settled = true;
        } else {
          Fail(where + "create retry: " + Describe(s));
        }
        break;
      }
      case Op::kUpdateOrg:
      case Op::kDeleteOrg: {
        OrgModel& m = w.orgs[p.id];
        cv1::GetOrganizationRequest get;
        get.set_name(OrgName(p.id));
        cv1::Organization out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return catalog_->GetOrganization(Context(kMemberKey).get(), get,
                                           &out);
        });
        if (p.op == Op::kDeleteOrg &&
            s.error_code() == ::grpc::StatusCode::NOT_FOUND) {
          m.exists = false;
          ++stats_.unknown_committed;
          settled = true;
        } else if (!s.ok()) {
          Fail(where + "read back: " + Describe(s));
        } else if (p.op == Op::kUpdateOrg &&
                   out.display_name() ==
                       p.update_org.organization().display_name() &&
                   out.country() == p.update_org.organization().country()) {
          m = {out.display_name(), out.country(), out.etag(), true};
          ++stats_.unknown_committed;
          settled = true;
        } else if (out.display_name() == m.display_name &&
                   out.country() == m.country && out.etag() == m.etag) {
          settled = true;  // did not commit
        } else {
          Fail(where + "organisation is neither before nor after: " +
               out.ShortDebugString());
        }
        break;
      }
      case Op::kCreateIncident: {
        iv1::GetIncidentRequest get;
        get.set_name(IncidentName(p.id));
        iv1::Incident before;
        if (RetryWhileUnavailable([&] {
              return incidents_->GetIncident(Context(kMemberKey).get(), get,
                                             &before);
            }).ok()) {
          ++stats_.unknown_committed;
        }
        iv1::Incident out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->CreateIncident(Context(kEditorKey).get(),
                                            p.create_incident, &out);
        });
        if (s.ok()) {
          IncidentModel m;
          m.title = out.title();
          for (const iv1::Victim& v : out.victims())
            m.victims.push_back(v.organization());
          m.country = out.countries_size() > 0 ? out.countries(0) : "";
          w.incidents[p.id] = std::move(m);
          settled = true;
        } else {
          Fail(where + "create retry: " + Describe(s));
        }
        break;
      }
      case Op::kUpdateIncident:
      case Op::kDeleteIncident: {
        IncidentModel& m = w.incidents[p.id];
        iv1::GetIncidentRequest get;
        get.set_name(IncidentName(p.id));
        iv1::Incident out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->GetIncident(Context(kMemberKey).get(), get, &out);
        });
        if (p.op == Op::kDeleteIncident &&
            s.error_code() == ::grpc::StatusCode::NOT_FOUND) {
          m.exists = false;
          ++stats_.unknown_committed;
          settled = true;
        } else if (!s.ok()) {
          Fail(where + "read back: " + Describe(s));
        } else if (p.op == Op::kUpdateIncident &&
                   out.title() == p.update_incident.incident().title()) {
          m.title = out.title();
          m.victims.clear();
          for (const iv1::Victim& v : out.victims())
            m.victims.push_back(v.organization());
          m.country = out.countries_size() > 0 ? out.countries(0) : "";
          ++m.version;
          ++stats_.unknown_committed;
          settled = true;
        } else if (out.title() == m.title) {
          settled = true;  // did not commit
        } else {
          Fail(where + "incident is neither before nor after: " + out.title());
        }
        break;
      }
      case Op::kCreateEvent: {
        iv1::TimelineEvent out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->CreateTimelineEvent(Context(kEditorKey).get(),
                                                 p.create_event, &out);
        });
        if (s.ok()) {
          w.incidents[p.id].events.insert(out.name());
          settled = true;
        } else {
          Fail(where + "event create retry: " + Describe(s));
        }
        break;
      }
      case Op::kCreateSource: {
        iv1::Source out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->CreateSource(Context(kEditorKey).get(),
                                          p.create_source, &out);
        });
        if (s.ok()) {
          w.incidents[p.id].sources.insert(out.name());
          settled = true;
        } else {
          Fail(where + "source create retry: " + Describe(s));
        }
        break;
      }
      case Op::kDeleteEvent: {
        iv1::GetTimelineEventRequest get;
        get.set_name(p.name);
        iv1::TimelineEvent out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->GetTimelineEvent(Context(kMemberKey).get(), get,
                                              &out);
        });
        if (s.error_code() == ::grpc::StatusCode::NOT_FOUND) {
          w.incidents[p.id].events.erase(p.name);
          ++stats_.unknown_committed;
          settled = true;
        } else if (s.ok()) {
          settled = true;  // did not commit
        } else {
          Fail(where + "event read back: " + Describe(s));
        }
        break;
      }
    }
    if (settled) ++stats_.resolved;
  }
  w.pending.clear();
  w.busy.clear();
}

absl::StatusOr<std::vector<iv1::Incident>> CrashRun::ListIncidents(
    const std::string& filter) {
  std::vector<iv1::Incident> out;
  iv1::ListIncidentsRequest r;
  r.set_page_size(1000);
  r.set_filter(filter);
  for (int page = 0; page < 10000; ++page) {
    iv1::ListIncidentsResponse response;
    ::grpc::Status s = RetryWhileUnavailable([&] {
      return incidents_->ListIncidents(Context(kMemberKey).get(), r, &response);
    });
    if (!s.ok()) return absl::InternalError("ListIncidents: " + Describe(s));
    for (iv1::Incident& i : *response.mutable_incidents())
      out.push_back(std::move(i));
    if (response.next_page_token().empty()) return out;
    r.set_page_token(response.next_page_token());
  }
  return absl::InternalError("ListIncidents: too many pages");
}

absl::StatusOr<std::vector<cv1::Organization>> CrashRun::ListOrganizations(
    const std::string& filter) {
  std::vector<cv1::Organization> out;
  cv1::ListOrganizationsRequest r;
  r.set_page_size(1000);
  r.set_filter(filter);
  for (int page = 0; page < 10000; ++page) {
    cv1::ListOrganizationsResponse response;
    ::grpc::Status s = RetryWhileUnavailable([&] {
      return catalog_->ListOrganizations(Context(kMemberKey).get(), r,
                                         &response);
    });
    if (!s.ok())
      return absl::InternalError("ListOrganizations: " + Describe(s));
    for (cv1::Organization& o : *response.mutable_organizations()) {
      out.push_back(std::move(o));
    }
    if (response.next_page_token().empty()) return out;
    r.set_page_token(response.next_page_token());
  }
  return absl::InternalError("ListOrganizations: too many pages");
}

std::vector<std::string> Victims(const iv1::Incident& inc) {
  std::vector<std::string> out;
  for (const iv1::Victim& v : inc.victims()) out.push_back(v.organization());
  return out;
}

bool CrashRun::VerifyIncidents(std::map<std::string, iv1::Incident>* records) {
  auto all = ListIncidents("");
  if (!all.ok()) {
    Fail(std::string(all.status().message()));
    return false;
  }
  for (iv1::Incident& i : *all) {
    std::string name = i.name();
    if (!records->emplace(name, std::move(i)).second) {
      ++stats_.inconsistencies;
      Fail("ListIncidents returned " + name + " twice");
    }
  }
  std::set<std::string> expected = {IncidentName("sentinel")};
  for (Writer& w : writers_) {
    for (const auto& [id, m] : w.incidents) {
      const std::string name = IncidentName(id);
      auto it = records->find(name);
      if (!m.exists) {
        if (it != records->end()) {
          ++stats_.inconsistencies;
          Fail(name + " was deleted (acknowledged) but is listed");
        }
        continue;
      }
      expected.insert(name);
      if (it == records->end()) {
        // Lost, or only missing from the `list` index?
        iv1::GetIncidentRequest get;
        get.set_name(name);
        iv1::Incident got;
        ::grpc::Status s =
            incidents_->GetIncident(Context(kMemberKey).get(), get, &got);
        if (s.ok()) {
          ++stats_.inconsistencies;
          Fail(name + " exists but ListIncidents misses it");
        } else {
          ++stats_.lost;
          Fail(absl::StrCat("LOST: ", name, " (acknowledged): ", Describe(s)));
        }
        continue;
      }
      const iv1::Incident& r = it->second;
      if (r.title() != m.title || Victims(r) != m.victims ||
          r.countries_size() != 1 || r.countries(0) != m.country) {
        ++stats_.lost;
        Fail(absl::StrCat("LOST: ", name, " reads ", r.ShortDebugString(),
                          "; acknowledged title ", m.title));
      }
      if (r.event_count() != static_cast<int>(m.events.size()) ||
          r.source_count() != static_cast<int>(m.sources.size())) {
        ++stats_.inconsistencies;
        Fail(absl::StrCat(name, ": event/source counts ", r.event_count(), "/",
                          r.source_count(), ", acknowledged ", m.events.size(),
                          "/", m.sources.size()));
      }
      // The timeline and source indexes agree with the acknowledged
      // sub-resources (and so with the counts).
      if (!m.events.empty() || r.event_count() > 0) {
        iv1::ListTimelineEventsRequest lr;
        lr.set_parent(name);
        lr.set_page_size(1000);
        iv1::ListTimelineEventsResponse page;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->ListTimelineEvents(Context(kMemberKey).get(), lr,
                                                &page);
        });
        std::set<std::string> listed;
        for (const auto& e : page.events()) listed.insert(e.name());
        if (!s.ok() || listed != m.events) {
          ++stats_.lost;
          Fail(absl::StrCat("LOST/index: ", name, " lists ", listed.size(),
                            " events, acknowledged ", m.events.size(), " ",
                            Describe(s)));
        }
      }
      if (!m.sources.empty() || r.source_count() > 0) {
        iv1::ListSourcesRequest lr;
        lr.set_parent(name);
        lr.set_page_size(1000);
        iv1::ListSourcesResponse page;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->ListSources(Context(kMemberKey).get(), lr, &page);
        });
        std::set<std::string> listed;
        for (const auto& e : page.sources()) listed.insert(e.name());
        if (!s.ok() || listed != m.sources) {
          ++stats_.lost;
          Fail(absl::StrCat("LOST/index: ", name, " lists ", listed.size(),
                            " sources, acknowledged ", m.sources.size(), " ",
                            Describe(s)));
        }
      }
    }
  }
  for (const auto& [name, r] : *records) {
    if (!expected.contains(name)) {
      ++stats_.inconsistencies;
      Fail(name + " is listed but no acknowledged or resolved write made it");
    }
  }
  // Secondary indexes: each filter returns exactly the records with that
  // value.
  auto check_filter = [&](const std::string& filter, auto matches) {
    auto listed = ListIncidents(filter);
    if (!listed.ok()) {
      Fail(std::string(listed.status().message()));
      return;
    }
    std::set<std::string> got, want;
    for (const iv1::Incident& i : *listed) {
      if (!got.insert(i.name()).second) {
        ++stats_.inconsistencies;
        Fail(absl::StrCat(filter, " lists ", i.name(), " twice"));
      }
    }
    for (const auto& [name, r] : *records) {
      if (matches(r)) want.insert(name);
    }
    if (got != want) {
      ++stats_.inconsistencies;
      std::vector<std::string> diff;
      std::set_symmetric_difference(got.begin(), got.end(), want.begin(),
                                    want.end(), std::back_inserter(diff));
      Fail(absl::StrCat("index disagrees with records for ", filter, ": ",
                        absl::StrJoin(diff, ", ")));
    }
  };
  for (int v = 0; v < kVictims; ++v) {
    const std::string org = OrgName(VictimId(v));
    check_filter(absl::StrCat("victim = \"", org, "\""),
                 [&](const iv1::Incident& r) {
                   for (const iv1::Victim& x : r.victims()) {
                     if (x.organization() == org) return true;
                   }
                   return false;
                 });
  }
  for (const char* c : kCountries) {
    const std::string country = c;
    check_filter(absl::StrCat("country = \"", country, "\""),
                 [&](const iv1::Incident& r) {
                   for (const std::string& x : r.countries()) {
                     if (x == country) return true;
                   }
                   return false;
                 });
  }
  return true;
}

void CrashRun::VerifyChangelog(
    std::map<std::string, iv1::Incident>* records_out) {
  // The sentinel update is the last change: reading up to it reads
  // everything committed before verification started. It also moves the
  // sentinel between two victims, so that the catalog showing it where it
  // is now proves the follower applied everything up to it.
  const std::string title = absl::StrCat("sentinel ", ++sentinel_version_);
  iv1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(IncidentName("sentinel"));
  u.mutable_incident()->set_title(title);
  u.mutable_incident()->add_victims()->set_organization(
      OrgName(VictimId(sentinel_version_ % 2)));
  u.mutable_update_mask()->add_paths("title");
  u.mutable_update_mask()->add_paths("victims");
  iv1::Incident sentinel;
  ::grpc::Status s = RetryWhileUnavailable([&] {
    return incidents_->UpdateIncident(Context(kEditorKey).get(), u, &sentinel);
  });
  if (!s.ok()) {
    Fail("sentinel update: " + Describe(s));
    return;
  }
  (*records_out)[sentinel.name()] = sentinel;
  const std::map<std::string, iv1::Incident>& records = *records_out;
  auto context = Context(kServiceKey, absl::Seconds(60));
  iv1::WatchIncidentChangesRequest r;
  r.set_start_sequence(1);
  auto reader = incidents_->WatchIncidentChanges(context.get(), r);
  std::map<std::string, iv1::IncidentChange> last;
  iv1::IncidentChange change;
  int64_t expected = 1;
  bool caught_up = false;
  while (reader->Read(&change)) {
    if (change.sequence() != expected) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat("changelog gap: expected ", expected, ", got ",
                        change.sequence()));
    }
    expected = change.sequence() + 1;
    if (change.incident().name() == IncidentName("sentinel") &&
        change.incident().title() == title) {
      caught_up = true;
      break;
    }
    last[change.incident().name()] = change;
  }
  context->TryCancel();
  reader->Finish();
  if (!caught_up) {
    Fail(absl::StrCat("changelog ended at ", expected - 1,
                      " before the sentinel update"));
    return;
  }
  for (const auto& [name, c] : last) {
    auto it = records.find(name);
    const bool deleted = c.change_type() == iv1::IncidentChange::DELETED;
    if (deleted != (it == records.end())) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat("changelog says ", name,
                        deleted ? " is deleted" : " exists",
                        ", records disagree"));
      continue;
    }
    if (deleted || name == IncidentName("sentinel")) continue;
    if (Victims(c.incident()) != Victims(it->second) ||
        c.incident().etag() != it->second.etag()) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat(
          "last change of ", name, " (", c.sequence(),
          ") disagrees with the record: ", c.incident().ShortDebugString(),
          " vs ", it->second.ShortDebugString()));
    }
  }
  for (const auto& [name, record] : records) {
    if (!last.contains(name) && name != IncidentName("sentinel")) {
      ++stats_.inconsistencies;
      Fail(name + " has no changelog entry");
    }
  }
}

void CrashRun::VerifyOrganizations() {
  auto all = ListOrganizations("");
  if (!all.ok()) {
    Fail(std::string(all.status().message()));
    return;
  }
  std::map<std::string, cv1::Organization> records;
  for (cv1::Organization& o : *all) {
    std::string name = o.name();
    records.emplace(name, std::move(o));
  }
  std::set<std::string> expected;
  for (int v = 0; v < kVictims; ++v) expected.insert(OrgName(VictimId(v)));
  for (Writer& w : writers_) {
    for (const auto& [id, m] : w.orgs) {
      const std::string name = OrgName(id);
      auto it = records.find(name);
      if (!m.exists) {
        if (it != records.end()) {
          ++stats_.inconsistencies;
          Fail(name + " was deleted (acknowledged) but is listed");
        }
        continue;
      }
      expected.insert(name);
      if (it == records.end()) {
        cv1::GetOrganizationRequest get;
        get.set_name(name);
        cv1::Organization got;
        ::grpc::Status s =
            catalog_->GetOrganization(Context(kMemberKey).get(), get, &got);
        if (s.ok()) {
          ++stats_.inconsistencies;
          Fail(name + " exists but ListOrganizations misses it");
        } else {
          ++stats_.lost;
          Fail(absl::StrCat("LOST: ", name, " (acknowledged): ", Describe(s)));
        }
        continue;
      }
      const cv1::Organization& r = it->second;
      if (r.display_name() != m.display_name || r.country() != m.country ||
          r.etag() != m.etag) {
        ++stats_.lost;
        Fail(absl::StrCat("LOST: ", name, " reads ", r.ShortDebugString(),
                          "; acknowledged ", m.display_name, " etag ", m.etag));
      }
    }
  }
  for (const auto& [name, r] : records) {
    if (!expected.contains(name)) {
      ++stats_.inconsistencies;
      Fail(name + " is listed but no acknowledged or resolved write made it");
    }
  }
  for (const char* c : kCountries) {
    const std::string filter = absl::StrCat("country = \"", c, "\"");
    auto listed = ListOrganizations(filter);
    if (!listed.ok()) {
      Fail(std::string(listed.status().message()));
      continue;
    }
    std::set<std::string> got, want;
    for (const cv1::Organization& o : *listed) got.insert(o.name());
    for (const auto& [name, r] : records) {
      if (r.country() == c) want.insert(name);
    }
    if (got != want) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat("catalog index disagrees with records for ", filter,
                        ": ", got.size(), " listed, ", want.size(), " stored"));
    }
  }
}

void CrashRun::VerifyConvergence(
    const std::map<std::string, iv1::Incident>& records) {
  // The truth per organisation: ListIncidents(victim = org) for the victim
  // organisations (checked equal to `records` by VerifyIncidents), none for
  // the others.
  std::map<std::string, std::set<std::string>> truth;
  for (const auto& [name, r] : records) {
    for (const iv1::Victim& v : r.victims())
      truth[v.organization()].insert(name);
  }
  const absl::Time start = absl::Now();
  std::string last_diff;
  bool converged = ::atlas::testing::WaitFor(
      [&] {
        auto orgs = ListOrganizations("");
        if (!orgs.ok()) {
          last_diff = std::string(orgs.status().message());
          return false;
        }
        for (const cv1::Organization& o : *orgs) {
          const std::set<std::string>& want = truth[o.name()];
          std::set<std::string> linked(o.linked_incidents().begin(),
                                       o.linked_incidents().end());
          // linked_incidents holds the newest 20; incident_count all.
          const int shown = std::min(static_cast<int>(want.size()), 20);
          if (o.incident_count() != static_cast<int>(want.size()) ||
              !std::includes(want.begin(), want.end(), linked.begin(),
                             linked.end()) ||
              static_cast<int>(linked.size()) != shown ||
              o.linked_incidents_size() != shown) {
            last_diff = absl::StrCat(o.name(), ": count ", o.incident_count(),
                                     ", truth ", want.size());
            return false;
          }
        }
        return true;
      },
      options_.converge_timeout);
  const absl::Duration took = absl::Now() - start;
  stats_.max_converge = std::max(stats_.max_converge, took);
  if (!converged) {
    stats_.converged = false;
    Fail("catalog did not converge in " +
         absl::FormatDuration(options_.converge_timeout) + ": " + last_diff);
  }
}

void CrashRun::Verify(int round) {
  const size_t failures_before = stats_.failures.size();
  std::map<std::string, iv1::Incident> records;
  if (VerifyIncidents(&records)) {
    VerifyChangelog(&records);
    VerifyOrganizations();
    VerifyConvergence(records);
  }
  if (stats_.failures.size() == failures_before) {
    int64_t covered = 0;
    for (const Writer& w : writers_) covered += w.acknowledged;
    stats_.verified = covered + stats_.resolved;
  } else {
    Fail(absl::StrCat("round ", round, " failed verification"));
  }
}

CrashStats CrashRun::Run() {
  stats_.seed = options_.seed;
  const absl::Time start = absl::Now();
  absl::Status s = Setup();
  if (!s.ok()) {
    Fail("setup: " + s.ToString());
    return stats_;
  }
  const int rounds = 2 * options_.rounds_per_service;
  for (int round = 0; round < rounds; ++round) {
    if (absl::Now() - start > options_.time_budget) {
      Fail(absl::StrCat("time budget of ",
                        absl::FormatDuration(options_.time_budget),
                        " spent after ", round, " rounds"));
      break;
    }
    const bool kill_incidents = round % 2 == 0;
    ChildServer& victim =
        kill_incidents ? cluster_->incidents() : cluster_->catalog();
    RefreshStubs();
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (Writer& w : writers_) {
      threads.emplace_back([this, &w, &stop] { WriteLoop(w, stop); });
    }
    const int64_t spread =
        absl::ToInt64Microseconds(options_.max_write - options_.min_write);
    const absl::Duration delay =
        options_.min_write +
        absl::Microseconds(
            std::uniform_int_distribution<int64_t>(0, spread)(rng_));
    absl::SleepFor(delay);  // the random moment of the kill
    victim.Kill();
    stop.store(true);
    for (std::thread& t : threads) t.join();
    for (Writer& w : writers_) {
      for (std::string& e : w.errors) Fail(std::move(e));
      w.errors.clear();
    }
    s = victim.Start();
    if (!s.ok()) {
      Fail(absl::StrCat("round ", round, ": restart: ", s.ToString()));
      break;
    }
    RefreshStubs();
    for (Writer& w : writers_) Resolve(w);
    int64_t acknowledged = 0;
    for (const Writer& w : writers_) acknowledged += w.acknowledged;
    stats_.acknowledged = acknowledged;
    Verify(round);
    if (!stats_.failures.empty()) break;
    (kill_incidents ? stats_.incident_rounds : stats_.catalog_rounds)++;
  }
  stats_.elapsed = absl::Now() - start;
  // Both children are SIGKILLed by ~ChildServer; their databases are
  // removed with the temp dir.
  return stats_;
}

}  // namespace

CrashStats RunCrashRounds(const CrashOptions& options) {
  CrashRun run(options);
  return run.Run();
}

}  // namespace atlas::reliability
