#include "common/logging/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace atlas::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::atomic<void (*)(absl::string_view)> g_sink{nullptr};

std::mutex& ProcessFieldsMutex() {
  static std::mutex mu;
  return mu;
}
std::vector<std::pair<std::string, std::string>>& ProcessFields() {
  static auto* fields = new std::vector<std::pair<std::string, std::string>>();
  return *fields;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

std::string JsonQuote(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

void SetMinLevel(Level level) { g_min_level = static_cast<int>(level); }

bool ParseLevel(absl::string_view name, Level* level) {
  for (Level l :
       {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    if (name == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void SetSinkForTesting(void (*sink)(absl::string_view line)) {
  g_sink.store(sink);
}

void SetProcessField(absl::string_view key, absl::string_view value) {
  std::lock_guard<std::mutex> lock(ProcessFieldsMutex());
  ProcessFields().emplace_back(std::string(key), std::string(value));
}

void Write(Level level, absl::string_view message,
           std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) {
    return;
  }
  std::string line = absl::StrCat(
      "{\"ts\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"msg\":", JsonQuote(message));
  {
    std::lock_guard<std::mutex> lock(ProcessFieldsMutex());
    for (const auto& [k, v] : ProcessFields()) {
      absl::StrAppend(&line, ",", JsonQuote(k), ":", JsonQuote(v));
    }
  }
  for (const Field& f : fields) {
    absl::StrAppend(&line, ",", JsonQuote(f.key), ":", JsonQuote(f.value));
  }
  if (auto* sink = g_sink.load(); sink != nullptr) {
    line += "}";
    sink(line);
    return;
  }
  line += "}\n";
  // One write(2) per line: atomic for lines up to PIPE_BUF on pipes, and
  // never interleaved by stdio buffering.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace atlas::log
