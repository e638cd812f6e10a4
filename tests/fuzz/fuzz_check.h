// Helpers shared by the fuzz targets (tests/fuzz/*_fuzzer.cc).
//
// FUZZ_CHECK(cond) states a contract of the parser under test. A broken
// contract prints the condition and aborts: libFuzzer saves the input as a
// crash, and the corpus replay test (replay_main.cc) fails naming the file.
#ifndef ATLAS_TESTS_FUZZ_FUZZ_CHECK_H_
#define ATLAS_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, \
                   #cond);                                                     \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

namespace atlas::fuzz {

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits `text` at the first '\n': (first line, rest). Without a newline
// the rest is empty. Targets that take two strings read them this way so
// that corpus files stay readable text.
inline std::pair<absl::string_view, absl::string_view> SplitFirstLine(
    absl::string_view text) {
  size_t nl = text.find('\n');
  if (nl == absl::string_view::npos) return {text, absl::string_view()};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

}  // namespace atlas::fuzz

#endif  // ATLAS_TESTS_FUZZ_FUZZ_CHECK_H_
