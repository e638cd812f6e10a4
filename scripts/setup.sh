#!/usr/bin/env bash
# Installs, with apt-get, exactly the Debian 12 packages the build, the
# services and the tests need and that are missing. Idempotent: a machine
# that has them all is left alone (no apt-get update, no root needed).
#
#   scripts/setup.sh
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ pkg-config
  # gRPC, protobuf, Abseil, RocksDB, GoogleTest
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto libabsl-dev librocksdb-dev libgtest-dev libgmock-dev
  # TLS and digests; URLs, registrable domains, search keys
  libssl-dev libcurl4-openssl-dev libpsl-dev libicu-dev
  # data read at start: ISO 3166 countries, the Public Suffix List
  iso-codes publicsuffix
  # arbitrary JSON: VERIS records and schema; the schema's patterns
  nlohmann-json3-dev libre2-dev
  # Prometheus metrics (/metrics endpoint, counters, histograms)
  prometheus-cpp-dev
  # full-text search of incidents (BM25, stemming, phrases, snippets)
  libxapian-dev
  # the tests make TLS certificates
  openssl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
