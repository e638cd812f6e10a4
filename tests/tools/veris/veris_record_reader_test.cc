// VerisRecordReader and JsonRecordSplitter: files, VCDB's joined array,
// directories, standard input, and input that is no record (not JSON, not
// an object, too large, too deep, cut short), each refused with its
// locator while the records around it are read.
#include "tools/atlasctl/veris/veris_record_reader.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace atlas::atlasctl::veris {
namespace {

using ::atlas::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// One item of the reader, printable: "LOCATOR" for a record, "LOCATOR:
// PATH: reason" for a refusal.
struct Item {
  std::string locator;
  bool refused = false;
  std::string text;  // the compact content, or the reason
};

std::vector<Item> ReadAll(const std::vector<std::string>& paths,
                          VerisRecordReader::Options options = {}) {
  VerisRecordReader reader(paths, options);
  std::vector<Item> items;
  while (auto next = reader.Next()) {
    if (auto* record = std::get_if<ReadRecord>(&*next)) {
      items.push_back({record->locator, false, record->content});
    } else {
      const Refusal& refusal = std::get<Refusal>(*next);
      EXPECT_EQ(refusal.path, "$");
      items.push_back({refusal.locator, true, refusal.reason});
    }
  }
  return items;
}

std::vector<std::string> Locators(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& item : items) {
    out.push_back(item.refused ? item.locator + " (refused)" : item.locator);
  }
  return out;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class VerisRecordReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.Sub(name);
    WriteFile(path, text);
    return path;
  }
  TempDir dir_;
};

TEST_F(VerisRecordReaderTest, SingleRecordFileIsCompactedVerbatim) {
  std::string path = Write("one.json",
                           "{\n  \"incident_id\": \"A-1\",\n  \"summary\": "
                           "\"two  spaces\\n kept\",\n  \"n\": 1.50\n}\n");
  std::vector<Item> items = ReadAll({path});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].locator, path);
  EXPECT_FALSE(items[0].refused);
  // Whitespace between tokens goes; strings, escapes and number spellings
  // stay as given.
  EXPECT_EQ(items[0].text,
            R"({"incident_id":"A-1","summary":"two  spaces\n kept","n":1.50})");
}

TEST_F(VerisRecordReaderTest, JoinedArrayGivesOneLocatorPerRecord) {
  std::string path = Write("joined.json", R"([ {"a": 1}, {"b": [1, 2]} ,
                                               {"c": "]"} ])");
  std::vector<Item> items = ReadAll({path});
  EXPECT_THAT(Locators(items),
              ElementsAre(path + "[#0]", path + "[#1]", path + "[#2]"));
  EXPECT_EQ(items[1].text, R"({"b":[1,2]})");
  EXPECT_EQ(items[2].text, R"({"c":"]"})");
}

TEST_F(VerisRecordReaderTest, BadArrayItemsAreRefusedAndTheOthersRead) {
  std::string path =
      Write("joined.json", R"([{"a": 1}, 42, {"b": tru}, ["x"], {"c": 3}])");
  std::vector<Item> items = ReadAll({path});
  ASSERT_EQ(items.size(), 5u);
  EXPECT_THAT(Locators(items),
              ElementsAre(path + "[#0]", path + "[#1] (refused)",
                          path + "[#2] (refused)", path + "[#3] (refused)",
                          path + "[#4]"));
  EXPECT_EQ(items[1].text, "not a JSON object but a number");
  EXPECT_THAT(items[2].text, StartsWith("not JSON: syntax error"));
  EXPECT_EQ(items[3].text, "not a JSON object but an array");
}

TEST_F(VerisRecordReaderTest, DirectoriesAreReadRecursivelyInPathOrder) {
  Write("d/b.json", R"({"n": "b"})");
  Write("d/a.json", R"({"n": "a"})");
  Write("d/sub/c.JSON", R"({"n": "c"})");
  Write("d/sub/notes.txt", "not a record");
  Write("d/a-dir/z.json", R"({"n": "z"})");
  std::vector<Item> items = ReadAll({dir_.Sub("d")});
  EXPECT_THAT(Locators(items),
              ElementsAre(dir_.Sub("d/a-dir/z.json"), dir_.Sub("d/a.json"),
                          dir_.Sub("d/b.json"), dir_.Sub("d/sub/c.JSON")));
}

TEST_F(VerisRecordReaderTest, DashReadsStandardInput) {
  std::istringstream in(R"([{"n": 1}, {"n": 2}])");
  VerisRecordReader::Options options;
  options.standard_input = &in;
  std::vector<Item> items = ReadAll({"-"}, options);
  EXPECT_THAT(Locators(items), ElementsAre("-[#0]", "-[#1]"));
}

