// Hostile input: oversized requests, over-long fields, too many items,
// invalid UTF-8 sent as raw bytes, deeply nested wire data. Every one gets
// a clear error (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, or the code gRPC
// gives for a request that does not parse), never a crash, never a partial
// write: nothing is stored and incident-service's changelog does not
// advance.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/grpc/server_runner.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/security/raw_call.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::RawUnary;
using ::atlas::testing::StatusIs;
using ::testing::AnyOf;
using ::testing::HasSubstr;
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

constexpr char kCreateIncident[] =
    "/atlas.incident.v1.IncidentService/CreateIncident";
constexpr char kCreateOrganization[] =
    "/atlas.catalog.v1.CatalogService/CreateOrganization";

// The codes a hostile request may get: a validation error, a size limit,
// or gRPC's answer to a request that does not parse. gRPC 1.51's callback
// server answers a request it cannot deserialise with UNIMPLEMENTED and an
// empty message (CallbackUnaryHandler falls back to its "unimplemented"
// reactor); the tests check that the same method answers otherwise for a
// well-formed request, so UNIMPLEMENTED here means "did not parse".
auto Refused() {
  return AnyOf(StatusIs(::grpc::StatusCode::INVALID_ARGUMENT),
               StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED),
               StatusIs(::grpc::StatusCode::INTERNAL),
               StatusIs(::grpc::StatusCode::UNIMPLEMENTED));
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    catalog_stub_ = catalog_.NewStub();
    stub_ = incidents_->NewStub();
    cv1::CreateOrganizationRequest r;
    r.set_organization_id("vooruit");
    r.mutable_organization()->set_display_name("Vooruit");
    cv1::Organization out;
    ASSERT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), r, &out),
                IsOk());
    iv1::Incident created;
    ASSERT_THAT(CreateIncident(ValidIncident("existing"), &created), IsOk());
    baseline_sequence_ = incidents_->changelog().next_sequence();
  }

  static iv1::CreateIncidentRequest ValidIncident(const std::string& id) {
    iv1::CreateIncidentRequest r;
    r.set_incident_id(id);
    r.mutable_incident()->set_title("Website compromised");
    r.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    return r;
  }

  ::grpc::Status CreateIncident(const iv1::CreateIncidentRequest& r,
                                iv1::Incident* out) {
    return stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r, out);
  }

  // Nothing was written: the changelog did not advance, `incident_id` (if
  // any) does not exist, the catalog holds only "vooruit", and both
  // servers still answer.
  void ExpectNothingStored(const std::string& incident_id = "hostile",
                           const std::string& org_id = "hostile") {
    EXPECT_EQ(incidents_->changelog().next_sequence(), baseline_sequence_);
    iv1::GetIncidentRequest get;
    get.set_name("incidents/" + incident_id);
    iv1::Incident incident;
    EXPECT_THAT(
        stub_->GetIncident(ContextWithKey(kMemberKey).get(), get, &incident),
        StatusIs(::grpc::StatusCode::NOT_FOUND));
    cv1::GetOrganizationRequest get_org;
    get_org.set_name("organizations/" + org_id);
    cv1::Organization org;
    EXPECT_THAT(catalog_stub_->GetOrganization(ContextWithKey(kMemberKey).get(),
                                               get_org, &org),
                StatusIs(::grpc::StatusCode::NOT_FOUND));
    cv1::ListOrganizationsRequest list;
    cv1::ListOrganizationsResponse orgs;
    EXPECT_THAT(catalog_stub_->ListOrganizations(
                    ContextWithKey(kMemberKey).get(), list, &orgs),
                IsOk());
    EXPECT_EQ(orgs.organizations_size(), 1);
  }

  std::shared_ptr<::grpc::Channel> IncidentChannel() const {
    return ::grpc::CreateChannel(incidents_->address(),
                                 ::grpc::InsecureChannelCredentials());
  }
  std::shared_ptr<::grpc::Channel> CatalogChannel() const {
    return ::grpc::CreateChannel(catalog_.address(),
                                 ::grpc::InsecureChannelCredentials());
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<cv1::CatalogService::Stub> catalog_stub_;
  std::unique_ptr<iv1::IncidentService::Stub> stub_;
  int64_t baseline_sequence_ = 0;
};

