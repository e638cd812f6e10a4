// load_client: the C++ side of the benchmarks (scripts/bench.sh).
//
//   --mode=frame   writes one request of --rpc as a gRPC length-prefixed
//                  message (flag 0, 4-byte big-endian length, the
//                  serialized proto) to --frame_out for h2load, sends the
//                  same request once through the generated stub and fails
//                  unless it answers OK; prints the response's size on the
//                  wire (5 + message bytes), which bench.sh uses to check
//                  that every h2load response carried a message (a gRPC
//                  error has no message, only trailers).
//   --mode=closed  --concurrency calls in flight for --duration.
//   --mode=open    --rate calls per second for --duration (open loop,
//                  latency from each call's due time).
//   --mode=watch   WatchIncidentChanges from sequence 1: changes per second
//                  delivered until --max_calls changes or --duration.
//   --mode=wait_serving  polls grpc.health.v1 Check(--health_service) until
//                  SERVING and prints the milliseconds since --since_ns
//                  (CLOCK_REALTIME ns, `date +%s%N` taken before the exec).
//
// --rpc: ping | get_organization | get_incident | list_incidents |
// create_incident. Get calls pick record i % --records (ids of datagen);
// h2load's frame names record 0. Output: one `key=value` line.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "atlas/bench/v1/bench.grpc.pb.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "bench/load_loop.h"
#include "bench/synthetic.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50052", "server address");
ABSL_FLAG(std::string, mode, "closed",
          "frame | closed | open | watch | wait_serving");
ABSL_FLAG(std::string, rpc, "get_incident",
          "ping | get_organization | get_incident | list_incidents | "
          "create_incident");
ABSL_FLAG(std::string, api_key, "", "raw key sent as Bearer; empty: public");
ABSL_FLAG(std::string, label, "", "label printed in the summary");
ABSL_FLAG(int, concurrency, 64, "calls in flight (closed loop)");
ABSL_FLAG(int, channels, 2, "TCP connections the calls are spread over");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "how long to run");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "closed/open: load run before measuring, not counted");
ABSL_FLAG(double, rate, 1000, "calls per second (open loop)");
ABSL_FLAG(int64_t, max_calls, INT64_MAX, "stop after this many calls");
ABSL_FLAG(int64_t, records, 1, "records the Get calls spread over");
ABSL_FLAG(int64_t, orgs, 1000, "organisations the synthetic victims use");
ABSL_FLAG(std::string, attack_tsv,
          "incident-service/data/attack/enterprise-techniques.tsv",
          "ATT&CK technique table (active ids are used)");
ABSL_FLAG(std::string, filter, "country = \"BE\" AND start >= 2024-01-01",
          "ListIncidents filter");
ABSL_FLAG(int, page_size, 50, "ListIncidents page size");
ABSL_FLAG(std::string, frame_out, "", "frame mode: output file");
ABSL_FLAG(std::string, health_service, "",
          "wait_serving: the service name whose readiness is polled");
ABSL_FLAG(int64_t, since_ns, 0, "wait_serving: start time, ns since epoch");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10), "per-call deadline");

namespace {

namespace bench = atlas::bench;
namespace cat = atlas::catalog::v1;
namespace inc = atlas::incident::v1;

struct Clients {
  std::vector<std::unique_ptr<atlas::bench::v1::EmptyService::Stub>> empty;
  std::vector<std::unique_ptr<cat::CatalogService::Stub>> catalog;
  std::vector<std::unique_ptr<inc::IncidentService::Stub>> incident;
};

Clients Connect(const std::string& target, int channels) {
  Clients c;
  for (int i = 0; i < channels; ++i) {
    auto ch = bench::MakeChannel(target, i);
    c.empty.push_back(atlas::bench::v1::EmptyService::NewStub(ch));
    c.catalog.push_back(cat::CatalogService::NewStub(ch));
    c.incident.push_back(inc::IncidentService::NewStub(ch));
  }
  return c;
}

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  const std::string key = absl::GetFlag(FLAGS_api_key);
  if (!key.empty()) ctx->AddMetadata("authorization", "Bearer " + key);
  ctx->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_deadline)));
  return ctx;
}

