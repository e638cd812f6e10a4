#!/usr/bin/env bash
# Configures (once) and builds the project with Ninja into build/ (or
# $ATLAS_BUILD_DIR). Incremental: a second run rebuilds only what changed.
#
#   scripts/build.sh [ninja targets...]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"
build_type="${ATLAS_BUILD_TYPE:-RelWithDebInfo}"
jobs="${ATLAS_JOBS:-$(nproc)}"

if [ ! -f "${build_dir}/build.ninja" ]; then
  cmake -S "${repo_root}" -B "${build_dir}" -G Ninja \
    -DCMAKE_BUILD_TYPE="${build_type}" ${ATLAS_CMAKE_ARGS:-}
fi
cmake --build "${build_dir}" -j "${jobs}" ${1+--target "$@"}
