#!/usr/bin/env bash
# Installs what rivet's tests need on Debian 12, only when something is missing.
# Called by `make test`; safe to run repeatedly.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in gcc g++ clang-19 lld-19 mold binutils qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu \
         binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
         libsqlite3-dev zlib1g-dev libzstd-dev liblua5.4-dev libssl-dev libc6-dev make; do
  pkg_installed "$p" || need+=("$p")
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "install-toolchain: installing ${need[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
