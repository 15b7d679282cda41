#!/usr/bin/env bash
# source: libxml2
# libxml2 2.9.14 (Debian 12 source): autotools + libtool (autoreconf -fi as
# Debian's dh_autoreconf: the patches touch Makefile.am), configured like
# Debian's "main" flavour (--with-history --with-icu --without-python: no
# python bindings; hardening=+all, -Wall -O3). libxml2.so is linked with the libxml2.syms
# version script.
# Two configurations, each built out of tree and tested:
#   shared/  --enable-shared --enable-static: libxml2.so linked by the
#            selected linker; runtest & co. are libtool wrappers that run
#            .libs/<prog> against shared/.libs/libxml2.so (checked with
#            `libtool --mode=execute ldd`)
#   static/  --disable-shared: the programs link libxml2.a
# Tests: `make check`'s runtests recipe (runtest, testrecurse, testapi,
# testchar, testdict, runxmlconf, then `make -C fuzz tests` = testFuzzer over
# the generated seed corpus), its steps run one by one (see below), plus
# Debian's testcatalog. Counted per test where the program reports it:
# runtest and testrecurse ("Total N tests, M errors"), testapi ("N tests,
# M errors"), testFuzzer ("Successfully tested N inputs"); testchar, testdict
# and testcatalog count one each.
# Coverage caveat: the +dfsg source has no upstream test/ and result/ trees
# (Debian bug 331534), so runtest only finds the few test files Debian's
# patches add; its threads test (no test/threads) counts as skipped, and
# runxmlconf (no W3C xmlconf suite) runs 0 tests and counts as skipped, and
# testFuzzer has seeds only for its regexp, schema and uri fuzzers (html,
# xml, xpath count as skipped). The
# bulk of the coverage is testapi (~280k calls over ~1160 API functions).
set -uo pipefail
top=$PWD
fail() { echo "RESULT build=fail passed=0 failed=0 note=$1"; exit 1; }

autoreconf -fi > autoreconf.log 2>&1 || { cat autoreconf.log; fail autoreconf; }
# libtool before 2.5 keeps only a fixed list of compiler-driver flags
# (-fuse-ld=* is in it, -B<dir>/ and --ld-path= are not) on the commands
# that link shared libraries, so without this the .so files would be linked
# by the default ld. Teach this tree's ltmain.sh to pass them through.
sed -i 's/^\([[:space:]]*\)-64|-mips\[0-9\]|/\1-B*|--ld-path=*|-64|-mips[0-9]|/' ltmain.sh
grep -q -- '-B\*|--ld-path=\*|-64' ltmain.sh || fail ltmain-patch-failed

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) -Wall -O3"
CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS) $LDSELECT"
export CFLAGS CPPFLAGS LDFLAGS


. "${REPO:?}/corpus/lib.sh"   # check_links, nlinks
passed=0 failed=0 skipped=0
total_line() { # total_line NAME LOG RC: "Total N tests, no errors" / "Total N tests, M errors, K leaks"
  local line n e l
  line=$(grep -aE '^Total [0-9]+ tests' "$2" | tail -1)
  n=$(echo "$line" | awk '{print $2}')
  case "$line" in
    *"no errors"*) passed=$((passed+n)); echo "$1: $n passed" ;;
    Total*) read -r e l < <(echo "$line" | sed -E 's/.* ([0-9]+) errors, ([0-9]+) leaks.*/\1 \2/')
            [ "$e" -gt 0 ] || e=1   # leaks only: count one failure
            if [ "$1" = runtest ] && [ $nothreads = 1 ] && grep -qa 'handling test/threads/.* failed' "$2"; then
              # the threads test's data (test/threads) is not in the dfsg
              # source: that group's error is the skipped threads test
              e=$((e-1)); n=$((n-1)); skipped=$((skipped+1)); echo "runtest: threads test skipped (no test/threads)"
            fi
            passed=$((passed + n - e)); failed=$((failed + e)); echo "$1: $((n-e)) passed, $e failed ($l leaks)" ;;
    *) failed=$((failed+1)); echo "$1: no summary (rc=$3)" ;;
  esac
}
one() { # one NAME RC
  if [ "$2" -eq 0 ]; then passed=$((passed+1)); echo "$1: passed"; else failed=$((failed+1)); echo "$1: FAILED rc=$2"; fi
}
# The dfsg source drops upstream's test/ and result/ (Debian bug 331534);
# only the files Debian's patches add are there.
nothreads=0; [ -d "$top/test/threads" ] || nothreads=1

