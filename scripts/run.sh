#!/usr/bin/env bash
# Installs what is missing, builds, starts both services with their RocksDB
# under ./data/, loads the demo data from the seeds (once; re-running it
# creates nothing new) and serves until Ctrl-C, which stops both cleanly.
#
#   scripts/run.sh
#
# Environment: ATLAS_DATA_DIR (default ./data), ATLAS_CATALOG_PORT (50051),
# ATLAS_INCIDENT_PORT (50052). Plaintext on 127.0.0.1 only: for local use.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"
data_dir="${ATLAS_DATA_DIR:-${repo_root}/data}"
catalog_port="${ATLAS_CATALOG_PORT:-50051}"
incident_port="${ATLAS_INCIDENT_PORT:-50052}"

"${repo_root}/scripts/setup.sh"
"${repo_root}/scripts/build.sh" catalog-service incident-service atlasctl

mkdir -p "${data_dir}/keys" "${data_dir}/logs"
keys="${data_dir}/keys"
# Local API keys, made once: raw keys stay in data/keys (git-ignored); the
# services get only their SHA-256 digests.
if [ ! -f "${keys}/api-keys" ]; then
  umask 077
  : > "${keys}/api-keys"
  umask 022
fi
# An admin key (online backups, docs/deploy.md section 7) is added to key
# files made before it existed.
for role in editor member service admin; do
  [ -f "${keys}/${role}.key" ] && continue
  umask 077
  key="atlas-${role}-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "${key}" > "${keys}/${role}.key"
  printf '%s %s local-%s\n' "$(printf %s "${key}" | sha256sum | cut -d' ' -f1)" \
    "${role}" "${role}" >> "${keys}/api-keys"
  umask 022
done
editor_key="$(cat "${keys}/editor.key")"

pids=()
stopping=""
stop_all() {
  stopping=1
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "run: stopping services (SIGTERM)" >&2
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  fi
}
trap stop_all INT TERM EXIT

"${build_dir}/catalog-service/catalog-service" \
  --listen="127.0.0.1:${catalog_port}" \
  --db_path="${data_dir}/catalog" \
  --api_keys_file="${keys}/api-keys" \
  --incident_address="127.0.0.1:${incident_port}" \
  --incident_api_key_file="${keys}/service.key" \
  2>>"${data_dir}/logs/catalog.log" &
pids+=($!)
"${build_dir}/incident-service/incident-service" \
  --listen="127.0.0.1:${incident_port}" \
  --db_path="${data_dir}/incidents" \
  --api_keys_file="${keys}/api-keys" \
  --catalog_address="127.0.0.1:${catalog_port}" \
  --catalog_api_key_file="${keys}/service.key" \
  --attack_dir="${repo_root}/incident-service/data/attack" \
  --veris_dir="${repo_root}/datasets/veris" \
  2>>"${data_dir}/logs/incidents.log" &
pids+=($!)

atlasctl=("${build_dir}/tools/atlasctl/atlasctl"
          --catalog="127.0.0.1:${catalog_port}"
          --incidents="127.0.0.1:${incident_port}")
for _ in $(seq 1 100); do
  if "${atlasctl[@]}" health >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "${pid}" 2>/dev/null || {
      echo "run: a service exited at start; see ${data_dir}/logs/" >&2
      tail -n 5 "${data_dir}/logs/"*.log >&2; exit 1; }
  done
  sleep 0.1
done
"${atlasctl[@]}" health

echo "run: loading demo data (scripts/demo/seeds.jsonl)"
"${atlasctl[@]}" --key="${editor_key}" import "${repo_root}/scripts/demo/seeds.jsonl"

cat <<EOT

Incident Atlas is running (logs in ${data_dir}/logs/):
  catalog-service   127.0.0.1:${catalog_port}
  incident-service  127.0.0.1:${incident_port}

Try:
  scripts/demo/load-vcdb-sample.sh     (loads 40 real VCDB incidents; docs/interop.md)
  ${build_dir}/tools/atlasctl/atlasctl orgs list
  ${build_dir}/tools/atlasctl/atlasctl orgs resolve 'hxxps://www.vooruit[.]brussels/nieuws'
  ${build_dir}/tools/atlasctl/atlasctl incidents list
  ${build_dir}/tools/atlasctl/atlasctl incidents timeline incidents/vooruit-2024-website-ransom
  ATLAS_API_KEY=\$(cat ${keys}/member.key) ${build_dir}/tools/atlasctl/atlasctl incidents get incidents/vooruit-2024-website-ransom -o json
  grpcurl -plaintext localhost:${catalog_port} list      (if grpcurl is installed)
  ${build_dir}/tools/atlasctl/atlasctl call atlas.catalog.v1.CatalogService/GetOrganization '{"name":"organizations/vooruit"}'

API keys: editor $(printf %s "${editor_key}" | cut -c1-14)... and member keys are in ${keys}/.
Press Ctrl-C to stop both services.
EOT
wait -n "${pids[@]}" || true
[ -n "${stopping}" ] || echo "run: a service stopped; stopping the other" >&2
