// GetIncident and GetOrganization answer from stored bytes: the record as
// stored for members, a public view precomputed at write time for everyone
// else (common/grpc/unary.h RunUnaryWire). These tests hold the served
// answers equal to the typed reference path (IncidentCore::GetIncident and
// CatalogCore::GetOrganization: parse, merge the read model, redact) for
// each caller, across creates, updates, sub-resource writes, read-model
// changes and deletes, and for records stored before views existed.
#include <memory>
#include <string>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/security/raw_call.h"
#include "tests/testing/members_only_paths.h"
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
using ::atlas::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

const auth::Caller kPublicCaller{auth::Role::kPublic, "public"};
const auth::Caller kMemberCaller{auth::Role::kMember, "member"};

class StoredViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    catalog_stub_ = catalog_.NewStub();
    stub_ = incidents_->NewStub();
    cv1::CreateOrganizationRequest org;
    org.set_organization_id("vooruit");
    org.mutable_organization()->set_display_name("Vooruit");
    org.mutable_organization()->set_country("BE");
    cv1::Organization created;
    ASSERT_THAT(catalog_stub_->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), org, &created),
                IsOk());
    iv1::CreateIncidentRequest r;
    r.set_incident_id("vooruit-2024");
    iv1::Incident* i = r.mutable_incident();
    i->set_title("Vooruit website held to ransom");
    i->add_victims()->set_organization("organizations/vooruit");
    i->add_countries("BE");
    i->add_motives(iv1::FINANCIAL);        // members only
    i->add_techniques()->set_id("T1486");  // members only
    i->mutable_cia_posture()->mutable_availability()->set_level(iv1::HIGH);
    iv1::Incident incident;
    ASSERT_THAT(
        stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r, &incident),
        IsOk());
  }

  // The served answer for `key`, checked equal to the typed reference for
  // `caller`.
  iv1::Incident ServedIncident(const std::string& key,
                               const auth::Caller& caller) {
    iv1::GetIncidentRequest get;
    get.set_name("incidents/vooruit-2024");
    iv1::Incident served;
    EXPECT_THAT(stub_->GetIncident(ContextWithKey(key).get(), get, &served),
                IsOk());
    absl::StatusOr<iv1::Incident> reference =
        incidents_->core().GetIncident(caller, get);
    EXPECT_TRUE(reference.ok()) << reference.status();
    if (reference.ok()) {
      EXPECT_TRUE(MessageDifferencer::Equals(served, *reference))
          << "served:\n"
          << served.DebugString() << "reference:\n"
          << reference->DebugString();
    }
    return served;
  }
  cv1::Organization ServedOrganization(const std::string& key,
                                       const auth::Caller& caller) {
    cv1::GetOrganizationRequest get;
    get.set_name("organizations/vooruit");
    cv1::Organization served;
    EXPECT_THAT(
        catalog_stub_->GetOrganization(ContextWithKey(key).get(), get, &served),
        IsOk());
    absl::StatusOr<cv1::Organization> reference =
        catalog_.core().GetOrganization(caller, get);
    EXPECT_TRUE(reference.ok()) << reference.status();
    if (reference.ok()) {
      EXPECT_TRUE(MessageDifferencer::Equals(served, *reference))
          << "served:\n"
          << served.DebugString() << "reference:\n"
          << reference->DebugString();
    }
    return served;
  }

  // The catalog's read model links `incident` to Vooruit, as the follower
  // would from incident-service's change stream.
  void LinkIncident(int64_t sequence, const std::string& incident) {
    iv1::IncidentChange change;
    change.set_sequence(sequence);
    change.set_change_type(iv1::IncidentChange::CREATED);
    change.mutable_incident()->set_name(incident);
    change.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    change.mutable_incident()->mutable_start_date()->set_year(2024);
    ASSERT_THAT(catalog_.core().ApplyIncidentChange(change), absl::OkStatus());
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<cv1::CatalogService::Stub> catalog_stub_;
  std::unique_ptr<iv1::IncidentService::Stub> stub_;
};

TEST_F(StoredViewsTest, IncidentViewsFollowEveryWrite) {
  iv1::Incident pub = ServedIncident("", kPublicCaller);
  EXPECT_EQ(pub.motives_size(), 0);
  EXPECT_EQ(pub.techniques_size(), 0);
  EXPECT_FALSE(pub.has_cia_posture());
  EXPECT_THAT(pub.redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
  iv1::Incident member = ServedIncident(kMemberKey, kMemberCaller);
  EXPECT_EQ(member.motives_size(), 1);
  EXPECT_EQ(member.techniques(0).name(), "Data Encrypted for Impact");
  EXPECT_TRUE(member.redacted_fields().empty());

  // An update of a public and a members-only field reaches both views.
  iv1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name("incidents/vooruit-2024");
  u.mutable_incident()->set_title("New title");
  u.mutable_incident()->add_motives(iv1::IDEOLOGY);
  u.mutable_update_mask()->add_paths("title");
  u.mutable_update_mask()->add_paths("motives");
  iv1::Incident updated;
  ASSERT_THAT(
      stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &updated),
      IsOk());
  pub = ServedIncident("", kPublicCaller);
  EXPECT_EQ(pub.title(), "New title");
  EXPECT_EQ(pub.motives_size(), 0);
  EXPECT_EQ(pub.etag(), updated.etag());
  member = ServedIncident(kMemberKey, kMemberCaller);
  EXPECT_THAT(member.motives(), ElementsAre(iv1::IDEOLOGY));

  // A sub-resource write rewrites the incident (counts), so both views too.
  iv1::CreateSourceRequest s;
  s.set_parent("incidents/vooruit-2024");
  s.set_source_id("report");
  s.mutable_source()->set_url("https://example.org/report");
  iv1::Source source;
  ASSERT_THAT(stub_->CreateSource(ContextWithKey(kEditorKey).get(), s, &source),
              IsOk());
  EXPECT_EQ(ServedIncident("", kPublicCaller).source_count(), 1);
  EXPECT_EQ(ServedIncident(kMemberKey, kMemberCaller).source_count(), 1);

  // Deleted: neither view remains.
  iv1::DeleteIncidentRequest d;
  d.set_name("incidents/vooruit-2024");
  google::protobuf::Empty empty;
  ASSERT_THAT(
      stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
      IsOk());
  iv1::GetIncidentRequest get;
  get.set_name("incidents/vooruit-2024");
  iv1::Incident gone;
  for (const std::string& key : {std::string(), std::string(kMemberKey)}) {
    EXPECT_THAT(stub_->GetIncident(ContextWithKey(key).get(), get, &gone),
                StatusIs(absl::StatusCode::kNotFound,
                         HasSubstr("incidents/vooruit-2024")));
  }
}

