#!/usr/bin/env bash
# The benchmark suite: one command, every figure of docs/benchmarks.md.
#
#   scripts/bench.sh            small = 10k incidents, large = 1M (the issue's sizes)
#   scripts/bench.sh --quick    small = 10k, large = 100k, shorter runs
#   options: --small N --large N --duration SECONDS --no-doc
#            --bulk-batch N (incidents per BatchCreateIncidents, default 500)
#            --bulk-inflight N (batches in flight, default 4)
#            --rounds N (empty / GetOrganization / GetIncident alternations
#            for the Get ratios, default 3)
#            --follower (catalog-service follows incident-service's change
#            stream, as deployed; off by default: after the in-process bulk
#            load it would replay every change with a synced write each
#            during the large-size measurements)
#            --only catalog-scale (only the in-process catalog figures of
#            bench/catalog_scale.cc: search latency at 10k and 1M
#            organisations, read-model apply rate for one organisation with
#            10k incidents; builds just that binary, starts no server,
#            leaves docs/benchmarks.md alone)
#            --only veris-import (only the VERIS import figures: records/s
#            and both services' peak RSS; leaves docs/benchmarks.md alone)
#            --veris-records N (VERIS records imported, default 100000)
#            --only backup (only the online backup and restore figures of
#            bench/backup_bench.cc at --backup-incidents N, default 100000;
#            1000000 is the issue's size: backup time and size, restore
#            time, restore to serving; leaves docs/benchmarks.md alone)
#            --prebuilt DIR (use the binaries already built in DIR, e.g. build/
#            (RelWithDebInfo, -O2), instead of building Release in build-bench/)
#            --veris-victims N (distinct names per sample victim; default 0:
#            a fresh victim for every record, as in the issue's figure)
#            --only search (only the full-text search figures of
#            bench/search_bench.cc at --search-incidents N, default 10000;
#            1000000 is the issue's size; docs/search.md)
#
# What it does: installs h2load (nghttp2-client) if missing, builds a
# Release tree in build-bench/, starts the empty baseline server,
# catalog-service and incident-service on free loopback ports with fresh
# temp data dirs and a temp key file, fills them with bench_datagen, runs
# every figure, prints each beside its goal and (unless --no-doc) rewrites
# the generated part of docs/benchmarks.md. Traffic goes to 127.0.0.1 only;
# it stops the processes it started (by PID) and removes its temp dir.
#
# Throughput figures are RATIOS measured in this run with the same load
# generator (h2load, pre-encoded gRPC frames from bench_load_client
# --mode=frame) and the same settings (H2_CLIENTS connections x H2_STREAMS
# streams) against the empty handler, because absolute numbers on a shared
# 2-core machine are noisy. h2load counts an HTTP 200 carrying a gRPC error
# as a success, so errors are excluded twice: the frame is first sent once
# through the generated stub and must answer OK, and after the run the DATA
# bytes h2load received must equal succeeded x the OK response's wire size
# (a gRPC error is a trailers-only response: no DATA). A run that fails the
# check is reported as an error, not as a figure.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${repo_root}/build-bench"
command_line="scripts/bench.sh $*"

small=10000
large=1000000
duration=10
write_doc=1
follow=0
bulk_batch=500
bulk_inflight=4
rounds=3
only=""
veris_records=100000
backup_incidents=100000
search_incidents=10000
veris_victims=0
prebuilt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) large=100000; duration=5 ;;
    --small) small="$2"; shift ;;
    --large) large="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --no-doc) write_doc=0 ;;
    --follower) follow=1 ;;
    --bulk-batch) bulk_batch="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --bulk-inflight) bulk_inflight="$2"; shift ;;
    --only) only="$2"; shift ;;
    --veris-records) veris_records="$2"; shift ;;
    --backup-incidents) backup_incidents="$2"; shift ;;
    --search-incidents) search_incidents="$2"; shift ;;
    --veris-victims) veris_victims="$2"; shift ;;
    --prebuilt) prebuilt="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
orgs=$(( large / 100 > 1000 ? large / 100 : 1000 ))
detail_incidents=$(( small < 2000 ? small : 2000 ))
h2_clients="${H2_CLIENTS:-2}"
h2_streams="${H2_STREAMS:-32}"
concurrency=$(( h2_clients * h2_streams ))
suite_start=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

case "${only}" in
  ""|catalog-scale|veris-import|backup|search) ;;
  *) echo "unknown --only ${only} (known: catalog-scale, veris-import, backup, search)" >&2; exit 2 ;;
esac

# --- tools and build ---------------------------------------------------------
if [ -z "${only}" ] && ! command -v h2load >/dev/null 2>&1; then
  log "installing nghttp2-client (h2load)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  ${sudo_cmd} apt-get install -y --no-install-recommends nghttp2-client >&2 ||
    { ${sudo_cmd} apt-get update >&2 &&
      ${sudo_cmd} apt-get install -y --no-install-recommends nghttp2-client >&2; }
fi
if [ -n "${prebuilt}" ]; then
  build_dir="$(cd "${prebuilt}" && pwd)"
  log "using the binaries built in ${build_dir}"
else
  log "building Release in ${build_dir}"
  cmake -S "${repo_root}" -B "${build_dir}" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DATLAS_BUILD_TESTS=OFF -DATLAS_BUILD_BENCH=ON >/dev/null
  if [ "${only}" = catalog-scale ]; then
    ninja -C "${build_dir}" -j2 bench_catalog_scale >/dev/null
  elif [ "${only}" = backup ]; then
    ninja -C "${build_dir}" -j2 bench_backup >/dev/null
  elif [ "${only}" = search ]; then
    ninja -C "${build_dir}" -j2 bench_search >/dev/null
  elif [ "${only}" = veris-import ]; then
    ninja -C "${build_dir}" -j2 catalog-service incident-service atlasctl >/dev/null
  else
    ninja -C "${build_dir}" -j2 catalog-service incident-service atlasctl \
      bench_empty_server bench_load_client bench_datagen bench_catalog_scale \
      >/dev/null
  fi
