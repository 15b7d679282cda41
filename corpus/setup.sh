#!/usr/bin/env bash
# Enables Debian 12 source packages (deb-src for bookworm, the same mirror
# as the existing deb lines) and installs what fetching and building them
# needs. Idempotent; run as root (or with sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
src=/etc/apt/sources.list.d/rivet-deb-src.sources
if [ ! -f "$src" ]; then
  $SUDO tee "$src" >/dev/null <<'EOS'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
  $SUDO apt-get update -qq
fi
need=()
for p in dpkg-dev build-essential autoconf automake libtool pkg-config cmake ninja-build python3 tcl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
