// Core-level tests of DeleteOrganization decided against incident-service
// (hardening finding 2): CatalogCore over a real RocksDB in a temp dir with
// a FakeIncidentReferences in place of the gRPC client. The two-service
// version is tests/integration/delete_across_services_test.cc.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/incident_references.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/pausable_calls.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::catalog {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

// Answers what it is told; can hold a call until released, to look at the
// catalog while a delete waits for incident-service.
class FakeIncidentReferences : public IncidentReferences {
 public:
  void Answer(std::vector<std::string> incidents, bool more = false) {
    absl::MutexLock lock(&mu_);
    answer_ = {std::move(incidents), more};
  }
  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(status);
  }
  // Counts calls and can hold them (a delete waiting for the answer).
  testing::PausableCalls& calls() { return calls_; }

  absl::StatusOr<IncidentReferences::Answer> Check(
      absl::string_view organization) override {
    {
      absl::MutexLock lock(&mu_);
      asked_ = std::string(organization);
    }
    calls_.Enter();
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    return answer_;
  }
  std::string asked() {
    absl::MutexLock lock(&mu_);
    return asked_;
  }

 private:
  absl::Mutex mu_;
  IncidentReferences::Answer answer_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::string asked_ ABSL_GUARDED_BY(mu_);
  testing::PausableCalls calls_;
};

class OrganizationDeleteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = CatalogStore::Open(temp_.Sub("catalog"));
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    core_ = std::make_unique<CatalogCore>(
        *store_, clock_, **api::CountryList::Default(), &references_);
    v1::CreateOrganizationRequest create;
    create.set_organization_id("vooruit");
    create.mutable_organization()->set_display_name("Vooruit");
    create.mutable_organization()->set_country("BE");
    ASSERT_THAT(core_->CreateOrganization(editor_, create), IsOk());
  }
  void TearDown() override {
    core_.reset();
    EXPECT_THAT(store_->Close(), IsOk());
  }

  absl::Status Delete() {
    v1::DeleteOrganizationRequest request;
    request.set_name("organizations/vooruit");
    return core_->DeleteOrganization(editor_, request).status();
  }
  absl::Status VictimCheck() {
    v1::BatchGetOrganizationsRequest request;
    request.add_names("organizations/vooruit");
    return core_->BatchGetOrganizations(service_, request).status();
  }
  absl::Status Get() {
    v1::GetOrganizationRequest request;
    request.set_name("organizations/vooruit");
    return core_->GetOrganization(editor_, request).status();
  }
  // An incident naming vooruit, as the (lagging) read model saw it.
  void LinkInReadModel() {
    incident::v1::IncidentChange change;
    change.set_sequence(1);
    change.set_change_type(incident::v1::IncidentChange::CREATED);
    change.mutable_incident()->set_name("incidents/old");
    change.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    ASSERT_THAT(core_->read_model().ApplyIncidentChange(change), IsOk());
  }

  testing::TempDir temp_;
  api::FakeClock clock_{absl::FromUnixSeconds(1767225600)};
  FakeIncidentReferences references_;
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<CatalogCore> core_;
  const auth::Caller editor_{auth::Role::kEditor, "editor"};
  const auth::Caller service_{auth::Role::kService, "incident-service"};
};

TEST_F(OrganizationDeleteTest,
       RefusedWhileIncidentServiceSaysAnIncidentNamesIt) {
  // The read model has not seen the incident yet (the finding: it lagged
  // and the delete went through).
  references_.Answer({"incidents/new"});
  EXPECT_THAT(Delete(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("incidents/new")));
  EXPECT_EQ(references_.asked(), "organizations/vooruit");
  EXPECT_THAT(Get(), IsOk());
  // The fence is gone with the refused delete.
  EXPECT_THAT(VictimCheck(), IsOk());
}

TEST_F(OrganizationDeleteTest, IncidentServiceDecidesNotTheLaggingReadModel) {
  LinkInReadModel();
  references_.Answer({});  // that incident was deleted since
  EXPECT_THAT(Delete(), IsOk());
  EXPECT_THAT(Get(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OrganizationDeleteTest, UnreachableIncidentServiceDeletesNothing) {
  references_.FailWith(absl::UnavailableError("incident-service down"));
  EXPECT_THAT(Delete(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Get(), IsOk());
  EXPECT_THAT(VictimCheck(), IsOk());
}

TEST_F(OrganizationDeleteTest, VictimChecksRefuseItWhileTheDeleteIsDecided) {
  references_.calls().Pause();
  absl::Status deleted;
  std::thread del([&] { deleted = Delete(); });
  references_.calls().AwaitCalls(1);
  // No incident can start naming it now.
  EXPECT_THAT(VictimCheck(), StatusIs(absl::StatusCode::kNotFound,
                                      HasSubstr("organizations/vooruit ")));
  // A second delete of it does not queue behind the first.
  EXPECT_THAT(Delete(), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(references_.calls().calls(), 1);
  // Readers still see it until the delete commits.
  EXPECT_THAT(Get(), IsOk());
  references_.calls().Resume();
  del.join();
  EXPECT_THAT(deleted, IsOk());
  EXPECT_THAT(VictimCheck(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OrganizationDeleteTest, CheapRefusalsComeBeforeAskingIncidentService) {
  v1::DeleteOrganizationRequest request;
  request.set_name("organizations/nobody");
  EXPECT_THAT(core_->DeleteOrganization(editor_, request).status(),
              StatusIs(absl::StatusCode::kNotFound));
  request.set_name("organizations/vooruit");
  request.set_etag("stale");
  EXPECT_THAT(core_->DeleteOrganization(editor_, request).status(),
              StatusIs(absl::StatusCode::kAborted));
  // Least privilege: the other service's key deletes nothing.
  request.clear_etag();
  EXPECT_THAT(core_->DeleteOrganization(service_, request).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(references_.calls().calls(), 0);
}

}  // namespace
}  // namespace atlas::catalog
