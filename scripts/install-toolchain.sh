#!/usr/bin/env bash
# Installs what rivet's tests need on Debian 12, only when something is missing.
# Called by `make test`; safe to run repeatedly.
#
# The AArch64 reallibs test links Debian's arm64 static archives. Installing
# them as multiarch packages would pull in libc6:arm64, whose ld.so cache
# entries make qemu-aarch64 mix its libc with the cross toolchain's loader
# (programs hang), so the arm64 -dev packages are only downloaded and
# unpacked into $ARM64_LIBS (never installed; no root needed for that).
set -euo pipefail
ARM64_LIBS=${ARM64_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/rivet/arm64-libs}
arm64_debs="libsqlite3-dev zlib1g-dev libzstd-dev liblua5.4-dev libssl-dev"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

if pkg_installed libc6:arm64; then
  echo "install-toolchain: libc6:arm64 is installed: qemu-aarch64 programs would load it next to the cross" >&2
  echo "  toolchain's loader and hang. Remove the arm64 packages (dpkg -l | grep :arm64) and run this again." >&2
  exit 1
fi
need=()
for p in gcc g++ clang-19 lld-19 mold binutils qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu \
         binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
         libsqlite3-dev zlib1g-dev libzstd-dev liblua5.4-dev libssl-dev libc6-dev make; do
  pkg_installed "$p" || need+=("$p")
done
have_arm64_libs() { [ "$(cat "$ARM64_LIBS/.unpacked" 2>/dev/null)" = "$arm64_debs" ]; }
if [ ${#need[@]} -eq 0 ] && have_arm64_libs; then exit 0; fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-toolchain: installing ${need[*]}" >&2
  apt update -qq
  apt install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! have_arm64_libs; then
  echo "install-toolchain: unpacking arm64 $arm64_debs into $ARM64_LIBS" >&2
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
    apt update -qq
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # apt downloads as _apt when run as root.
  [ "$(id -u)" -ne 0 ] || chown _apt "$tmp" 2>/dev/null || true
  pkgs=()
  for p in $arm64_debs; do pkgs+=("$p:arm64"); done
  (cd "$tmp" && apt-get download -qq "${pkgs[@]}" 2>/dev/null) || { apt update -qq; (cd "$tmp" && apt-get download -qq "${pkgs[@]}"); }
  rm -rf "$ARM64_LIBS"
  mkdir -p "$ARM64_LIBS"
  for d in "$tmp"/*.deb; do dpkg -x "$d" "$ARM64_LIBS"; done
  echo "$arm64_debs" > "$ARM64_LIBS/.unpacked"
fi
