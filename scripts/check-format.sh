#!/usr/bin/env bash
# Checks that every C++ source of ours is clang-format clean (.clang-format:
# Google style). Installs clang-format (Debian 12: version 14) if missing.
#
#   scripts/check-format.sh          report unformatted files, exit 1 if any
#   scripts/check-format.sh --fix    reformat them in place
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

if ! command -v clang-format >/dev/null 2>&1; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang-format
fi

# Our sources: the tracked .h/.cc files (generated code lives in build dirs).
mapfile -t files < <(git ls-files '*.h' '*.cc')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  echo "format: ${#files[@]} files formatted"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "format: ${#bad[@]} of ${#files[@]} files are not clang-format clean:"
  printf '  %s\n' "${bad[@]}"
  echo "fix with: scripts/check-format.sh --fix"
  exit 1
fi
echo "format: ${#files[@]} files clean"