// The request of call i, for --rpc.
std::unique_ptr<google::protobuf::Message> MakeRequest(
    const std::string& rpc, int64_t i, const bench::Synthetic& synth) {
  const int64_t records = std::max<int64_t>(1, absl::GetFlag(FLAGS_records));
  if (rpc == "ping") return std::make_unique<atlas::bench::v1::PingRequest>();
  if (rpc == "get_organization") {
    auto r = std::make_unique<cat::GetOrganizationRequest>();
    r->set_name(absl::StrCat("organizations/", bench::OrgId(i % records)));
    return r;
  }
  if (rpc == "get_incident") {
    auto r = std::make_unique<inc::GetIncidentRequest>();
    r->set_name(absl::StrCat("incidents/", bench::IncidentId(i % records)));
    return r;
  }
  if (rpc == "list_incidents") {
    auto r = std::make_unique<inc::ListIncidentsRequest>();
    r->set_page_size(absl::GetFlag(FLAGS_page_size));
    r->set_filter(absl::GetFlag(FLAGS_filter));
    return r;
  }
  if (rpc == "create_incident") {
    // No id: the server picks one, so every call creates a new incident.
    auto r = std::make_unique<inc::CreateIncidentRequest>();
    *r->mutable_incident() = synth.Incident(i);
    return r;
  }
  return nullptr;
}

// Sends one request of --rpc on stub set `slot`; `done` gets the status and
// the response's serialized size.
struct Call {
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<google::protobuf::Message> request;
  std::unique_ptr<google::protobuf::Message> response;
};

void Send(Clients& c, const std::string& rpc, int64_t i,
          const bench::Synthetic& synth,
          std::function<void(const grpc::Status&, size_t)> done) {
  auto call = std::make_shared<Call>();
  call->ctx = NewContext();
  call->request = MakeRequest(rpc, i, synth);
  const size_t ch = static_cast<size_t>(i) % c.incident.size();
  auto finish = [call, done](grpc::Status s) {
    done(s, call->response->ByteSizeLong());
  };
  if (rpc == "ping") {
    auto* resp = new atlas::bench::v1::PingResponse;
    call->response.reset(resp);
    c.empty[ch]->async()->Ping(
        call->ctx.get(),
        static_cast<atlas::bench::v1::PingRequest*>(call->request.get()), resp,
        finish);
  } else if (rpc == "get_organization") {
    auto* resp = new cat::Organization;
    call->response.reset(resp);
    c.catalog[ch]->async()->GetOrganization(
        call->ctx.get(),
        static_cast<cat::GetOrganizationRequest*>(call->request.get()), resp,
        finish);
  } else if (rpc == "get_incident") {
    auto* resp = new inc::Incident;
    call->response.reset(resp);
    c.incident[ch]->async()->GetIncident(
        call->ctx.get(),
        static_cast<inc::GetIncidentRequest*>(call->request.get()), resp,
        finish);
  } else if (rpc == "list_incidents") {
    auto* resp = new inc::ListIncidentsResponse;
    call->response.reset(resp);
    c.incident[ch]->async()->ListIncidents(
        call->ctx.get(),
        static_cast<inc::ListIncidentsRequest*>(call->request.get()), resp,
        finish);
  } else if (rpc == "create_incident") {
    auto* resp = new inc::Incident;
    call->response.reset(resp);
    c.incident[ch]->async()->CreateIncident(
        call->ctx.get(),
        static_cast<inc::CreateIncidentRequest*>(call->request.get()), resp,
        finish);
  } else {
    done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown --rpc"), 0);
  }
}

int Frame(Clients& c, const std::string& rpc, const bench::Synthetic& synth) {
  auto request = MakeRequest(rpc, 0, synth);
  if (request == nullptr) {
    std::cerr << "unknown --rpc " << rpc << "\n";
    return 2;
  }
  std::string body = request->SerializeAsString();
  std::string frame(5, '\0');
  const uint32_t n = static_cast<uint32_t>(body.size());
  frame[1] = static_cast<char>(n >> 24);
  frame[2] = static_cast<char>(n >> 16);
  frame[3] = static_cast<char>(n >> 8);
  frame[4] = static_cast<char>(n);
  frame += body;
  std::ofstream out(absl::GetFlag(FLAGS_frame_out), std::ios::binary);
  out << frame;
  if (!out.flush()) {
    std::cerr << "cannot write " << absl::GetFlag(FLAGS_frame_out) << "\n";
    return 1;
  }
  absl::Mutex mu;
  bool finished = false;
  grpc::Status status;
  size_t response_bytes = 0;
  Send(c, rpc, 0, synth, [&](const grpc::Status& s, size_t bytes) {
    absl::MutexLock lock(&mu);
    status = s;
    response_bytes = bytes;
    finished = true;
  });
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(&finished));
  std::cout << "rpc=" << rpc << " request_bytes=" << frame.size()
            << " status=" << status.error_code()
            << " response_wire_bytes=" << (status.ok() ? 5 + response_bytes : 0)
            << " message=\"" << status.error_message() << "\"\n";
  return status.ok() ? 0 : 1;
}

