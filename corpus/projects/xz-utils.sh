#!/usr/bin/env bash
# source: xz-utils
# xz-utils 5.4.1 (Debian 12): autotools + libtool, configured the way
# debian/rules does it (hardening=+all flags: -z relro -z now), out of tree:
#   normal-build  --enable-threads --disable-static: shared liblzma.so.5
#                 (version script liblzma_linux.map); xz, xzdec, lzmainfo and
#                 the test programs link against it (libtool wrappers)
#   static-build  --enable-threads --disable-shared: everything against
#                 liblzma.a (Debian disables the tools here; we keep them so
#                 the whole suite runs against the static library)
#   small-build   Debian's xzdec flavour: --enable-small --disable-threads
#                 --disable-encoders --disable-shared, -Os
# libtool drops -B/--ld-path from LDFLAGS when it links a shared library, so
# the linker flag also goes into CC (and clang gets -Qunused-arguments so
# compile-only uses of it do not warn; the same for rivet and bfd runs).
#
# Tests: `make check` in each build (automake: one test per TESTS entry:
# test_check, test_index, test_files.sh, test_compress_*, test_scripts.sh...),
# counted from the automake summary (# PASS/# FAIL/# SKIP); plus per build
# links-use-selected-linker (libtool link lines all carry LDSELECT) and
# linker-fingerprint, and for the normal build shared-uses-built-so (the
# libtool-wrapped xz and test_index load the freshly linked liblzma.so.5).
set -uo pipefail
cd "$SRC"
. "${REPO:?}/corpus/lib.sh"   # t, result, fingerprint, check_links
skip=0


export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS)"
CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$LDFLAGS $(dpkg-buildflags --get LDFLAGS)"
SMALL_CFLAGS="$(DEB_CFLAGS_MAINT_STRIP='-O2 -O3' DEB_CFLAGS_MAINT_PREPEND=-Os dpkg-buildflags --get CFLAGS)"
case "$CC" in clang*) CCL="$CC -Qunused-arguments $LDSELECT" ;; *) CCL="$CC $LDSELECT" ;; esac
echo "CC=$CCL LDFLAGS=$LDFLAGS LINKER=$LINKER"

build() { # build DIR CFLAGS CONFIGURE-ARGS...: configure, make, make check
  local d=$1 cf=$2; shift 2
  mkdir -p "$d"
  ( cd "$d" &&
    ../configure gl_cv_posix_shell=/bin/sh CC="$CCL" CFLAGS="$cf" CPPFLAGS="$CPPFLAGS" LDFLAGS="$LDFLAGS" "$@" &&
    make -j"$JOBS" V=1 &&
    make -j"$JOBS" V=1 check TESTS=   # builds the test programs, runs none
  ) > "$d.build.log" 2>&1
  local rc=$?; tail -5 "$d.build.log"; return $rc
}
suite() { # suite DIR: make check, count the automake summary
  local d=$1 log=$1.check.log
  (cd "$d" && make -j"$JOBS" check) > "$log" 2>&1
  grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):' "$log"
  grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$log"
  local p f s e
  p=$(sed -n 's/^# PASS: *//p' "$log" | tail -1); f=$(sed -n 's/^# FAIL: *//p' "$log" | tail -1)
  s=$(sed -n 's/^# SKIP: *//p' "$log" | tail -1); e=$(sed -n 's/^# ERROR: *//p' "$log" | tail -1)
  if [ -z "$p" ]; then echo "suite $d: no automake summary"; tail -30 "$log"; fail=$((fail+1)); failed_tests+=("$d-make-check"); return; fi
  pass=$((pass+p)); fail=$((fail+f+${e:-0})); skip=$((skip+${s:-0}))
  [ "$f" = 0 ] && [ "${e:-0}" = 0 ] || { failed_tests+=("$d-make-check"); grep -h -A30 '^FAIL\|^ERROR' "$d"/tests/*.log | head -80; }
}

# A build that fails makes the result build=fail, but the other builds are
# still tested so the log shows as much as possible.
status=ok why=""
build normal-build "$CFLAGS" --enable-threads --disable-static --disable-xzdec --disable-lzmadec || { status=fail why+=",normal-build-failed"; }
if [ ! -f normal-build/src/liblzma/.libs/liblzma.so.5 ]; then
  status=fail why+=",no-shared-liblzma"
  echo "normal-build: no shared liblzma.so.5 was built; libtool says:"
  grep -A1 -E 'supports shared libraries|whether to build shared' normal-build/config.log | grep -v '^--'
fi
build static-build "$CFLAGS" --enable-threads --disable-shared --enable-liblzma2-compat || { status=fail why+=",static-build-failed"; }
build small-build "$SMALL_CFLAGS" --disable-shared --disable-nls --disable-encoders --enable-small \
  --disable-threads --disable-liblzma2-compat --disable-lzmainfo --disable-scripts --disable-xz --disable-lzma-links || { status=fail why+=",small-build-failed"; }

for d in normal-build static-build small-build; do
  t "$d-links-use-selected-linker" check_links $d.build.log
  t "$d-linker-fingerprint" fingerprint $d
done
uses_so() { # the libtool-wrapped program loads the freshly linked liblzma.so.5
  local o; o=$(cd normal-build && ./libtool --mode=execute ldd "$1"); echo "$o"
  grep -q "liblzma.so.5 => $PWD/normal-build/src/liblzma/.libs/liblzma.so.5" <<<"$o"
}
t shared-uses-built-so-xz uses_so src/xz/xz
t shared-uses-built-so-test_index uses_so tests/test_index
static_ok() { ! ldd "$1" | grep -q liblzma; }
t static-xz-has-no-liblzma-dep static_ok static-build/src/xz/xz
t small-xzdec-has-no-liblzma-dep static_ok small-build/src/xzdec/xzdec

for d in normal-build static-build small-build; do suite $d; done

# an extra round trip through the shared-library xz, the static xz and the
# system xz on 8 MB of mixed data, multithreaded and single-threaded
{ cat src/liblzma/*/*.c 2>/dev/null; head -c 3000000 /dev/urandom; seq 1 400000; head -c 1500000 /dev/zero; } > data.in
X=normal-build/src/xz/xz S=static-build/src/xz/xz D=small-build/src/xzdec/xzdec
t roundtrip-shared-T2 eval "$X -T2 -6 -c data.in > d1.xz && xz -dc d1.xz | cmp - data.in && $S -dc d1.xz | cmp - data.in && $D -c d1.xz | cmp - data.in"
t roundtrip-static-e9 eval "$S -9e -c data.in > d2.xz && $X -t d2.xz && $X -dc d2.xz | cmp - data.in"
t roundtrip-system-lzma eval "xz --format=lzma -c data.in > d3.lzma && $X -dc d3.lzma | cmp - data.in && $X --format=lzma -c data.in | xz -dc | cmp - data.in"
t roundtrip-filters eval "$X --x86 --lzma2=preset=3 -c data.in | $S -dc | cmp - data.in && $S --delta=dist=4 --lzma2 -c data.in | $X -dc | cmp - data.in"

result $status "make-check-x3:shared,static,small+roundtrips$why"
