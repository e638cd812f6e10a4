// atlasctl's incident commands in process, against a fake IncidentService
// serving the methods incident-service does not implement yet (timeline,
// list, watch): paging, table columns and JSON lines.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tools/atlasctl/cli.h"
#include "tools/atlasctl/incidents_command.h"

namespace atlas::atlasctl {
namespace {

using ::testing::HasSubstr;

namespace incident = ::atlas::incident::v1;

// Serves fixed data; the synchronous API keeps the fake short.
class FakeIncidentService final : public incident::IncidentService::Service {
 public:
  ::grpc::Status ListTimelineEvents(
      ::grpc::ServerContext* /*context*/,
      const incident::ListTimelineEventsRequest* request,
      incident::ListTimelineEventsResponse* response) override {
    if (request->parent() != "incidents/vooruit-2024") {
      return ::grpc::Status(::grpc::StatusCode::NOT_FOUND,
                            request->parent() + " does not exist");
    }
    if (request->page_token().empty()) {
      auto* e = response->add_events();
      e->set_type(incident::DETECTION);
      e->mutable_date()->set_year(2024);
      e->mutable_date()->set_month(3);
      e->mutable_date()->set_day(28);
      *e->mutable_effective_date() = e->date();
      e->set_description("Ransom message left in the database");
      response->set_next_page_token("page-2");
    } else {
      auto* e = response->add_events();
      e->set_type(incident::REPORTED_TO_POLICE);
      e->mutable_relative_date()->set_expression("since Monday");
      e->mutable_relative_date()->set_state(
          atlas::type::v1::RelativeDate::UNRESOLVED);
      e->set_description("Reported to the police");
    }
    return ::grpc::Status::OK;
  }

  ::grpc::Status ListIncidents(
      ::grpc::ServerContext* /*context*/,
      const incident::ListIncidentsRequest* request,
      incident::ListIncidentsResponse* response) override {
    last_filter_ = request->filter();
    last_order_by_ = request->order_by();
    for (int i = 0; i < 3; ++i) {
      auto* inc = response->add_incidents();
      inc->set_name(absl::StrCat("incidents/i", i));
      inc->set_title(absl::StrCat("Incident ", i));
      inc->add_victims()->set_organization("organizations/vooruit");
      inc->mutable_start_date()->set_year(2024);
      inc->mutable_disclosed_date()->set_year(2024);
      inc->mutable_disclosed_date()->set_month(4);
    }
    return ::grpc::Status::OK;
  }

  ::grpc::Status SearchIncidents(
      ::grpc::ServerContext* /*context*/,
      const incident::SearchIncidentsRequest* request,
      incident::SearchIncidentsResponse* response) override {
    last_query_ = request->query();
    last_filter_ = request->filter();
    last_order_by_ = request->order_by();
    auto* r = response->add_results();
    r->set_score(2.5);
    r->mutable_incident()->set_name("incidents/party");
    r->mutable_incident()->set_title("Party website down");
    r->mutable_incident()->mutable_start_date()->set_year(2024);
    auto* snippet = r->add_snippets();
    snippet->set_field("summary");
    snippet->set_text("The website was\ndown");
    auto* h = snippet->add_highlights();
    h->set_start(4);
    h->set_end(11);
    response->set_total_size(1);
    response->set_facets_exact(true);
    auto* facet = response->add_facets();
    facet->set_field("country");
    auto* v = facet->add_values();
    v->set_value("BE");
    v->set_count(1);
    return ::grpc::Status::OK;
  }

  ::grpc::Status WatchIncidentChanges(
      ::grpc::ServerContext* context,
      const incident::WatchIncidentChangesRequest* request,
      ::grpc::ServerWriter<incident::IncidentChange>* writer) override {
    auto auth = context->client_metadata().find("authorization");
    last_authorization_ =
        auth == context->client_metadata().end()
            ? ""
            : std::string(auth->second.data(), auth->second.size());
    for (int64_t seq = std::max<int64_t>(request->start_sequence(), 1);
         seq <= 2; ++seq) {
      incident::IncidentChange change;
      change.set_sequence(seq);
      change.set_change_type(incident::IncidentChange::CREATED);
      change.mutable_incident()->set_name(absl::StrCat("incidents/i", seq));
      change.mutable_incident()->set_title(absl::StrCat("Incident ", seq));
      writer->Write(change);
    }
    return ::grpc::Status::OK;  // A real server keeps the stream open.
  }

  std::string last_filter_;
  std::string last_order_by_;
  std::string last_query_;
  std::string last_authorization_;
};

class IncidentsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    args.insert(args.begin(), absl::StrCat("--incidents=127.0.0.1:", port_));
    return atlasctl::Run(args, IncidentsCommands(), out_, err_);
  }