TEST_F(VerisRecordReaderTest, MissingPathIsRefusedInItsPlace) {
  std::string a = Write("a.json", "{}");
  std::string b = Write("b.json", "{}");
  std::vector<Item> items = ReadAll({a, dir_.Sub("nope.json"), b});
  EXPECT_THAT(Locators(items),
              ElementsAre(a, dir_.Sub("nope.json") + " (refused)", b));
  EXPECT_THAT(items[1].text, HasSubstr("cannot read"));
}

TEST_F(VerisRecordReaderTest, FileThatIsNoRecordIsRefused) {
  std::string empty = Write("empty.json", "  \n");
  std::string text = Write("text.json", "hello");
  std::string scalar = Write("scalar.json", "\"a string\"");
  std::string trailing = Write("trailing.json", "{\"a\": 1} {\"b\": 2}");
  std::string cut = Write("cut.json", "{\"a\": [1, 2");
  std::string mismatched = Write("mismatched.json", "{\"a\": [1, 2}");
  std::vector<Item> items =
      ReadAll({empty, text, scalar, trailing, cut, mismatched});
  ASSERT_EQ(items.size(), 6u);
  for (const Item& item : items) EXPECT_TRUE(item.refused) << item.locator;
  EXPECT_EQ(items[0].text, "not JSON: the input is empty");
  EXPECT_THAT(items[1].text, StartsWith("not JSON: "));
  EXPECT_EQ(items[2].text, "not a JSON object but a string");
  EXPECT_THAT(items[3].text,
              StartsWith("not JSON: more text after the record"));
  EXPECT_THAT(items[4].text, StartsWith("not JSON: the input ends inside"));
  EXPECT_THAT(items[5].text, HasSubstr("closes '['"));
}

TEST_F(VerisRecordReaderTest, ArrayWithoutSeparatorStopsThereAndSaysSo) {
  std::string path = Write("joined.json", R"([{"a": 1} {"b": 2}, {"c": 3}])");
  std::vector<Item> items = ReadAll({path});
  EXPECT_THAT(Locators(items), ElementsAre(path + "[#0]", path + " (refused)"));
  EXPECT_THAT(items[1].text, HasSubstr("expected ',' or ']' after record #0"));
  EXPECT_THAT(items[1].text, HasSubstr("the rest of the input was not read"));
}

TEST_F(VerisRecordReaderTest, UnclosedArrayIsRefusedAfterItsRecords) {
  std::string path = Write("joined.json", R"([{"a": 1}, {"b": 2})");
  std::vector<Item> items = ReadAll({path});
  EXPECT_THAT(Locators(items),
              ElementsAre(path + "[#0]", path + "[#1]", path + " (refused)"));
  EXPECT_EQ(items[2].text, "not JSON: the array is not closed");
}

TEST_F(VerisRecordReaderTest, DeepNestingIsRefusedBeforeParsing) {
  std::string deep =
      "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  std::string path = Write("deep.json", absl::StrCat("[", deep, ", {}]"));
  std::vector<Item> items = ReadAll({path});
  EXPECT_THAT(Locators(items),
              ElementsAre(path + "[#0] (refused)", path + "[#1]"));
  EXPECT_EQ(items[0].text, "the record nests deeper than 64 levels");
}

TEST_F(VerisRecordReaderTest, FiftyMegabyteRecordIsRefusedAndTheNextRead) {
  std::string path = dir_.Sub("big.json");
  {
    std::ofstream out(path, std::ios::binary);
    out << "[{\"summary\": \"";
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 50; ++i) out << chunk;
    out << "\"}, {\"incident_id\": \"after\"}]";
  }
  std::vector<Item> items = ReadAll({path});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].refused);
  EXPECT_EQ(items[0].locator, path + "[#0]");
  EXPECT_EQ(items[0].text,
            "the record is larger than 8388608 bytes (the most a record may "
            "have)");
  EXPECT_FALSE(items[1].refused);
  EXPECT_EQ(items[1].text, R"({"incident_id":"after"})");
}

TEST_F(VerisRecordReaderTest, TenThousandFilesWithOneBadOne) {
  for (int i = 0; i < 10000; ++i) {
    Write(absl::StrCat("many/", i / 1000, "/r", 10000 + i, ".json"),
          i == 4321 ? "{\"broken\": " : absl::StrCat("{\"n\": ", i, "}"));
  }
  VerisRecordReader reader({dir_.Sub("many")}, {});
  int records = 0;
  std::vector<std::string> refused;
  std::string previous;
  while (auto next = reader.Next()) {
    if (auto* record = std::get_if<ReadRecord>(&*next)) {
      ++records;
      EXPECT_LT(previous, record->locator);
      previous = record->locator;
    } else {
      refused.push_back(std::get<Refusal>(*next).locator);
    }
  }
  EXPECT_EQ(records, 9999);
  EXPECT_THAT(refused, ElementsAre(dir_.Sub("many/4/r14321.json")));
  EXPECT_EQ(reader.bytes_read(), reader.total_bytes());
}

}  // namespace
}  // namespace atlas::atlasctl::veris
