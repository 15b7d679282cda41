#!/usr/bin/env bash
# source: jq
# jq 1.6 (Debian 12 source): autotools + libtool (autoreconf, system libtool
# 2.4.7), libjq with an -export-symbols-regex version script, oniguruma
# from the system (libonig.so), bison/flex parser, man page from the docs.
# jq's tests find jq as tests/../jq, so both configurations build in the
# source tree, one after the other (make distclean between):
#   shared  --enable-shared --enable-static --enable-error-injection:
#           libjq.so and libinject_errors.so (LD_PRELOADed by shtest) linked
#           by the selected linker; tests/* run ./jq, the libtool wrapper
#           that runs .libs/jq against .libs/libjq.so (checked with
#           `libtool --mode=execute ldd`)
#   static  --disable-shared: jq links libjq.a
# Tests: upstream's full TESTS list (Debian's 0007 patch dropped
# optionaltest, utf8test and base64test from Makefile.am; put back here):
# mantest, jqtest, onigtest, optionaltest, base64test (jq --run-tests:
# "N of M tests passed", counted per test), shtest and utf8test (one test
# each). valgrind is installed (a jq build-dep), so in the shared
# configuration every jq run in the tests is under valgrind
# --error-exitcode=1 --leak-check=full, as in Debian's build; the static
# configuration runs them without valgrind (NO_VALGRIND=1: under valgrind
# each configuration takes 8 minutes of the 2-core machine).
# Compiler flags: Debian's (dpkg-buildflags, hardening=+all).
set -uo pipefail
top=$PWD
fail() { echo "RESULT build=fail passed=0 failed=0 note=$1"; exit 1; }

# Debian's rules build the man page before configuring.
(cd docs && rake manpage > ../jq.1 2>/dev/null) || cp jq.1.prebuilt jq.1
sed -i 's|^TESTS = tests/mantest tests/jqtest tests/onigtest tests/shtest$|TESTS = tests/optionaltest tests/mantest tests/jqtest tests/onigtest tests/shtest tests/utf8test tests/base64test|' Makefile.am
grep -q '^TESTS = tests/optionaltest .* tests/base64test$' Makefile.am || fail tests-list-patch-failed
autoreconf -fi > autoreconf.log 2>&1 || { cat autoreconf.log; fail autoreconf; }

# libtool before 2.5 keeps only a fixed list of compiler-driver flags
# (-fuse-ld=* is in it, -B<dir>/ and --ld-path= are not) on the commands
# that link shared libraries, so without this the .so files would be linked
# by the default ld. Teach this tree's ltmain.sh to pass them through.
sed -i 's/^\([[:space:]]*\)-64|-mips\[0-9\]|/\1-B*|--ld-path=*|-64|-mips[0-9]|/' config/ltmain.sh
grep -q -- '-B\*|--ld-path=\*|-64' config/ltmain.sh || fail ltmain-patch-failed

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS)"
CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS) $LDSELECT"
export CFLAGS CPPFLAGS LDFLAGS


tests="tests/mantest tests/jqtest tests/onigtest tests/optionaltest tests/base64test tests/shtest tests/utf8test"
. "${REPO:?}/corpus/lib.sh"   # check_links, nlinks
passed=0 failed=0 skipped=0
count_check() { # count_check DIR
  local d=$1 t rs n m
  for t in $tests; do
    rs=$(sed -n 's/^:test-result: //p' "$d/$t.trs" 2>/dev/null)
    # jq --run-tests ends with "N of M tests passed (K malformed)"
    if grep -qE '^[0-9]+ of [0-9]+ tests passed' "$d/$t.log" 2>/dev/null; then
      read -r n m < <(sed -nE 's/^([0-9]+) of ([0-9]+) tests passed.*/\1 \2/p' "$d/$t.log" | tail -1)
      passed=$((passed + n)); failed=$((failed + m - n))
      # a valgrind error or a crash fails the script with all tests passed
      [ "$rs" = PASS ] || [ $n -lt $m ] || { failed=$((failed+1)); echo "$d: $t $rs"; }
    else
      case "$rs" in
        PASS) passed=$((passed+1)) ;;
        SKIP) skipped=$((skipped+1)) ;;
        *) failed=$((failed+1)); echo "$d: $t ${rs:-did-not-run}" ;;
      esac
    fi
  done
}

for cfg in shared static; do
  cd "$top" || fail cd
  if [ $cfg = shared ]; then opts="--enable-shared --enable-static --enable-error-injection"; else make distclean > /dev/null 2>&1; opts="--disable-shared --enable-static"; fi
  echo "=== $cfg: configure $opts"
  ./configure CC="$CC" $opts > configure.$cfg.log 2>&1 || { cat configure.$cfg.log config.log; fail configure-$cfg; }
  tail -20 configure.$cfg.log
  echo "=== $cfg: make"
  make -j"$JOBS" V=1 > make.$cfg.log 2>&1 || { tail -100 make.$cfg.log; fail make-$cfg; }
  echo "=== $cfg: make check"
  if [ $cfg = shared ]; then novg=; else novg=1; fi
  make -j"$JOBS" V=1 check NO_VALGRIND=$novg > check.$cfg.log 2>&1; rc=$?
  tail -30 check.$cfg.log
  cat test-suite.log
  for t in $tests; do echo "--- $t"; tail -5 $t.log; done
  check_links make.$cfg.log check.$cfg.log || fail unselected-linker-$cfg
  if [ $cfg = shared ]; then
    ls -l .libs/*.so*
    # The tests must run against the libjq.so just linked.
    ./libtool --mode=execute ldd ./jq > ldd.jq.txt 2>&1
    cat ldd.jq.txt
    grep -q "libjq.so.1 => $top/.libs/libjq.so.1" ldd.jq.txt || fail jq-not-using-fresh-so
    [ -f .libs/libinject_errors.so ] || fail no-libinject_errors
  else
    ls -l .libs/*.a
    ls .libs/*.so* 2>/dev/null && fail static-build-made-so
    ldd ./jq | grep -q libjq && fail jq-not-static
  fi
  count_check "$top"
  echo "=== $cfg: make check rc=$rc; so far passed=$passed failed=$failed skipped=$skipped"
  [ $rc -eq 0 ] || [ $failed -gt 0 ] || failed=$((failed+1))
done
echo "RESULT build=ok passed=$passed failed=$failed skipped=$skipped note=shared(valgrind)+static,links=$nlinks"
