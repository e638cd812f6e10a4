// Nothing members-only is derivable from a public answer (DESIGN.md section
// 9): two records that differ only in members-only content give public
// answers that are byte-identical apart from their name, etag and
// timestamps; and the etag, which public callers see, is a random version
// token, not a function of the record (a digest let a public caller test
// guesses of members-only fields offline: from a public GetIncident with
// `motive_count` 2, the motives in 2 guesses).
#include <memory>
#include <string>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/api/aip/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

// The public answer without what may differ between two records: the
// name, the etag and the timestamps; deterministic bytes.
template <typename Record>
std::string PublicBytes(Record record) {
  record.clear_name();
  record.clear_etag();
  record.clear_create_time();
  record.clear_update_time();
  return api::DeterministicBytes(record);
}

class DerivationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
    cv1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    cv1::Organization created;
    ASSERT_THAT(catalog_.NewStub()->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
  }

  // An incident whose members-only fields are set from `secret`; every
  // public field is the same for every `secret`.
  iv1::Incident CreateIncident(const std::string& id, int secret) {
    iv1::CreateIncidentRequest r;
    r.set_incident_id(id);
    iv1::Incident* i = r.mutable_incident();
    i->set_title("Website held to ransom");
    i->add_victims()->set_organization("organizations/vooruit");
    i->add_countries("BE");
    i->set_summary("Ransom message left in the database");
    i->add_motives(secret == 0 ? iv1::FINANCIAL : iv1::IDEOLOGY);
    i->add_motives(secret == 0 ? iv1::GRUDGE : iv1::FUN);
    i->add_techniques()->set_id(secret == 0 ? "T1486" : "T1566");
    iv1::ThreatActor* actor = i->add_threat_actors();
    actor->set_name(secret == 0 ? "NoName057(16)" : "LockBit");
    i->mutable_cia_posture()->mutable_confidentiality()->set_level(
        secret == 0 ? iv1::MEDIUM : iv1::LOW);
    // The VERIS classification (issue 13) is members-only too.
    i->set_targeting(secret == 0 ? iv1::TARGETED : iv1::OPPORTUNISTIC);
    iv1::VerisAction* action = i->add_actions();
    action->set_category(secret == 0 ? iv1::VerisAction::HACKING
                                     : iv1::VerisAction::MALWARE);
    i->mutable_losses()->set_overall_rating(secret == 0 ? "Painful"
                                                        : "Catastrophic");
    i->mutable_original_record()->set_format("veris");
    i->mutable_original_record()->set_content(secret == 0 ? "{}" : "{\"a\":1}");
    iv1::Incident out;
    EXPECT_THAT(
        stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r, &out),
        IsOk());
    return out;
  }

  template <typename Request, typename Record, typename Method>
  Record Get(Method method, const std::string& name, const std::string& key) {
    Request request;
    request.set_name(name);
    Record out;
    EXPECT_THAT(
        (stub_.get()->*method)(ContextWithKey(key).get(), request, &out),
        IsOk());
    return out;
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<iv1::IncidentService::Stub> stub_;
};

TEST_F(DerivationTest, IncidentsDifferingOnlyInMembersOnlyFieldsLookTheSame) {
  CreateIncident("a", 0);
  CreateIncident("b", 1);
  auto get = [&](const std::string& name, const std::string& key) {
    return Get<iv1::GetIncidentRequest, iv1::Incident>(
        &iv1::IncidentService::Stub::GetIncident, name, key);
  };
  EXPECT_NE(PublicBytes(get("incidents/a", kMemberKey)),
            PublicBytes(get("incidents/b", kMemberKey)));
  EXPECT_EQ(PublicBytes(get("incidents/a", "")),
            PublicBytes(get("incidents/b", "")));

  iv1::ListIncidentsRequest list;
  iv1::ListIncidentsResponse page;
  ASSERT_THAT(stub_->ListIncidents(ContextWithKey("").get(), list, &page),
              IsOk());
  ASSERT_EQ(page.incidents_size(), 2);
  EXPECT_EQ(PublicBytes(page.incidents(0)), PublicBytes(page.incidents(1)));
}

