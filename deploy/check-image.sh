#!/usr/bin/env bash
# Builds the image from deploy/Containerfile with podman and runs it as a
# deployment would, then checks it (what .ci/run does after the tests):
#   - both services start in it as uid 10001 on a read-only root filesystem;
#   - gRPC health SERVING, reflection lists the services;
#   - one organisation and one incident created and read back through them;
#   - SIGTERM: both exit 0, and the data is there after a restart;
#   - the image size is printed (goal: under 150 MB).
#
#   deploy/check-image.sh            uses the binaries of build/ (CI: built
#                                    and tested by scripts/test.sh just
#                                    before), stripped, as the image's
#                                    binaries stage
#   deploy/check-image.sh --from-source
#                                    builds the binaries in the image's own
#                                    build stage, as a release does
#
# No registry is needed: the Debian base is made with debootstrap from the
# Debian mirror and imported as localhost/debian:bookworm-slim (kept for the
# next run). Only loopback ports are used; only containers this script
# started are stopped. Exits non-zero on any failed check.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ATLAS_BUILD_DIR:-${repo_root}/build}"
cd "${repo_root}"

from_source=""
[ "${1:-}" = "--from-source" ] && from_source=1

need=()
for tool in podman runc debootstrap; do
  command -v "${tool}" >/dev/null 2>&1 || need+=("${tool}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "image: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# This machine kind (a VM without CAP_SYS_RESOURCE and with hybrid cgroups)
# needs runc with cgroupfs, and rlimits no higher than the host's: crun and
# podman's default ulimits are refused there. Harmless elsewhere.
podman=(podman --runtime runc --cgroup-manager cgroupfs)
ulimits=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)

