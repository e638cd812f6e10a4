// VerisSchema against VERIS's own 222 validation cases, the 40 real VCDB
// records of datasets/vcdb-sample, and unit cases for paths and reasons.
#include "common/veris/veris_schema.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::veris {

// Printed by gMock when an expectation on violations fails.
void PrintTo(const Violation& v, std::ostream* os) {
  *os << "{" << (v.path.empty() ? "(record)" : v.path) << ": " << v.reason
      << "}";
}

namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Truly;

std::string VerisDir() {
  return atlas::testing::SourceDir() + "/datasets/veris";
}
std::string CasesDir() { return VerisDir() + "/tests"; }
std::string SampleDir() {
  return atlas::testing::SourceDir() + "/datasets/vcdb-sample";
}

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

// The *.json file names in `dir`, sorted.
std::vector<std::string> JsonFiles(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

const VerisSchema& Schema() {
  static const VerisSchema* const schema = [] {
    absl::StatusOr<VerisSchema> loaded = VerisSchema::Load(VerisDir());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      std::abort();
    }
    return new VerisSchema(*std::move(loaded));
  }();
  return *schema;
}

// VERIS cases that should fail and that Atlas deliberately accepts, with
// why (docs/veris-validation.md, "Cases accepted deliberately").
const std::map<std::string, std::string>& DeliberatelyAccepted() {
  static const auto* const accepted = new std::map<std::string, std::string>{
      {"actor.external.country_missing.json",
       "VERIS 1.4.1 no longer requires actor.external.country"},
      {"timeline.incident.year_high.json",
       "the year 2020 is within VERIS 1.4.1's 1950 to 2050"},
  };
  return *accepted;
}

// The record path a failing case is about, from its file name:
// "action.error.variety_duplicate.json" -> "action.error.variety",
// "asset.assets.0_empty.json" -> "asset.assets[0]",
// "timeline.incident.day.high.json" -> "timeline.incident.day".
// Some cases' records break another field than their name says; they are
// listed with the field they do break (docs/veris-validation.md).
std::string CasePath(const std::string& file) {
  static const auto* const special = new std::map<std::string, std::string>{
      // Names that the rule below cannot read.
      {"actor.internal.job_change_not_array.json", "actor.internal.job_change"},
      {"related_incidents.json", "related_incidents"},
      {"root_unrecognized.json", "test"},
      // Records that break another field than their names say.
      {"action.error.vector_empty.json", "action.misuse.vector"},
      {"action.error.vector_missing.json", "action.misuse.vector"},
      {"action.physical_unrecognized.json", "action.social.test"},
      {"attribute.availability_unrecognized.json", "attribute.test"},
      {"impact.loss.overall_rating_missing.json", "impact.overall_rating"},
      {"impact_unrecognized.json", "test"},
      // VERIS 1.4.1 has no ioc variety; the item lacks its indicator.
      {"ioc.0.variety_missing.json", "ioc[0].indicator"},
      // VERIS 1.4.1 allows an empty name list; the record also has a
      // region that is a string, not a list.
      {"actor.external.name_empty.json", "actor.external.region"},
  };
  if (auto it = special->find(file); it != special->end()) return it->second;
  std::string name = file.substr(0, file.size() - std::string(".json").size());
  if (size_t underscore = name.rfind('_'); underscore != std::string::npos) {
    name = name.substr(0, underscore);
  } else {
    name = name.substr(0, name.rfind('.'));
  }
  std::string path;
  for (absl::string_view part : absl::StrSplit(name, '.')) {
    if (!part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
      absl::StrAppend(&path, "[", part, "]");
    } else {
      absl::StrAppend(&path, path.empty() ? "" : ".", part);
    }
  }
  return path;
}

// Whether `path` is `base` or a field or item below it.
bool IsAtOrBelow(const std::string& path, const std::string& base) {
  if (path == base) return true;
  return path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
         (path[base.size()] == '.' || path[base.size()] == '[');
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 5);
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

TEST(VerisSchemaDataTest, HasAllOfVerisCasesAndTheSample) {
  int pass = 0;
  int fail = 0;
  for (const std::string& file : JsonFiles(CasesDir())) {
    const json c = ReadJson(CasesDir() + "/" + file);
    ASSERT_TRUE(c.is_object()) << file;
    (c.value("should", "") == "pass" ? pass : fail)++;
  }
  EXPECT_EQ(pass, 26);
  EXPECT_EQ(fail, 196);
  EXPECT_EQ(JsonFiles(SampleDir()).size(), 40u);
}

class VerisSchemaCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VerisSchemaCaseTest, JudgedAsVerisJudgesIt) {
  const std::string& file = GetParam();
  const json c = ReadJson(CasesDir() + "/" + file);
  ASSERT_TRUE(c.is_object() && c.contains("incident")) << file;
  const std::vector<Violation> violations = Schema().Validate(c["incident"]);
  const std::string should = c.value("should", "");
  SCOPED_TRACE(
      absl::StrCat(file, " (should ", should, "): ", c.value("message", "")));
  const auto accepted = DeliberatelyAccepted().find(file);
  if (should == "pass") {
    EXPECT_THAT(violations, IsEmpty());
  } else if (accepted != DeliberatelyAccepted().end()) {
    EXPECT_THAT(violations, IsEmpty())
        << "listed as accepted deliberately (" << accepted->second
        << "); now refused: take it off the list and the doc";
  } else {
    ASSERT_EQ(should, "fail");
    // Refused, and for the reason the case is about.
    const std::string path = CasePath(file);
    EXPECT_THAT(violations, Contains(Field(&Violation::path,
                                           Truly([&](const std::string& p) {
                                             return IsAtOrBelow(p, path);
                                           }))))
        << "expected a violation at or below \"" << path << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(VerisSchema, VerisSchemaCaseTest,
                         ::testing::ValuesIn(JsonFiles(CasesDir())), TestName);

class VerisSchemaSampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VerisSchemaSampleTest, RealVcdbRecordIsValid) {
  const json record = ReadJson(SampleDir() + "/" + GetParam());
  ASSERT_TRUE(record.is_object()) << GetParam();
  EXPECT_THAT(Schema().Validate(record), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(VerisSchema, VerisSchemaSampleTest,
                         ::testing::ValuesIn(JsonFiles(SampleDir())), TestName);

// A small valid VERIS 1.4.1 record, changed by each test.
json ValidRecord() {
  return json::parse(R"({
    "schema_version": "1.4.1",
    "incident_id": "test-1",
    "security_incident": "Confirmed",
    "summary": "A test.",
    "action": {"error": {"variety": ["Misdelivery"],
                         "vector": ["Carelessness"]}},
    "actor": {"internal": {"variety": ["End-user"], "motive": ["NA"]}},
    "asset": {"assets": [{"variety": "S - Web application"}],
              "cloud": ["Unknown"]},
    "attribute": {"confidentiality": {
        "data_disclosure": "Yes",
        "data": [{"variety": "Personal", "amount": 10}]}},
    "discovery_method": {"external": {"variety": ["Customer"]}},
    "timeline": {"incident": {"year": 2014, "month": 2, "day": 28}},
    "victim": {"country": ["BE"], "employee_count": "Small",
               "industry": "813110", "government": ["NA"]}
  })");
}

class VerisSchemaTest : public ::testing::Test {};

TEST_F(VerisSchemaTest, ValidRecordHasNoViolations) {
  EXPECT_THAT(Schema().Validate(ValidRecord()), IsEmpty());
}

TEST_F(VerisSchemaTest, UnknownEnumValueNamesItsPath) {
  json record = ValidRecord();
  record["action"]["error"]["variety"] = {"Misdelivery", "Typo"};
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"action.error.variety[1]",
                                    "\"Typo\" is not one of the 16 allowed "
                                    "values"}));
}

TEST_F(VerisSchemaTest, ShortEnumIsListedInTheReason) {
  json record = ValidRecord();
  record["attribute"]["confidentiality"]["data_disclosure"] = "Maybe";
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{
                  "attribute.confidentiality.data_disclosure",
                  "\"Maybe\" is not one of \"No\", \"Potentially\", \"Yes\", "
                  "\"Unknown\""}));
}

TEST_F(VerisSchemaTest, DuplicateItemNamesTheFirstOccurrence) {
  json record = ValidRecord();
  record["victim"]["country"] = {"BE", "FR", "BE"};
  EXPECT_THAT(
      Schema().Validate(record),
      ElementsAre(Violation{"victim.country[2]", "repeats victim.country[0]"}));
}

