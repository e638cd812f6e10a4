// Crash safety, tested the way RocksDB tests itself: kill and verify.
// Writers hit both services while one of them is SIGKILLed at a random
// moment; after each restart every acknowledged write must be there, every
// unknown-outcome write must settle, indexes and the changelog must agree
// with the records and the catalog must converge (see crash_harness.h).
//
// Short form by default (20 rounds per service). scripts/stress.sh runs
// the same test longer through the environment:
//   ATLAS_CRASH_ROUNDS      rounds per service (20)
//   ATLAS_CRASH_SEED        seed (time-based; printed so a failure reproduces)
//   ATLAS_CRASH_WRITERS     writer threads (4)
//   ATLAS_CRASH_MIN_WRITE_MS / ATLAS_CRASH_MAX_WRITE_MS  write phase (100/500)
//   ATLAS_CRASH_BUDGET_S    time budget of the run (110)
//   ATLAS_CRASH_SUMMARY_FILE  where to write the summary line (optional)
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"

namespace atlas::reliability {
namespace {

TEST(CrashSafetyTest, AcknowledgedWritesSurviveSigkillOfEitherService) {
  const CrashOptions options = CrashOptionsFromEnv(CrashOptions{});
  std::cout << "crash-safety: seed " << options.seed
            << " (reproduce with ATLAS_CRASH_SEED=" << options.seed << "), "
            << options.rounds_per_service << " rounds per service, "
            << options.writers << " writers" << std::endl;
  ::testing::Test::RecordProperty("seed", absl::StrCat(options.seed));
  const CrashStats stats = RunCrashRounds(options);
  std::cout << stats.SummaryLine() << std::endl;
  if (const char* path = std::getenv("ATLAS_CRASH_SUMMARY_FILE")) {
    std::ofstream(path) << stats.SummaryLine() << "\n";
  }
  for (const std::string& f : stats.failures) ADD_FAILURE() << f;
  EXPECT_EQ(stats.lost, 0) << "acknowledged writes lost; seed " << options.seed;
  EXPECT_EQ(stats.inconsistencies, 0) << "seed " << options.seed;
  EXPECT_TRUE(stats.converged) << "seed " << options.seed;
  EXPECT_EQ(stats.resolved, stats.unknown);
  EXPECT_EQ(stats.incident_rounds, options.rounds_per_service);
  EXPECT_EQ(stats.catalog_rounds, options.rounds_per_service);
  EXPECT_GT(stats.acknowledged, 0);
  EXPECT_EQ(stats.verified, stats.acknowledged + stats.resolved);
}

}  // namespace
}  // namespace atlas::reliability