  FakeIncidentService service_;
  std::unique_ptr<::grpc::Server> server_;
  int port_ = 0;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(IncidentsCommandTest, TimelineFollowsPagesAndShowsUnresolvedDates) {
  ASSERT_EQ(Run({"incidents", "timeline", "vooruit-2024"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "DATE                      TYPE                DESCRIPTION\n"
            "2024-03-28                DETECTION           Ransom message left "
            "in the database\n"
            "unresolved: since Monday  REPORTED_TO_POLICE  Reported to the "
            "police\n");
}

TEST_F(IncidentsCommandTest, TimelineAsJsonLines) {
  ASSERT_EQ(
      Run({"incidents", "timeline", "incidents/vooruit-2024", "-o", "json"}),
      0);
  EXPECT_EQ(out_.str(),
            R"({"type":"DETECTION","date":{"year":2024,"month":3,"day":28},)"
            R"("effectiveDate":{"year":2024,"month":3,"day":28},)"
            R"("description":"Ransom message left in the database"})"
            "\n"
            R"({"type":"REPORTED_TO_POLICE","relativeDate":{"expression":)"
            R"("since Monday","state":"UNRESOLVED"},)"
            R"("description":"Reported to the police"})"
            "\n");
}

TEST_F(IncidentsCommandTest, TimelineOfUnknownIncidentIsNotFound) {
  EXPECT_EQ(Run({"incidents", "timeline", "nope"}), 1);
  EXPECT_EQ(err_.str(), "error: NOT_FOUND: incidents/nope does not exist\n");
}

TEST_F(IncidentsCommandTest, ListShowsColumnsAndHonoursLimit) {
  ASSERT_EQ(
      Run({"incidents", "list", "--filter", "country = \"BE\"", "--limit=2"}),
      0)
      << err_.str();
  EXPECT_EQ(service_.last_filter_, "country = \"BE\"");
  EXPECT_EQ(out_.str(),
            "NAME          TITLE       VICTIMS  START  DISCLOSED\n"
            "incidents/i0  Incident 0  vooruit  2024   2024-04\n"
            "incidents/i1  Incident 1  vooruit  2024   2024-04\n");
}

TEST_F(IncidentsCommandTest, ListSendsOrderBy) {
  ASSERT_EQ(
      Run({"incidents", "list", "--order_by", "start_date desc", "--limit=1"}),
      0)
      << err_.str();
  EXPECT_EQ(service_.last_order_by_, "start_date desc");
  ASSERT_EQ(Run({"incidents", "list", "--limit=1"}), 0) << err_.str();
  EXPECT_EQ(service_.last_order_by_, "");
}

TEST_F(IncidentsCommandTest, SearchShowsSnippetsAndFacets) {
  ASSERT_EQ(Run({"incidents", "search", "website", "--filter",
                 "country = \"BE\"", "--order-by", "start_date desc"}),
            0)
      << err_.str();
  EXPECT_EQ(service_.last_query_, "website");
  EXPECT_EQ(service_.last_filter_, "country = \"BE\"");
  EXPECT_EQ(service_.last_order_by_, "start_date desc");
  EXPECT_EQ(out_.str(),
            "SCORE  NAME             TITLE               START  SNIPPET\n"
            "2.50   incidents/party  Party website down  2024   "
            "summary: The [website] was down\n"
            "1 of 1 matches\n"
            "country: BE 1\n");
  EXPECT_EQ(Run({"incidents", "search"}), 2);
}

TEST_F(IncidentsCommandTest, WatchPrintsChangesAndSendsKey) {
  ASSERT_EQ(Run({"incidents", "watch", "--key=k", "--from=2"}), 0)
      << err_.str();
  EXPECT_EQ(service_.last_authorization_, "Bearer k");
  EXPECT_THAT(out_.str(), HasSubstr("SEQ"));
  EXPECT_THAT(out_.str(), HasSubstr("2        CREATED  incidents/i2"));
  EXPECT_THAT(out_.str(), ::testing::Not(HasSubstr("incidents/i1")));
}

TEST_F(IncidentsCommandTest, WatchAsJson) {
  ASSERT_EQ(Run({"incidents", "watch", "-o", "json"}), 0);
  EXPECT_THAT(out_.str(),
              HasSubstr(R"({"sequence":"1","changeType":"CREATED")"));
}

TEST_F(IncidentsCommandTest, NegativeLimitIsUsageError) {
  EXPECT_EQ(Run({"incidents", "list", "--limit=-1"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--limit must not be negative"));
}

}  // namespace
}  // namespace atlas::atlasctl
