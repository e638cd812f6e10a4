// Hardening finding 5: stored public views follow the redaction policy.
// A build that marks another field members-only must not serve views an
// older build wrote. The test plays the older build by writing, into a
// real store, a public view that still holds a now members-only field and
// the older policy text beside it; reopening must rewrite the view.
#include <memory>
#include <string>

#include "atlas/incident/v1/incident_service.pb.h"
#include "common/auth/redaction.h"
#include "common/storage/public_views.h"
#include "common/storage/rocks_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/incident_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::testing::IsOk;
using incident::IncidentStore;
using incident::StoredIncident;
using ::testing::Contains;
using ::testing::HasSubstr;

// An older build's policy: only cia_posture was members-only then.
constexpr char kOlderPolicy[] = "atlas.incident.v1.Incident:cia_posture";

incident::v1::Incident FullIncident() {
  incident::v1::Incident i;
  i.set_name("incidents/vooruit-2024");
  i.set_title("Website held to ransom");
  i.add_motives(incident::v1::FINANCIAL);
  i.set_motive_count(1);
  i.add_techniques()->set_id("T1486");
  return i;
}

TEST(RedactionPolicyTest, NamesEveryMembersOnlyPathNestedOnesIncluded) {
  const std::string incident =
      auth::RedactionPolicy(incident::v1::Incident::descriptor());
  EXPECT_THAT(incident, HasSubstr("atlas.incident.v1.Incident:"));
  EXPECT_THAT(incident, HasSubstr("motives"));
  const std::string event =
      auth::RedactionPolicy(incident::v1::TimelineEvent::descriptor());
  EXPECT_THAT(event, HasSubstr("relative_date.expression"));
  EXPECT_THAT(event, HasSubstr("relative_date.anchor_source"));
  EXPECT_NE(incident, event);
}

class StoredViewPolicyTest : public ::testing::Test {
 protected:
  std::unique_ptr<IncidentStore> Open() {
    auto store = IncidentStore::Open(dir_.Sub("incidents"));
    EXPECT_THAT(store.status(), IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }
  // Writes the incident and, as an older build would have, its view with
  // motives and techniques still in it, under kOlderPolicy.
  void WriteAsAnOlderBuild(IncidentStore& store) {
    StoredIncident stored{FullIncident(), 1};
    storage::WriteBatch batch;
    IncidentStore::PutIncident(stored, nullptr, &batch);
    incident::v1::Incident older_view = FullIncident();
    older_view.clear_cia_posture();
    older_view.add_redacted_fields("cia_posture");
    batch.Put(IncidentStore::kPublicViews, "vooruit-2024",
              older_view.SerializeAsString());
    batch.Put(IncidentStore::kMeta, "public_view_policy", kOlderPolicy);
    ASSERT_THAT(store.db().Write(batch), IsOk());
  }
  incident::v1::Incident PublicView(IncidentStore& store) {
    auto bytes = store.GetIncidentWire("vooruit-2024", false);
    EXPECT_THAT(bytes.status(), IsOk());
    incident::v1::Incident view;
    if (bytes.ok()) {
      EXPECT_TRUE(view.ParseFromString(*bytes));
    }
    return view;
  }

  testing::TempDir dir_;
};

TEST_F(StoredViewPolicyTest, ViewsOfAnOlderPolicyAreRewrittenOnOpen) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    WriteAsAnOlderBuild(*store);
    // What the finding saw: the stale view served as it is.
    EXPECT_EQ(PublicView(*store).motives_size(), 1);
    ASSERT_THAT(store->Close(), IsOk());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  incident::v1::Incident view = PublicView(*store);
  EXPECT_EQ(view.motives_size(), 0);
  EXPECT_EQ(view.techniques_size(), 0);
  EXPECT_EQ(view.motive_count(), 1);
  EXPECT_THAT(view.redacted_fields(), Contains("motives"));
  EXPECT_THAT(view.redacted_fields(), Contains("techniques"));
  auto policy = store->db().Get(IncidentStore::kMeta, "public_view_policy");
  ASSERT_THAT(policy.status(), IsOk());
  EXPECT_EQ(*policy,
            auth::RedactionPolicy(incident::v1::Incident::descriptor()));
  EXPECT_THAT(store->Close(), IsOk());
}

TEST_F(StoredViewPolicyTest, CurrentPolicyRewritesNothing) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const storage::PublicViewFamilies families{
      .records = IncidentStore::kIncidents,
      .views = IncidentStore::kPublicViews,
      .meta = IncidentStore::kMeta,
      .policy_key = "public_view_policy"};
  int made = 0;
  auto written = storage::RefreshPublicViews(
      store->db(), families,
      auth::RedactionPolicy(incident::v1::Incident::descriptor()),
      [&](absl::string_view, absl::string_view) -> absl::StatusOr<std::string> {
        ++made;
        return std::string();
      });
  ASSERT_THAT(written.status(), IsOk());
  EXPECT_EQ(*written, 0);
  EXPECT_EQ(made, 0);
  EXPECT_THAT(store->Close(), IsOk());
}

}  // namespace
}  // namespace atlas
