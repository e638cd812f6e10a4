#!/usr/bin/env bash
# Crash-safety stress: the long form of tests/reliability/crash_safety_test.
# Kills incident-service and catalog-service with SIGKILL at random moments
# while writers hit both, restarts them, and verifies after every round
# (see tests/reliability/crash_harness.h). Prints one summary line and
# exits non-zero on any lost write, inconsistency or failed convergence.
#
#   scripts/stress.sh                 200 rounds per service
#   scripts/stress.sh --rounds 50 --seed 42 --writers 4 --max-write-ms 1500
#
# Builds the binaries and the test in ${ATLAS_BUILD_DIR:-build-rel} unless
# --no-build is given (then it must already be built there).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build-rel}"
rounds=200
writers=4
min_write_ms=200
max_write_ms=1500
seed="$(( $(date +%s) % 1000000007 ))"
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --writers) writers="$2"; shift 2 ;;
    --min-write-ms) min_write_ms="$2"; shift 2 ;;
    --max-write-ms) max_write_ms="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if [ "${build}" = 1 ]; then
  cmake -S "${repo_root}" -B "${build_dir}" -G Ninja >/dev/null
  ninja -C "${build_dir}" -j2 catalog-service incident-service crash_safety_test
fi

summary="$(mktemp)"
trap 'rm -f "${summary}"' EXIT
# A bound on the whole run: about 4 s per round is generous on two cores.
budget=$(( rounds * 2 * (4 + max_write_ms / 1000) + 60 ))
status=0
ATLAS_BINARY_DIR="${build_dir}" ATLAS_SOURCE_DIR="${repo_root}" \
ATLAS_CRASH_ROUNDS="${rounds}" ATLAS_CRASH_SEED="${seed}" \
ATLAS_CRASH_WRITERS="${writers}" ATLAS_CRASH_MIN_WRITE_MS="${min_write_ms}" \
ATLAS_CRASH_MAX_WRITE_MS="${max_write_ms}" ATLAS_CRASH_BUDGET_S="${budget}" \
ATLAS_CRASH_SUMMARY_FILE="${summary}" \
  timeout "$(( budget + 120 ))" \
  "${build_dir}/tests/reliability/crash_safety_test" \
  --gtest_filter='CrashSafetyTest.*' || status=$?

echo
if [ -s "${summary}" ]; then
  cat "${summary}"
else
  echo "crash-safety: no summary (the run did not finish); seed=${seed}"
  status=1
fi
if [ "${status}" -ne 0 ]; then
  echo "stress: FAILED (seed ${seed}; rerun with --seed ${seed})" >&2
fi
exit "${status}"
