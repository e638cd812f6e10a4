// Corpus replay: in a normal (gcc) build every fuzz target is linked with
// this file instead of libFuzzer and runs as a GoogleTest that feeds each
// file of tests/fuzz/corpus/<target>/ to LLVMFuzzerTestOneInput once. So
// every scripts/test.sh run checks that the committed corpus (including
// the reproducers of fixed bugs) still passes, without clang.
//
// ATLAS_FUZZ_CORPUS_DIR and ATLAS_FUZZ_TEST_SUITE are set per target by
// tests/fuzz/CMakeLists.txt.
// A contract failure aborts the process; the signal handler below names
// the input that was running so that it can be reproduced with
//   build/tests/fuzz/<target>_replay --gtest_filter=... (or the fuzzer).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The path of the input being replayed, for the crash handler.
char g_current[4096] = "";

void OnFatalSignal(int sig) {
  const char prefix[] = "\nfuzz replay: crashed on input ";
  (void)!write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  (void)!write(STDERR_FILENO, g_current, strlen(g_current));
  (void)!write(STDERR_FILENO, "\n", 1);
  signal(sig, SIG_DFL);
  raise(sig);
}

// The suite is named after the target (url_replay.EveryCorpusFilePasses) so
// that `ctest -R url_replay` selects it.
TEST(ATLAS_FUZZ_TEST_SUITE, EveryCorpusFilePasses) {
  namespace fs = std::filesystem;
  const fs::path dir(ATLAS_FUZZ_CORPUS_DIR);
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << dir << " holds no input";
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    signal(sig, OnFatalSignal);
  }
  for (const fs::path& file : files) {
    std::snprintf(g_current, sizeof(g_current), "%s", file.c_str());
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << file;
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    // Like libFuzzer, hand the target a buffer of exactly the input size.
    std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() + 1]);
    std::copy(bytes.begin(), bytes.end(), copy.get());
    EXPECT_EQ(LLVMFuzzerTestOneInput(copy.get(), bytes.size()), 0) << file;
  }
  g_current[0] = '\0';
  std::printf("replayed %zu inputs from %s\n", files.size(), dir.c_str());
}

}  // namespace
