// The fixture of issue 13's contract tests (incident_veris_contract_test,
// external_reference_contract_test): a real catalog-service and a real
// incident-service on port 0 over RocksDB in temp dirs, the organisations
// the incidents name, and the calls the tests make.
#ifndef ATLAS_TESTS_INCIDENT_VERIS_CONTRACT_FIXTURE_H_
#define ATLAS_TESTS_INCIDENT_VERIS_CONTRACT_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/veris_incident.h"

namespace atlas::testing {

class VerisContractTest : public ::testing::Test {
 protected:
  using Incident = incident::v1::Incident;

  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
    auto catalog_stub = catalog_.NewStub();
    for (const char* id : {"clinic", "acme"}) {
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

  // An incident with a victim and nothing of issue 13.
  static incident::v1::CreateIncidentRequest Plain(const std::string& id) {
    incident::v1::CreateIncidentRequest r;
    r.set_incident_id(id);
    r.mutable_incident()->set_title("Incident " + id);
    r.mutable_incident()->add_victims()->set_organization(
        "organizations/clinic");
    r.mutable_incident()->add_countries("BE");
    return r;
  }
  // Plain, with every VERIS field set (SetEveryVerisField).
  static incident::v1::CreateIncidentRequest Full(const std::string& id) {
    incident::v1::CreateIncidentRequest r = Plain(id);
    SetEveryVerisField(r.mutable_incident());
    return r;
  }
  // Plain, with the one external reference `system`:`ref_id`.
  static incident::v1::CreateIncidentRequest WithReference(
      const std::string& id, const std::string& system,
      const std::string& ref_id) {
    incident::v1::CreateIncidentRequest r = Plain(id);
    auto* ref = r.mutable_incident()->add_external_references();
    ref->set_system(system);
    ref->set_id(ref_id);
    return r;
  }

  ::grpc::Status Create(const incident::v1::CreateIncidentRequest& r,
                        Incident* out = nullptr) {
    Incident ignored;
    return stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r,
                                 out == nullptr ? &ignored : out);
  }
  ::grpc::Status BatchCreate(
      const incident::v1::BatchCreateIncidentsRequest& r) {
    incident::v1::BatchCreateIncidentsResponse out;
    return stub_->BatchCreateIncidents(ContextWithKey(kEditorKey).get(), r,
                                       &out);
  }
  ::grpc::Status Get(const std::string& id, Incident* out,
                     const std::string& key = kMemberKey) {
    incident::v1::GetIncidentRequest r;
    r.set_name("incidents/" + id);
    return stub_->GetIncident(ContextWithKey(key).get(), r, out);
  }
  // UpdateIncident of incidents/`id` with `fields` under `paths`.
  ::grpc::Status Update(const std::string& id, Incident fields,
                        const std::vector<std::string>& paths,
                        Incident* out = nullptr) {
    incident::v1::UpdateIncidentRequest r;
    *r.mutable_incident() = std::move(fields);
    r.mutable_incident()->set_name("incidents/" + id);
    for (const std::string& p : paths) r.mutable_update_mask()->add_paths(p);
    Incident ignored;
    return stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), r,
                                 out == nullptr ? &ignored : out);
  }
  ::grpc::Status Delete(const std::string& id) {
    incident::v1::DeleteIncidentRequest r;
    r.set_name("incidents/" + id);
    google::protobuf::Empty out;
    return stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), r, &out);
  }
  ::grpc::Status List(const std::string& filter,
                      incident::v1::ListIncidentsResponse* out,
                      const std::string& key = kMemberKey) {
    incident::v1::ListIncidentsRequest r;
    r.set_filter(filter);
    return stub_->ListIncidents(ContextWithKey(key).get(), r, out);
  }
  // The names a filter lists (first page), or "error: <message>".
  std::vector<std::string> Names(const std::string& filter,
                                 const std::string& key = kMemberKey) {
    incident::v1::ListIncidentsResponse out;
    ::grpc::Status s = List(filter, &out, key);
    if (!s.ok()) return {"error: " + s.error_message()};
    std::vector<std::string> names;
    for (const Incident& i : out.incidents()) names.push_back(i.name());
    return names;
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<incident::v1::IncidentService::Stub> stub_;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_INCIDENT_VERIS_CONTRACT_FIXTURE_H_
