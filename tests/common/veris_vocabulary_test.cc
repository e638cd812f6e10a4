// VerisVocabulary: the VERIS enumerations loaded from the pinned
// datasets/veris/verisc-enum.json, and what a malformed file is.
#include "common/veris/veris_vocabulary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::veris {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

const VerisVocabulary& Pinned() {
  static const VerisVocabulary* vocabulary = [] {
    auto loaded = VerisVocabulary::Load(::atlas::testing::SourceDir() +
                                        "/datasets/veris");
    EXPECT_THAT(loaded.status(), IsOk());
    return new VerisVocabulary(*std::move(loaded));
  }();
  return *vocabulary;
}

TEST(VerisVocabularyTest, LoadsEveryEnumerationOfThePinnedRelease) {
  // 68 leaves in verisc-enum.json at commit 45d9d7a (datasets/veris).
  EXPECT_EQ(Pinned().size(), 68u);
  EXPECT_EQ(Pinned().ValueCount("action.hacking.variety"), 56u);
  EXPECT_EQ(Pinned().ValueCount("asset.assets.variety"), 100u);
}

TEST(VerisVocabularyTest, ContainsValuesExactlyAsVerisSpellsThem) {
  EXPECT_TRUE(Pinned().Contains("action.malware.variety", "Ransomware"));
  EXPECT_TRUE(Pinned().Contains("asset.assets.variety", "S - Web application"));
  EXPECT_TRUE(Pinned().Contains("impact.iso_currency_code", "EUR"));
  EXPECT_TRUE(
      Pinned().Contains("value_chain.cash-out.variety", "Cryptocurrency"));
  EXPECT_FALSE(Pinned().Contains("action.malware.variety", "ransomware"));
  EXPECT_FALSE(Pinned().Contains("action.malware.variety", "Ransomware "));
  EXPECT_FALSE(Pinned().Contains("action.malware.variety", ""));
  // A value of another enumeration.
  EXPECT_FALSE(Pinned().Contains("action.hacking.variety", "Ransomware"));
}

TEST(VerisVocabularyTest, PathsExistOnlyWhereVerisEnumeratesValues) {
  EXPECT_TRUE(Pinned().HasPath("action.hacking.result"));
  EXPECT_TRUE(Pinned().HasPath("actor.external.variety"));
  EXPECT_TRUE(Pinned().HasPath("discovery_method.partner.variety"));
  // VERIS codes no result for errors, no variety for partner actors, and
  // no variety for an unknown action.
  EXPECT_FALSE(Pinned().HasPath("action.error.result"));
  EXPECT_FALSE(Pinned().HasPath("actor.partner.variety"));
  EXPECT_FALSE(Pinned().HasPath("action.unknown.variety"));
  // Inner nodes are no enumerations.
  EXPECT_FALSE(Pinned().HasPath("action"));
  EXPECT_FALSE(Pinned().HasPath("action.hacking"));
  EXPECT_FALSE(Pinned().Contains("action.error.result", "Exfiltrate"));
  EXPECT_EQ(Pinned().ValueCount("action.error.result"), 0u);
}

TEST(VerisVocabularyTest, AMissingFileIsNotFound) {
  ::atlas::testing::TempDir empty;
  EXPECT_THAT(
      VerisVocabulary::Load(empty.path()).status(),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("verisc-enum.json")));
}

TEST(VerisVocabularyTest, MalformedFilesAreDataLossNamingThePath) {
  EXPECT_THAT(
      VerisVocabulary::Parse("{not json").status(),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a JSON object")));
  EXPECT_THAT(VerisVocabulary::Parse("[]").status(),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(
      VerisVocabulary::Parse("{}").status(),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no enumeration")));
  EXPECT_THAT(
      VerisVocabulary::Parse(R"({"action": {"hacking": {"variety": [1]}}})")
          .status(),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("action.hacking.variety: a value is not a string")));
  EXPECT_THAT(VerisVocabulary::Parse(R"({"confidence": "High"})").status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("confidence")));
}

TEST(VerisVocabularyTest, ParsesNestedKeysIntoDottedPaths) {
  auto parsed = VerisVocabulary::Parse(
      R"({"a": {"b c": {"variety": ["X", "Y"]}}, "d": ["Z"]})");
  ASSERT_THAT(parsed.status(), IsOk());
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_TRUE(parsed->Contains("a.b c.variety", "Y"));
  EXPECT_TRUE(parsed->Contains("d", "Z"));
  EXPECT_FALSE(parsed->Contains("d", "X"));
}

}  // namespace
}  // namespace atlas::veris
