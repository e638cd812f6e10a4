// Crash-safety harness: runs the built catalog-service and incident-service
// binaries as child processes, writes to both from several threads, kills
// one of them with SIGKILL at a random moment, restarts it on the same
// port, and checks that nothing acknowledged was lost (RocksDB's own
// "kill and verify" method, applied to the services).
//
// What one round checks, after the killed service is back:
// - every write answered OK (acknowledged) is readable with the
//   acknowledged content, or with the content of a later write;
// - every write whose outcome was unknown (an error or deadline while the
//   service died) gets a definite answer: creates are retried with the
//   same request_id (AIP-155), updates and deletes are read back;
// - no record is half-written: List with a filter (victim = ..., country =
//   ...) returns exactly the stored records with that value, event and
//   source lists equal the incident's counts, and the changelog
//   (WatchIncidentChanges from 1, SERVICE key) has sequences 1, 2, 3, ...
//   and its last entry per incident agrees with the record;
// - the catalog's incident_count and linked_incidents per organisation
//   converge (polled, with a deadline) to ListIncidents(victim = org).
//
// Traffic goes to 127.0.0.1 only. Every loop is bounded in count and time.
// Only the children this harness forked are signalled, by PID.
#ifndef ATLAS_TESTS_RELIABILITY_CRASH_HARNESS_H_
#define ATLAS_TESTS_RELIABILITY_CRASH_HARNESS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "grpcpp/channel.h"

namespace atlas::reliability {

// A channel to 127.0.0.1:`port` that reconnects within ~200 ms after the
// server comes back (gRPC's default reconnect backoff grows to 2 min) and
// shares no subchannel with other channels.
std::shared_ptr<::grpc::Channel> LoopbackChannel(int port);

// A server binary run as a child process. The first Start() listens on
// port 0 and learns the port from --port_file; every later Start() listens
// on that same port, so clients and the other service reconnect to it.
// stdout and stderr of the child are appended to `log_path`.
//
// Not thread-safe; one owner.
class ChildServer {
 public:
  ChildServer(std::string binary, std::string work_dir, std::string name);
  // SIGKILLs the child if it still runs.
  ~ChildServer();
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  // Flags passed on every start (besides --listen and --port_file).
  void set_args(std::vector<std::string> args) { args_ = std::move(args); }

  // Forks and execs the binary, then polls the port file (written once the
  // server serves) until `timeout`. UNAVAILABLE if the child exited first
  // (e.g. the port was taken) or did not get ready in time; retried up to
  // `attempts` times.
  absl::Status Start(absl::Duration timeout = absl::Seconds(20),
                     int attempts = 20);
  // SIGKILL and reap. No-op when not running.
  void Kill();
  // SIGSTOP / SIGCONT (the process hangs: connections stay open, nothing
  // answers).
  void Pause();
  void Resume();
  // SIGTERM and reap; the exit status, or -1 if it did not exit normally.
  int Terminate();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string address() const;
  const std::string& log_path() const { return log_path_; }
  int starts() const { return starts_; }

 private:
  absl::Status StartOnce(absl::Duration timeout);

  std::string binary_;
  std::string name_;
  std::string port_file_;
  std::string log_path_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int port_ = 0;
  int starts_ = 0;
};

// Both services as child processes under `dir`, with the test key file:
// catalog-service follows incident-service (SERVICE key) and
// incident-service checks victims with the catalog (SERVICE key,
// --catalog_timeout).
class Cluster {
 public:
  struct Options {
    std::string dir;  // working directory (databases, keys, logs)
    absl::Duration catalog_timeout = absl::Seconds(1);
  };
  explicit Cluster(Options options);

  // Starts both. The catalog first listens with no follower, so that its
  // port is known to incident-service; it is then restarted (SIGTERM) on
  // the same port, following incident-service.
  absl::Status Start();

  ChildServer& catalog() { return *catalog_; }
  ChildServer& incidents() { return *incidents_; }
  std::unique_ptr<catalog::v1::CatalogService::Stub> CatalogStub() const;
  std::unique_ptr<incident::v1::IncidentService::Stub> IncidentStub() const;

 private:
  void SetArgs(bool follow);

  Options options_;
  std::unique_ptr<ChildServer> catalog_;
  std::unique_ptr<ChildServer> incidents_;
};

// Parameters of a crash run. Defaults are the short (ctest) form.
struct CrashOptions {
  uint64_t seed = 1;
  int rounds_per_service = 20;
  int writers = 4;
  // Each round writes for a random time in [min_write, max_write] before
  // the SIGKILL.
  absl::Duration min_write = absl::Milliseconds(100);
  absl::Duration max_write = absl::Milliseconds(500);
  // The whole run stops (and fails) beyond this.
  absl::Duration time_budget = absl::Seconds(110);
  // How long the catalog may take to converge after a round.
  absl::Duration converge_timeout = absl::Seconds(30);
  absl::Duration catalog_timeout = absl::Seconds(1);
  // Working directory; a temp dir when empty.
  std::string dir;
};

// Reads ATLAS_CRASH_ROUNDS, ATLAS_CRASH_SEED (default: time-based),
// ATLAS_CRASH_WRITERS, ATLAS_CRASH_MIN_WRITE_MS, ATLAS_CRASH_MAX_WRITE_MS,
// ATLAS_CRASH_BUDGET_S over `defaults`.
CrashOptions CrashOptionsFromEnv(CrashOptions defaults);

struct CrashStats {
  uint64_t seed = 0;
  int incident_rounds = 0;  // rounds survived (killed, restarted, verified)
  int catalog_rounds = 0;
  int64_t acknowledged = 0;  // writes answered OK
  int64_t verified = 0;      // acknowledged + resolved writes checked by the
                             // last verification
  int64_t unknown = 0;       // writes whose outcome was unknown
  int64_t resolved = 0;      // ... that got a definite answer
  int64_t unknown_committed = 0;  // ... that had committed before the kill
  int64_t lost = 0;               // acknowledged writes not found
  int64_t inconsistencies = 0;    // index/record/changelog disagreements
  bool converged = true;          // the catalog converged after every round
  absl::Duration max_converge;    // slowest convergence
  absl::Duration elapsed;
  std::vector<std::string> failures;  // first failures, for the test log

  // One line: rounds survived per service, writes acknowledged / verified,
  // unknown-outcome writes resolved, lost, converged.
  std::string SummaryLine() const;
};

// Runs 2 * rounds_per_service rounds (incident-service and catalog-service
// killed in turn) and returns what was seen. The run stops at the first
// round that fails verification or when the time budget is spent.
CrashStats RunCrashRounds(const CrashOptions& options);

}  // namespace atlas::reliability

#endif  // ATLAS_TESTS_RELIABILITY_CRASH_HARNESS_H_
