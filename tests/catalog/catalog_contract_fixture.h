// The fixture of the catalog's contract tests (catalog_contract_test.cc,
// catalog_query_contract_test.cc): a CatalogHarness (a real CatalogServer on
// a free port over a real RocksDB), a stub to it, one helper per RPC, and
// the organisations the tests create.
#ifndef ATLAS_TESTS_CATALOG_CATALOG_CONTRACT_FIXTURE_H_
#define ATLAS_TESTS_CATALOG_CATALOG_CONTRACT_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/catalog_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas::catalog {

// The seed organisation 000 (shared/seeds), as a client would send it.
inline constexpr char kVooruitJson[] = R"json({
  "displayName": "Vooruit",
  "aliases": ["Vooruit.brussels"],
  "primaryUrl": "vooruit[.]be",
  "domains": ["vooruit.be", "hxxps://www.vooruit[.]brussels/"],
  "country": "BE",
  "locality": "Brussels",
  "sectors": ["non-profit"],
  "organizationType": "POLITICAL_PARTY",
  "nonProfit": true,
  "profile": "Vooruit is a Dutch-speaking socialist political party headquartered in Belgium."
})json";

inline v1::Organization Vooruit() {
  v1::Organization org;
  auto s = google::protobuf::util::JsonStringToMessage(kVooruitJson, &org);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return org;
}

inline v1::Organization Named(const std::string& display_name) {
  v1::Organization org;
  org.set_display_name(display_name);
  return org;
}

// Vooruit as the first slice's tests build it: no URL, locality or profile.
inline v1::Organization MinimalVooruit() {
  v1::Organization org;
  org.set_display_name("Vooruit");
  org.add_aliases("Vooruit.brussels");
  org.add_domains("vooruit.be");
  org.add_domains("vooruit.brussels");
  org.set_country("BE");
  org.add_sectors("non-profit");
  org.set_organization_type(v1::POLITICAL_PARTY);
  org.set_non_profit(true);
  return org;
}

class CatalogContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    stub_ = server_.NewStub();
  }

  ::grpc::Status Create(const v1::Organization& org, const std::string& id,
                        v1::Organization* out = nullptr,
                        const std::string& key = ::atlas::testing::kEditorKey) {
    v1::CreateOrganizationRequest request;
    *request.mutable_organization() = org;
    request.set_organization_id(id);
    v1::Organization ignored;
    return stub_->CreateOrganization(
        ::atlas::testing::ContextWithKey(key).get(), request,
        out ? out : &ignored);
  }
  ::grpc::Status Create(const v1::CreateOrganizationRequest& request,
                        v1::Organization* out,
                        const std::string& key = ::atlas::testing::kEditorKey) {
    return stub_->CreateOrganization(
        ::atlas::testing::ContextWithKey(key).get(), request, out);
  }
  v1::Organization Get(const std::string& name,
                       const std::string& key = ::atlas::testing::kMemberKey) {
    v1::GetOrganizationRequest request;
    request.set_name(name);
    v1::Organization out;
    EXPECT_THAT(stub_->GetOrganization(
                    ::atlas::testing::ContextWithKey(key).get(), request, &out),
                ::atlas::testing::IsOk());
    return out;
  }
  ::grpc::Status Update(const v1::Organization& org,
                        std::vector<std::string> paths, v1::Organization* out,
                        const std::string& key = ::atlas::testing::kEditorKey) {
    v1::UpdateOrganizationRequest request;
    *request.mutable_organization() = org;
    for (auto& p : paths) request.mutable_update_mask()->add_paths(p);
    return stub_->UpdateOrganization(
        ::atlas::testing::ContextWithKey(key).get(), request, out);
  }
  ::grpc::Status Delete(const std::string& name, const std::string& etag = "",
                        const std::string& key = ::atlas::testing::kEditorKey) {
    v1::DeleteOrganizationRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty out;
    return stub_->DeleteOrganization(
        ::atlas::testing::ContextWithKey(key).get(), request, &out);
  }
  ::grpc::Status List(const std::string& filter,
                      v1::ListOrganizationsResponse* out, int page_size = 0,
                      const std::string& token = "",
                      const std::string& order_by = "") {
    v1::ListOrganizationsRequest request;
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_order_by(order_by);
    return stub_->ListOrganizations(::atlas::testing::ContextWithKey("").get(),
                                    request, out);
  }
  std::vector<std::string> ListNames(const std::string& filter) {
    v1::ListOrganizationsResponse response;
    EXPECT_THAT(List(filter, &response, 1000), ::atlas::testing::IsOk())
        << filter;
    std::vector<std::string> names;
    for (const auto& o : response.organizations()) names.push_back(o.name());
    return names;
  }
  ::grpc::Status Resolve(const std::string& query,
                         v1::ResolveOrganizationResponse* out) {
    v1::ResolveOrganizationRequest request;
    request.set_query(query);
    return stub_->ResolveOrganization(
        ::atlas::testing::ContextWithKey("").get(), request, out);
  }
  ::grpc::Status Search(const std::string& query,
                        v1::SearchOrganizationsResponse* out, int page_size = 0,
                        const std::string& token = "") {
    v1::SearchOrganizationsRequest request;
    request.set_query(query);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return stub_->SearchOrganizations(
        ::atlas::testing::ContextWithKey("").get(), request, out);
  }
  // Links incident `incident_id` to `orgs` as the follower would.
  void Link(int64_t sequence, const std::string& incident_id,
            const std::vector<std::string>& orgs, int year = 2024) {
    incident::v1::IncidentChange change;
    change.set_sequence(sequence);
    change.set_change_type(incident::v1::IncidentChange::CREATED);
    change.mutable_incident()->set_name("incidents/" + incident_id);
    change.mutable_incident()->mutable_start_date()->set_year(year);
    for (const auto& o : orgs) {
      change.mutable_incident()->add_victims()->set_organization(o);
    }
    ASSERT_THAT(server_.core().ApplyIncidentChange(change),
                ::atlas::testing::IsOk());
  }

  ::atlas::testing::CatalogHarness server_;
  std::unique_ptr<v1::CatalogService::Stub> stub_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_TESTS_CATALOG_CATALOG_CONTRACT_FIXTURE_H_
