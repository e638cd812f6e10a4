// The fixture of the IncidentService contract tests (incident_service_test.cc,
// incident_timeline_contract_test.cc): a real incident-service with a real
// catalog-service for the victim check, and helpers that create through the
// public contract.
#ifndef ATLAS_TESTS_INCIDENT_INCIDENT_SERVICE_FIXTURE_H_
#define ATLAS_TESTS_INCIDENT_INCIDENT_SERVICE_FIXTURE_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/members_only_paths.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas::incident_contract_test {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::StatusIs;
using ::atlas::testing::WaitFor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::atlas::incident::v1;
using atlas::type::v1::PartialDate;
using atlas::type::v1::RelativeDate;

inline PartialDate Date(int y, int m = 0, int d = 0) {
  PartialDate p;
  p.set_year(y);
  p.set_month(m);
  p.set_day(d);
  return p;
}

class IncidentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
    auto catalog_stub = catalog_.NewStub();
    for (const char* id :
         {"vooruit", "brussels-parliament", "acme", "globex"}) {
      catalog::v1::CreateOrganizationRequest org;
      org.set_organization_id(id);
      org.mutable_organization()->set_display_name(id);
      org.mutable_organization()->set_country("BE");
      catalog::v1::Organization created;
      ASSERT_THAT(catalog_stub->CreateOrganization(
                      ContextWithKey(kEditorKey).get(), org, &created),
                  IsOk());
    }
  }

  static v1::CreateIncidentRequest NewIncident(const std::string& id,
                                               const std::string& victim) {
    v1::CreateIncidentRequest r;
    r.set_incident_id(id);
    v1::Incident* i = r.mutable_incident();
    i->set_title("Incident " + id);
    i->add_victims()->set_organization("organizations/" + victim);
    i->add_countries("BE");
    return r;
  }

  static v1::CreateIncidentRequest Vooruit() {
    v1::CreateIncidentRequest r = NewIncident("vooruit-2024", "vooruit");
    v1::Incident* i = r.mutable_incident();
    i->set_title("Vooruit.brussels website compromised, ransom demanded");
    *i->mutable_start_date() = Date(2024, 3, 28);
    *i->mutable_disclosed_date() = Date(2024, 4);
    i->set_determination(v1::CONFIRMED);
    i->add_incident_types(v1::WEBSITE_COMPROMISE);
    i->add_incident_types(v1::EXTORTION);
    i->add_motives(v1::FINANCIAL);
    i->add_motives(v1::IDEOLOGY);
    i->add_techniques()->set_id("T1486");
    i->mutable_cia_posture()->mutable_availability()->set_level(v1::HIGH);
    i->add_impacts()->set_type(v1::Impact::DATA_IRRECOVERABLE);
    i->add_impacts()->set_type(v1::Impact::RANSOM_REFUSED);
    return r;
  }

  ::grpc::Status Create(const v1::CreateIncidentRequest& r, v1::Incident* out,
                        const std::string& key = kEditorKey) {
    return stub_->CreateIncident(ContextWithKey(key).get(), r, out);
  }
  ::grpc::Status Get(const std::string& name, v1::Incident* out,
                     const std::string& key = kMemberKey) {
    v1::GetIncidentRequest r;
    r.set_name(name);
    return stub_->GetIncident(ContextWithKey(key).get(), r, out);
  }
  ::grpc::Status AddSource(const std::string& parent, const std::string& id,
                           v1::Source source, v1::Source* out) {
    v1::CreateSourceRequest r;
    r.set_parent(parent);
    r.set_source_id(id);
    *r.mutable_source() = std::move(source);
    return stub_->CreateSource(ContextWithKey(kEditorKey).get(), r, out);
  }
  ::grpc::Status AddEvent(const std::string& parent, const std::string& id,
                          v1::TimelineEvent event, v1::TimelineEvent* out) {
    v1::CreateTimelineEventRequest r;
    r.set_parent(parent);
    r.set_event_id(id);
    *r.mutable_event() = std::move(event);
    return stub_->CreateTimelineEvent(ContextWithKey(kEditorKey).get(), r, out);
  }
  static v1::TimelineEvent Event(v1::EventType type, PartialDate date,
                                 const std::string& what) {
    v1::TimelineEvent e;
    e.set_type(type);
    *e.mutable_date() = date;
    e.set_description(what);
    return e;
  }
  static v1::TimelineEvent Relative(v1::EventType type, const std::string& expr,
                                    const std::string& anchor,
                                    const std::string& what) {
    v1::TimelineEvent e;
    e.set_type(type);
    e.mutable_relative_date()->set_expression(expr);
    e.mutable_relative_date()->set_anchor_source(anchor);
    e.set_description(what);
    return e;
  }
  std::vector<v1::TimelineEvent> Timeline(const std::string& parent,
                                          const std::string& key = kMemberKey) {
    v1::ListTimelineEventsRequest r;
    r.set_parent(parent);
    v1::ListTimelineEventsResponse out;
    EXPECT_THAT(stub_->ListTimelineEvents(ContextWithKey(key).get(), r, &out),
                IsOk());
    return {out.events().begin(), out.events().end()};
  }
  std::vector<std::string> ListNames(const std::string& filter,
                                     const std::string& key = kMemberKey,
                                     ::grpc::Status* status = nullptr) {
    v1::ListIncidentsRequest r;
    r.set_filter(filter);
    r.set_page_size(1000);
    v1::ListIncidentsResponse out;
    ::grpc::Status s = stub_->ListIncidents(ContextWithKey(key).get(), r, &out);
    if (status != nullptr) *status = s;
    std::vector<std::string> names;
    for (const auto& i : out.incidents()) names.push_back(i.name());
    return names;
  }
  int64_t NextSequence() { return incidents_->changelog().next_sequence(); }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<v1::IncidentService::Stub> stub_;
};

}  // namespace atlas::incident_contract_test

#endif  // ATLAS_TESTS_INCIDENT_INCIDENT_SERVICE_FIXTURE_H_
