#!/usr/bin/env bash
# The contract as tools read it: `buf lint` (buf.yaml: STANDARD with the
# AIP-style exceptions it documents) and `buf breaking` against the last
# released contract, proto/released/atlas-contract.binpb (WIRE_JSON: what a
# deployed client can notice). buf comes from npm, pinned in
# tools/buf/package-lock.json, and runs offline.
#
#   scripts/check-contract.sh                    lint + breaking (CI)
#   scripts/check-contract.sh --update-baseline  at a release: the current
#                                                contract becomes the baseline
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

if ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm (for buf)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x tools/buf/node_modules/.bin/buf ]; then
  npm ci --prefix tools/buf --no-audit --no-fund --loglevel=error
fi
buf=tools/buf/node_modules/.bin/buf
baseline=proto/released/atlas-contract.binpb

if [ "${1:-}" = "--update-baseline" ]; then
  "${buf}" build --exclude-source-info -o "${baseline}"
  echo "baseline updated: ${baseline} (commit it with the release)"
  exit 0
fi

echo "buf $("${buf}" --version): lint"
"${buf}" lint
echo "buf breaking against ${baseline}"
"${buf}" breaking --against "${baseline}"
echo "contract: lint and breaking clean"