TEST_F(StoredViewsTest, IncidentStoredWithoutAViewIsRedactedOnRead) {
  const iv1::Incident before = ServedIncident("", kPublicCaller);
  // As a database written before public views existed.
  storage::WriteBatch batch;
  batch.Delete(incident::IncidentStore::kPublicViews, "vooruit-2024");
  ASSERT_THAT(incidents_->store().db().Write(batch), absl::OkStatus());
  const iv1::Incident after = ServedIncident("", kPublicCaller);
  EXPECT_TRUE(MessageDifferencer::Equals(before, after));
  EXPECT_EQ(after.motives_size(), 0);
}

TEST_F(StoredViewsTest,
       OrganizationViewsCarryTheReadModelWithoutMembersOnlyLinks) {
  cv1::Organization pub = ServedOrganization("", kPublicCaller);
  EXPECT_EQ(pub.incident_count(), 0);
  EXPECT_THAT(pub.redacted_fields(), ElementsAre("linked_incidents"));

  LinkIncident(1, "incidents/vooruit-2024");
  LinkIncident(2, "incidents/vooruit-2025");
  pub = ServedOrganization("", kPublicCaller);
  EXPECT_EQ(pub.incident_count(), 2);
  EXPECT_TRUE(pub.linked_incidents().empty());
  EXPECT_THAT(pub.redacted_fields(), ElementsAre("linked_incidents"));
  EXPECT_EQ(pub.latest_incident_date().year(), 2024);
  cv1::Organization member = ServedOrganization(kMemberKey, kMemberCaller);
  EXPECT_EQ(member.linked_incidents_size(), 2);
  EXPECT_TRUE(member.redacted_fields().empty());

  // An update of the record keeps the read model in both views.
  cv1::UpdateOrganizationRequest u;
  u.mutable_organization()->set_name("organizations/vooruit");
  u.mutable_organization()->set_locality("Brussels");
  u.mutable_update_mask()->add_paths("locality");
  cv1::Organization updated;
  ASSERT_THAT(catalog_stub_->UpdateOrganization(
                  ContextWithKey(kEditorKey).get(), u, &updated),
              IsOk());
  pub = ServedOrganization("", kPublicCaller);
  EXPECT_EQ(pub.locality(), "Brussels");
  EXPECT_EQ(pub.incident_count(), 2);
  EXPECT_EQ(
      ServedOrganization(kMemberKey, kMemberCaller).linked_incidents_size(), 2);
}

TEST_F(StoredViewsTest, OrganizationStoredWithoutViewsIsRedactedOnRead) {
  LinkIncident(1, "incidents/vooruit-2024");
  const cv1::Organization before = ServedOrganization("", kPublicCaller);
  // As a database written before public views and summaries existed.
  storage::WriteBatch batch;
  batch.Delete(catalog::CatalogStore::kPublicViews, "vooruit");
  batch.Delete(catalog::CatalogStore::kReadModel,
               std::string("public_summary\0vooruit", 22));
  ASSERT_THAT(catalog_.store().db().Write(batch), absl::OkStatus());
  const cv1::Organization after = ServedOrganization("", kPublicCaller);
  EXPECT_TRUE(MessageDifferencer::Equals(before, after));
  EXPECT_TRUE(after.linked_incidents().empty());
  EXPECT_EQ(after.incident_count(), 1);
}

TEST_F(StoredViewsTest, RequestsThatDoNotParseAreInvalidArgumentNamingTheType) {
  for (const auto& [address, method, type] :
       {std::tuple{incidents_->address(),
                   "/atlas.incident.v1.IncidentService/GetIncident",
                   "atlas.incident.v1.GetIncidentRequest"},
        std::tuple{catalog_.address(),
                   "/atlas.catalog.v1.CatalogService/GetOrganization",
                   "atlas.catalog.v1.GetOrganizationRequest"}}) {
    auto channel =
        ::grpc::CreateChannel(address, ::grpc::InsecureChannelCredentials());
    // Field 1 as a length-delimited value running past the end.
    testing::RawUnaryResult r = testing::RawUnary(channel, method,
                                                  std::string("\x0a\x7f"
                                                              "abc",
                                                              5),
                                                  kMemberKey);
    EXPECT_THAT(r.status,
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(type)))
        << method;
  }
}

}  // namespace
}  // namespace atlas
