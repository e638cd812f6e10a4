// veris_validate_bench: how many VERIS records per second VerisSchema
// judges on one core, over the real VCDB records of datasets/vcdb-sample
// taken again and again. Two figures: Validate on parsed records, and
// parse + Validate from the JSON text (what an import does per record).
// Not part of scripts/bench.sh. Prints one line:
//   veris_validate records=... validate_per_s=... parse_validate_per_s=...
//       violations=...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/veris/veris_schema.h"

ABSL_FLAG(std::string, veris_dir, "datasets/veris",
          "directory of verisc-merged.json");
ABSL_FLAG(std::string, sample_dir, "datasets/vcdb-sample",
          "directory of VERIS records, one per .json file");
ABSL_FLAG(int64_t, records, 200000, "records to judge per figure");

namespace {

using nlohmann::json;

// Records per second of `judge(i)` called for i in [0, n).
template <typename Judge>
double Rate(int64_t n, Judge judge) {
  const absl::Time start = absl::Now();
  for (int64_t i = 0; i < n; ++i) judge(i);
  return static_cast<double>(n) / absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<atlas::veris::VerisSchema> schema =
      atlas::veris::VerisSchema::Load(absl::GetFlag(FLAGS_veris_dir));
  if (!schema.ok()) {
    std::fprintf(stderr, "%s\n", schema.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> texts;
  std::vector<json> records;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::GetFlag(FLAGS_sample_dir), ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    texts.push_back(text.str());
    records.push_back(json::parse(texts.back(), nullptr, false));
  }
  if (records.empty()) {
    std::fprintf(stderr, "no .json records in %s\n",
                 absl::GetFlag(FLAGS_sample_dir).c_str());
    return 1;
  }

  const int64_t n = absl::GetFlag(FLAGS_records);
  int64_t violations = 0;
  const double validate = Rate(n, [&](int64_t i) {
    violations += schema->Validate(records[i % records.size()]).size();
  });
  const double parse_validate = Rate(n, [&](int64_t i) {
    const json record = json::parse(texts[i % texts.size()], nullptr,
                                    /*allow_exceptions=*/false);
    violations += schema->Validate(record).size();
  });
  std::printf(
      "veris_validate records=%lld sample=%zu validate_per_s=%.0f "
      "parse_validate_per_s=%.0f violations=%lld\n",
      static_cast<long long>(n), records.size(), validate, parse_validate,
      static_cast<long long>(violations));
  return 0;
}
