#!/usr/bin/env bash
# Builds the Incident Atlas image from deploy/Containerfile with podman or
# buildah (whichever is installed, podman first).
#
#   deploy/build-image.sh [IMAGE]        default IMAGE: incident-atlas:dev
#
# Environment: ATLAS_BUILDER=podman|buildah forces one builder.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${1:-incident-atlas:dev}"

builder="${ATLAS_BUILDER:-}"
if [[ -z "${builder}" ]]; then
  for candidate in podman buildah; do
    if command -v "${candidate}" >/dev/null 2>&1; then
      builder="${candidate}"
      break
    fi
  done
fi
if [[ -z "${builder}" ]] || ! command -v "${builder}" >/dev/null 2>&1; then
  echo "build-image.sh: neither podman nor buildah is installed." >&2
  echo "  Install one (Debian: apt-get install podman) or build with docker:" >&2
  echo "  docker build -f deploy/Containerfile -t ${image} ." >&2
  exit 2
fi

if [[ ! -d "${repo_root}/incident-service/data/attack" ]]; then
  echo "build-image.sh: ${repo_root}/incident-service/data/attack is missing;" \
       "the incident service loads ATT&CK data from it at start." >&2
  exit 2
fi

if [[ ! -f "${repo_root}/datasets/veris/verisc-enum.json" ]]; then
  echo "build-image.sh: ${repo_root}/datasets/veris/verisc-enum.json is" \
       "missing; the incident service loads the VERIS enumerations from it" \
       "at start." >&2
  exit 2
fi

cd "${repo_root}"
case "${builder}" in
  podman)
    exec podman build --file deploy/Containerfile \
      --ignorefile deploy/containerignore --tag "${image}" .
    ;;
  buildah)
    exec buildah bud --file deploy/Containerfile \
      --ignorefile deploy/containerignore --tag "${image}" .
    ;;
  *)
    echo "build-image.sh: unsupported ATLAS_BUILDER=${builder} (podman|buildah)" >&2
    exit 2
    ;;
esac