base=localhost/debian:bookworm-slim
if ! "${podman[@]}" image exists "${base}"; then
  echo "image: making ${base} with debootstrap (minbase)"
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase bookworm "${rootfs}" \
    http://deb.debian.org/debian >/dev/null
  # As Debian's own -slim images: no package caches, docs, man pages or
  # translations.
  rm -rf "${rootfs}"/var/cache/apt/archives/*.deb "${rootfs}"/var/lib/apt/lists/* \
    "${rootfs}"/usr/share/doc/* "${rootfs}"/usr/share/man/* \
    "${rootfs}"/usr/share/info/* "${rootfs}"/usr/share/locale/* \
    "${rootfs}"/var/log/* "${rootfs}"/var/cache/debconf/*-old
  tar -C "${rootfs}" -c . | "${podman[@]}" import - "${base}" >/dev/null
  rm -rf "${rootfs}"
fi

# Can this machine run a container at all? If not (no user namespaces,
# no overlay, a sandbox that forbids mounts), say so and stop without
# failing: that is the machine, not the image. Every check below fails hard.
if ! probe=$("${podman[@]}" run --rm --network host "${ulimits[@]}" "${base}" true 2>&1); then
  echo "image: SKIPPED: this machine cannot run containers: ${probe}"
  exit 0
fi

build_args=(--build-arg "DEBIAN_IMAGE=${base}")
if [ -z "${from_source}" ]; then
  for binary in catalog-service/catalog-service \
                incident-service/incident-service tools/atlasctl/atlasctl; do
    [ -x "${build_dir}/${binary}" ] || {
      echo "image: ${build_dir}/${binary} is missing; run scripts/build.sh" >&2
      exit 2
    }
  done
  staging="$(mktemp -d)"
  mkdir -p "${staging}/src/build/catalog-service" \
    "${staging}/src/build/incident-service" "${staging}/src/build/tools/atlasctl" \
    "${staging}/src/incident-service/data"
  for binary in catalog-service/catalog-service \
                incident-service/incident-service tools/atlasctl/atlasctl; do
    strip -o "${staging}/src/build/${binary}" "${build_dir}/${binary}"
  done
  cp -r incident-service/data/attack "${staging}/src/incident-service/data/"
  tar -C "${staging}" -c . | "${podman[@]}" import - localhost/atlas-binaries:check >/dev/null
  rm -rf "${staging}"
  build_args+=(--build-arg BINARIES=localhost/atlas-binaries:check)
fi

image=localhost/incident-atlas:check
echo "image: building ${image}"
start=$(date +%s)
"${podman[@]}" build --quiet --network host "${ulimits[@]}" "${build_args[@]}" \
  --file deploy/Containerfile --ignorefile deploy/containerignore \
  --tag "${image}" . >/dev/null
size=$("${podman[@]}" image inspect --format '{{.Size}}' "${image}")
echo "image: built in $(( $(date +%s) - start )) s, size $(( size / 1000000 )) MB" \
     "(${size} bytes; goal < 150 MB)"

# --- Run it as the manifests do ---------------------------------------------
work="$(mktemp -d)"
containers=()
cleanup() {
  for c in "${containers[@]}"; do
    "${podman[@]}" rm -f "${c}" >/dev/null 2>&1 || true
  done
  rm -rf "${work}"
}
trap cleanup EXIT

# Keys: digests for the services, raw keys for the checks.
mkdir -p "${work}/keys" "${work}/catalog" "${work}/incident"
: > "${work}/keys/api-keys"
for role in editor member service; do
  key="check-${role}-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "${key}" > "${work}/keys/${role}.key"
  printf '%s %s check-%s\n' "$(printf %s "${key}" | sha256sum | cut -d' ' -f1)" \
    "${role}" "${role}" >> "${work}/keys/api-keys"
done
chmod 0644 "${work}/keys/"*
chown 10001:10001 "${work}/catalog" "${work}/incident"

# Free loopback ports, picked by the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
catalog_port=$(free_port)
incident_port=$(free_port)
while [ "${incident_port}" = "${catalog_port}" ]; do incident_port=$(free_port); done

run_service() {  # name, volume, binary args...
  local name="$1" volume="$2"
  shift 2
  "${podman[@]}" run --detach --name "${name}" --network host "${ulimits[@]}" \
    --read-only --user 10001:10001 --cap-drop ALL \
    --volume "${work}/keys:/etc/atlas/keys:ro" \
    --volume "${volume}:/var/lib/atlas/data" \
    "$@" >/dev/null
  containers+=("${name}")
}
start_services() {
  run_service atlas-check-catalog "${work}/catalog" \
    --entrypoint /usr/local/bin/catalog-service "${image}" \
    --listen="127.0.0.1:${catalog_port}" --db_path=/var/lib/atlas/data/db \
    --api_keys_file=/etc/atlas/keys/api-keys \
    --incident_address="127.0.0.1:${incident_port}" \
    --incident_api_key_file=/etc/atlas/keys/service.key
  run_service atlas-check-incident "${work}/incident" \
    --entrypoint /usr/local/bin/incident-service "${image}" \
    --listen="127.0.0.1:${incident_port}" --db_path=/var/lib/atlas/data/db \
    --api_keys_file=/etc/atlas/keys/api-keys \
    --catalog_address="localhost:${catalog_port}" \
    --catalog_api_key_file=/etc/atlas/keys/service.key \
    --attack_dir=/usr/share/atlas/attack --veris_dir=/usr/share/atlas/veris
}

# atlasctl from the image itself, on the host network. "localhost" (here and
# for incident-service's catalog address) takes the name-resolution path a
# cluster's service names take, in an image without the usual NSS files.
atlasctl() {
  "${podman[@]}" run --rm --network host "${ulimits[@]}" --read-only \
    --user 10001:10001 --volume "${work}/keys:/etc/atlas/keys:ro" \
    --entrypoint /usr/local/bin/atlasctl "${image}" \
    --catalog="localhost:${catalog_port}" --incidents="127.0.0.1:${incident_port}" "$@"
}

wait_healthy() {
  for _ in $(seq 1 100); do
    if atlasctl health >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "image: services not healthy; their logs:" >&2
  for c in "${containers[@]}"; do "${podman[@]}" logs "${c}" 2>&1 | tail -20 >&2; done
  return 1
}

fail() { echo "image: FAILED: $*" >&2; exit 1; }

start_services
wait_healthy || fail "health"
atlasctl health | sed 's/^/image:   /'
# The image has no shell: read the process's uid from the host's view.
for c in atlas-check-catalog atlas-check-incident; do
  pid=$("${podman[@]}" inspect --format '{{.State.Pid}}' "${c}")
  user=$(awk '/^Uid:/ {print $2}' "/proc/${pid}/status")
  [ "${user}" = 10001 ] || fail "${c} runs as uid ${user}, not 10001"
  [ "$("${podman[@]}" inspect --format '{{.HostConfig.ReadonlyRootfs}}' "${c}")" = true ] ||
    fail "${c}: the root filesystem is not read-only"
done
# Nothing but the binaries and their data: no shell to exec.
if "${podman[@]}" exec atlas-check-catalog /bin/sh -c true 2>/dev/null; then
  fail "the image has a shell"
fi
atlasctl list | grep -q 'atlas.catalog.v1.CatalogService' || fail "reflection (catalog)"
atlasctl list | grep -q 'atlas.incident.v1.IncidentService' || fail "reflection (incidents)"

editor="$(cat "${work}/keys/editor.key")"
atlasctl --key="${editor}" orgs create --id image-check --display-name "Image Check" \
  >/dev/null || fail "create organisation"
atlasctl --key="${editor}" call atlas.incident.v1.IncidentService/CreateIncident \
  '{"incidentId": "image-check-2026", "incident": {"title": "Image check",
    "victims": [{"organization": "organizations/image-check"}]}}' >/dev/null ||
  fail "create incident"
atlasctl incidents get incidents/image-check-2026 | grep -q "Image check" ||
  fail "get incident"

# SIGTERM: a graceful drain and exit 0; the data survives a restart.
for c in atlas-check-incident atlas-check-catalog; do
  "${podman[@]}" stop --time 30 "${c}" >/dev/null
  code=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "${c}")
  [ "${code}" = 0 ] || fail "${c} exited ${code} on SIGTERM"
  "${podman[@]}" rm "${c}" >/dev/null
done
containers=()
start_services
wait_healthy || fail "health after restart"
atlasctl orgs get organizations/image-check | grep -q "Image Check" ||
  fail "organisation after restart"
atlasctl incidents get incidents/image-check-2026 | grep -q "Image check" ||
  fail "incident after restart"
echo "image: OK (uid 10001, read-only root, health, reflection, create/get," \
     "SIGTERM exit 0, data kept across a restart)"