TEST(ServerOptionsTest, ReceiveLimitIsSetDeliberately) {
  grpc_util::ServerOptions options;
  EXPECT_EQ(options.max_receive_message_bytes, 4 << 20);
}

TEST_F(HostileInputTest,
       FiveMegabyteRequestIsResourceExhaustedBeforeAnyHandler) {
  iv1::CreateIncidentRequest r = ValidIncident("hostile");
  r.mutable_incident()->set_description(std::string(5 << 20, 'a'));
  iv1::Incident out;
  EXPECT_THAT(CreateIncident(r, &out),
              StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED));

  cv1::CreateOrganizationRequest org;
  org.set_organization_id("hostile");
  org.mutable_organization()->set_display_name("Hostile");
  org.mutable_organization()->set_profile(std::string(5 << 20, 'a'));
  cv1::Organization created;
  EXPECT_THAT(catalog_stub_->CreateOrganization(
                  ContextWithKey(kEditorKey).get(), org, &created),
              StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED));
  ExpectNothingStored();
}

TEST_F(HostileInputTest, OneMegabyteTitleIsInvalidArgument) {
  iv1::CreateIncidentRequest r = ValidIncident("hostile");
  r.mutable_incident()->set_title(std::string(1 << 20, 'T'));
  iv1::Incident out;
  EXPECT_THAT(
      CreateIncident(r, &out),
      StatusIs(::grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("title")));
  ExpectNothingStored();
}

TEST_F(HostileInputTest,
       HundredThousandVictimsIsInvalidArgumentWithoutACatalogCall) {
  iv1::CreateIncidentRequest r = ValidIncident("hostile");
  for (int i = 0; i < 100000; ++i) {
    r.mutable_incident()->add_victims()->set_organization(
        absl::StrCat("organizations/v", i));
  }
  ASSERT_LT(r.ByteSizeLong(), size_t{4} << 20);
  iv1::Incident out;
  EXPECT_THAT(
      CreateIncident(r, &out),
      StatusIs(::grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("victims")));
  // Also over the receive limit: refused before parsing.
  for (int i = 0; i < 200000; ++i) {
    r.mutable_incident()->add_victims()->set_organization(
        absl::StrCat("organizations/v", i));
  }
  ASSERT_GT(r.ByteSizeLong(), size_t{4} << 20);
  EXPECT_THAT(CreateIncident(r, &out),
              StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED));
  ExpectNothingStored();
}