fi
build_done=$(date +%s)

catalog_bin="${build_dir}/catalog-service/catalog-service"
incident_bin="${build_dir}/incident-service/incident-service"
empty_bin="${build_dir}/bench/bench_empty_server"
client="${build_dir}/bench/bench_load_client"
atlasctl_bin="${build_dir}/tools/atlasctl/atlasctl"
veris_dir="${repo_root}/datasets/veris"
datagen="${build_dir}/bench/bench_datagen"
attack_dir="${repo_root}/incident-service/data/attack"
attack_tsv="${attack_dir}/enterprise-techniques.tsv"

# --- temp dir, keys, process control -------------------------------------------
work="$(mktemp -d /tmp/atlas-bench.XXXXXX)"
declare -A pids=()
cleanup() {
  for name in "${!pids[@]}"; do
    kill -TERM "${pids[$name]}" 2>/dev/null || true
  done
  for name in "${!pids[@]}"; do
    wait "${pids[$name]}" 2>/dev/null || true
  done
  rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

editor_key="bench-editor-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
member_key="bench-member-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
service_key="bench-service-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
digest() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
{
  echo "# bench keys (temporary)"
  echo "$(digest "${editor_key}") editor bench-editor"
  echo "$(digest "${member_key}") member bench-member"
  echo "$(digest "${service_key}") service bench-service"
} > "${work}/api-keys"
printf '%s\n' "${service_key}" > "${work}/service.key"

# start NAME BINARY ARGS...: starts in the background with a port file; sets
# start_ns (ns before the exec).
start() {
  local name="$1"; shift
  local listen="127.0.0.1:0" args=() a
  for a in "$@"; do
    case "$a" in
      --listen_override=*) listen="${a#--listen_override=}" ;;
      *) args+=("$a") ;;
    esac
  done
  rm -f "${work}/${name}.port"
  start_ns=$(date +%s%N)
  "${args[@]}" --listen="${listen}" --port_file="${work}/${name}.port" \
    2>>"${work}/${name}.log" &
  pids[$name]=$!
}
wait_port() {
  local name="$1" i
  for i in $(seq 1 3000); do
    if [ -s "${work}/${name}.port" ]; then cat "${work}/${name}.port"; return 0; fi
    if ! kill -0 "${pids[$name]}" 2>/dev/null; then break; fi
    sleep 0.01
  done
  log "${name} did not start; its log:"; tail -20 "${work}/${name}.log" >&2
  exit 1
}
stop() {
  local name="$1"
  kill -TERM "${pids[$name]}" 2>/dev/null || true
  wait "${pids[$name]}" 2>/dev/null || true
  unset "pids[$name]"
}
# wait_idle NAME...: waits (at most 90 s) until each process uses under 5%
# of a core over a second, so RocksDB's background compaction after a load
# does not run during the figures; records how long it took.
wait_idle() {
  local name t0 ticks before after waited
  t0=$(date +%s)
  for name in "$@"; do
    for _ in $(seq 1 90); do
      before=$(awk '{ print $14 + $15 }' "/proc/${pids[$name]}/stat")
      sleep 1
      after=$(awk '{ print $14 + $15 }' "/proc/${pids[$name]}/stat")
      ticks=$(( after - before ))
      [ "${ticks}" -lt 5 ] && break
    done
  done
  waited=$(( $(date +%s) - t0 ))
  detail "waited ${waited} s for $* to be idle (background compaction)"
}
rss_mb() {  # NAME FIELD(VmRSS|VmHWM)
  awk -v f="$2:" '$1 == f { printf "%.0f", $2 / 1024 }' "/proc/${pids[$1]}/status"
}
# catalog-service follows incident-service's change stream (as deployed),
# so incident-service's port must be known before either starts: take a free
# one now and keep it across the restart.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
incident_fixed_port="$(free_port)"
catalog_fixed_port="$(free_port)"
start_catalog() {
  local follow_args=()
  if [ "${follow}" = 1 ]; then
    follow_args=(--incident_address="127.0.0.1:${incident_fixed_port}"
                 --incident_api_key_file="${work}/service.key")
  fi
  start catalog "${catalog_bin}" --db_path="${work}/catalog-db" \
    --listen_override="127.0.0.1:${catalog_fixed_port}" \
    --api_keys_file="${work}/api-keys" "${follow_args[@]}"
}
start_incident() {
  start incident "${incident_bin}" --db_path="${work}/incident-db" \
    --listen_override="127.0.0.1:${incident_fixed_port}" \
    --api_keys_file="${work}/api-keys" \
    --catalog_address="127.0.0.1:${catalog_port}" \
    --catalog_api_key_file="${work}/service.key" --attack_dir="${attack_dir}" \
    --veris_dir="${repo_root}/datasets/veris"
}

# --- results -------------------------------------------------------------------
declare -a rows=()      # "figure|measured|goal|verdict"
declare -a details=()   # raw measurement lines
row() { rows+=("$1|$2|$3|$4"); printf '  %-62s %-28s goal %-14s %s\n' "$1" "$2" "$3" "$4" >&2; }
detail() { details+=("$1"); }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "0" }'; }
verdict_ge() { if ge "$1" "$2"; then echo met; else echo "MISSED"; fi; }
verdict_le() { if le "$1" "$2"; then echo met; else echo "MISSED"; fi; }

