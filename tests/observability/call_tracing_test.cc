// Per-call access-log lines, W3C traceparent handling and deadline
// propagation, through real servers on port 0: the line's shape, a trace
// followed from incident-service into the catalog (both running in the
// test), a missing or invalid traceparent replaced by a new trace, and the
// victim check's deadline as the sooner of the caller's and
// --catalog_timeout.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/grpc/server_runner.h"
#include "common/grpc/trace_context.h"
#include "common/logging/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/observability/scrape.h"
#include "tests/testing/harness_support.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::grpc_util::TraceContext;
using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::LogCapture;
using ::atlas::testing::StatusIs;
using ::testing::MatchesRegex;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kTraceparent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";

void LogEveryCall(server::ServingOptions& serving) {
  serving.access_log_sample = 1;
}

incident::v1::CreateIncidentRequest IncidentOf(const std::string& id) {
  incident::v1::CreateIncidentRequest request;
  request.set_incident_id(id);
  incident::v1::Incident* i = request.mutable_incident();
  i->set_title("Website defaced");
  i->add_victims()->set_organization("organizations/vooruit");
  i->add_countries("BE");
  i->mutable_start_date()->set_year(2024);
  i->add_incident_types(incident::v1::WEBSITE_COMPROMISE);
  return request;
}

// The access-log lines ("msg":"rpc") of `method` among `lines`, parsed.
std::vector<nlohmann::json> AccessLines(const std::vector<std::string>& lines,
                                        const std::string& method) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : lines) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || parsed.value("msg", "") != "rpc") continue;
    if (parsed.value("method", "") == method) out.push_back(parsed);
  }
  return out;
}

