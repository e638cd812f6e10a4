#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#
#   scripts/test.sh            all tests
#   scripts/test.sh -R Catalog only tests matching a regex (ctest arguments)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"

"${repo_root}/scripts/setup.sh"
"${repo_root}/scripts/build.sh"

cd "${build_dir}"
# Two cores: two tests at a time. Each test is bounded by its own timeout.
ctest --output-on-failure --timeout 300 -j "${ATLAS_TEST_JOBS:-2}" "$@"