# --- catalog scale (in-process; issue 12 findings 7 and 8) ----------------------
# Runs bench/catalog_scale.cc: search latency at 10k and 1M organisations
# (median of the first page of 50, the worst query) and the read-model apply
# rate for one organisation with 10k incidents, WAL synced as the follower
# does (first and last thousand: linear when they are close; goal >= 5k
# changes/s). The unsynced rate (the read model's own cost) is in the
# details.
catalog_scale_figures() {
  local out line worst_s worst_l first last
  log "catalog scale: search at 10k and 1M organisations, read model at 10k incidents"
  out="$("${build_dir}/bench/bench_catalog_scale" --orgs_small=10000 \
    --orgs_large=1000000 --incidents=10000 --dir="${work}/catalog-scale")"
  while IFS= read -r line; do detail "${line}"; done <<<"${out}"
  worst() {  # ORGS: the largest page-1 median over the queries
    awk -v n="$1" '/catalog_scale search/ && $0 ~ "orgs=" n " " {
      for (i = 1; i <= NF; i++) if ($i ~ /^page1_median_ms=/) {
        split($i, a, "="); if (a[2] > m) m = a[2] } } END { printf "%.2f", m }' \
      <<<"${out}"
  }
  worst_s="$(worst 10000)"; worst_l="$(worst 1000000)"
  row "SearchOrganizations page of 50, worst query median, 10k orgs" \
    "${worst_s} ms" "<= 10 ms" "$(verdict_le "${worst_s}" 10)"
  row "SearchOrganizations page of 50, worst query median, 1M orgs" \
    "${worst_l} ms" "<= 10 ms" "$(verdict_le "${worst_l}" 10)"
  first="$(awk '/read_model sync=yes incidents=1\.\./ { split($NF, a, "="); print a[2] }' <<<"${out}")"
  last="$(awk '/read_model sync=yes incidents=/ { split($NF, a, "="); v = a[2] } END { print v }' <<<"${out}")"
  row "Read model, one org: changes/s, first 1k incidents" "${first}/s" \
    ">= 5000/s" "$(verdict_ge "${first:-0}" 5000)"
  row "Read model, one org: changes/s, last 1k of 10k incidents" "${last}/s" \
    ">= 5000/s" "$(verdict_ge "${last:-0}" 5000)"
  row "Read model linearity: last 1k rate / first 1k rate" \
    "$(ratio "${last:-0}" "${first:-0}")" ">= 0.8" \
    "$(verdict_ge "$(ratio "${last:-0}" "${first:-0}")" 0.8)"
}
if [ "${only}" = catalog-scale ]; then
  catalog_scale_figures
  printf '%s\n' "${details[@]}"
  exit 0
fi

# --- online backup and restore (issue 18 part 4) ---------------------------------
# bench/backup_bench.cc: ${backup_incidents} incidents loaded in-process,
# then `atlasctl admin backup` against a running incident-service (time,
# file size), the restore alone, and --restore_from to serving.
if [ "${only}" = backup ]; then
  log "backup: ${backup_incidents} incidents"
  (cd "${repo_root}" && "${build_dir}/bench/bench_backup" \
     --incidents="${backup_incidents}" --dir="${work}")
  rm -rf "${work}"
  exit 0
fi

# --- full-text search (issue 16) ---------------------------------------------------
# bench/search_bench.cc, in-process: create rate without and with the live
# indexer, the index rebuilt from ${search_incidents} incidents (rate, size),
# and search p50/p99 at 16 in flight per kind of query. Goals: build
# >= 5,000 incidents/s, create rate ratio >= 0.90, p99 < 50 ms at 1M.
if [ "${only}" = search ]; then
  log "search: ${search_incidents} incidents"
  (cd "${repo_root}" && "${build_dir}/bench/bench_search" \
     --incidents="${search_incidents}" --dir="${work}/search")
  rm -rf "${work}"
  exit 0
fi

