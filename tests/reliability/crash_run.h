// The crash run behind RunCrashRounds (crash_harness.h), shared by its two
// halves: crash_run_writes.cc (setup, the writers, settling unknown
// outcomes) and crash_run_checks.cc (verification after each restart).
// Internal to atlas_crash_harness.
#ifndef ATLAS_TESTS_RELIABILITY_CRASH_RUN_H_
#define ATLAS_TESTS_RELIABILITY_CRASH_RUN_H_

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

namespace atlas::reliability::crash_run {

namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;

constexpr int kVictims = 6;
inline const char* const kCountries[] = {"BE", "NL", "FR", "DE", "LU"};
constexpr int kCountryCount = 5;

inline std::string VictimId(int i) { return absl::StrCat("victim-", i); }
inline std::string OrgName(const std::string& id) {
  return "organizations/" + id;
}
inline std::string IncidentName(const std::string& id) {
  return "incidents/" + id;
}

inline std::unique_ptr<::grpc::ClientContext> Context(
    const std::string& key, absl::Duration deadline = absl::Seconds(10)) {
  auto context = std::make_unique<::grpc::ClientContext>();
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return context;
}

// A failure in which the write may or may not have committed.
inline bool OutcomeUnknown(const ::grpc::Status& s) {
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

inline std::string Describe(const ::grpc::Status& s) {
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

inline Pending MakePending(Op op, std::string id = "", std::string name = "") {
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

}  // namespace atlas::reliability::crash_run

#endif  // ATLAS_TESTS_RELIABILITY_CRASH_RUN_H_