// One over each documented limit, per field: INVALID_ARGUMENT naming it.
TEST_F(HostileInputTest,
       EveryCountAndLengthLimitIsInvalidArgumentNamingTheField) {
  struct Case {
    std::string field;
    std::function<void(iv1::Incident*)> mutate;
  };
  const std::vector<Case> incident_cases = {
      {"title", [](auto* i) { i->set_title(std::string(301, 'a')); }},
      {"summary", [](auto* i) { i->set_summary(std::string(2001, 'a')); }},
      {"description",
       [](auto* i) { i->set_description(std::string(50001, 'a')); }},
      {"victims",
       [](auto* i) {
         for (int n = 0; n < 65; ++n) {
           i->add_victims()->set_organization(
               absl::StrCat("organizations/v", n));
         }
       }},
      {"countries",
       [](auto* i) {
         for (int n = 0; n < 65; ++n) i->add_countries("BE");
       }},
      {"incident_types",
       [](auto* i) {
         for (int n = 0; n < 17; ++n) i->add_incident_types(iv1::RANSOMWARE);
       }},
      {"motives",
       [](auto* i) {
         for (int n = 0; n < 17; ++n) i->add_motives(iv1::FINANCIAL);
       }},
      {"techniques",
       [](auto* i) {
         for (int n = 0; n < 65; ++n) i->add_techniques()->set_id("T1486");
       }},
      {"threat_actors",
       [](auto* i) {
         for (int n = 0; n < 33; ++n) i->add_threat_actors()->set_name("x");
       }},
      {"threat_actors[0].name",
       [](auto* i) {
         i->add_threat_actors()->set_name(std::string(201, 'a'));
       }},
      {"impacts",
       [](auto* i) {
         for (int n = 0; n < 33; ++n) {
           i->add_impacts()->set_type(iv1::Impact::RANSOM_DEMANDED);
         }
       }},
      {"cia_posture.confidentiality.note",
       [](auto* i) {
         i->mutable_cia_posture()->mutable_confidentiality()->set_note(
             std::string(2001, 'a'));
       }},
  };
  for (const Case& c : incident_cases) {
    SCOPED_TRACE(c.field);
    iv1::CreateIncidentRequest r = ValidIncident("hostile");
    c.mutate(r.mutable_incident());
    iv1::Incident out;
    EXPECT_THAT(CreateIncident(r, &out),
                StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                         HasSubstr("incident." + c.field)));
  }

  struct OrgCase {
    std::string field;
    std::function<void(cv1::Organization*)> mutate;
  };
  const std::vector<OrgCase> org_cases = {
      {"display_name",
       [](auto* o) { o->set_display_name(std::string(201, 'a')); }},
      {"aliases",
       [](auto* o) {
         for (int n = 0; n < 33; ++n) o->add_aliases(absl::StrCat("alias ", n));
       }},
      {"domains",
       [](auto* o) {
         for (int n = 0; n < 65; ++n)
           o->add_domains(absl::StrCat("d", n, ".be"));
       }},
      {"sectors",
       [](auto* o) {
         for (int n = 0; n < 17; ++n)
           o->add_sectors(absl::StrCat("sector-", n));
       }},
      {"locality", [](auto* o) { o->set_locality(std::string(201, 'a')); }},
      {"profile", [](auto* o) { o->set_profile(std::string(20001, 'a')); }},
      {"primary_url",
       [](auto* o) {
         o->set_primary_url("https://example.be/" + std::string(2048, 'a'));
       }},
  };
  for (const OrgCase& c : org_cases) {
    SCOPED_TRACE(c.field);
    cv1::CreateOrganizationRequest r;
    r.set_organization_id("hostile");
    r.mutable_organization()->set_display_name("Hostile");
    c.mutate(r.mutable_organization());
    cv1::Organization out;
    EXPECT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), r, &out),
                StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                         HasSubstr("organization." + c.field)));
  }

  cv1::BatchGetOrganizationsRequest batch;
  for (int n = 0; n < 1001; ++n) batch.add_names("organizations/vooruit");
  cv1::BatchGetOrganizationsResponse batch_out;
  EXPECT_THAT(
      catalog_stub_->BatchGetOrganizations(ContextWithKey("").get(), batch,
                                           &batch_out),
      StatusIs(::grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("names")));

  iv1::CreateTimelineEventRequest event;
  event.set_parent("incidents/existing");
  event.set_event_id("e");
  event.mutable_event()->set_type(iv1::DETECTION);
  event.mutable_event()->mutable_date()->set_year(2024);
  event.mutable_event()->set_description(std::string(2001, 'a'));
  iv1::TimelineEvent event_out;
  EXPECT_THAT(stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(),
                                         event, &event_out),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("event.description")));
  event.mutable_event()->set_description("ok");
  for (int n = 0; n < 33; ++n) {
    event.mutable_event()->add_sources("incidents/existing/sources/s");
  }
  EXPECT_THAT(stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(),
                                         event, &event_out),
              StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                       HasSubstr("event.sources")));

  iv1::CreateSourceRequest source;
  source.set_parent("incidents/existing");
  source.set_source_id("s");
  iv1::Source source_out;
  for (auto [field, mutate] :
       std::vector<std::pair<std::string, std::function<void(iv1::Source*)>>>{
           {"title", [](auto* s) { s->set_title(std::string(501, 'a')); }},
           {"excerpt", [](auto* s) { s->set_excerpt(std::string(5001, 'a')); }},
           {"publisher",
            [](auto* s) { s->set_publisher(std::string(201, 'a')); }},
           {"url",
            [](auto* s) {
              s->set_url("https://x.be/" + std::string(2048, 'a'));
            }},
       }) {
    SCOPED_TRACE(field);
    *source.mutable_source() = iv1::Source();
    mutate(source.mutable_source());
    EXPECT_THAT(stub_->CreateSource(ContextWithKey(kEditorKey).get(), source,
                                    &source_out),
                StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                         HasSubstr("source." + field)));
  }
  ExpectNothingStored();
}

// Serialises `m` with `marker` (which must occur once) replaced by `bytes`
// of the same length, so the length prefixes stay right.
template <typename M>
std::string WithRawBytes(const M& m, const std::string& marker,
                         const std::string& bytes) {
  std::string wire;
  EXPECT_TRUE(m.SerializeToString(&wire));
  size_t at = wire.find(marker);
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(marker.size(), bytes.size());
  if (at != std::string::npos) wire.replace(at, marker.size(), bytes);
  return wire;
}