int WaitServing() {
  // Polled from before the server listens: reconnect within milliseconds
  // instead of gRPC's default 1 s (growing) backoff.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 2);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 2);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5);
  auto channel = grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(absl::GetFlag(FLAGS_health_service));
  const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_duration);
  while (absl::Now() < give_up) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(200)));
    ctx.set_wait_for_ready(true);
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (s.ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      const int64_t now_ns = absl::ToUnixNanos(absl::Now());
      std::printf("serving_ms=%.1f\n",
                  (now_ns - absl::GetFlag(FLAGS_since_ns)) / 1e6);
      return 0;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  std::printf("serving_ms=timeout\n");
  return 1;
}

// Reads the change stream; counts changes until --max_calls or --duration.
class WatchReader : public grpc::ClientReadReactor<inc::IncidentChange> {
 public:
  WatchReader(inc::IncidentService::Stub* stub, int64_t max)
      : max_(max), start_(absl::Now()) {
    const std::string key = absl::GetFlag(FLAGS_api_key);
    if (!key.empty()) ctx_.AddMetadata("authorization", "Bearer " + key);
    req_.set_start_sequence(1);
    stub->async()->WatchIncidentChanges(&ctx_, &req_, this);
    StartRead(&change_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++count_;
    if (count_ == 1) first_ = absl::Now();
    if (count_ >= max_) {
      last_ = absl::Now();
      ctx_.TryCancel();
      return;
    }
    StartRead(&change_);
  }
  void OnDone(const grpc::Status& s) override {
    absl::MutexLock lock(&mu_);
    if (last_ == absl::InfinitePast()) last_ = absl::Now();
    status_ = s;
    done_ = true;
  }
  void Cancel() { ctx_.TryCancel(); }
  bool Wait(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
  }
  void Print(const std::string& label) {
    absl::MutexLock lock(&mu_);
    const double secs = absl::ToDoubleSeconds(last_ - start_);
    std::printf(
        "label=%s changes=%lld seconds=%.3f changes_per_s=%.0f "
        "status=%d\n",
        label.c_str(), static_cast<long long>(count_.load()), secs,
        secs > 0 ? count_.load() / secs : 0.0, status_.error_code());
  }

 private:
  grpc::ClientContext ctx_;
  inc::WatchIncidentChangesRequest req_;
  inc::IncidentChange change_;
  const int64_t max_;
  std::atomic<int64_t> count_{0};
  absl::Time start_, first_ = absl::InfinitePast(),
                     last_ = absl::InfinitePast();
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const std::string rpc = absl::GetFlag(FLAGS_rpc);
  std::string label = absl::GetFlag(FLAGS_label);
  if (label.empty()) label = absl::StrCat(rpc, "/", mode);
  if (mode == "wait_serving") return WaitServing();
  Clients clients = Connect(absl::GetFlag(FLAGS_target),
                            std::max(1, absl::GetFlag(FLAGS_channels)));
  bench::Synthetic synth(std::max<int64_t>(1, absl::GetFlag(FLAGS_orgs)),
                         absl::GetFlag(FLAGS_attack_tsv));
  if (mode == "frame") return Frame(clients, rpc, synth);
  if (mode == "watch") {
    WatchReader reader(clients.incident[0].get(),
                       absl::GetFlag(FLAGS_max_calls));
    if (!reader.Wait(absl::GetFlag(FLAGS_duration))) {
      reader.Cancel();
      reader.Wait(absl::InfiniteDuration());
    }
    reader.Print(label);
    return 0;
  }
  // Call numbers: warm-up calls and measured calls use disjoint indices so
  // that creates never repeat a record.
  std::atomic<int64_t> base{0};
  bench::IssueFn issue = [&](int64_t i, bench::DoneFn done) {
    Send(clients, rpc, base.load() + i, synth,
         [done](const grpc::Status& s, size_t) { done(s); });
  };
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (absl::GetFlag(FLAGS_warmup) > absl::ZeroDuration()) {
    bench::LoadStats warm = bench::RunClosedLoop(
        concurrency, INT64_MAX, absl::GetFlag(FLAGS_warmup), issue);
    base = warm.ok + warm.error_count() + 1;
  }
  bench::LoadStats stats;
  if (mode == "closed") {
    stats = bench::RunClosedLoop(concurrency, absl::GetFlag(FLAGS_max_calls),
                                 absl::GetFlag(FLAGS_duration), issue);
  } else if (mode == "open") {
    stats = bench::RunOpenLoop(absl::GetFlag(FLAGS_rate),
                               absl::GetFlag(FLAGS_duration), 20000, issue);
  } else {
    std::cerr << "unknown --mode " << mode << "\n";
    return 2;
  }
  std::cout << stats.Summary(label) << std::endl;
  return stats.ok > 0 ? 0 : 1;
}
