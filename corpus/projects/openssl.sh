#!/usr/bin/env bash
# source: openssl
# OpenSSL 3.0 (Debian 12 openssl): ./Configure linux-x86_64 shared
# enable-ec_nistp_64_gcc_128 with CFLAGS="-Wall -O3 -g" (the default plus
# debug info) and LDFLAGS=$LDSELECT, then `make build_sw`: every library,
# module and program (libcrypto.so/.a, libssl.so/.a with their version
# scripts, the legacy provider, engines, the openssl app and all test
# programs, some linked statically against libcrypto.a); build_docs only
# runs pod2man and is skipped. Then `make test` (test/run_tests.pl) with
# HARNESS_JOBS=$JOBS. Tests run through util/wrap.pl, which points
# LD_LIBRARY_PATH at the fresh libcrypto.so/libssl.so; this is checked with
# LD_DEBUG before testing. passed/failed/skipped count test recipes
# (test/recipes/*.t) from the harness summary; the note carries the subtest
# count. OPENSSL_TESTS (default: all) selects a subset via make's TESTS=.
set -uo pipefail
cd "$SRC"
: "${JOBS:=2}"
echo "== CC=$CC LDSELECT=$LDSELECT LINKER=$LINKER JOBS=$JOBS"

. "${REPO:?}/corpus/lib.sh"   # need_pkgs
need_pkgs perl make

result() { echo "RESULT build=$1 passed=$2 failed=$3 skipped=$4 note=$5"; exit 0; }

# Debian keeps binary test data of its security patches (CMS messages for
# the 80-test_cms and 80-test_cmsapi recipes) in debian/binary.tar; its
# rules unpack it before configuring, and so do we.
[ -f debian/binary.tar ] && { tar xf debian/binary.tar || result fail 0 0 0 binary.tar; }

echo "== configure"
./Configure linux-x86_64 shared enable-ec_nistp_64_gcc_128 \
  CC="$CC" CXX="$CXX" CFLAGS="-Wall -O3 -g" LDFLAGS="$LDSELECT" || result fail 0 0 0 configure
grep -E '^(CC|CFLAGS|LDFLAGS|LIB_LDFLAGS|BIN_LDFLAGS|DSO_LDFLAGS)=' Makefile

echo "== build"
t0=$(date +%s)
make -j"$JOBS" build_sw > build.log 2>&1
rc=$?
t1=$(date +%s)
echo "== build rc=$rc in $((t1 - t0))s"
if [ $rc -ne 0 ]; then tail -60 build.log; result fail 0 0 0 build; fi

# LINKCHECK: every link command (compiler driver, -o, no -c; make echoes
# them with backslash-newlines, programs as ${LDCMD:-cc}) has $LDSELECT
sed -e ':a;/\\$/{N;s/\\\n//;ba}' build.log | tr '\t' ' ' |
  grep -E "^(\\\$\\{LDCMD:-)?$CC\\}? " | grep -v -- ' -c ' | grep -- ' -o ' > links.log
nlink=$(wc -l < links.log)
nbad=$(grep -v -c -F -- "$LDSELECT" links.log)
echo "== $nlink link commands, $nbad without $LDSELECT"
grep -E -- ' -o (apps/openssl|libcrypto\.so\.3|libssl\.so\.3|providers/legacy\.so) ' links.log | cut -c1-300
[ "$nlink" -gt 100 ] && [ "$nbad" -eq 0 ] || result fail 0 0 0 ldselect-missing

# WRAPCHECK: apps/openssl (and so the tests) load the fresh libraries
util/wrap.pl apps/openssl version -a || result fail 0 0 0 apps-openssl
LD_DEBUG=libs util/wrap.pl apps/openssl version 2>&1 | grep -E 'calling init: .*lib(crypto|ssl)\.so' | tee wrapcheck.log
# wrap.pl sets a relative LD_LIBRARY_PATH (util/../util/..), so the paths
# the loader prints are resolved before they are compared.
n=0
for lib in $(sed -n -E 's/.*calling init: (.*lib(crypto|ssl)\.so\.3)$/\1/p' wrapcheck.log); do
  case "$(realpath "$lib")" in "$(realpath "$SRC")"/lib*.so.3) n=$((n+1)) ;; esac
done
[ "$n" -eq 2 ] || result fail 0 0 0 not-fresh-libs

echo "== test"
t0=$(date +%s)
if [ -n "${OPENSSL_TESTS:-}" ]; then
  make test HARNESS_JOBS="$JOBS" TESTS="$OPENSSL_TESTS" > test.log 2>&1
else
  make test HARNESS_JOBS="$JOBS" > test.log 2>&1
fi
rc=$?
t1=$(date +%s)
cat test.log
echo "== test rc=$rc in $((t1 - t0))s"

files=$(sed -n -E 's/^Files=([0-9]+), Tests=([0-9]+).*/\1/p' test.log | tail -1)
subtests=$(sed -n -E 's/^Files=([0-9]+), Tests=([0-9]+).*/\2/p' test.log | tail -1)
[ -n "$files" ] || result ok 0 0 0 no-test-summary
skipped=$(grep -c -E '^[0-9]{2}-test_[^ ]*\.t \.+ skipped' test.log)
failed=$(grep -E '^[^ ]*[0-9]{2}-test_[^ ]*\.t +\(Wstat:' test.log | awk '{print $1}' | sort -u | wc -l)
passed=$((files - failed - skipped))
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || failed=1 # make test failed without a listed recipe
sel=all; [ -n "${OPENSSL_TESTS:-}" ] && sel=subset
result ok "$passed" "$failed" "$skipped" "recipes($sel),subtests=$subtests,wrap.pl-fresh-libs,shared+static-libs"