TEST_F(VerisSchemaTest, MissingRequiredFieldIsNamed) {
  json record = ValidRecord();
  record["victim"].erase("industry");
  record.erase("summary");
  EXPECT_THAT(
      Schema().Validate(record),
      ElementsAre(Violation{"summary", "is required but missing"},
                  Violation{"victim.industry", "is required but missing"}));
}

TEST_F(VerisSchemaTest, WrongTypeSaysWhatWasExpected) {
  json record = ValidRecord();
  record["timeline"]["incident"]["year"] = "2014";
  record["victim"]["country"] = "BE";
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"timeline.incident.year",
                                    "must be an integer, not a string"},
                          Violation{"victim.country",
                                    "must be an array, not a string"}));
}

TEST_F(VerisSchemaTest, FractionIsNotAnInteger) {
  json record = ValidRecord();
  record["timeline"]["incident"]["month"] = 2.5;
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"timeline.incident.month",
                                    "must be an integer, not a number"}));
}

TEST_F(VerisSchemaTest, AdditionalPropertyIsRefused) {
  json record = ValidRecord();
  record["victim"]["favourite_colour"] = "blue";
  record["related_incidents"] = "x";
  EXPECT_THAT(
      Schema().Validate(record),
      ElementsAre(Violation{"related_incidents", "is not a field here"},
                  Violation{"victim.favourite_colour", "is not a field here"}));
}

TEST_F(VerisSchemaTest, PatternMismatchShowsThePattern) {
  json record = ValidRecord();
  record["victim"]["industry"] = "99";
  const std::vector<Violation> violations = Schema().Validate(record);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "victim.industry");
  EXPECT_THAT(violations[0].reason,
              HasSubstr("\"99\" does not match the pattern (00|11|"));
}

TEST_F(VerisSchemaTest, LengthAndRangeLimits) {
  json record = ValidRecord();
  record["victim"]["industry"] = "1";
  record["timeline"]["incident"]["year"] = 1949;
  record["victim"]["notes"] = "";
  EXPECT_THAT(
      Schema().Validate(record),
      ElementsAre(Violation{"timeline.incident.year",
                            "must be at least 1950, not 1949"},
                  Violation{"victim.industry",
                            "must be at least 2 characters long, not 1"},
                  Violation{"victim.industry",
                            "\"1\" does not match the pattern "
                            "(00|11|2[1-3]|3[1-3]|4[24589]|5[1-6]|6[1-2]|7[12]|"
                            "81|92)-?\\d{0,4}"},
                  Violation{"victim.notes", "must not be empty"}));
}

TEST_F(VerisSchemaTest, EmptySectionIsRefused) {
  json record = ValidRecord();
  record["action"] = json::object();
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"action", "must not be empty"}));
}

TEST_F(VerisSchemaTest, RecordThatIsNoObject) {
  EXPECT_THAT(Schema().Validate(json::array()),
              ElementsAre(Violation{"", "must be an object, not an array"}));
}

TEST_F(VerisSchemaTest, OlderFormsOnlyForRecordsOfOlderVersions) {
  json record = ValidRecord();
  record["discovery_method"] = "Int - unknown";
  record.erase("summary");
  record["schema_version"] = "1.3";
  EXPECT_THAT(Schema().Validate(record), IsEmpty());
  record["schema_version"] = "1.3.5";
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"summary", "is required but missing"},
                          Violation{"discovery_method",
                                    "must be an object, not a string"}));
}

TEST_F(VerisSchemaTest, FlatDiscoveryMethodMustHaveThe13Shape) {
  json record = ValidRecord();
  record["schema_version"] = "1.3.2";
  record["discovery_method"] = "by chance";
  const std::vector<Violation> violations = Schema().Validate(record);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "discovery_method");
  EXPECT_THAT(violations[0].reason, HasSubstr("does not match the pattern"));
}

TEST_F(VerisSchemaTest, UnreadableVersionGetsTheCurrentRules) {
  json record = ValidRecord();
  record["discovery_method"] = "Int - unknown";
  record["schema_version"] = "one point three";
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"discovery_method",
                                    "must be an object, not a string"}));
}

TEST_F(VerisSchemaTest, PlusAcceptsFieldsVerisDoesNotDescribe) {
  json record = ValidRecord();
  record["plus"] = {
      {"attribute", {{"confidentiality", {{"credit_monitoring", "Yes"}}}}},
      {"analyst", "someone"}};
  EXPECT_THAT(Schema().Validate(record), IsEmpty());
  record["plus"]["attribute"]["confidentiality"]["data_abuse"] = "Perhaps";
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Field(&Violation::path,
                                "plus.attribute.confidentiality.data_abuse")));
}