TEST_F(DerivationTest, TheEtagIsNotAFunctionOfTheRecord) {
  iv1::Incident created = CreateIncident("a", 0);
  // Rewriting the same content gives a new etag: no digest of the record.
  iv1::UpdateIncidentRequest update;
  update.mutable_incident()->set_name("incidents/a");
  update.mutable_incident()->set_title(created.title());
  update.mutable_update_mask()->add_paths("title");
  iv1::Incident first, second;
  ASSERT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), update, &first),
      IsOk());
  ASSERT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), update, &second),
      IsOk());
  EXPECT_EQ(PublicBytes(first), PublicBytes(second));
  EXPECT_NE(first.etag(), second.etag());
  EXPECT_NE(first.etag(), created.etag());
  // ... and the etag stays a working AIP-154 version: the stale one fails.
  update.mutable_incident()->set_etag(first.etag());
  EXPECT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), update, &second),
      ::atlas::testing::StatusIs(::grpc::StatusCode::ABORTED));
}

TEST_F(DerivationTest,
       EventsAndSourcesDifferingOnlyInMembersOnlyFieldsLookTheSame) {
  CreateIncident("a", 0);
  for (int i = 0; i < 2; ++i) {
    iv1::CreateSourceRequest source;
    source.set_parent("incidents/a");
    source.set_source_id("s" + std::to_string(i));
    iv1::Source* s = source.mutable_source();
    s->set_url(i == 0 ? "https://www.brusselstimes.com/a"
                      : "https://bruzz.be/b");
    s->set_title(i == 0 ? "Vooruit hacked" : "Vooruit.brussels gehackt");
    s->set_publisher(i == 0 ? "The Brussels Times" : "BRUZZ");
    s->mutable_published_date()->set_year(2024);
    s->mutable_published_date()->set_month(i == 0 ? 3 : 4);
    s->set_language(i == 0 ? "en" : "nl-BE");
    s->set_kind(i == 0 ? iv1::NEWS : iv1::VICTIM_STATEMENT);
    s->set_excerpt(i == 0 ? "some data irretrievable" : "losgeld geweigerd");
    iv1::Source out;
    ASSERT_THAT(
        stub_->CreateSource(ContextWithKey(kEditorKey).get(), source, &out),
        IsOk());
    iv1::CreateTimelineEventRequest event;
    event.set_parent("incidents/a");
    event.set_event_id("e" + std::to_string(i));
    event.mutable_event()->set_type(iv1::DETECTION);
    event.mutable_event()->set_description("Ransom message found");
    event.mutable_event()->mutable_date()->set_year(2024);
    event.mutable_event()->add_sources(out.name());
    iv1::TimelineEvent created;
    ASSERT_THAT(stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(),
                                           event, &created),
                IsOk());
  }
  auto source = [&](const std::string& name, const std::string& key) {
    return Get<iv1::GetSourceRequest, iv1::Source>(
        &iv1::IncidentService::Stub::GetSource, name, key);
  };
  EXPECT_NE(PublicBytes(source("incidents/a/sources/s0", kMemberKey)),
            PublicBytes(source("incidents/a/sources/s1", kMemberKey)));
  EXPECT_EQ(PublicBytes(source("incidents/a/sources/s0", "")),
            PublicBytes(source("incidents/a/sources/s1", "")));
  auto event = [&](const std::string& name, const std::string& key) {
    return Get<iv1::GetTimelineEventRequest, iv1::TimelineEvent>(
        &iv1::IncidentService::Stub::GetTimelineEvent, name, key);
  };
  EXPECT_NE(PublicBytes(event("incidents/a/events/e0", kMemberKey)),
            PublicBytes(event("incidents/a/events/e1", kMemberKey)));
  EXPECT_EQ(PublicBytes(event("incidents/a/events/e0", "")),
            PublicBytes(event("incidents/a/events/e1", "")));
}

}  // namespace
}  // namespace atlas
