#!/usr/bin/env bash
# source: libzstd
# zstd 1.5.4 (Debian 12 package libzstd): upstream Makefiles, as Debian's
# build uses them (hardening=+all flags from dpkg-buildflags in the
# environment, V=1).
#   lib/          libzstd.a and the shared libzstd.so.1.5.4 (lib-release)
#   programs/     zstd-shared: the CLI linked against libzstd.so (upstream
#                 target zstd-dll); zstd: the CLI built from the library
#                 sources (static variant; `make check` rebuilds it with
#                 DEBUGLEVEL, as upstream does)
#   tests/        datagen, fullbench, fuzzer, zstreamtest, decodecorpus,
#                 invalidDictionaries, legacy, poolTests (static objects)
#   examples/     (against libzstd.a), contrib/pzstd (C++, threads,
#                 libstdc++, against libzstd.a; Debian ships it)
#
# Tests (each counted; the full `make -C tests test` runs fuzzer 200s and
# zstreamtest 2x90s plus --test-large-data and takes well over 10 minutes
# here, so the time-boxed fuzzers run shorter with fixed seeds):
#   make-check            upstream `make check` (playTests.sh, static zstd)
#   playTests-shared      playTests.sh with the zstd linked to libzstd.so
#   cli-tests             tests/cli-tests/run.py, one count per test, run for
#                         both the static and the shared zstd
#   fullbench, fuzzer (-T60s), zstream (-T30s, twice), invalidDictionaries,
#   legacy, decodecorpus (-T15), pool, decodecorpus-cli (with zstd-shared)
#   examples              examples/ `make test`
#   pzstd-roundtrip       contrib/pzstd -p 2 -19 round trip (its own tests,
#                         RoundTripTest included, need googletest, which is
#                         not installed)
# Not built: zlibWrapper (its examples do not compile against Debian 12's
# zlib.h: `_Z_OF` undefined, with either linker).
#   shared-uses-built-so, links-use-selected-linker, linker-fingerprint
set -uo pipefail
cd "$SRC"
. "${REPO:?}/corpus/lib.sh"   # t, result, fingerprint, check_links
run() { "$@" 2>&1 | tee -a "$SRC/all.log"; return "${PIPESTATUS[0]}"; }


export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS)"
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS)"
CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$LDFLAGS $(dpkg-buildflags --get LDFLAGS)"
export CC CXX CFLAGS CXXFLAGS CPPFLAGS LDFLAGS V=1 PREFIX=/usr
echo "CC=$CC CXX=$CXX LDFLAGS=$LDFLAGS LINKER=$LINKER"
: > all.log

ok=1
run make -j"$JOBS" -C lib lib-release || ok=0
# upstream's zstd-dll target writes programs/zstd; keep it as zstd-shared.
# In 1.5.4 it fails to link with any linker (fileio_asyncio.c uses POOL_*,
# and pool.c ZSTD_customCalloc/Free, which libzstd.so hides); upstream 1.5.5
# fixed it by compiling pool.c and threading.c into the program. Here the
# hidden helpers it needs are compiled in the same way.
run make -j"$JOBS" -C programs zstd-dll ZSTDLIB_LOCAL_SRC="xxhash.c pool.c threading.c zstd_common.c error_private.c" &&
  mv programs/zstd programs/zstd-shared || ok=0
run make -j"$JOBS" zstd-release || ok=0
run make -j"$JOBS" -C tests datagen fullbench fuzzer zstreamtest decodecorpus invalidDictionaries legacy poolTests || ok=0
run make -j"$JOBS" -C examples all || ok=0
run make -j"$JOBS" -C contrib/pzstd pzstd || ok=0
[ $ok = 1 ] && [ -f lib/libzstd.so.1.5.4 ] && [ -f lib/libzstd.a ] || result fail build

export LD_LIBRARY_PATH=$SRC/lib
uses_so() { local o; o=$(ldd "$1"); echo "$o"; grep -q "libzstd.so.1 => $SRC/lib/libzstd.so.1" <<<"$o"; }
t shared-uses-built-so uses_so programs/zstd-shared

t make-check run make check
t playTests-shared run env -C tests ZSTD_BIN="$SRC/programs/zstd-shared" DATAGEN_BIN=./datagen ./playTests.sh
cli_tests() { # cli_tests NAME ZSTD: run.py, one count per test
  local name=$1 log=cli-$1.log
  (cd tests && ./cli-tests/run.py --zstd="$2" --datagen=./datagen) > "$log" 2>&1
  local rc=$?; grep -E '^(PASS|FAIL)' "$log" | head -200; tail -3 "$log"
  local all p f
  if all=$(sed -n 's/^PASSED all \([0-9]*\) tests!/\1/p' "$log") && [ -n "$all" ]; then
    pass=$((pass+all)); echo "TEST PASS cli-tests-$name ($all tests)"
  elif p=$(sed -n 's/^FAILED \([0-9]*\) \/ \([0-9]*\) tests!/\1 \2/p' "$log") && [ -n "$p" ]; then
    set -- $p; fail=$((fail+$1)); pass=$((pass+$2-$1)); failed_tests+=("cli-tests-$name")
    echo "TEST FAIL cli-tests-$name ($1 of $2 failed)"
  else fail=$((fail+1)); failed_tests+=("cli-tests-$name"); echo "TEST FAIL cli-tests-$name (rc=$rc, no summary)"; fi
}
cli_tests static "$SRC/programs/zstd"
cli_tests shared "$SRC/programs/zstd-shared"
T="run make -C tests"
t fullbench $T test-fullbench
t fuzzer $T test-fuzzer FUZZERTEST=-T60s FUZZER_FLAGS=-s4242
t zstream $T test-zstream ZSTREAM_TESTTIME=-T30s FUZZER_FLAGS=-s4242
t invalidDictionaries $T test-invalidDictionaries
t legacy $T test-legacy
t decodecorpus $T test-decodecorpus DECODECORPUS_TESTTIME=-T15
t pool $T test-pool
t decodecorpus-cli $T test-decodecorpus-cli ZSTD="$SRC/programs/zstd-shared"
t examples run make -C examples test
{ cat lib/*/*.c; head -c 3000000 /dev/urandom; seq 1 400000; } > data.in
t pzstd-roundtrip run eval "contrib/pzstd/pzstd -p 2 -19 -c data.in > data.zst && programs/zstd-shared -dc data.zst | cmp - data.in && contrib/pzstd/pzstd -d -c data.zst | cmp - data.in"

t links-use-selected-linker check_links all.log
t linker-fingerprint fingerprint

result ok "make-check+playTests-shared+cli-tests+tests-subset+examples+pzstd"