TEST_F(VerisSchemaTest, DayThatDoesNotExistIsRefused) {
  json record = ValidRecord();
  record["timeline"]["incident"]["day"] = 30;
  record["plus"] = {
      {"timeline",
       {{"notification", {{"year", 2016}, {"month", 2}, {"day", 29}}}}}};
  EXPECT_THAT(Schema().Validate(record),
              ElementsAre(Violation{"timeline.incident.day",
                                    "2014-02-30 is not a calendar date"}));
}

TEST_F(VerisSchemaTest, ConsistencyRulesOfVerisValidator) {
  json record = ValidRecord();
  record["action"]["malware"] = {{"variety", {"Ransomware"}},
                                 {"vector", {"Email attachment"}}};
  record["victim"]["secondary"] = {{"victim_id", {"a", "b"}}, {"amount", 1}};
  EXPECT_THAT(
      Schema().Validate(record),
      ElementsAre(Violation{"attribute.integrity.variety",
                            "must include \"Software installation\" when "
                            "action.malware is present"},
                  Violation{"victim.secondary.amount",
                            "must be at least 2, the number of "
                            "victim.secondary.victim_id entries"}));
  record.erase("attribute");
  EXPECT_THAT(Schema().Validate(record),
              Contains(Violation{"attribute",
                                 "is required when security_incident is "
                                 "\"Confirmed\""}));
}

TEST_F(VerisSchemaTest, SchemaViolationsComeBeforeRuleViolations) {
  json record = ValidRecord();
  record["action"]["social"] = {
      {"variety", {"Phishing"}}, {"vector", {"Email"}}, {"target", {"Nobody"}}};
  EXPECT_THAT(
      Schema().Validate(record),
      ElementsAre(Field(&Violation::path, "action.social.target[0]"),
                  Field(&Violation::path, "attribute.integrity.variety")));
}

// The draft-04 keywords on small schemas of their own.
std::vector<Violation> ValidateWith(const json& schema, const json& instance) {
  absl::StatusOr<JsonSchema> compiled = JsonSchema::Compile(schema);
  EXPECT_THAT(compiled, IsOk());
  std::vector<Violation> violations;
  if (compiled.ok()) compiled->Validate(instance, &violations);
  return violations;
}

TEST(VerisSchemaKeywordsTest, DuplicateInALongArrayIsFound) {
  json items = json::array();
  for (int i = 0; i < 20; ++i) items.push_back(absl::StrCat("v", i));
  items.push_back("v3");
  EXPECT_THAT(ValidateWith({{"uniqueItems", true}}, items),
              ElementsAre(Violation{"[20]", "repeats [3]"}));
}

TEST(VerisSchemaKeywordsTest, EqualNumbersAreDuplicatesHoweverWritten) {
  EXPECT_THAT(ValidateWith({{"uniqueItems", true}}, json::parse("[1, 1.0]")),
              ElementsAre(Violation{"[1]", "repeats [0]"}));
  EXPECT_THAT(ValidateWith({{"uniqueItems", true}},
                           json::parse(R"([{"a": [1]}, {"a": [1.0]}])")),
              ElementsAre(Violation{"[1]", "repeats [0]"}));
}

TEST(VerisSchemaKeywordsTest, ItemsOfTheWrongShapeAreNotCompared) {
  const json schema = {{"uniqueItems", true}, {"items", {{"type", "string"}}}};
  EXPECT_THAT(ValidateWith(schema, json::parse(R"(["a", [1], [1], "a"])")),
              ElementsAre(Violation{"[1]", "must be a string, not an array"},
                          Violation{"[2]", "must be a string, not an array"},
                          Violation{"[3]", "repeats [0]"}));
}

TEST(VerisSchemaKeywordsTest, LengthCountsCodePointsNotBytes) {
  const json schema = {{"minLength", 2}, {"maxLength", 2}};
  EXPECT_THAT(ValidateWith(schema, "\u00e9\u20ac"), IsEmpty());
  EXPECT_THAT(ValidateWith(schema, "\u00e9"),
              ElementsAre(Field(&Violation::reason,
                                "must be at least 2 characters long, not 1")));
}