# --- VERIS import (issue 13) -----------------------------------------------------
# ${veris_records} VERIS records (bench/veris_records.py: the 40 records of
# datasets/vcdb-sample in turn, each copy with a fresh incident_id and fresh
# victim names, as one joined JSON array) imported by `atlasctl import
# --format=veris` into a catalog-service and an incident-service started
# fresh for it (empty databases): records/s over the whole atlasctl run
# (reading, validating, mapping, victims, batches, sources), the peak RSS
# (VmHWM) of both services, and the CPU seconds each of the three processes
# spent, which says where the time goes. The generator runs before the
# clock starts.
veris_import_figures() {
  local records="${work}/veris-records.json" hz t0 t1 secs rate summary
  local cat0 inc0 cat_cpu inc_cpu cli_cpu imported refused
  log "VERIS import: generating ${veris_records} records (victims: ${veris_victims:-fresh})"
  python3 "${repo_root}/bench/veris_records.py" \
    --sample="${repo_root}/datasets/vcdb-sample" --count="${veris_records}" \
    --victims="${veris_victims}" > "${records}"
  detail "VERIS records file: $(du -m "${records}" | cut -f1) MB"
  start vcatalog "${catalog_bin}" --db_path="${work}/veris-catalog-db" \
    --api_keys_file="${work}/api-keys"
  local vcatalog_port; vcatalog_port="$(wait_port vcatalog)"
  start vincident "${incident_bin}" --db_path="${work}/veris-incident-db" \
    --api_keys_file="${work}/api-keys" \
    --catalog_address="127.0.0.1:${vcatalog_port}" \
    --catalog_api_key_file="${work}/service.key" --attack_dir="${attack_dir}" \
    --veris_dir="${veris_dir}"
  local vincident_port; vincident_port="$(wait_port vincident)"
  sleep 1
  hz="$(getconf CLK_TCK)"
  cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${pids[$1]}/stat"; }
  cat0="$(cpu_ticks vcatalog)"; inc0="$(cpu_ticks vincident)"
  log "VERIS import: atlasctl import --format=veris (${veris_records} records)"
  t0=$(date +%s%N)
  # bash's `time` gives atlasctl's own CPU seconds (user + sys).
  local TIMEFORMAT='%U %S'
  { time "${atlasctl_bin}" --catalog="127.0.0.1:${vcatalog_port}" \
      --incidents="127.0.0.1:${vincident_port}" --key="${editor_key}" \
      import --format=veris --veris_dir="${veris_dir}" "${records}" \
      2>"${work}/veris-import.log" ; } 2>"${work}/veris-import.time" || true
  t1=$(date +%s%N)
  cat_cpu="$(awk -v a="$(cpu_ticks vcatalog)" -v b="${cat0}" -v hz="${hz}" 'BEGIN { printf "%.1f", (a - b) / hz }')"
  inc_cpu="$(awk -v a="$(cpu_ticks vincident)" -v b="${inc0}" -v hz="${hz}" 'BEGIN { printf "%.1f", (a - b) / hz }')"
  cli_cpu="$(awk '{ printf "%.1f", $1 + $2 }' "${work}/veris-import.time")"
  secs="$(awk -v a="${t0}" -v b="${t1}" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
  summary="$(grep -E '^imported [0-9]+, unchanged' "${work}/veris-import.log" | tail -1)"
  imported="$(sed -n 's/^imported \([0-9]*\),.*/\1/p' <<<"${summary}")"
  refused="$(sed -n 's/.*refused \([0-9]*\)$/\1/p' <<<"${summary}")"
  rate="$(awk -v n="${imported:-0}" -v s="${secs}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')"
  local vcat_hwm vinc_hwm
  vcat_hwm="$(rss_mb vcatalog VmHWM)"; vinc_hwm="$(rss_mb vincident VmHWM)"
  detail "VERIS import: ${summary:-no summary line} in ${secs} s; CPU seconds: atlasctl ${cli_cpu}, catalog ${cat_cpu}, incident ${inc_cpu} (wall ${secs}, $(nproc) CPUs)"
  detail "VERIS import: last progress line: $(grep '^progress:' "${work}/veris-import.log" | tail -1)"
  while IFS= read -r l; do detail "VERIS import refusal: ${l}"; done \
    < <(grep -v -E '^(progress:|imported [0-9]+, unchanged)' "${work}/veris-import.log" | head -5)
  detail "VERIS import databases: catalog $(du -sm "${work}/veris-catalog-db" | cut -f1) MB, incident $(du -sm "${work}/veris-incident-db" | cut -f1) MB"
  if [ -n "${summary}" ] && [ "${refused:-1}" -eq 0 ]; then
    row "VERIS import of ${veris_records} records (atlasctl, fresh services, fresh victims)" \
      "${rate} records/s (${imported} in ${secs} s)" ">= 5000/s" "$(verdict_ge "${rate}" 5000)"
  else
    row "VERIS import of ${veris_records} records" \
      "n/a: ${summary:-atlasctl failed} (see details)" ">= 5000/s" "n/a"
  fi
  row "RSS peak during the VERIS import: catalog / incident" \
    "${vcat_hwm} / ${vinc_hwm} MB" "< 512 MB" \
    "$(verdict_le "$(( vcat_hwm > vinc_hwm ? vcat_hwm : vinc_hwm ))" 512)"
  stop vincident
  stop vcatalog
  rm -f "${records}"
}
if [ "${only}" = veris-import ]; then
  veris_import_figures
  printf '%s\n' "${details[@]}"
  exit 0
fi

# frame NAME PORT RPC [load_client flags...]: writes ${work}/NAME.frame and
# sets frame_wire (OK response size on the wire) and frame_status (gRPC code;
# 0 is OK).
frame() {
  local name="$1" port="$2" rpc="$3"; shift 3
  local out
  out="$("${client}" --mode=frame --target="127.0.0.1:${port}" --rpc="${rpc}" \
    --frame_out="${work}/${name}.frame" --orgs="${orgs}" \
    --attack_tsv="${attack_tsv}" "$@" || true)"
  detail "frame ${name}: ${out}"
  frame_status="$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"${out}")"
  frame_wire="$(sed -n 's/.*response_wire_bytes=\([0-9]*\).*/\1/p' <<<"${out}")"
  frame_message="$(sed -n 's/.*message="\(.*\)".*/\1/p' <<<"${out}")"
  [ -n "${frame_status}" ] || frame_status=2
}

# h2 NAME PORT PATH [extra h2load args]: h2load with ${work}/NAME.frame; sets
# h2_rps (0 when the error check fails) and h2_note.
h2() {
  local name="$1" port="$2" path="$3"; shift 3
  local out
  # Warm-up as a separate run: with --warm-up-time, h2load's DATA byte count
  # includes the warm-up responses and the error check below cannot work.
  h2load -t 1 -c "${h2_clients}" -m "${h2_streams}" -D 1 \
    --data="${work}/${name}.frame" \
    -H 'content-type: application/grpc' -H 'te: trailers' "$@" \
    "http://127.0.0.1:${port}${path}" >/dev/null 2>&1 || true
  out="$(h2load -t 1 -c "${h2_clients}" -m "${h2_streams}" -D "${duration}" \
    --data="${work}/${name}.frame" \
    -H 'content-type: application/grpc' -H 'te: trailers' "$@" \
    "http://127.0.0.1:${port}${path}" 2>&1 || true)"
  local rps succeeded failed data
  rps="$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' <<<"${out}")"
  succeeded="$(awk '/^requests:/ { print $8 }' <<<"${out}")"
  failed="$(awk '/^requests:/ { print $10 + $12 + $14 }' <<<"${out}")"
  data="$(awk '/^traffic:/ { for (i = 1; i <= NF; i++) if ($i == "data") {
             v = $(i - 1); gsub(/[()]/, "", v); print v } }' <<<"${out}")"
  rps="${rps:-0}"; succeeded="${succeeded:-0}"; failed="${failed:-0}"; data="${data:-0}"
  local expected=$(( succeeded * frame_wire ))
  local slack=$(( succeeded * h2_slack ))
  h2_note="h2load ${name}: ${rps} req/s, ${succeeded} succeeded, ${failed} failed/errored/timeout, ${data} DATA bytes (expected ${expected} = ${succeeded} x ${frame_wire}, +/- ${slack})"
  detail "${h2_note}"
  if [ "${succeeded}" -eq 0 ] || [ "${failed}" -ne 0 ] ||
     [ "${data}" -lt $(( expected - slack )) ] || [ "${data}" -gt $(( expected + slack )) ]; then
    log "h2load ${name}: error check failed"
    detail "$(grep -E 'requests:|status codes:|traffic:' <<<"${out}" | tr '\n' ' ')"
    h2_rps=0
  else
    h2_rps="$(printf '%.0f' "${rps}")"
  fi
}

