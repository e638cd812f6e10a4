#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests in deploy/k8s.
#
#   scripts/check-manifests.sh
#
# 1. Installs the validator's npm packages (deploy/validate, `npm ci`).
# 2. Renders deploy/k8s/overlays/{dev,prod} and the deliberately broken set
#    deploy/validate/testdata/broken with kustomize (`kustomize build` if a
#    standalone kustomize is on PATH, else `kubectl kustomize`).
# 3. Validates every rendered object against the Kubernetes API schema
#    (types, required fields, unknown fields) and the project's workload
#    rules: both overlays must pass, every broken object must be rejected.
#
# Prints one line per object and a final `N passed, M failed`. Exits non-zero
# if anything fails. No cluster and no network beyond the npm registry needed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
validate_dir="${repo_root}/deploy/validate"
overlays=(dev prod)

die() { echo "check-manifests: $*" >&2; exit 2; }

command -v node >/dev/null 2>&1 || die "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install npm)"

if command -v kustomize >/dev/null 2>&1; then
  render() { kustomize build "$1"; }
elif command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  render() { kubectl kustomize "$1"; }
else
  die "no kustomize renderer: install kustomize, or kubectl >= 1.14 (kubectl kustomize)"
fi

echo "check-manifests: npm ci in deploy/validate" >&2
(cd "${validate_dir}" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
  || die "npm ci failed in ${validate_dir}"

out="$(mktemp -d)"
trap 'rm -rf "${out}"' EXIT

sets=()
for overlay in "${overlays[@]}"; do
  render "${repo_root}/deploy/k8s/overlays/${overlay}" >"${out}/${overlay}.yaml" \
    || die "kustomize could not render deploy/k8s/overlays/${overlay}"
  sets+=("valid:${overlay}=${out}/${overlay}.yaml")
done
render "${validate_dir}/testdata/broken" >"${out}/broken.yaml" \
  || die "kustomize could not render deploy/validate/testdata/broken"
sets+=("invalid:broken=${out}/broken.yaml")

exec node "${validate_dir}/validate.mjs" "${sets[@]}"