TEST_F(HostileInputTest, InvalidUtf8SentAsRawBytesIsRefusedWithoutACrash) {
  // A lone continuation byte, a truncated sequence, an overlong NUL, a
  // UTF-16 surrogate, and bytes that never occur in UTF-8.
  const std::vector<std::string> bad = {"\x80\x80\x80\x80", "ab\xC3(",
                                        "\xC0\x80zz", "\xED\xA0\x80z",
                                        "\xFF\xFE\xFD\xFC"};
  {
    // The same requests, well-formed, reach the handlers.
    iv1::CreateIncidentRequest incident = ValidIncident("hostile");
    incident.mutable_incident()->set_title("Title MARK here");
    std::string wire;
    ASSERT_TRUE(incident.SerializeToString(&wire));
    EXPECT_THAT(RawUnary(IncidentChannel(), kCreateIncident, wire, "").status,
                StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    cv1::SearchOrganizationsRequest search;
    search.set_query("MARK");
    ASSERT_TRUE(search.SerializeToString(&wire));
    EXPECT_THAT(RawUnary(CatalogChannel(),
                         "/atlas.catalog.v1.CatalogService/SearchOrganizations",
                         wire, "")
                    .status,
                IsOk());
  }
  for (const std::string& b : bad) {
    SCOPED_TRACE(::testing::PrintToString(b));
    iv1::CreateIncidentRequest incident = ValidIncident("hostile");
    incident.mutable_incident()->set_title("Title MARK here");
    EXPECT_THAT(RawUnary(IncidentChannel(), kCreateIncident,
                         WithRawBytes(incident, "MARK", b), kEditorKey)
                    .status,
                Refused());

    cv1::CreateOrganizationRequest org;
    org.set_organization_id("hostile");
    org.mutable_organization()->set_display_name("Org MARK");
    EXPECT_THAT(RawUnary(CatalogChannel(), kCreateOrganization,
                         WithRawBytes(org, "MARK", b), kEditorKey)
                    .status,
                Refused());

    iv1::ListIncidentsRequest list;
    list.set_filter("country = \"MARK\"");
    EXPECT_THAT(RawUnary(IncidentChannel(),
                         "/atlas.incident.v1.IncidentService/ListIncidents",
                         WithRawBytes(list, "MARK", b), "")
                    .status,
                Refused());

    cv1::SearchOrganizationsRequest search;
    search.set_query("MARK");
    EXPECT_THAT(RawUnary(CatalogChannel(),
                         "/atlas.catalog.v1.CatalogService/SearchOrganizations",
                         WithRawBytes(search, "MARK", b), "")
                    .status,
                Refused());

    cv1::ResolveOrganizationRequest resolve;
    resolve.set_query("https://MARK.be/");
    EXPECT_THAT(RawUnary(CatalogChannel(),
                         "/atlas.catalog.v1.CatalogService/ResolveOrganization",
                         WithRawBytes(resolve, "MARK", b), "")
                    .status,
                AnyOf(Refused(), StatusIs(::grpc::StatusCode::NOT_FOUND)));
  }
  ExpectNothingStored();
}

// Fields this build does not know are refused on every write path, at any
// depth, naming where they are: nothing unknown is stored (and so nothing
// unknown can reach a public view past the redaction and length checks).
TEST_F(HostileInputTest, UnknownFieldsAreRefusedOnEveryWritePathNamingThem) {
  auto add_unknown = [](google::protobuf::Message* m) {
    m->GetReflection()->MutableUnknownFields(m)->AddLengthDelimited(
        99, "members-only text past every check");
  };
  auto unknown_at = [](const std::string& path) {
    return StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                    HasSubstr(path + ": unknown field 99"));
  };
  iv1::Incident out;
  iv1::CreateIncidentRequest top = ValidIncident("hostile");
  add_unknown(&top);
  EXPECT_THAT(CreateIncident(top, &out), unknown_at("request"));
  iv1::CreateIncidentRequest nested = ValidIncident("hostile");
  add_unknown(nested.mutable_incident()->mutable_victims(0));
  EXPECT_THAT(CreateIncident(nested, &out), unknown_at("incident.victims[0]"));

  iv1::BatchCreateIncidentsRequest batch;
  *batch.add_requests() = ValidIncident("hostile-first");
  *batch.add_requests() = ValidIncident("hostile");
  add_unknown(batch.mutable_requests(1)->mutable_incident());
  iv1::BatchCreateIncidentsResponse batch_out;
  EXPECT_THAT(stub_->BatchCreateIncidents(ContextWithKey(kEditorKey).get(),
                                          batch, &batch_out),
              unknown_at("requests[1].incident"));

  iv1::UpdateIncidentRequest update;
  update.mutable_incident()->set_name("incidents/existing");
  update.mutable_incident()->set_title("Renamed");
  update.mutable_update_mask()->add_paths("title");
  add_unknown(update.mutable_incident());
  EXPECT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), update, &out),
      unknown_at("incident"));

  iv1::CreateSourceRequest source;
  source.set_parent("incidents/existing");
  source.mutable_source()->set_title("A report");
  add_unknown(source.mutable_source()->mutable_grade());
  iv1::Source source_out;
  EXPECT_THAT(stub_->CreateSource(ContextWithKey(kEditorKey).get(), source,
                                  &source_out),
              unknown_at("source.grade"));

  iv1::CreateTimelineEventRequest event;
  event.set_parent("incidents/existing");
  event.mutable_event()->set_type(iv1::DETECTION);
  event.mutable_event()->set_description("Detected");
  event.mutable_event()->mutable_date()->set_year(2024);
  add_unknown(event.mutable_event()->mutable_date());
  iv1::TimelineEvent event_out;
  EXPECT_THAT(stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(),
                                         event, &event_out),
              unknown_at("event.date"));

  cv1::CreateOrganizationRequest org;
  org.set_organization_id("hostile");
  org.mutable_organization()->set_display_name("Hostile");
  add_unknown(org.mutable_organization());
  cv1::Organization org_out;
  EXPECT_THAT(catalog_stub_->CreateOrganization(
                  ContextWithKey(kEditorKey).get(), org, &org_out),
              unknown_at("organization"));
  cv1::UpdateOrganizationRequest org_update;
  org_update.mutable_organization()->set_name("organizations/vooruit");
  org_update.mutable_organization()->set_profile("Rewritten");
  org_update.mutable_update_mask()->add_paths("profile");
  add_unknown(&org_update);
  EXPECT_THAT(catalog_stub_->UpdateOrganization(
                  ContextWithKey(kEditorKey).get(), org_update, &org_out),
              unknown_at("request"));

  ExpectNothingStored();
  iv1::GetIncidentRequest get;
  get.set_name("incidents/hostile-first");
  EXPECT_THAT(stub_->GetIncident(ContextWithKey(kMemberKey).get(), get, &out),
              StatusIs(::grpc::StatusCode::NOT_FOUND));
}

