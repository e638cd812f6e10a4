// interceptor_overhead: what the call interceptor (metrics, access log)
// costs on GetIncident, measured in one run.
//
// Starts two IncidentServers in this process, identical but for
// observation: "off" (no metrics, no access log: no interceptor installed)
// and "on" (--metrics_listen on a free port, and --access_log_sample as
// given, 0 by default). Each stores the same incident; a closed loop of
// GetIncident calls then runs against one, then the other, alternating for
// --rounds rounds of --round each (the order flips every round, so drift
// of the machine falls on both alike). Prints the throughput of each and
// the overhead, 1 - on/off, overall and as the median of the rounds' own
// on/off ratios (less sensitive to other load on the machine):
//
//   build/bench/bench_interceptor_overhead --rounds=6 --round=3s
//
// Run from the repository root (the ATT&CK and VERIS data are read from
// incident-service/data/attack and datasets/veris).
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "bench/every_organization_exists.h"
#include "bench/load_loop.h"
#include "common/logging/log.h"
#include "incident-service/incident_server.h"
#include "incident-service/organization_directory.h"

ABSL_FLAG(int, rounds, 6, "rounds; each runs both servers once");
ABSL_FLAG(absl::Duration, round, absl::Seconds(3), "load per server per round");
ABSL_FLAG(int, concurrency, 32, "calls in flight");
ABSL_FLAG(int, channels, 2, "TCP connections");
ABSL_FLAG(double, access_log_sample, 0,
          "access-log sample of the \"on\" server (its lines go to stderr)");
ABSL_FLAG(bool, metrics, true,
          "serve metrics from the \"on\" server; false with a tiny "
          "--access_log_sample (1e-9) measures the bare interceptor");

namespace {

using atlas::incident::IncidentServer;
namespace inc = atlas::incident::v1;

constexpr char kEditorKey[] = "bench-editor-key";
// sha256("bench-editor-key")
constexpr char kKeyFile[] =
    "8f50d05448c22d6fe22bb48198a67f70017bb8f7682fcedb7c36d8969a9a7597 editor "
    "bench\n";

struct Server {
  std::string label;
  std::string dir;
  std::unique_ptr<IncidentServer> server;
  std::vector<std::unique_ptr<inc::IncidentService::Stub>> stubs;
  double ok = 0;
  double seconds = 0;
};

std::unique_ptr<IncidentServer> StartServer(
    const std::string& dir, bool observed,
    atlas::bench::EveryOrganizationExists& directory) {
  IncidentServer::Options options;
  options.keys = *atlas::auth::KeyRegistry::Parse(kKeyFile);
  options.db_path = dir;
  options.serving.listen_address = "127.0.0.1:0";
  if (observed) {
    if (absl::GetFlag(FLAGS_metrics)) {
      options.serving.metrics_listen = "127.0.0.1:0";
    }
    options.serving.access_log_sample = absl::GetFlag(FLAGS_access_log_sample);
  }
  IncidentServer::Collaborators collaborators;
  collaborators.directory = &directory;
  auto server = IncidentServer::Start(std::move(options), collaborators);
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start: %s\n",
                 server.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(server);
}

void CreateIncident(Server& s) {
  inc::CreateIncidentRequest request;
  request.set_incident_id("bench");
  inc::Incident* i = request.mutable_incident();
  i->set_title("Website defaced, ransom demanded");
  i->add_victims()->set_organization("organizations/bench");
  i->add_countries("BE");
  i->mutable_start_date()->set_year(2024);
  i->add_incident_types(inc::WEBSITE_COMPROMISE);
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + kEditorKey);
  inc::Incident created;
  grpc::Status status = s.stubs[0]->CreateIncident(&context, request, &created);
  if (!status.ok()) {
    std::fprintf(stderr, "create failed: %s\n", status.error_message().c_str());
    std::exit(1);
  }
}

