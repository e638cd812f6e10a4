// Splits a stream holding one JSON record, or a JSON array of records
// (VCDB's joined file), into the records' texts, without building the
// whole document: a file of 100,000 records or a 50 MB record costs the
// memory of one record at most (max_record_bytes), never of the file.
//
// The splitter only follows JSON's structure (strings, brackets, commas);
// whether a record's text is well-formed JSON is for the parser its caller
// runs on it. While it scans it drops the whitespace between tokens, so a
// record comes out serialised compactly: members and values exactly as the
// source spells them (escapes, number forms, member order), nothing else.
//
// Thread safety: none; one splitter per stream.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_JSON_RECORD_SPLITTER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_JSON_RECORD_SPLITTER_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace atlas::atlasctl::veris {

// Deepest nesting a record may have; deeper is refused before any parser
// sees it (VERIS records nest about six levels).
inline constexpr int kMaxRecordDepth = 64;

// One top-level value of the stream.
struct SplitValue {
  // -1: the stream's single top-level value (not in an array); otherwise
  // the 0-based position in the top-level array.
  int64_t index = -1;
  // The value, serialised compactly; empty when `error` is set.
  std::string compact;
  // Why the value cannot be used: too large, too deep, cut short, bad
  // structure. Empty when the text is fit for a JSON parser.
  std::string error;
};

class JsonRecordSplitter {
 public:
  // Reads `in` (not owned; outlives the splitter). A value whose text
  // (whitespace included) is longer than `max_record_bytes` is reported
  // with an error and skipped without being kept in memory.
  JsonRecordSplitter(std::istream& in, size_t max_record_bytes);

  // The next value, or nullopt at the end of the stream. After an error
  // that leaves the structure unknown (a bracket that does not match,
  // something other than ',' or ']' between records), the error is the
  // last value returned.
  std::optional<SplitValue> Next();

  // Bytes read from the stream so far.
  uint64_t bytes_consumed() const { return consumed_; }

 private:
  enum class Mode { kStart, kSingle, kArray, kDone };

  // One value from the current position (whitespace skipped already).
  SplitValue ScanValue(int64_t index);
  // Past whitespace; returns the next byte without consuming it, or -1.
  int SkipWhitespace();
  int Peek();
  int Get();
  SplitValue Stop(int64_t index, std::string error);

  std::istream& in_;
  const size_t max_record_bytes_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t consumed_ = 0;
  Mode mode_ = Mode::kStart;
  int64_t next_index_ = 0;
  // A file-level error found after the value just returned, for the next
  // call.
  std::string pending_error_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_JSON_RECORD_SPLITTER_H_
