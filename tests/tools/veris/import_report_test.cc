// What an import prints: the summary line and the per-record lines
// (ImportTally), the progress line (ImportProgress), and how a server's
// refusal is traced back to a request of a batch and a VERIS path.
#include <sstream>

#include "common/api/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/atlasctl/veris/batch_errors.h"
#include "tools/atlasctl/veris/import_pipeline.h"
#include "tools/atlasctl/veris/import_progress.h"
#include "tools/atlasctl/veris/import_tally.h"
#include "tools/atlasctl/veris/incident_batch_writer.h"

namespace atlas::atlasctl::veris {
namespace {

using ::testing::ElementsAre;

TEST(ImportTallyTest, ChangedButNotUpdatedCountsAsUnchanged) {
  ImportTally tally;
  tally.Add(3, ImportTally::Outcome::kRefused, "c: $: bad");
  tally.Add(1, ImportTally::Outcome::kImported);
  tally.Add(2, ImportTally::Outcome::kChanged, "b: changed: ...");
  tally.Add(4, ImportTally::Outcome::kUpdated);
  tally.Add(5, ImportTally::Outcome::kUnchanged);
  EXPECT_EQ(ImportTally::SummaryLine(tally.counts()),
            "imported 1, unchanged 2, updated 1, refused 1");
  EXPECT_EQ(tally.counts().total(), 5);
  // In input order, whatever the order they were done in.
  EXPECT_THAT(tally.Lines(), ElementsAre("b: changed: ...", "c: $: bad"));
}

TEST(ImportProgressTest, LineHasRateAndEtaFromTheBytesRead) {
  ImportTally::Counts done;
  done.imported = 900;
  done.refused = 100;
  // A quarter of the bytes gave 1,250 records: 5,000 expected, 4,000 left
  // at 100 records/s.
  EXPECT_EQ(ImportProgress::Line(1250, done, 250, 1000, absl::Seconds(10)),
            "progress: 1250 records read, 1000 done (imported 900, unchanged "
            "0, updated 0, refused 100), 100 records/s, ETA 40s");
  EXPECT_EQ(ImportProgress::Line(10, done, 0, 0, absl::Seconds(10)),
            "progress: 10 records read, 1000 done (imported 900, unchanged "
            "0, updated 0, refused 100), 100 records/s, ETA unknown");
}

TEST(ImportProgressTest, AtMostOneLinePerInterval) {
  api::FakeClock clock(absl::FromUnixSeconds(1000));
  std::ostringstream out;
  ImportProgress progress(clock, absl::Seconds(1), out);
  progress.Tick(1, {}, 0, 0);
  EXPECT_EQ(out.str(), "");
  clock.Advance(absl::Seconds(1));
  progress.Tick(2, {}, 0, 0);
  progress.Tick(3, {}, 0, 0);
  clock.Advance(absl::Milliseconds(999));
  progress.Tick(4, {}, 0, 0);
  EXPECT_EQ(out.str(),
            "progress: 2 records read, 0 done (imported 0, unchanged 0, "
            "updated 0, refused 0), 0 records/s, ETA unknown\n");
}

TEST(BatchErrorTest, NamedRequestAndVerisPath) {
  EXPECT_EQ(NamedRequest("requests[12].incident.summary: too long"), 12);
  EXPECT_EQ(NamedRequest("requests[x].incident"), -1);
  EXPECT_EQ(NamedRequest("catalog unreachable"), -1);
  EXPECT_EQ(ImportPipeline::VerisPathOf("incident.start_date: not a date"),
            "timeline.incident");
  EXPECT_EQ(ImportPipeline::VerisPathOf(
                "incident.data_exposure.data[0].variety: \"X\" is not ..."),
            "attribute.confidentiality");
  EXPECT_EQ(ImportPipeline::VerisPathOf(
                "incident.external_references[0]: veris:X is held by ..."),
            "incident_id");
  // "incident.victims" is not "incident.victim_unknown", nor a prefix of
  // an unrelated field.
  EXPECT_EQ(ImportPipeline::VerisPathOf("incident.victims[1].organization: x"),
            "victim.victim_id");
  EXPECT_EQ(ImportPipeline::VerisPathOf("something else: x"), "$");
}

}  // namespace
}  // namespace atlas::atlasctl::veris
