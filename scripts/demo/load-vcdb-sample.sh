#!/usr/bin/env bash
# Loads the 40 real VCDB incidents of datasets/vcdb-sample into the demo
# that scripts/run.sh is serving, with its editor key:
#
#   scripts/demo/load-vcdb-sample.sh
#
# Runs `atlasctl import --format=veris` (docs/interop.md): victims become
# organisations (found again by name on later loads), each record an
# incident `incidents/veris-<id>` with its sources. Loading again changes
# nothing (it prints `imported 0, unchanged 40, updated 0, refused 0`).
# Environment, as for scripts/run.sh: ATLAS_BUILD_DIR, ATLAS_DATA_DIR,
# ATLAS_CATALOG_PORT, ATLAS_INCIDENT_PORT.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"
data_dir="${ATLAS_DATA_DIR:-${repo_root}/data}"
catalog_port="${ATLAS_CATALOG_PORT:-50051}"
incident_port="${ATLAS_INCIDENT_PORT:-50052}"
key_file="${data_dir}/keys/editor.key"
atlasctl="${build_dir}/tools/atlasctl/atlasctl"

if [ ! -f "${key_file}" ]; then
  echo "load-vcdb-sample: no ${key_file}: start the demo first (scripts/run.sh)" >&2
  exit 1
fi
if [ ! -x "${atlasctl}" ]; then
  "${repo_root}/scripts/build.sh" atlasctl
fi
echo "load-vcdb-sample: importing ${repo_root}/datasets/vcdb-sample (40 VCDB records)" >&2
"${atlasctl}" --catalog="127.0.0.1:${catalog_port}" \
  --incidents="127.0.0.1:${incident_port}" --key="$(cat "${key_file}")" \
  import --format=veris --veris_dir="${repo_root}/datasets/veris" \
  "${repo_root}/datasets/vcdb-sample"
cat >&2 <<EOT
load-vcdb-sample: done. Try:
  ${atlasctl} incidents list --filter 'external_reference = "veris:002599D4-A872-433B-9980-BD9F257B283F"'
  ${atlasctl} orgs get organizations/sutter-medical-foundation
  ATLAS_API_KEY=\$(cat ${data_dir}/keys/member.key) ${atlasctl} incidents get incidents/veris-002599d4-a872-433b-9980-bd9f257b283f -o json
EOT