# Bytes a response may differ from the frame's OK response (0: identical
# responses). CreateIncident answers differ in their timestamps' nanos
# varints (4 or 5 bytes, twice), so its check allows 2 bytes per response:
# an error (0 DATA bytes instead of ~${frame_wire}) still shows unless
# errors are under 2/${frame_wire} of the calls; the C++ client's run of the
# same load counts its errors exactly.
h2_slack=0
# measure NAME PORT RPC PATH [frame flags...] -- [h2load args...]: frame then
# h2load; sets m_rps or m_na (reason) when the RPC does not answer OK.
measure() {
  local name="$1" port="$2" rpc="$3" path="$4"; shift 4
  local fargs=() hargs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do fargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  hargs=("$@")
  m_na=""; m_rps=0
  frame "${name}" "${port}" "${rpc}" ${fargs[@]+"${fargs[@]}"}
  if [ "${frame_status}" != 0 ]; then
    m_na="n/a: ${rpc} answers code ${frame_status} (${frame_message})"
    log "${m_na}"
    return
  fi
  h2 "${name}" "${port}" "${path}" ${hargs[@]+"${hargs[@]}"}
  m_rps="${h2_rps}"
  [ "${m_rps}" != 0 ] || m_na="n/a: h2load error check failed (see details)"
}

# --- start ----------------------------------------------------------------------
log "temp dir ${work}; small=${small} large=${large} orgs=${orgs} h2load -c ${h2_clients} -m ${h2_streams} -D ${duration}s"
start empty "${empty_bin}"
empty_port="$(wait_port empty)"
start_catalog
catalog_port="$(wait_port catalog)"
start_incident
incident_port="$(wait_port incident)"
sleep 1
catalog_idle_rss="$(rss_mb catalog VmRSS)"
incident_idle_rss="$(rss_mb incident VmRSS)"
detail "idle RSS: catalog ${catalog_idle_rss} MB, incident ${incident_idle_rss} MB"

empty_path=/atlas.bench.v1.EmptyService/Ping
inc_svc=/atlas.incident.v1.IncidentService
cat_svc=/atlas.catalog.v1.CatalogService

# --- data: organisations and the small set ---------------------------------------
log "datagen: ${orgs} organisations, ${small} incidents, details for ${detail_incidents}"
gen_small="$("${datagen}" --catalog="127.0.0.1:${catalog_port}" \
  --incident="127.0.0.1:${incident_port}" --api_key="${editor_key}" \
  --orgs="${orgs}" --incidents="${small}" --detail_incidents="${detail_incidents}" \
  --attack_tsv="${attack_tsv}" || true)"
printf '%s\n' "${gen_small}" >&2
while read -r l; do [ -n "$l" ] && detail "datagen: $l"; done <<<"${gen_small}"
small_secs="$(sed -n 's/^phase=incidents .*seconds=\([0-9.]*\).*/\1/p' <<<"${gen_small}")"

# --- ratios against the empty handler, at the small size -----------------------------
# The Get ratios alternate with the empty handler, E G_org G_inc E G_org
# G_inc ... E (${rounds} rounds): each Get run is divided by the mean of
# the empty runs just before and after it, and the figure is the median of
# the rounds, so a drift of the shared machine's speed during the suite
# does not land on one side of the ratio.
declare -a empty_runs=() org_runs=() inc_runs=()
org_na=""; inc_na=""
wait_idle catalog incident
log "h2load: empty handler"
measure empty "${empty_port}" ping "${empty_path}"
empty_runs+=("${m_rps}")
for round in $(seq 1 "${rounds}"); do
  log "h2load: GetOrganization (public), round ${round}/${rounds}"
  measure get_org "${catalog_port}" get_organization "${cat_svc}/GetOrganization"
  org_runs+=("${m_rps}"); [ -z "${m_na}" ] || org_na="${m_na}"
  log "h2load: GetIncident (public), round ${round}/${rounds}"
  measure get_inc "${incident_port}" get_incident "${inc_svc}/GetIncident"
  inc_runs+=("${m_rps}"); [ -z "${m_na}" ] || inc_na="${m_na}"
  log "h2load: empty handler"
  measure empty "${empty_port}" ping "${empty_path}"
  empty_runs+=("${m_rps}")