atlas::bench::LoadStats Load(Server& s, absl::Duration duration) {
  auto request = std::make_shared<inc::GetIncidentRequest>();
  request->set_name("incidents/bench");
  return atlas::bench::RunClosedLoop(
      absl::GetFlag(FLAGS_concurrency), INT64_MAX, duration,
      [&s, request](int64_t i, atlas::bench::DoneFn done) {
        // A keyed caller: public callers' point reads have a per-peer share
        // (CallerBudget) this loop would exhaust.
        auto context = std::make_shared<grpc::ClientContext>();
        context->AddMetadata("authorization",
                             std::string("Bearer ") + kEditorKey);
        auto response = std::make_shared<inc::Incident>();
        s.stubs[static_cast<size_t>(i) % s.stubs.size()]->async()->GetIncident(
            context.get(), request.get(), response.get(),
            [context, response, done](grpc::Status status) { done(status); });
      });
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  atlas::log::SetMinLevel(atlas::log::Level::kWarning);
  atlas::bench::EveryOrganizationExists directory;
  char off_dir[] = "/tmp/atlas-bench-off-XXXXXX";
  char on_dir[] = "/tmp/atlas-bench-on-XXXXXX";
  if (mkdtemp(off_dir) == nullptr || mkdtemp(on_dir) == nullptr) return 1;
  Server servers[2];
  servers[0].label = "off";
  servers[0].dir = off_dir;
  servers[1].label = "on";
  servers[1].dir = on_dir;
  for (int k = 0; k < 2; ++k) {
    Server& s = servers[k];
    s.server = StartServer(s.dir, /*observed=*/k == 1, directory);
    for (int c = 0; c < absl::GetFlag(FLAGS_channels); ++c) {
      s.stubs.push_back(inc::IncidentService::NewStub(atlas::bench::MakeChannel(
          "127.0.0.1:" + std::to_string(s.server->port()), c)));
    }
    CreateIncident(s);
    Load(s, absl::Seconds(1));  // warm-up
  }
  // on/off of each round: both ran back to back, under the same load.
  std::vector<double> round_ratios;
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    double qps[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      Server& s = servers[(r + k) % 2];
      atlas::bench::LoadStats stats = Load(s, absl::GetFlag(FLAGS_round));
      if (stats.error_count() > 0) {
        std::fprintf(stderr, "%s: %lld errors: %s\n", s.label.c_str(),
                     static_cast<long long>(stats.error_count()),
                     stats.first_error.c_str());
        return 1;
      }
      qps[(r + k) % 2] = stats.qps();
      s.ok += static_cast<double>(stats.ok);
      s.seconds += stats.seconds;
      std::printf("round=%d server=%s qps=%.0f p50_us=%.0f p99_us=%.0f\n", r,
                  s.label.c_str(), stats.qps(), stats.Percentile(50),
                  stats.Percentile(99));
    }
    round_ratios.push_back(qps[1] / qps[0]);
  }
  std::sort(round_ratios.begin(), round_ratios.end());
  const double median_ratio = round_ratios[round_ratios.size() / 2];
  const double off = servers[0].ok / servers[0].seconds;
  const double on = servers[1].ok / servers[1].seconds;
  std::printf(
      "get_incident qps_off=%.0f qps_on=%.0f ratio=%.4f overhead_pct=%.2f "
      "median_round_ratio=%.4f median_overhead_pct=%.2f "
      "metrics=%d access_log_sample=%g\n",
      off, on, on / off, 100.0 * (1.0 - on / off), median_ratio,
      100.0 * (1.0 - median_ratio), absl::GetFlag(FLAGS_metrics) ? 1 : 0,
      absl::GetFlag(FLAGS_access_log_sample));
  for (Server& s : servers) {
    s.server->Shutdown();
    (void)s.server->Wait();
    s.server.reset();
    std::string rm = "rm -rf " + s.dir;
    (void)std::system(rm.c_str());
  }
  return 0;
}
