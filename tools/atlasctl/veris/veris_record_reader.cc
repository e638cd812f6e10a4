#include "tools/atlasctl/veris/veris_record_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace atlas::atlasctl::veris {
namespace {

namespace fs = std::filesystem;

// Most of a parser message worth showing; the rest is the record itself.
constexpr size_t kMaxReasonChars = 240;

bool IsJsonFile(const fs::path& path) {
  return absl::AsciiStrToLower(path.extension().string()) == ".json";
}

std::string Locator(const std::string& path, int64_t index) {
  if (index < 0) return path;
  return absl::StrCat(path, "[#", index, "]");
}

// nlohmann's message without its prefix and its position in the compacted
// text ("[json.exception.parse_error.101] parse error at line 1, column 9:
// syntax error ..."): the position would not match the file.
std::string ParseErrorReason(const char* what) {
  std::string text = what;
  size_t column = text.find("column ");
  if (column != std::string::npos) {
    size_t colon = text.find(": ", column);
    if (colon != std::string::npos) text = text.substr(colon + 2);
  } else if (size_t bracket = text.find("] "); bracket != std::string::npos) {
    text = text.substr(bracket + 2);
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kMaxReasonChars) {
    text.resize(kMaxReasonChars);
    absl::StrAppend(&text, "...");
  }
  return text;
}

std::string TypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

}  // namespace

VerisRecordReader::VerisRecordReader(const std::vector<std::string>& paths,
                                     Options options)
    : options_(options) {
  for (const std::string& path : paths) Expand(path);
}

void VerisRecordReader::Expand(const std::string& path) {
  if (path == "-") {
    inputs_.push_back({path, 0, ""});
    return;
  }
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    inputs_.push_back(
        {path, 0,
         absl::StrCat("cannot read: ",
                      error ? error.message() : "no such file or directory")});
    return;
  }
  if (!fs::is_directory(status)) {
    uint64_t size =
        fs::is_regular_file(status) ? fs::file_size(path, error) : 0;
    if (error) size = 0;
    total_bytes_ += size;
    inputs_.push_back({path, size, ""});
    return;
  }
  std::vector<Input> found;
  fs::recursive_directory_iterator it(
      path, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    std::error_code entry_error;
    if (!it->is_regular_file(entry_error) || !IsJsonFile(it->path())) continue;
    uint64_t size = it->file_size(entry_error);
    found.push_back({it->path().string(), entry_error ? 0 : size, ""});
  }
  std::sort(found.begin(), found.end(),
            [](const Input& a, const Input& b) { return a.path < b.path; });
  for (Input& input : found) {
    total_bytes_ += input.size;
    inputs_.push_back(std::move(input));
  }
  if (error) {
    inputs_.push_back(
        {path, 0,
         absl::StrCat("cannot list the directory: ", error.message())});
  }
}

uint64_t VerisRecordReader::bytes_read() const {
  uint64_t current = 0;
  if (splitter_ != nullptr && current_path_ != "-") {
    current = splitter_->bytes_consumed();
  }
  return bytes_done_ + current;
}

std::optional<std::variant<ReadRecord, Refusal>> VerisRecordReader::Next() {
  for (;;) {
    if (splitter_ != nullptr) {
      std::optional<SplitValue> value = splitter_->Next();
      if (value.has_value()) return Parse(*std::move(value));
      if (current_path_ != "-") bytes_done_ += splitter_->bytes_consumed();
      splitter_.reset();
      bool failed = file_ != nullptr && file_->bad();
      file_.reset();
      if (failed) {
        return Refusal{current_path_, "$",
                       "cannot read: an I/O error stopped the file"};
      }
      continue;
    }
    if (next_input_ >= inputs_.size()) return std::nullopt;
    const Input& input = inputs_[next_input_++];
    current_path_ = input.path;
    if (!input.error.empty()) return Refusal{input.path, "$", input.error};
    std::istream* stream = options_.standard_input;
    if (input.path != "-") {
      file_ = std::make_unique<std::ifstream>(input.path, std::ios::binary);
      if (!*file_) {
        file_.reset();
        bytes_done_ += input.size;
        return Refusal{input.path, "$",
                       absl::StrCat("cannot open: ", std::strerror(errno))};
      }
      stream = file_.get();
    }
    splitter_ = std::make_unique<JsonRecordSplitter>(*stream,
                                                     options_.max_record_bytes);
  }
}

std::variant<ReadRecord, Refusal> VerisRecordReader::Parse(
    SplitValue value) const {
  std::string locator = Locator(current_path_, value.index);
  if (!value.error.empty()) {
    return Refusal{std::move(locator), "$", std::move(value.error)};
  }
  nlohmann::json record;
  // nlohmann reports a syntax error (or a number out of range) only by
  // exception; it stops here.
  try {
    record = nlohmann::json::parse(value.compact);
  } catch (const nlohmann::json::exception& error) {
    return Refusal{std::move(locator), "$",
                   absl::StrCat("not JSON: ", ParseErrorReason(error.what()))};
  }
  if (!record.is_object()) {
    return Refusal{std::move(locator), "$",
                   absl::StrCat("not a JSON object but ", TypeName(record))};
  }
  return ReadRecord{std::move(locator), std::move(record),
                    std::move(value.compact)};
}

}  // namespace atlas::atlasctl::veris