done
# round_ratios RUNS...: per-round ratios against the adjacent empty runs.
round_ratios() {
  local i=0 r
  for r in "$@"; do
    awk -v x="${r}" -v a="${empty_runs[$i]}" -v b="${empty_runs[$((i + 1))]}" \
      'BEGIN { m = (a + b) / 2; if (m > 0) printf "%.3f\n", x / m; else print 0 }'
    i=$((i + 1))
  done
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
org_ratios="$(round_ratios "${org_runs[@]}" | tr '\n' ' ')"
inc_ratios="$(round_ratios "${inc_runs[@]}" | tr '\n' ' ')"
get_org_ratio="$(tr ' ' '\n' <<<"${org_ratios}" | grep . | median)"
get_inc_ratio="$(tr ' ' '\n' <<<"${inc_ratios}" | grep . | median)"
get_org_rps="$(printf '%s\n' "${org_runs[@]}" | median)"
get_inc_rps="$(printf '%s\n' "${inc_runs[@]}" | median)"
empty_rps="$(printf '%s\n' "${empty_runs[@]}" | median | awk '{ printf "%.0f", $1 }')"
detail "empty handler runs: ${empty_runs[*]} req/s (median ${empty_rps})"
detail "GetOrganization runs: ${org_runs[*]} req/s; ratios per round ${org_ratios}(median ${get_org_ratio})"
detail "GetIncident runs: ${inc_runs[*]} req/s; ratios per round ${inc_ratios}(median ${get_inc_ratio})"
log "h2load: ListIncidents at ${small}"
measure list_small "${incident_port}" list_incidents "${inc_svc}/ListIncidents"
list_small_rps="${m_rps}"; list_small_na="${m_na}"
log "h2load: CreateIncident (editor, synced WAL, catalog check), ${concurrency} streams"
h2_slack=2
measure create "${incident_port}" create_incident "${inc_svc}/CreateIncident" \
  --api_key="${editor_key}" -- -H "authorization: Bearer ${editor_key}"
h2_slack=0
create_rps="${m_rps}"; create_na="${m_na}"
log "h2load: empty handler again"
measure empty "${empty_port}" ping "${empty_path}"
# CreateIncident against the empty runs just before ListIncidents and after
# it.
create_empty=$(( (empty_runs[${#empty_runs[@]} - 1] + m_rps) / 2 ))
detail "empty handler around CreateIncident: ${empty_runs[${#empty_runs[@]} - 1]} and ${m_rps} req/s, mean ${create_empty}"

log "change stream: replay of the changelog"
watch_out="$("${client}" --mode=watch --target="127.0.0.1:${incident_port}" \
  --api_key="${member_key}" --max_calls="${small}" --duration=60s --label=watch || true)"
detail "watch: ${watch_out}"
log "C++ client: CreateIncident latency, ${concurrency} in flight"
create_cpp="$("${client}" --mode=closed --rpc=create_incident \
  --target="127.0.0.1:${incident_port}" --api_key="${editor_key}" \
  --concurrency="${concurrency}" --duration="${duration}s" --orgs="${orgs}" \
  --attack_tsv="${attack_tsv}" --label=create_cpp || true)"
detail "C++ client: ${create_cpp}"

# --- bulk load to the large size -------------------------------------------------------
# Through the public API: BatchCreateIncidents of ${bulk_batch} incidents,
# ${bulk_inflight} calls in flight (each batch one catalog check, one
# write, one synced WAL). Then incident-service is stopped (SIGTERM: drain,
# flush) and started again for the start-to-SERVING figure.
log "datagen: BatchCreateIncidents x ${bulk_batch}, incidents ${small}..${large}"
gen_large="$("${datagen}" --catalog="127.0.0.1:${catalog_port}" \
  --incident="127.0.0.1:${incident_port}" --api_key="${editor_key}" \
  --orgs="${orgs}" --org_start="${orgs}" --incident_start="${small}" \
  --incidents="${large}" --batch="${bulk_batch}" \
  --batch_concurrency="${bulk_inflight}" --incident_time_limit=600s \
  --attack_tsv="${attack_tsv}" || true)"
printf '%s\n' "${gen_large}" >&2
while read -r l; do [ -n "$l" ] && detail "datagen: $l"; done <<<"${gen_large}"
bulk_secs="$(sed -n 's/^phase=incidents .*seconds=\([0-9.]*\).*/\1/p' <<<"${gen_large}")"
bulk_count="$(sed -n 's/^phase=incidents count=\([0-9]*\).*/\1/p' <<<"${gen_large}")"
bulk_errors="$(sed -n 's/^phase=incidents .*errors=\([0-9]*\).*/\1/p' <<<"${gen_large}")"
bulk_rate="$(awk -v n="${bulk_count:-0}" -v s="${bulk_secs:-0}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')"
catalog_bulk_rss="$(rss_mb catalog VmRSS)"; incident_bulk_rss="$(rss_mb incident VmRSS)"
incident_bulk_hwm="$(rss_mb incident VmHWM)"
detail "RSS after the bulk load ($(( small + ${bulk_count:-0} )) incidents): catalog ${catalog_bulk_rss} MB, incident ${incident_bulk_rss} MB (peak ${incident_bulk_hwm})"

log "stop incident-service (SIGTERM)"
stop incident

log "start incident-service on the ${large}-incident database (after the bulk load)"
start_incident
serving_after_load="$("${client}" --mode=wait_serving --target="127.0.0.1:${incident_fixed_port}" \
  --health_service=atlas.incident.v1.IncidentService --since_ns="${start_ns}" --duration=60s || true)"
incident_port="$(wait_port incident)"
serving_after_load_ms="$(sed -n 's/serving_ms=//p' <<<"${serving_after_load}")"
sleep 1
incident_large_idle_rss="$(rss_mb incident VmRSS)"
detail "start to SERVING right after the bulk load: ${serving_after_load_ms} ms; idle RSS at ${large}: ${incident_large_idle_rss} MB"

wait_idle incident
log "h2load: ListIncidents at ${large}"
measure list_large "${incident_port}" list_incidents "${inc_svc}/ListIncidents"
list_large_rps="${m_rps}"; list_large_na="${m_na}"
log "h2load: GetIncident at ${large}"
measure get_inc_large "${incident_port}" get_incident "${inc_svc}/GetIncident"
get_inc_large_rps="${m_rps}"
log "h2load: empty handler (third run)"
measure empty "${empty_port}" ping "${empty_path}"
empty_rps_3="${m_rps}"
detail "empty handler at the large phase: ${empty_rps_3} req/s"

log "C++ client: GetIncident max throughput, then open loop at half of it"
get_max="$("${client}" --mode=closed --rpc=get_incident \
  --target="127.0.0.1:${incident_port}" --records="${large}" \
  --concurrency="${concurrency}" --duration="${duration}s" --label=get_max || true)"
detail "C++ client: ${get_max}"
get_max_qps="$(sed -n 's/.* qps=\([0-9]*\).*/\1/p' <<<"${get_max}")"
half=$(( ${get_max_qps:-2} / 2 ))
get_half="$("${client}" --mode=open --rpc=get_incident --rate="${half}" \
  --target="127.0.0.1:${incident_port}" --records="${large}" \
  --duration="${duration}s" --label=get_half || true)"
detail "C++ client: ${get_half}"
p50="$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"${get_half}")"
p99="$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"${get_half}")"
half_errors="$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"${get_half}")"

catalog_large_rss="$(rss_mb catalog VmRSS)"; catalog_large_hwm="$(rss_mb catalog VmHWM)"
incident_large_rss="$(rss_mb incident VmRSS)"; incident_large_hwm="$(rss_mb incident VmHWM)"
detail "RSS at ${large} after the reads: catalog ${catalog_large_rss} MB (peak ${catalog_large_hwm}), incident ${incident_large_rss} MB (peak ${incident_large_hwm})"

# --- clean restart on the large database ----------------------------------------------
log "clean restart of both services on the ${large}-incident databases"
stop incident
stop catalog
start_catalog
catalog_serving="$("${client}" --mode=wait_serving --target="127.0.0.1:${catalog_fixed_port}" \
  --health_service=atlas.catalog.v1.CatalogService --since_ns="${start_ns}" --duration=60s || true)"
catalog_port="$(wait_port catalog)"
start_incident
incident_serving="$("${client}" --mode=wait_serving --target="127.0.0.1:${incident_fixed_port}" \
  --health_service=atlas.incident.v1.IncidentService --since_ns="${start_ns}" --duration=60s || true)"
incident_port="$(wait_port incident)"
catalog_serving_ms="$(sed -n 's/serving_ms=//p' <<<"${catalog_serving}")"
incident_serving_ms="$(sed -n 's/serving_ms=//p' <<<"${incident_serving}")"
sleep 1
catalog_reopen_rss="$(rss_mb catalog VmRSS)"
incident_reopen_rss="$(rss_mb incident VmRSS)"
detail "clean restart to SERVING at ${large}: catalog ${catalog_serving_ms} ms, incident ${incident_serving_ms} ms; RSS after it: catalog ${catalog_reopen_rss} MB, incident ${incident_reopen_rss} MB"
detail "database size: catalog $(du -sm "${work}/catalog-db" | cut -f1) MB, incident $(du -sm "${work}/incident-db" | cut -f1) MB; incident WAL files: $(ls "${work}/incident-db"/*.log 2>/dev/null | wc -l), $(du -cm "${work}/incident-db"/*.log 2>/dev/null | tail -1 | cut -f1) MB"

# The VERIS import runs on services of its own; the others are done.
stop incident
stop catalog
declare -a veris_rows=()
saved_rows=("${rows[@]}")
rows=()
veris_import_figures
veris_rows=("${rows[@]}")
rows=("${saved_rows[@]}")

# --- the table -------------------------------------------------------------------
fig() {  # NAME RPS NA GOAL BASELINE
  local name="$1" rps="$2" na="$3" goal="$4" base="$5"
  if [ -n "${na}" ]; then row "${name}" "${na}" ">= ${goal}" "n/a"; return; fi
  local r; r="$(ratio "${rps}" "${base}")"
  row "${name}" "${r} (${rps} / ${base} req/s)" ">= ${goal}" "$(verdict_ge "${r}" "${goal}")"
}
# round_fig NAME RATIO RATIOS NA GOAL: a median of per-round ratios.
round_fig() {
  local name="$1" r="$2" all="$3" na="$4" goal="$5"
  if [ -n "${na}" ]; then row "${name}" "${na}" ">= ${goal}" "n/a"; return; fi
  row "${name}" "$(printf '%.2f' "${r}") (median of ${rounds} rounds: ${all% })" ">= ${goal}" "$(verdict_ge "${r}" "${goal}")"
}
echo >&2
log "results"
row "Empty handler (h2load, median of $(( rounds + 1 )) runs)" "${empty_rps} req/s" "-" "-"
round_fig "GetOrganization, public, vs empty handler" "${get_org_ratio}" "${org_ratios}" "${org_na}" 0.85
round_fig "GetIncident, public, vs empty handler" "${get_inc_ratio}" "${inc_ratios}" "${inc_na}" 0.85
if [ -n "${list_small_na}" ] || [ -n "${list_large_na}" ]; then
  row "ListIncidents page 50, ${large} vs ${small} incidents" "${list_small_na:-${list_large_na}}" ">= 0.8" "n/a"
else
  r="$(ratio "${list_large_rps}" "${list_small_rps}")"
  row "ListIncidents page 50, ${large} vs ${small} incidents" "${r} (${list_large_rps} / ${list_small_rps} req/s)" ">= 0.8" "$(verdict_ge "${r}" 0.8)"
fi
fig "CreateIncident, synced WAL + catalog check, ${concurrency} streams" "${create_rps}" "${create_na}" 0.2 "${create_empty}"
if [ "${bulk_rate}" -gt 0 ] && [ "${bulk_errors:-1}" -eq 0 ]; then
  bulk_1m="$(awk -v r="${bulk_rate}" 'BEGIN { printf "%.0f", 1000000 / r }')"
  row "Bulk load via BatchCreateIncidents (x${bulk_batch}, ${bulk_inflight} in flight, synced WAL + catalog check)" "${bulk_rate} incidents/s (${bulk_count} in ${bulk_secs} s); 1M: ~${bulk_1m} s" "1M < 300 s" "$(verdict_le "${bulk_1m}" 300)"
else
  row "Bulk load via BatchCreateIncidents" "n/a: datagen failed (see details)" "1M < 300 s" "n/a"
fi
row "RSS during the bulk load to ${large}: incident (peak)" "${incident_bulk_rss} MB (${incident_bulk_hwm})" "< 512 MB" "$(verdict_le "${incident_bulk_hwm:-9999}" 512)"
row "RSS idle: catalog / incident" "${catalog_idle_rss} / ${incident_idle_rss} MB" "< 512 MB" "$(verdict_le "$(( catalog_idle_rss > incident_idle_rss ? catalog_idle_rss : incident_idle_rss ))" 512)"
row "RSS idle at ${large} (incident, after the bulk load)" "${incident_large_idle_rss} MB" "< 512 MB" "$(verdict_le "${incident_large_idle_rss:-9999}" 512)"
mx=$(( catalog_large_hwm > incident_large_hwm ? catalog_large_hwm : incident_large_hwm ))
row "RSS at ${large} after the reads: catalog / incident (peak)" "${catalog_large_rss} / ${incident_large_rss} MB (${catalog_large_hwm} / ${incident_large_hwm})" "< 512 MB" "$(verdict_le "${mx}" 512)"
row "RSS at ${large} after a clean restart: catalog / incident" "${catalog_reopen_rss} / ${incident_reopen_rss} MB" "< 512 MB" "$(verdict_le "$(( catalog_reopen_rss > incident_reopen_rss ? catalog_reopen_rss : incident_reopen_rss ))" 512)"
if [[ "${serving_after_load_ms}" =~ ^[0-9.]+$ ]]; then
  row "Start to SERVING at ${large}, incident, right after the bulk load" "${serving_after_load_ms} ms" "< 2000 ms" "$(verdict_le "${serving_after_load_ms}" 2000)"
else
  row "Start to SERVING at ${large}, incident, right after the bulk load" "${serving_after_load_ms:-?}" "< 2000 ms" "MISSED"
fi
if [[ "${catalog_serving_ms}" =~ ^[0-9.]+$ ]] && [[ "${incident_serving_ms}" =~ ^[0-9.]+$ ]]; then
  mxs="$(awk -v a="${catalog_serving_ms}" -v b="${incident_serving_ms}" 'BEGIN { print (a > b ? a : b) }')"
  row "Start to SERVING at ${large}, clean restart: catalog / incident" "${catalog_serving_ms} / ${incident_serving_ms} ms" "< 2000 ms" "$(verdict_le "${mxs}" 2000)"
else
  row "Start to SERVING at ${large}, clean restart: catalog / incident" "${catalog_serving_ms:-?} / ${incident_serving_ms:-?}" "< 2000 ms" "MISSED"
fi
if [ -n "${p50}" ]; then
  row "GetIncident latency at half max (${half} of ${get_max_qps} req/s, open loop), ${large}" "p50 ${p50} us, p99 ${p99} us (${half_errors} errors)" "report" "-"
else
  row "GetIncident latency at half max" "n/a: load client failed (see details)" "report" "-"
fi
if [ -n "${inc_na}" ]; then :; else
  row "GetIncident at ${large} vs the empty handler run right after it (extra)" "$(ratio "${get_inc_large_rps}" "${empty_rps_3}") (${get_inc_large_rps} / ${empty_rps_3} req/s)" "-" "-"
fi
changes="$(sed -n 's/.* changes_per_s=\([0-9]*\).*/\1/p' <<<"${watch_out}")"
row "WatchIncidentChanges replay (extra)" "${changes:-n/a} changes/s" "-" "-"
catalog_scale_figures
rows+=("${veris_rows[@]}")
suite_secs=$(( $(date +%s) - suite_start ))
row "Whole suite (incl. build $(( build_done - suite_start )) s)" "${suite_secs} s" "< 900 s" "$(verdict_le "${suite_secs}" 900)"

# --- docs/benchmarks.md -----------------------------------------------------------
if [ "${write_doc}" = 0 ]; then
  echo >&2
  log "raw measurements"
  for d in "${details[@]}"; do echo "  ${d}" >&2; done
fi
if [ "${write_doc}" = 1 ]; then
  doc="${repo_root}/docs/benchmarks.md"
  gen="${work}/generated.md"
  {
    echo "<!-- bench:begin (generated by scripts/bench.sh; edit outside these markers) -->"
    echo "## Last full run"
    echo
    echo "- Command: \`${command_line}\`"
    echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git -C "${repo_root}" rev-parse --short HEAD)$(git -C "${repo_root}" diff --quiet HEAD -- 2>/dev/null || echo ' (work tree has local changes)')"
    echo "- Machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(uname -sr); shared with other builds while it ran"
    echo "- Load: h2load $(h2load --version | awk '{ print $2; exit }') \`-t 1 -c ${h2_clients} -m ${h2_streams} -D ${duration} --warm-up-time=1\` for every ratio; C++ callback client (bench_load_client) for latency and the stream"
    echo "- Sizes: ${orgs} organisations, ${small} then ${large} incidents (timeline events and sources for the first ${detail_incidents})"
    echo
    echo "| Figure | Measured | Goal | Verdict |"
    echo "|---|---|---|---|"
    for r in "${rows[@]}"; do
      IFS='|' read -r a b c d <<<"${r}"
      echo "| ${a} | ${b} | ${c} | ${d} |"
    done
    echo
    echo "<details><summary>Raw measurements</summary>"
    echo
    echo '```'
    for d in "${details[@]}"; do echo "${d}"; done
    echo '```'
    echo
    echo "</details>"
    echo "<!-- bench:end -->"
  } > "${gen}"
  if [ -f "${doc}" ] && grep -q '<!-- bench:begin' "${doc}"; then
    awk -v gen="${gen}" '
      /<!-- bench:begin/ { while ((getline l < gen) > 0) print l; skip = 1; next }
      /<!-- bench:end -->/ { skip = 0; next }
      !skip { print }' "${doc}" > "${work}/doc.new"
    cp "${work}/doc.new" "${doc}"
  else
    { echo "# Benchmarks"; echo; cat "${gen}"; } > "${doc}"
  fi
  log "wrote ${doc}"
fi
