#!/usr/bin/env bash
# Configures (once) and builds the project with Ninja into build/ (or
# $ATLAS_BUILD_DIR). Incremental: a second run rebuilds only what changed.
#
#   scripts/build.sh [ninja targets...]
#   ATLAS_LEAN_BUILD=1 scripts/build.sh    (CI) -g1 and gold, see below
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"
build_type="${ATLAS_BUILD_TYPE:-RelWithDebInfo}"
jobs="${ATLAS_JOBS:-$(nproc)}"

# ATLAS_LEAN_BUILD=1 (what CI sets): line tables only (-g1) in
# RelWithDebInfo and the gold linker, for a faster first build.
lean=()
if [ "${ATLAS_LEAN_BUILD:-0}" = 1 ]; then
  lean=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
        -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold)
fi

if [ ! -f "${build_dir}/build.ninja" ]; then
  cmake -S "${repo_root}" -B "${build_dir}" -G Ninja \
    -DCMAKE_BUILD_TYPE="${build_type}" "${lean[@]}" ${ATLAS_CMAKE_ARGS:-}
fi
cmake --build "${build_dir}" -j "${jobs}" ${1+--target "$@"}
