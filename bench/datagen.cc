// datagen: fills catalog-service and incident-service with synthetic
// records (bench/synthetic.h) through the public API, with many Create
// calls in flight (an EDITOR key).
//
//   organisations [--org_start, --orgs)            CreateOrganization
//   incidents     [--incident_start, --incidents)  CreateIncident, or
//                                                  BatchCreateIncidents of
//                                                  --batch (> 1) each
//   details for incidents [0, --detail_incidents)  CreateTimelineEvent
//                                                  (2..6), CreateSource (1..3)
//
// Ids are fixed (`org-0000042`, `inc-00000042`), so a benchmark can name any
// record and a second run over the same range adds nothing (ALREADY_EXISTS
// counts as present). Prints one `phase=... count=... seconds=... per_s=...`
// line per phase; exits 1 if any call failed otherwise.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "bench/load_loop.h"
#include "bench/synthetic.h"
#include "grpcpp/client_context.h"

ABSL_FLAG(std::string, catalog, "127.0.0.1:50051", "catalog-service address");
ABSL_FLAG(std::string, incident, "127.0.0.1:50052", "incident-service address");
ABSL_FLAG(std::string, api_key, "", "raw EDITOR key");
ABSL_FLAG(int64_t, org_start, 0, "first organisation to create");
ABSL_FLAG(int64_t, orgs, 1000, "organisations in all (victims range)");
ABSL_FLAG(int64_t, incident_start, 0, "first incident to create");
ABSL_FLAG(int64_t, incidents, 10000, "one past the last incident");
ABSL_FLAG(int64_t, detail_incidents, 0,
          "incidents [0, N) that get timeline events and sources");
ABSL_FLAG(int, concurrency, 128, "Create calls in flight");
ABSL_FLAG(int, batch, 1,
          "incidents per call: 1 uses CreateIncident, more uses "
          "BatchCreateIncidents (at most 1000)");
ABSL_FLAG(int, batch_concurrency, 4, "BatchCreateIncidents calls in flight");
ABSL_FLAG(absl::Duration, incident_time_limit, absl::InfiniteDuration(),
          "stop creating incidents after this long (the phase reports how "
          "many it created)");
ABSL_FLAG(int, channels, 2, "TCP connections per service");
ABSL_FLAG(std::string, attack_tsv,
          "incident-service/data/attack/enterprise-techniques.tsv",
          "ATT&CK technique table (active ids are used)");

namespace {

namespace bench = atlas::bench;
namespace cat = atlas::catalog::v1;
namespace inc = atlas::incident::v1;

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_api_key));
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  return ctx;
}

// Keeps a call's context, request and response alive until it completes;
// ALREADY_EXISTS counts as OK (the record is there from an earlier run).
template <typename Req, typename Resp>
struct Call {
  std::unique_ptr<grpc::ClientContext> ctx = NewContext();
  Req request;
  Resp response;
};

template <typename Req, typename Resp, typename Method>
void Start(std::shared_ptr<Call<Req, Resp>> call, Method method,
           bench::DoneFn done) {
  method(call->ctx.get(), &call->request, &call->response,
         [call, done](grpc::Status s) {
           if (s.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
             s = grpc::Status::OK;
           }
           done(s);
         });
}

