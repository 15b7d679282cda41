#!/usr/bin/env bash
# Installs what rivet's tests need on Debian 12, only when something is missing.
# Called by `make test`; safe to run repeatedly.
# The AArch64 tests also link Debian's arm64 static archives (tests/reallibs),
# installed as multiarch packages (dpkg --add-architecture arm64).
set -euo pipefail
need=()
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
arm64_libs="libsqlite3-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64 liblua5.4-dev:arm64 libssl-dev:arm64"
for p in gcc g++ clang-19 lld-19 mold binutils qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu \
         binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
         libsqlite3-dev zlib1g-dev libzstd-dev liblua5.4-dev libssl-dev libc6-dev make $arm64_libs; do
  pkg_installed "$p" || need+=("$p")
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "install-toolchain: installing ${need[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