TEST(TraceContextTest, ParsesValidValuesAndRejectsInvalidOnes) {
  std::optional<TraceContext> parsed = TraceContext::Parse(kTraceparent);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, kTraceId);
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 1);
  EXPECT_EQ(parsed->ToTraceparent(), kTraceparent);
  // A later version may append fields.
  EXPECT_TRUE(
      TraceContext::Parse(std::string("01") + (kTraceparent + 2) + "-extra")
          .has_value());
  for (const std::string& bad : {
           std::string(""),
           std::string(
               "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
           std::string(
               "00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
           std::string(
               "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
           std::string(kTraceparent) + "-extra",
           std::string(
               "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"),
           std::string(
               "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
       }) {
    EXPECT_FALSE(TraceContext::Parse(bad).has_value()) << bad;
  }
  const TraceContext root = TraceContext::NewRoot();
  EXPECT_TRUE(TraceContext::Parse(root.ToTraceparent()).has_value());
  const TraceContext child = root.Child();
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.parent_id, root.parent_id);
}

class CallTracingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.set_serving_options(LogEveryCall);
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->set_serving_options(LogEveryCall);
    incidents_->Start();
    catalog::v1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    org.mutable_organization()->set_country("BE");
    catalog::v1::Organization created;
    ASSERT_THAT(catalog_.NewStub()->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
};

TEST_F(CallTracingTest, AccessLineNamesMethodCodeLatencyPeerRoleBytesTrace) {
  LogCapture capture;
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/missing");
  incident::v1::Incident incident;
  auto context = ContextWithKey(kMemberKey);
  context->AddMetadata("traceparent", kTraceparent);
  ASSERT_THAT(incidents_->NewStub()->GetIncident(context.get(), get, &incident),
              StatusIs(::grpc::StatusCode::NOT_FOUND));

  // The line is written once the status is sent: poll for it.
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(::atlas::testing::WaitFor([&] {
    lines = AccessLines(capture.Lines(),
                        "/atlas.incident.v1.IncidentService/GetIncident");
    return !lines.empty();
  }));
  ASSERT_THAT(lines, SizeIs(1));
  const nlohmann::json& line = lines[0];
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["code"], "NotFound");
  EXPECT_THAT(line["latency_ms"].get<std::string>(),
              MatchesRegex("[0-9]+\\.[0-9][0-9][0-9]"));
  EXPECT_THAT(line["peer"].get<std::string>(), StartsWith("ipv4:127.0.0.1:"));
  EXPECT_EQ(line["role"], "member");
  EXPECT_EQ(line["request_bytes"], std::to_string(get.ByteSizeLong()));
  EXPECT_EQ(line["response_bytes"], "0");
  EXPECT_EQ(line["trace_id"], kTraceId);
  // Exactly these fields (a service binary adds its "service" name to
  // every line; the test process sets none).
  std::vector<std::string> keys;
  for (const auto& [key, value] : line.items()) keys.push_back(key);
  EXPECT_THAT(keys,
              ::testing::UnorderedElementsAre(
                  "ts", "level", "msg", "method", "code", "latency_ms", "peer",
                  "role", "request_bytes", "response_bytes", "trace_id"))
      << line.dump();
}

TEST_F(CallTracingTest, ResponseBytesAndRoleOfAnAnsweredCall) {
  incident::v1::Incident created;
  ASSERT_THAT(
      incidents_->NewStub()->CreateIncident(ContextWithKey(kEditorKey).get(),
                                            IncidentOf("defaced"), &created),
      IsOk());
  LogCapture capture;
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/defaced");
  incident::v1::Incident incident;
  ASSERT_THAT(incidents_->NewStub()->GetIncident(ContextWithKey("").get(), get,
                                                 &incident),
              IsOk());
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(::atlas::testing::WaitFor([&] {
    lines = AccessLines(capture.Lines(),
                        "/atlas.incident.v1.IncidentService/GetIncident");
    return !lines.empty();
  }));
  EXPECT_EQ(lines[0]["code"], "OK");
  EXPECT_EQ(lines[0]["role"], "public");
  EXPECT_EQ(lines[0]["response_bytes"],
            std::to_string(incident.ByteSizeLong()));
  // No traceparent came: a new trace id, 32 lowercase hex digits.
  EXPECT_THAT(lines[0]["trace_id"].get<std::string>(),
              MatchesRegex("[0-9a-f]{32}"));
}

TEST_F(CallTracingTest, TraceparentIsForwardedToTheCatalogsVictimCheck) {
  LogCapture capture;
  auto context = ContextWithKey(kEditorKey);
  context->AddMetadata("traceparent", kTraceparent);
  incident::v1::Incident created;
  ASSERT_THAT(incidents_->NewStub()->CreateIncident(
                  context.get(), IncidentOf("traced"), &created),
              IsOk());
  std::vector<nlohmann::json> create, check;
  ASSERT_TRUE(::atlas::testing::WaitFor([&] {
    const std::vector<std::string> lines = capture.Lines();
    create =
        AccessLines(lines, "/atlas.incident.v1.IncidentService/CreateIncident");
    check = AccessLines(
        lines, "/atlas.catalog.v1.CatalogService/BatchGetOrganizations");
    return !create.empty() && !check.empty();
  }));
  EXPECT_EQ(create[0]["trace_id"], kTraceId);
  EXPECT_EQ(create[0]["role"], "editor");
  ASSERT_THAT(check, SizeIs(1));
  EXPECT_EQ(check[0]["trace_id"], kTraceId);
  EXPECT_EQ(check[0]["role"], "service");
  EXPECT_EQ(check[0]["code"], "OK");
}

TEST_F(CallTracingTest, InvalidTraceparentStartsOneNewTraceAcrossBothServices) {
  LogCapture capture;
  auto context = ContextWithKey(kEditorKey);
  context->AddMetadata("traceparent", "00-not-a-trace-01");
  incident::v1::Incident created;
  ASSERT_THAT(incidents_->NewStub()->CreateIncident(
                  context.get(), IncidentOf("retraced"), &created),
              IsOk());
  std::vector<nlohmann::json> create, check;
  ASSERT_TRUE(::atlas::testing::WaitFor([&] {
    const std::vector<std::string> lines = capture.Lines();
    create =
        AccessLines(lines, "/atlas.incident.v1.IncidentService/CreateIncident");
    check = AccessLines(
        lines, "/atlas.catalog.v1.CatalogService/BatchGetOrganizations");
    return !create.empty() && !check.empty();
  }));
  const std::string trace = create[0]["trace_id"];
  EXPECT_THAT(trace, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(check[0]["trace_id"], trace);
}

TEST_F(CallTracingTest, NoLinesWhenSampleIsZero) {
  incidents_->Stop();
  incidents_->set_serving_options(nullptr);
  incidents_->Start();
  LogCapture capture;
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/missing");
  incident::v1::Incident incident;
  ASSERT_THAT(incidents_->NewStub()->GetIncident(
                  ContextWithKey(kMemberKey).get(), get, &incident),
              StatusIs(::grpc::StatusCode::NOT_FOUND));
  // A sampled call on the catalog is logged; by then the unsampled one,
  // finished earlier, would have been too.
  catalog::v1::GetOrganizationRequest org;
  org.set_name("organizations/vooruit");
  catalog::v1::Organization found;
  ASSERT_THAT(catalog_.NewStub()->GetOrganization(
                  ContextWithKey(kMemberKey).get(), org, &found),
              IsOk());
  ASSERT_TRUE(::atlas::testing::WaitFor([&] {
    return !AccessLines(capture.Lines(),
                        "/atlas.catalog.v1.CatalogService/GetOrganization")
                .empty();
  }));
  EXPECT_THAT(AccessLines(capture.Lines(),
                          "/atlas.incident.v1.IncidentService/GetIncident"),
              SizeIs(0));
}

TEST_F(CallTracingTest, LogLevelWarningDropsAccessLinesButKeepsWarnings) {
  log::Level level;
  ASSERT_TRUE(log::ParseLevel("warning", &level));
  EXPECT_FALSE(log::ParseLevel("verbose", &level));
  LogCapture capture;
  log::SetMinLevel(log::Level::kWarning);
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/missing");
  incident::v1::Incident incident;
  const ::grpc::Status status = incidents_->NewStub()->GetIncident(
      ContextWithKey(::atlas::testing::kUnknownKey).get(), get, &incident);
  log::SetMinLevel(log::Level::kInfo);
  ASSERT_THAT(status, StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
  // Both lines are written before the status leaves the server.
  const std::vector<std::string> lines = capture.Lines();
  EXPECT_THAT(
      AccessLines(lines, "/atlas.incident.v1.IncidentService/GetIncident"),
      SizeIs(0));
  EXPECT_THAT(lines, ::testing::Contains(::testing::HasSubstr(
                         "\"msg\":\"authentication failed\"")));
}

// A catalog that answers every victim check and keeps what it was sent.
class RecordingCatalog final
    : public catalog::v1::CatalogService::CallbackService {
 public:
  ::grpc::ServerUnaryReactor* BatchGetOrganizations(
      ::grpc::CallbackServerContext* context,
      const catalog::v1::BatchGetOrganizationsRequest* /*request*/,
      catalog::v1::BatchGetOrganizationsResponse* /*response*/) override {
    {
      absl::MutexLock lock(&mu_);
      deadlines_.push_back(absl::FromChrono(context->deadline()));
      auto it = context->client_metadata().find("traceparent");
      traceparents_.push_back(
          it == context->client_metadata().end()
              ? ""
              : std::string(it->second.data(), it->second.size()));
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }
  std::vector<absl::Time> deadlines() {
    absl::MutexLock lock(&mu_);
    return deadlines_;
  }
  std::vector<std::string> traceparents() {
    absl::MutexLock lock(&mu_);
    return traceparents_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> traceparents_ ABSL_GUARDED_BY(mu_);
};

class DeadlinePropagationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc_util::ServerOptions options;
    options.service_name = "atlas.catalog.v1.CatalogService";
    runner_ = ::atlas::testing::OrDie(
        grpc_util::ServerRunner::Start(options, {&catalog_}),
        "start the recording catalog");
    // --catalog_timeout 10 s, no access log: the scope alone carries the
    // trace.
    incidents_ = std::make_unique<IncidentHarness>(
        "127.0.0.1:" + std::to_string(runner_->port()), "", absl::Seconds(10));
    incidents_->Start();
  }

  // Creates an incident with a call deadline `deadline` from now; returns
  // when the call was made.
  // gRPC sends a deadline as a grpc-timeout header, rounded up to a coarser
  // unit (100 ms steps for timeouts of seconds), so a server may see a
  // deadline up to this much later than the client set.
  static constexpr absl::Duration kTimeoutRounding = absl::Milliseconds(100);

  // When the create was sent and when it was answered: the victim check
  // happened in between, so its deadline is bounded by both, however long
  // this machine took to schedule the call (no timing assumption).
  struct Call {
    absl::Time start;
    absl::Time end;
  };
  Call CreateWithDeadline(const std::string& id, absl::Duration deadline,
                          const std::string& traceparent = "") {
    auto context = ContextWithKey(kEditorKey);
    const absl::Time start = absl::Now();
    context->set_deadline(absl::ToChronoTime(start + deadline));
    if (!traceparent.empty()) context->AddMetadata("traceparent", traceparent);
    incident::v1::Incident created;
    EXPECT_THAT(incidents_->NewStub()->CreateIncident(context.get(),
                                                      IncidentOf(id), &created),
                IsOk());
    return {start, absl::Now()};
  }

  RecordingCatalog catalog_;
  std::unique_ptr<grpc_util::ServerRunner> runner_;
  std::unique_ptr<IncidentHarness> incidents_;
};

TEST_F(DeadlinePropagationTest, CallersSoonerDeadlineBoundsTheVictimCheck) {
  const Call call = CreateWithDeadline("soon", absl::Seconds(3));
  const std::vector<absl::Time> deadlines = catalog_.deadlines();
  ASSERT_THAT(deadlines, SizeIs(1));
  // The caller's 3 s, not the 10 s catalog timeout. gRPC carries the
  // deadline as a timeout, so the time on the wire (at most the whole call)
  // may be added to it, and its header rounds up (kTimeoutRounding).
  EXPECT_LE(deadlines[0], call.start + absl::Seconds(3) +
                              (call.end - call.start) + kTimeoutRounding);
  EXPECT_GE(deadlines[0], call.start + absl::Seconds(2));
}

TEST_F(DeadlinePropagationTest,
       CatalogTimeoutBoundsAVictimCheckOfALaterCaller) {
  const Call call = CreateWithDeadline("later", absl::Seconds(60));
  const std::vector<absl::Time> deadlines = catalog_.deadlines();
  ASSERT_THAT(deadlines, SizeIs(1));
  // now + --catalog_timeout (10 s), "now" being some moment of the call;
  // nowhere near the caller's 60 s.
  EXPECT_LE(deadlines[0], call.end + absl::Seconds(10) + kTimeoutRounding);
  EXPECT_GE(deadlines[0], call.start + absl::Seconds(9));
}

TEST_F(DeadlinePropagationTest, TraceIsForwardedWithANewParentId) {
  CreateWithDeadline("traced", absl::Seconds(30), kTraceparent);
  const std::vector<std::string> sent = catalog_.traceparents();
  ASSERT_THAT(sent, SizeIs(1));
  std::optional<TraceContext> forwarded = TraceContext::Parse(sent[0]);
  ASSERT_TRUE(forwarded.has_value()) << sent[0];
  EXPECT_EQ(forwarded->trace_id, kTraceId);
  EXPECT_NE(forwarded->parent_id, "00f067aa0ba902b7");
}

}  // namespace
}  // namespace atlas
