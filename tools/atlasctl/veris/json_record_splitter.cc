#include "tools/atlasctl/veris/json_record_splitter.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace atlas::atlasctl::veris {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;

bool IsJsonWhitespace(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char Opener(char closer) { return closer == '}' ? '{' : '['; }

}  // namespace

JsonRecordSplitter::JsonRecordSplitter(std::istream& in,
                                       size_t max_record_bytes)
    : in_(in), max_record_bytes_(max_record_bytes), buffer_(kBufferBytes) {}

int JsonRecordSplitter::Peek() {
  if (pos_ == end_) {
    if (!in_.good()) return -1;
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    end_ = static_cast<size_t>(in_.gcount());
    pos_ = 0;
    if (end_ == 0) return -1;
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int JsonRecordSplitter::Get() {
  int c = Peek();
  if (c >= 0) {
    ++pos_;
    ++consumed_;
  }
  return c;
}

int JsonRecordSplitter::SkipWhitespace() {
  int c = Peek();
  while (IsJsonWhitespace(c)) {
    Get();
    c = Peek();
  }
  return c;
}

SplitValue JsonRecordSplitter::Stop(int64_t index, std::string error) {
  mode_ = Mode::kDone;
  SplitValue value;
  value.index = index;
  value.error = std::move(error);
  return value;
}

SplitValue JsonRecordSplitter::ScanValue(int64_t index) {
  SplitValue value;
  value.index = index;
  std::string& out = value.compact;
  uint64_t raw = 0;
  bool oversized = false;
  // The open brackets, up to kMaxRecordDepth; deeper ones are only counted
  // (the value is refused anyway).
  std::string open;
  int depth = 0;
  bool too_deep = false;
  bool started = false;
  bool in_string = false;
  bool escaped = false;
  auto keep = [&](int c) {
    if (oversized) return;
    if (++raw > max_record_bytes_) {
      oversized = true;
      std::string().swap(out);
      return;
    }
    out.push_back(static_cast<char>(c));
  };
  for (;;) {
    int c = Peek();
    if (c < 0) {
      if (in_string || depth > 0) {
        return Stop(index,
                    "not JSON: the input ends inside the record (at byte " +
                        std::to_string(consumed_) + ")");
      }
      break;
    }
    if (in_string) {
      if (!escaped) {
        // Most of a record is string bytes: take the run up to the next
        // quote or backslash at once.
        const char* begin = buffer_.data() + pos_;
        const char* end = buffer_.data() + end_;
        const char* stop = begin;
        while (stop < end && *stop != '"' && *stop != '\\') ++stop;
        const size_t run = static_cast<size_t>(stop - begin);
        if (run > 0) {
          if (!oversized) {
            raw += run;
            if (raw > max_record_bytes_) {
              oversized = true;
              std::string().swap(out);
            } else {
              out.append(begin, run);
            }
          }
          pos_ += run;
          consumed_ += run;
          continue;
        }
      }
      Get();
      keep(c);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else {  // the closing quote
        in_string = false;
        if (depth == 0) break;
      }
      continue;
    }
    if (IsJsonWhitespace(c)) {
      // Whitespace ends a bare scalar; elsewhere it is dropped (but still
      // counts towards the size bound).
      if (depth == 0 && started) break;
      Get();
      if (!oversized && ++raw > max_record_bytes_) {
        oversized = true;
        std::string().swap(out);
      }
      continue;
    }
    if (depth == 0 && started && (c == ',' || c == ']' || c == '}')) break;
    Get();
    started = true;
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth <= kMaxRecordDepth) {
        open.push_back(static_cast<char>(c));
      } else {
        too_deep = true;
      }
    } else if (c == '}' || c == ']') {
      if (depth == 0) {
        return Stop(index, absl::StrCat("not JSON: unexpected '",
                                        std::string(1, static_cast<char>(c)),
                                        "' at byte ", consumed_));
      }
      if (depth <= kMaxRecordDepth) {
        if (open.back() != Opener(static_cast<char>(c))) {
          return Stop(
              index,
              absl::StrCat("not JSON: '", std::string(1, static_cast<char>(c)),
                           "' at byte ", consumed_, " closes '",
                           std::string(1, open.back()),
                           "' (the rest of the input was not read)"));
        }
        open.pop_back();
      }
      --depth;
      keep(c);
      if (depth == 0) break;
      continue;
    }
    keep(c);
  }
  if (oversized) {
    value.compact.clear();
    value.error = absl::StrCat("the record is larger than ", max_record_bytes_,
                               " bytes (the most a record may have)");
  } else if (too_deep) {
    value.compact.clear();
    value.error = absl::StrCat("the record nests deeper than ", kMaxRecordDepth,
                               " levels");
  }
  return value;
}

std::optional<SplitValue> JsonRecordSplitter::Next() {
  switch (mode_) {
    case Mode::kDone: {
      if (pending_error_.empty()) return std::nullopt;
      SplitValue value;
      value.error = std::move(pending_error_);
      pending_error_.clear();
      return value;
    }
    case Mode::kStart: {
      int c = SkipWhitespace();
      if (c < 0) return Stop(-1, "not JSON: the input is empty");
      if (c != '[') {
        mode_ = Mode::kSingle;
        SplitValue value = ScanValue(-1);
        if (mode_ == Mode::kDone) return value;
        mode_ = Mode::kDone;
        if (SkipWhitespace() >= 0) {
          return Stop(-1, absl::StrCat("not JSON: more text after the record "
                                       "(at byte ",
                                       consumed_, ")"));
        }
        return value;
      }
      Get();
      mode_ = Mode::kArray;
      int first = SkipWhitespace();
      if (first == ']') {
        Get();
        mode_ = Mode::kDone;
        if (SkipWhitespace() >= 0) {
          return Stop(-1, absl::StrCat("not JSON: more text after the array "
                                       "(at byte ",
                                       consumed_, ")"));
        }
        return std::nullopt;
      }
      break;
    }
    case Mode::kSingle:
      return std::nullopt;
    case Mode::kArray:
      break;
  }
  // In the array, before a value (after '[' or ',').
  int c = SkipWhitespace();
  if (c < 0) return Stop(-1, "not JSON: the array is not closed");
  if (c == ']') {
    return Stop(-1,
                absl::StrCat("not JSON: ']' after ',' at byte ", consumed_));
  }
  SplitValue value = ScanValue(next_index_++);
  if (mode_ == Mode::kDone) return value;
  c = SkipWhitespace();
  if (c == ',') {
    Get();
    return value;
  }
  if (c == ']') {
    Get();
    mode_ = Mode::kDone;
    if (SkipWhitespace() >= 0) {
      // The record stands; the text after the array is reported by the
      // next call.
      pending_error_ = absl::StrCat(
          "not JSON: more text after the array (at byte ", consumed_, ")");
    }
    return value;
  }
  mode_ = Mode::kDone;
  pending_error_ =
      c < 0 ? std::string("not JSON: the array is not closed")
            : absl::StrCat("not JSON: expected ',' or ']' after record #",
                           value.index, " (at byte ", consumed_,
                           "); the rest of the input was not read");
  return value;
}

}  // namespace atlas::atlasctl::veris
