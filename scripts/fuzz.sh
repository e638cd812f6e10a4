#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang and runs each for a
# while against a copy of its corpus (tests/fuzz/README.md has the details).
#
#   scripts/fuzz.sh                    every target for 10 s (what CI runs)
#   scripts/fuzz.sh --seconds 60 url   only `url`, for a minute
#   scripts/fuzz.sh --long             every target for 300 s
#   scripts/fuzz.sh --long --update-corpus
#                                      ... and merge the inputs that add
#                                      coverage into tests/fuzz/corpus/<name>/
#   scripts/fuzz.sh --jobs 1           one target at a time (default: nproc)
#
# Targets (each <name>_fuzzer.cc states its contracts in its header comment):
#   page_token       decode never crashes; decode(encode(fp, c), fp) == c,
#                    refused for another query; page sizes in 1..1000
#   partial_date     ParsePartialDate accepts only what FormatPartialDate
#                    writes; a valid date's Interval has first <= last in its
#                    year; ValidatePartialDate/Interval on any ints: no UB
#   resource_name    ValidateId matches the id grammar; parsed names re-format
#                    to the input
#   validation       IsValidUtf8 agrees with a Table 3-7 reference; ValidateText,
#                    request ids, country shape, update masks
#   api_keys         key file + Authenticate on any header bytes; a file with
#                    sha256(key) authenticates exactly that key
#   url              Refang/Defang/HostOf/RegistrableDomain/NormalizeUrl: no
#                    crash; NormalizeUrl idempotent; domain is a host suffix
#   countries        the iso-codes JSON loader on any bytes
#   import_line      the JSON of `atlasctl import` lines: envelope, records,
#                    print/parse round trip
#   list_filter      ListOrganizations filter: rewritten filter re-parses to
#                    the same Canonical(); Matches a satisfying organisation
#   incident_filter  ListIncidents filter: Matches a satisfying incident
#   relative_date    "3 days ago", "last Monday": case/space insensitive,
#                    resolves on or before the anchor
#
# Prints `<name>: <executions> execs, <corpus size> inputs, 0 crashes` per
# target. Exits 1 on any crash, leak, timeout or out-of-memory, printing the
# reproducer, kept in build-fuzz/fuzz-artifacts/<name>/. To reproduce:
#   build-fuzz/tests/fuzz/<name>_fuzzer build-fuzz/fuzz-artifacts/<name>/crash-...
# (or copy the file into tests/fuzz/corpus/<name>/ and run scripts/test.sh -R
# <name>_replay: the gcc build replays every corpus file).
#
# Installs clang-14 and libclang-rt-14-dev with apt-get when missing (as
# scripts/setup.sh does for the rest). The build is in build-fuzz/ (or
# $ATLAS_FUZZ_BUILD_DIR) and builds only the fuzzers and their libraries.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_FUZZ_BUILD_DIR:-${repo_root}/build-fuzz}"
corpus_root="${repo_root}/tests/fuzz/corpus"

seconds=10
update_corpus=0
jobs="$(nproc)"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --long) seconds=300; shift ;;
    --update-corpus) update_corpus=1; shift ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

# Longest input each target is given: a bit more than any real value.
declare -A max_len=(
  [page_token]=512 [partial_date]=64 [resource_name]=256 [validation]=256
  [api_keys]=2048 [url]=1024 [countries]=4096 [import_line]=4096
  [list_filter]=512 [incident_filter]=512 [relative_date]=128
)
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "${corpus_root}"/*/; do targets+=("$(basename "${dir}")"); done
fi
for t in "${targets[@]}"; do
  if [ ! -d "${corpus_root}/${t}" ]; then
    echo "fuzz.sh: no target ${t} (no ${corpus_root}/${t})" >&2
    exit 2
  fi
done

# --- toolchain ---------------------------------------------------------------
"${repo_root}/scripts/setup.sh"
missing=()
for p in clang-14 libclang-rt-14-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz.sh: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- build -------------------------------------------------------------------
if [ ! -f "${build_dir}/build.ninja" ]; then
  cmake -S "${repo_root}" -B "${build_dir}" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DATLAS_FUZZ=ON -DATLAS_BUILD_BENCH=OFF
fi
cmake --build "${build_dir}" -j "$(nproc)" --target atlas_fuzzers

# --- run ---------------------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
artifacts="${build_dir}/fuzz-artifacts"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

# run_one <name>: fuzzes a copy of the corpus; writes <work>/<name>.result.
run_one() {
  local t="$1"
  local bin="${build_dir}/tests/fuzz/${t}_fuzzer"
  local corpus="${work}/${t}/corpus"
  mkdir -p "${corpus}" "${artifacts}/${t}"
  cp -r "${corpus_root}/${t}/." "${corpus}/"
  local rc=0
  # CI runs (CI=true) use a fixed seed, so that a short run explores the
  # same inputs every time and a red CI is reproducible; other runs take
  # a fresh seed to explore further (ATLAS_FUZZ_SEED overrides both).
  local seed="${ATLAS_FUZZ_SEED:-}"
  if [ -z "${seed}" ] && [ "${CI:-}" = "true" ]; then seed=1; fi
  "${bin}" "${corpus}" -max_total_time="${seconds}" ${seed:+-seed="${seed}"} \
    -max_len="${max_len[$t]:-1024}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="${artifacts}/${t}/" \
    >"${work}/${t}.log" 2>&1 || rc=$?
  local execs
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "${work}/${t}.log" |
           tail -1)"
  if [ "${rc}" -eq 0 ] && [ "${update_corpus}" -eq 1 ]; then
    # Adds to the repository's corpus only the inputs that add coverage.
    "${bin}" -merge=1 -max_len="${max_len[$t]:-1024}" \
      "${corpus_root}/${t}" "${corpus}" >>"${work}/${t}.log" 2>&1 || rc=$?
  fi
  local size
  size="$(find "${corpus}" -type f | wc -l)"
  echo "${rc} ${execs:-0} ${size}" >"${work}/${t}.result"
}

running=0
for t in "${targets[@]}"; do
  if [ "${running}" -ge "${jobs}" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "${t}" &
  running=$((running + 1))
done
wait

failed=0
for t in "${targets[@]}"; do
  read -r rc execs size <"${work}/${t}.result"
  if [ "${rc}" -eq 0 ]; then
    echo "${t}: ${execs} execs, ${size} inputs, 0 crashes"
    continue
  fi
  failed=1
  echo "${t}: CRASHED after ${execs} execs (exit ${rc}); log:"
  grep -v '^#\|^INFO\|^MERGE' "${work}/${t}.log" | tail -40 | sed 's/^/  /'
  for f in $(grep -o "Test unit written to .*" "${work}/${t}.log" |
             sed 's/Test unit written to //'); do
    echo "${t}: reproducer ${f}"
    echo "${t}: reproduce with ${build_dir}/tests/fuzz/${t}_fuzzer ${f}"
  done
done
if [ "${update_corpus}" -eq 1 ]; then
  echo "corpus: $(find "${corpus_root}" -type f | wc -l) files in" \
       "${corpus_root} (review and commit with git add tests/fuzz/corpus)"
fi
exit "${failed}"