for cfg in shared static; do
  mkdir -p "$top/$cfg" && cd "$top/$cfg" || fail mkdir
  if [ $cfg = shared ]; then opts="--enable-shared --enable-static"; else opts="--disable-shared --enable-static"; fi
  echo "=== $cfg: configure --with-history --with-icu --without-python $opts"
  ../configure CC="$CC" --with-history --with-icu --without-python $opts > configure.log 2>&1 || { cat configure.log config.log; fail configure-$cfg; }
  tail -30 configure.log
  echo "=== $cfg: make"
  make -j"$JOBS" V=1 > make.log 2>&1 || { tail -100 make.log; fail make-$cfg; }
  # `make check` = check_PROGRAMS + runtests, whose recipe chains runtest &&
  # testrecurse && testapi && testchar && testdict && runxmlconf, then
  # `make -C fuzz tests`. runtest fails here (threads test data missing,
  # see above), which would stop the chain, so the recipe's steps are run
  # one by one, each exactly as the recipe runs it.
  echo "=== $cfg: make check programs"
  progs=$(printf 'print-check:\n\t@echo $(check_PROGRAMS)\n' | make -s -f Makefile -f - print-check)
  { make -j"$JOBS" V=1 $progs && make -C fuzz -j"$JOBS" V=1 testFuzzer; } > check-build.log 2>&1 || { tail -50 check-build.log; fail make-check-programs-$cfg; }
  [ -d test ] || ln -s ../test test
  [ -d result ] || ln -s ../result result
  for p in runtest testrecurse testapi testchar testdict runxmlconf testcatalog; do
    echo "=== $cfg: ./$p"
    ./$p > $p.log 2>&1; rc=$?
    grep -avE '^(I/O |parse failed|Thread [0-9]+ handling|failed to load)' $p.log | tail -4
    case $p in
      runtest|testrecurse) total_line $p $p.log $rc ;;
      testapi) read -r n m < <(sed -nE 's/^Total: [0-9]+ functions, ([0-9]+) tests, ([0-9]+) errors.*/\1 \2/p' $p.log)
               if [ -n "${m:-}" ]; then
                 passed=$((passed + n - m)); failed=$((failed + m)); echo "testapi: $((n-m)) passed, $m failed"
                 [ $rc -eq 0 ] || [ $m -gt 0 ] || { failed=$((failed+1)); echo "testapi: rc=$rc"; }
               else failed=$((failed+1)); echo "testapi: no summary (rc=$rc)"; fi ;;
      runxmlconf) if grep -q '^Total 0 tests' $p.log; then skipped=$((skipped+1)); echo "runxmlconf: no xmlconf suite, skipped"
                  else total_line $p $p.log $rc; fi ;;
      *) one $p $rc ;;  # testchar, testdict, testcatalog (Debian's, not in runtests)
    esac
  done
  echo "=== $cfg: make -C fuzz tests"
  make -C fuzz V=1 tests > fuzz.log 2>&1; rc=$?
  grep -av '^libtool\|^/bin/bash\|^gcc\|^clang' fuzz.log | tail -5
  n=$(sed -nE 's/^Successfully tested ([0-9]+) inputs.*/\1/p' fuzz.log | tail -1)
  nomatch=$(grep -ac '^pattern seed/[a-z]*/\* matches no files$' fuzz.log)
  unexpected=$(sed -n '/^## Running fuzzer tests/,$p' fuzz.log | grep -av -e '^## Running fuzzer tests' \
    -e '^pattern seed/[a-z]*/\* matches no files$' -e '^make: Leaving directory' -e '^make: \*\*\* \[Makefile:[0-9]*: tests\] Error 1$')
  if [ -n "$n" ] && [ $rc -eq 0 ]; then passed=$((passed+n)); echo "testFuzzer: $n passed"
  elif [ $nomatch -gt 0 ] && [ -z "$unexpected" ]; then
    # No seeds for the fuzzers whose seed corpus comes from the missing
    # test/ tree (html, xml, xpath): testFuzzer runs the others (entity
    # loader test, regexp, schema, uri seeds) and exits 1 without its
    # "Successfully tested" line. One test passed, one skipped per fuzzer
    # without seeds.
    passed=$((passed+1)); skipped=$((skipped+nomatch)); echo "testFuzzer: passed (regexp/schema/uri seeds), $nomatch fuzzers without seeds skipped"
  else failed=$((failed+1)); echo "testFuzzer: FAILED rc=$rc"; printf '%s\n' "$unexpected"; fi
  check_links make.log check-build.log fuzz.log || fail unselected-linker-$cfg
  if [ $cfg = shared ]; then
    ls -l .libs/*.so*
    # The tests must run against the libxml2.so just linked.
    for p in runtest testapi xmllint fuzz/testFuzzer; do
      ./libtool --mode=execute ldd ./$p > ldd.${p##*/}.txt 2>&1
      cat ldd.${p##*/}.txt
      grep -q "libxml2.so.2 => $top/$cfg/.libs/libxml2.so.2" ldd.${p##*/}.txt || fail ${p##*/}-not-using-fresh-so
    done
  else
    ls -l .libs/*.a
    ls .libs/*.so* 2>/dev/null && fail static-build-made-so
    for p in runtest testapi xmllint fuzz/testFuzzer; do ldd ./$p | grep -q libxml2 && fail ${p##*/}-not-static; done
  fi
  echo "=== $cfg: so far passed=$passed failed=$failed skipped=$skipped links=$nlinks"
done
echo "RESULT build=ok passed=$passed failed=$failed skipped=$skipped note=shared+static,icu,links=$nlinks"
