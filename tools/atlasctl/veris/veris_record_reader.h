// The VERIS records named on the command line, one at a time.
//
// PATH... may be files, directories (every `*.json` below them,
// recursively, in byte order of their paths so that runs are repeatable),
// and `-` for standard input. A file holds one record (a JSON object) or a
// JSON array of records, as VCDB's joined file (`data/joined/`) does.
//
// Each record gets a locator: `FILE` for a file's single record,
// `FILE[#i]` for the i-th (0-based) record of an array. Input that cannot
// be a record (not JSON, not an object, larger than max_record_bytes,
// nested too deep, a file that cannot be read) becomes a refusal naming
// its locator, the JSON path (`$`: the record as a whole) and the reason;
// the records around it are still read.
//
// Memory: one record at a time (see JsonRecordSplitter); the list of file
// paths is the only thing kept for the whole run.
//
// Thread safety: none; used by one thread.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_RECORD_READER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_RECORD_READER_H_

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "nlohmann/json.hpp"
#include "tools/atlasctl/veris/json_record_splitter.h"

namespace atlas::atlasctl::veris {

// A record read: its JSON and its text as the source spells it, without
// the whitespace between tokens.
struct ReadRecord {
  std::string locator;
  nlohmann::json record;
  std::string content;
};

// Input that is not a record, or a record refused later on.
struct Refusal {
  std::string locator;
  // A JSON path in the record ("timeline.incident.day", "victim"), or "$"
  // for the record (or file) as a whole.
  std::string path;
  std::string reason;
};

class VerisRecordReader {
 public:
  struct Options {
    // Larger records are refused unread: 8 MiB, far above any VERIS record
    // (VCDB's largest are tens of kilobytes).
    size_t max_record_bytes = 8 * 1024 * 1024;
    // What `-` reads (not owned).
    std::istream* standard_input = &std::cin;
  };

  // Lists the files to read: directories are expanded here. A path that
  // does not exist, or a directory that cannot be listed, becomes a
  // refusal returned in its place by Next. Never fails.
  VerisRecordReader(const std::vector<std::string>& paths, Options options);

  // The next record or refusal, in the order of the paths; nullopt at the
  // end.
  std::optional<std::variant<ReadRecord, Refusal>> Next();

  // Sizes of the regular files to read, for the progress line: the total,
  // and how much of it has been read. Standard input counts in neither.
  uint64_t total_bytes() const { return total_bytes_; }
  uint64_t bytes_read() const;

 private:
  // One file to read ("-" for standard input), or a path that failed.
  struct Input {
    std::string path;
    uint64_t size = 0;
    // Set: the refusal to report instead of reading.
    std::string error;
  };

  void Expand(const std::string& path);
  std::variant<ReadRecord, Refusal> Parse(SplitValue value) const;

  Options options_;
  std::vector<Input> inputs_;
  size_t next_input_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t bytes_done_ = 0;
  // The file being read.
  std::string current_path_;
  std::unique_ptr<std::ifstream> file_;
  std::unique_ptr<JsonRecordSplitter> splitter_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_RECORD_READER_H_