bool Report(const std::string& phase, bench::LoadStats& stats, int64_t rpcs) {
  std::printf(
      "phase=%s count=%lld rpcs=%lld errors=%lld seconds=%.2f "
      "per_s=%.0f p50_us=%.0f p99_us=%.0f first_error=\"%s\"\n",
      phase.c_str(), static_cast<long long>(stats.ok),
      static_cast<long long>(rpcs), static_cast<long long>(stats.error_count()),
      stats.seconds, stats.qps(), stats.Percentile(50), stats.Percentile(99),
      stats.first_error.c_str());
  std::fflush(stdout);
  return stats.error_count() == 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int channels = std::max(1, absl::GetFlag(FLAGS_channels));
  std::vector<std::unique_ptr<cat::CatalogService::Stub>> catalog;
  std::vector<std::unique_ptr<inc::IncidentService::Stub>> incident;
  for (int i = 0; i < channels; ++i) {
    catalog.push_back(cat::CatalogService::NewStub(
        bench::MakeChannel(absl::GetFlag(FLAGS_catalog), i)));
    incident.push_back(inc::IncidentService::NewStub(
        bench::MakeChannel(absl::GetFlag(FLAGS_incident), 100 + i)));
  }
  const int64_t orgs = std::max<int64_t>(1, absl::GetFlag(FLAGS_orgs));
  bench::Synthetic synth(orgs, absl::GetFlag(FLAGS_attack_tsv));
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  bool ok = true;

  const int64_t org_start = absl::GetFlag(FLAGS_org_start);
  if (org_start < orgs) {
    bench::LoadStats stats = bench::RunClosedLoop(
        concurrency, orgs - org_start, absl::InfiniteDuration(),
        [&](int64_t j, bench::DoneFn done) {
          const int64_t i = org_start + j;
          auto call = std::make_shared<
              Call<cat::CreateOrganizationRequest, cat::Organization>>();
          *call->request.mutable_organization() = synth.Organization(i);
          call->request.set_organization_id(bench::OrgId(i));
          auto* stub = catalog[i % channels].get();
          Start(
              call,
              [stub](auto* c, auto* req, auto* resp, auto cb) {
                stub->async()->CreateOrganization(c, req, resp, std::move(cb));
              },
              done);
        });
    ok &= Report("organizations", stats, orgs - org_start);
  }

  const int64_t inc_start = absl::GetFlag(FLAGS_incident_start);
  const int64_t incidents = absl::GetFlag(FLAGS_incidents);
  const int batch = std::clamp(absl::GetFlag(FLAGS_batch), 1, 1000);
  if (inc_start < incidents && batch > 1) {
    // Batch j holds incidents [inc_start + j * batch, ... + batch). A batch
    // that finds its ids taken (ALREADY_EXISTS: an earlier run created it)
    // counts as created.
    const int64_t batches = (incidents - inc_start + batch - 1) / batch;
    std::atomic<int64_t> created{0};
    bench::LoadStats stats = bench::RunClosedLoop(
        absl::GetFlag(FLAGS_batch_concurrency), batches,
        absl::GetFlag(FLAGS_incident_time_limit),
        [&](int64_t j, bench::DoneFn done) {
          const int64_t first = inc_start + j * batch;
          const int64_t last = std::min(incidents, first + batch);
          auto call =
              std::make_shared<Call<inc::BatchCreateIncidentsRequest,
                                    inc::BatchCreateIncidentsResponse>>();
          for (int64_t i = first; i < last; ++i) {
            inc::CreateIncidentRequest* r = call->request.add_requests();
            *r->mutable_incident() = synth.Incident(i);
            r->set_incident_id(bench::IncidentId(i));
          }
          auto* stub = incident[j % channels].get();
          Start(
              call,
              [stub](auto* c, auto* req, auto* resp, auto cb) {
                stub->async()->BatchCreateIncidents(c, req, resp,
                                                    std::move(cb));
              },
              [done, &created, n = last - first](grpc::Status s) {
                if (s.ok()) created += n;
                done(s);
              });
        });
    const int64_t calls = stats.ok;
    stats.ok = created.load();  // per_s and count are incidents, not calls
    ok &= Report("incidents", stats, calls + stats.error_count());
  } else if (inc_start < incidents) {
    bench::LoadStats stats = bench::RunClosedLoop(
        concurrency, incidents - inc_start,
        absl::GetFlag(FLAGS_incident_time_limit),
        [&](int64_t j, bench::DoneFn done) {
          const int64_t i = inc_start + j;
          auto call = std::make_shared<
              Call<inc::CreateIncidentRequest, inc::Incident>>();
          *call->request.mutable_incident() = synth.Incident(i);
          call->request.set_incident_id(bench::IncidentId(i));
          auto* stub = incident[i % channels].get();
          Start(
              call,
              [stub](auto* c, auto* req, auto* resp, auto cb) {
                stub->async()->CreateIncident(c, req, resp, std::move(cb));
              },
              done);
        });
    ok &= Report("incidents", stats, incidents - inc_start);
  }

  const int64_t detail =
      std::min(absl::GetFlag(FLAGS_detail_incidents), incidents);
  if (detail > 0) {
    // Slot k of incident i: 0..5 events, 6..8 sources; slots beyond the
    // incident's counts complete at once without a call.
    int64_t rpcs = 0;
    for (int64_t i = 0; i < detail; ++i) {
      rpcs += synth.EventCount(i) + synth.SourceCount(i);
    }
    bench::LoadStats stats = bench::RunClosedLoop(
        concurrency, detail * 9, absl::InfiniteDuration(),
        [&](int64_t j, bench::DoneFn done) {
          const int64_t i = j / 9;
          const int k = static_cast<int>(j % 9);
          const std::string parent =
              absl::StrCat("incidents/", bench::IncidentId(i));
          auto* stub = incident[i % channels].get();
          if (k < 6) {
            if (k >= synth.EventCount(i)) return done(grpc::Status::OK);
            auto call = std::make_shared<
                Call<inc::CreateTimelineEventRequest, inc::TimelineEvent>>();
            call->request.set_parent(parent);
            *call->request.mutable_event() = synth.Event(i, k);
            call->request.set_event_id(absl::StrCat("e", k));
            Start(
                call,
                [stub](auto* c, auto* req, auto* resp, auto cb) {
                  stub->async()->CreateTimelineEvent(c, req, resp,
                                                     std::move(cb));
                },
                done);
          } else {
            const int s = k - 6;
            if (s >= synth.SourceCount(i)) return done(grpc::Status::OK);
            auto call =
                std::make_shared<Call<inc::CreateSourceRequest, inc::Source>>();
            call->request.set_parent(parent);
            *call->request.mutable_source() = synth.Source(i, s);
            call->request.set_source_id(absl::StrCat("s", s));
            Start(
                call,
                [stub](auto* c, auto* req, auto* resp, auto cb) {
                  stub->async()->CreateSource(c, req, resp, std::move(cb));
                },
                done);
          }
        });
    // Skipped slots completed as OK; count only real calls.
    stats.ok -= detail * 9 - rpcs;
    ok &= Report("details", stats, rpcs);
  }
  return ok ? 0 : 1;
}