TEST_F(HostileInputTest, DeeplyNestedAndGarbageWireDataIsRefusedWithoutACrash) {
  // 200,000 nested groups of an unknown field: a recursive parser without a
  // depth limit would overflow the stack.
  std::string nested;
  const std::string start = "\x9b\x06";  // field 99, start group
  const std::string end = "\x9c\x06";    // field 99, end group
  for (int i = 0; i < 200000; ++i) nested += start;
  for (int i = 0; i < 200000; ++i) nested += end;
  std::string valid;
  ASSERT_TRUE(ValidIncident("hostile").SerializeToString(&valid));
  EXPECT_THAT(
      RawUnary(IncidentChannel(), kCreateIncident, valid + nested, kEditorKey)
          .status,
      Refused());
  // A length prefix far beyond the message, truncated varints, wrong wire
  // types for known fields.
  for (const std::string& garbage :
       {std::string("\x0a\xff\xff\xff\xff\x0f", 6),
        std::string("\x0a\x80\x80", 3), std::string("\x0d\x01\x02\x03\x04", 5),
        std::string(64, '\xff')}) {
    EXPECT_THAT(
        RawUnary(IncidentChannel(), kCreateIncident, garbage, kEditorKey)
            .status,
        Refused());
    EXPECT_THAT(
        RawUnary(CatalogChannel(), kCreateOrganization, garbage, kEditorKey)
            .status,
        Refused());
  }
  ExpectNothingStored();
}

}  // namespace
}  // namespace atlas
