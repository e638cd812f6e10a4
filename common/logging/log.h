// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T12:00:00.123Z","level":"info","msg":"serving",
//    "service":"catalog","port":"50051"}
// Thread-safe; each line is written with a single write so lines from
// different threads never interleave. Never log API keys or record bodies.
#ifndef ATLAS_COMMON_LOGGING_LOG_H_
#define ATLAS_COMMON_LOGGING_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace atlas::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// One key/value pair of a log line. Values are formatted with absl::StrCat,
// so numbers, strings and absl::Status-free types all work.
struct Field {
  template <typename T>
  Field(absl::string_view k, const T& v) : key(k), value(absl::StrCat(v)) {}
  Field(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  Field(absl::string_view k, const char* v) : key(k), value(v) {}
  Field(absl::string_view k, const std::string& v) : key(k), value(v) {}
  absl::string_view key;
  std::string value;
};

// Lines below this level are dropped. Default kInfo.
void SetMinLevel(Level level);

// "debug", "info", "warning" or "error" as a Level; false for anything
// else.
bool ParseLevel(absl::string_view name, Level* level);

// Test hook: every line goes to `sink` (without its newline) instead of
// stderr; null restores stderr. Not for production use.
void SetSinkForTesting(void (*sink)(absl::string_view line));

// Sets a field written on every line (e.g. "service"), once at start-up.
void SetProcessField(absl::string_view key, absl::string_view value);

void Write(Level level, absl::string_view message,
           std::initializer_list<Field> fields = {});

inline void Debug(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warning(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarning, m, f);
}
inline void Error(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// `s` as a JSON string literal, quotes included (exposed for tests).
std::string JsonQuote(absl::string_view s);

}  // namespace atlas::log

#endif  // ATLAS_COMMON_LOGGING_LOG_H_
