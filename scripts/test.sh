#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#
#   scripts/test.sh              all tests
#   scripts/test.sh -R Catalog   only tests matching a regex (ctest arguments)
#   scripts/test.sh --sanitize   all tests built with AddressSanitizer and
#                                UndefinedBehaviorSanitizer, in build-sanitize/
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build-sanitize}"
  export ATLAS_BUILD_DIR="${build_dir}"
  # -O1 (and -g1, added by CMake with the sanitizers): much faster to
  # compile than -O2 -g, with the line tables the reports need.
  export ATLAS_BUILD_TYPE=None
  export ATLAS_CMAKE_ARGS="-DATLAS_SANITIZE=address,undefined -DATLAS_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS=-O1 ${ATLAS_CMAKE_ARGS:-}"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
  export LSAN_OPTIONS="suppressions=${repo_root}/tests/sanitizers/lsan.supp:${LSAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
fi

"${repo_root}/scripts/setup.sh"
"${repo_root}/scripts/build.sh"

cd "${build_dir}"
# Two cores: two tests at a time. Each test is bounded by its own timeout.
ctest --output-on-failure --timeout 300 -j "${ATLAS_TEST_JOBS:-2}" "$@"
