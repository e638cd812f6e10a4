// The demo data of scripts/run.sh (scripts/demo/seeds.jsonl, the records of
// ../shared/seeds/) loaded with atlasctl into both running binaries, twice:
// the second load creates nothing (request ids), and the records read back
// as the seeds describe them. And the one-command VCDB sample loader
// (scripts/demo/load-vcdb-sample.sh) against the same binaries.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::reliability::Cluster;
using ::atlas::testing::BinaryDir;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::SourceDir;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;

TEST(DemoDataTest, SeedsLoadTwiceWithoutDuplicatesAndReadBackFaithfully) {
  TempDir dir;
  Cluster cluster({.dir = dir.path()});
  ASSERT_THAT(cluster.Start(), IsOk());
  const std::string import = absl::StrCat(
      BinaryDir(),
      "/tools/atlasctl/atlasctl --catalog=", cluster.catalog().address(),
      " --incidents=", cluster.incidents().address(), " --key=", kEditorKey,
      " import ", SourceDir(), "/scripts/demo/seeds.jsonl 2>",
      dir.Sub("import.err"));
  for (int load = 0; load < 2; ++load) {
    int status = std::system(import.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "load " << load;
  }

  auto catalog = cluster.CatalogStub();
  auto incidents = cluster.IncidentStub();
  catalog::v1::ListOrganizationsRequest list_orgs;
  catalog::v1::ListOrganizationsResponse orgs;
  ASSERT_THAT(
      catalog->ListOrganizations(ContextWithKey("").get(), list_orgs, &orgs),
      IsOk());
  EXPECT_EQ(orgs.organizations_size(), 2);
  incident::v1::ListIncidentsRequest list_incidents;
  incident::v1::ListIncidentsResponse all;
  ASSERT_THAT(
      incidents->ListIncidents(ContextWithKey("").get(), list_incidents, &all),
      IsOk());
  EXPECT_EQ(all.incidents_size(), 2);

  // Vooruit: found from a defanged URL, linked to its one incident.
  catalog::v1::ResolveOrganizationRequest resolve;
  resolve.set_query("hxxps://www.vooruit[.]brussels/nieuws");
  catalog::v1::ResolveOrganizationResponse resolved;
  ASSERT_THAT(catalog->ResolveOrganization(ContextWithKey("").get(), resolve,
                                           &resolved),
              IsOk());
  EXPECT_EQ(resolved.organization().name(), "organizations/vooruit");
  EXPECT_TRUE(WaitFor(
      [&] {
        catalog::v1::GetOrganizationRequest get;
        get.set_name("organizations/vooruit");
        catalog::v1::Organization org;
        return catalog
                   ->GetOrganization(ContextWithKey(kMemberKey).get(), get,
                                     &org)
                   .ok() &&
               org.incident_count() == 1 && org.linked_incidents_size() == 1;
      },
      absl::Seconds(20)));

  // The Vooruit timeline: seven events in time order; the authority was
  // told the day of detection.
  incident::v1::ListTimelineEventsRequest timeline;
  timeline.set_parent("incidents/vooruit-2024-website-ransom");
  incident::v1::ListTimelineEventsResponse events;
  ASSERT_THAT(incidents->ListTimelineEvents(ContextWithKey("").get(), timeline,
                                            &events),
              IsOk());
  ASSERT_EQ(events.events_size(), 7);
  EXPECT_EQ(events.events(6).type(), incident::v1::PUBLIC_DISCLOSURE);
  incident::v1::GetIncidentRequest get;
  get.set_name("incidents/vooruit-2024-website-ransom");
  incident::v1::Incident vooruit;
  ASSERT_THAT(incidents->GetIncident(ContextWithKey("").get(), get, &vooruit),
              IsOk());
  EXPECT_EQ(vooruit.derived_figures().authority_notified_within_72_hours(),
            incident::v1::DerivedFigures::YES);

  // The Brussels Parliament report has no date: its relative dates stay
  // unresolved, never guessed.
  timeline.set_parent("incidents/brussels-parliament-cyberattack");
  ASSERT_THAT(incidents->ListTimelineEvents(ContextWithKey(kMemberKey).get(),
                                            timeline, &events),
              IsOk());
  ASSERT_EQ(events.events_size(), 3);
  for (const incident::v1::TimelineEvent& e : events.events()) {
    EXPECT_EQ(e.relative_date().state(), type::v1::RelativeDate::UNRESOLVED);
    EXPECT_FALSE(e.has_effective_date());
  }
}

TEST(DemoDataTest, VcdbSampleLoadsWithOneCommandAndOnlyOnce) {
  TempDir dir;
  Cluster cluster({.dir = dir.path()});
  ASSERT_THAT(cluster.Start(), IsOk());
  // The loader finds the key where scripts/run.sh keeps it.
  ASSERT_EQ(
      std::system(absl::StrCat("mkdir -p ", dir.Sub("data/keys")).c_str()), 0);
  std::ofstream(dir.Sub("data/keys/editor.key")) << kEditorKey << "\n";
  const std::string load = absl::StrCat(
      "ATLAS_BUILD_DIR=", BinaryDir(), " ATLAS_DATA_DIR=", dir.Sub("data"),
      " ATLAS_CATALOG_PORT=", cluster.catalog().port(),
      " ATLAS_INCIDENT_PORT=", cluster.incidents().port(), " ", SourceDir(),
      "/scripts/demo/load-vcdb-sample.sh 2>", dir.Sub("load.err"));
  auto last_summary = [&] {
    std::ifstream in(dir.Sub("load.err"));
    std::string line, summary;
    while (std::getline(in, line)) {
      if (line.rfind("imported ", 0) == 0) summary = line;
    }
    return summary;
  };
  int status = std::system(load.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(last_summary(), "imported 40, unchanged 0, updated 0, refused 0");
  status = std::system(load.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(last_summary(), "imported 0, unchanged 40, updated 0, refused 0");

  incident::v1::ListIncidentsRequest list;
  list.set_filter(
      "external_reference = \"veris:002599D4-A872-433B-9980-BD9F257B283F\"");
  incident::v1::ListIncidentsResponse found;
  ASSERT_THAT(cluster.IncidentStub()->ListIncidents(ContextWithKey("").get(),
                                                    list, &found),
              IsOk());
  ASSERT_EQ(found.incidents_size(), 1);
  EXPECT_EQ(found.incidents(0).name(),
            "incidents/veris-002599d4-a872-433b-9980-bd9f257b283f");
}

}  // namespace
}  // namespace atlas