TEST(VerisSchemaKeywordsTest, PatternMatchesAnywhereUnlessAnchored) {
  EXPECT_THAT(ValidateWith({{"pattern", "\\d{6}"}}, "x123456y"), IsEmpty());
  EXPECT_THAT(ValidateWith({{"pattern", "^\\d{6}$"}}, "x123456y"),
              ElementsAre(Field(&Violation::path, "")));
}

TEST(VerisSchemaKeywordsTest, AnyOfReportsTheFormMeantForTheValuesType) {
  const json schema = json::parse(R"({"anyOf": [
      {"type": "string", "enum": ["a"]},
      {"type": "array", "items": {"type": "string", "enum": ["a"]}}]})");
  EXPECT_THAT(ValidateWith(schema, "a"), IsEmpty());
  EXPECT_THAT(ValidateWith(schema, json::array({"a"})), IsEmpty());
  EXPECT_THAT(ValidateWith(schema, json::array({"b"})),
              ElementsAre(Violation{"[0]", "\"b\" is not one of \"a\""}));
  EXPECT_THAT(ValidateWith(schema, 3),
              ElementsAre(Violation{"", "matches none of the allowed forms"}));
}

TEST(VerisSchemaKeywordsTest, AdditionalPropertiesSchemaChecksUnlistedFields) {
  const json schema = json::parse(R"({"properties": {"a": {"type": "string"}},
      "additionalProperties": {"type": "integer"}})");
  EXPECT_THAT(ValidateWith(schema, json::parse(R"({"a": "x", "b": 1})")),
              IsEmpty());
  EXPECT_THAT(ValidateWith(schema, json::parse(R"({"a": "x", "b": "y"})")),
              ElementsAre(Violation{"b", "must be an integer, not a string"}));
}

TEST(VerisSchemaKeywordsTest, CompileRefusesWhatItCannotCheck) {
  EXPECT_THAT(
      JsonSchema::Compile(json::parse(R"({"items": [{}, {}]})")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("#/items")));
  EXPECT_THAT(JsonSchema::Compile(json::parse(R"({"pattern": "(?<=a)b"})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pattern does not compile")));
  EXPECT_THAT(JsonSchema::Compile(json::parse(R"({"type": "text"})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown type \"text\"")));
}

TEST_F(VerisSchemaTest, MovedSchemaStillValidates) {
  absl::StatusOr<VerisSchema> loaded = VerisSchema::Load(VerisDir());
  ASSERT_THAT(loaded, IsOk());
  VerisSchema moved = *std::move(loaded);
  EXPECT_THAT(moved.Validate(ValidRecord()), IsEmpty());
  json record = ValidRecord();
  record.erase("actor");
  EXPECT_THAT(moved.Validate(record),
              ElementsAre(Violation{"actor", "is required but missing"}));
}

TEST_F(VerisSchemaTest, LoadFailsWithoutTheSchemaFile) {
  atlas::testing::TempDir dir;
  EXPECT_THAT(
      VerisSchema::Load(dir.path()),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("verisc-merged.json")));
}

TEST_F(VerisSchemaTest, LoadFailsOnAKeywordItDoesNotImplement) {
  atlas::testing::TempDir dir;
  json schema = ReadJson(VerisDir() + "/verisc-merged.json");
  schema["properties"]["victim"]["properties"]["state"]["format"] = "email";
  std::ofstream(dir.Sub("verisc-merged.json")) << schema.dump();
  EXPECT_THAT(VerisSchema::Load(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("#/properties/victim/properties/state/format: "
                                 "keyword \"format\" is not supported")));
}

TEST_F(VerisSchemaTest, LoadFailsWhenARelaxedFieldIsGone) {
  atlas::testing::TempDir dir;
  json schema = ReadJson(VerisDir() + "/verisc-merged.json");
  schema["properties"].erase("plus");
  std::ofstream(dir.Sub("verisc-merged.json")) << schema.dump();
  EXPECT_THAT(
      VerisSchema::Load(dir.path()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no field plus")));
}

TEST_F(VerisSchemaTest, LoadFailsOnText) {
  atlas::testing::TempDir dir;
  std::ofstream(dir.Sub("verisc-merged.json")) << "{not json";
  EXPECT_THAT(
      VerisSchema::Load(dir.path()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not JSON")));
}

}  // namespace
}  // namespace atlas::veris
