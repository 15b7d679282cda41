#!/usr/bin/env bash
# source: libxml2
# libxml2 2.9.14 (Debian 12 source): autotools + libtool (autoreconf -fi as
# Debian's dh_autoreconf: the patches touch Makefile.am), configured like Debian's "main" flavour
# (--with-history --with-icu --without-python: no python bindings;
# hardening=+all, -Wall -O3). libxml2.so is linked with the libxml2.syms
# version script.
# Two configurations, each built out of tree with its own `make check`:
#   shared/  --enable-shared --enable-static: libxml2.so linked by the
#            selected linker; runtest & co. are libtool wrappers that run
#            .libs/<prog> against shared/.libs/libxml2.so (checked with
#            `libtool --mode=execute ldd`)
#   static/  --disable-shared: the programs link libxml2.a
# Tests: `make check` = runtests: runtest, testrecurse, testapi, testchar,
# testdict, runxmlconf, then fuzz/testFuzzer over the generated seed
# corpus. Counted per test where the program reports it: runtest and
# testrecurse ("Total N tests, M errors"), testapi ("N tests, M errors"),
# testFuzzer ("Successfully tested N inputs"); testchar and testdict count
# one each. runxmlconf needs the W3C xmlconf suite, which the source
# package does not ship: it runs 0 tests and counts as one skipped. Debian's
# patch 0034 builds testcatalog for `make check` but runtests does not run
# it; it is run here after make check (one test).
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

# Every compiler-driver command in a make log that links (has -o, no -c/-E/-S)
# must carry $LDSELECT. With libtool the real commands are the
# "libtool: link: ..." lines.
nlinks=0
check_links() {
  local lines bad
  lines=$(grep -hE "^(libtool: (link|relink): +)?($CC|gcc|cc|clang(-[0-9]+)?) " "$@" |
          grep -vE -- ' -(c|E|S|M|MM)( |$)' | grep -E -- ' -o ')
  bad=$(printf '%s\n' "$lines" | grep -v '^$' | grep -vF -- "$LDSELECT")
  if [ -n "$bad" ]; then
    echo "link lines without $LDSELECT:"; printf '%s\n' "$bad"; return 1
  fi
  nlinks=$((nlinks + $(printf '%s\n' "$lines" | grep -c -F -- "$LDSELECT")))
}

passed=0 failed=0 skipped=0
count_check() { # count_check LOG: the runtests output of one make check
  local log=$1 n m
  # runtest, testrecurse: "Total N tests, no errors" or "Total N tests,
  # M errors, K leaks". runtests chains the programs with &&, so the first
  # such line is runtest's, the second testrecurse's (runxmlconf's comes
  # after testdict's line).
  local i=0 prog line e l
  for prog in runtest testrecurse; do
    i=$((i+1))
    line=$(awk '/^dictionary tests/ {exit} /^Total [0-9]+ tests/ {print}' "$log" | sed -n ${i}p)
    n=$(echo "$line" | awk '{print $2}')
    case "$line" in
      *"no errors"*) passed=$((passed+n)); echo "$prog: $n passed" ;;
      Total*) read -r e l < <(echo "$line" | sed -E 's/.* ([0-9]+) errors, ([0-9]+) leaks.*/\1 \2/')
              [ "$e" -gt 0 ] || e=1   # leaks only: count one failure
              passed=$((passed + n - e)); failed=$((failed + e)); echo "$prog: $((n-e)) passed, $e failed ($l leaks)" ;;
      *) failed=$((failed+1)); echo "$prog: no summary (did not run or crashed)" ;;
    esac
  done
  # testapi: "Total: F functions, N tests, M errors"
  read -r n m < <(sed -nE 's/^Total: [0-9]+ functions, ([0-9]+) tests, ([0-9]+) errors.*/\1 \2/p' "$log")
  if [ -n "${m:-}" ]; then passed=$((passed + n - m)); failed=$((failed + m)); echo "testapi: $((n-m)) passed, $m failed"
  else failed=$((failed+1)); echo "testapi: no summary"; fi
  # testchar ends with "testing char range: 1 2 3 4 done"; testdict says
  # "dictionary tests succeeded"
  if grep -q '^testing char range: 1 2 3 4 done' "$log"; then passed=$((passed+1)); else failed=$((failed+1)); echo "testchar: failed"; fi
  if grep -q '^dictionary tests succeeded' "$log"; then passed=$((passed+1)); else failed=$((failed+1)); echo "testdict: failed"; fi
  # runxmlconf: "Total N tests, ..." after the testdict line
  line=$(awk '/^dictionary tests/ {on=1} on && /^Total [0-9]+ tests/ {print; exit}' "$log")
  case "$line" in
    "Total 0 tests"*) skipped=$((skipped+1)); echo "runxmlconf: no xmlconf suite, skipped" ;;
    *"no errors"*) n=$(echo "$line" | awk '{print $2}'); passed=$((passed+n)) ;;
    *) failed=$((failed+1)); echo "runxmlconf: $line" ;;
  esac
  # fuzz/testFuzzer: "Successfully tested N inputs"
  n=$(sed -nE 's/^Successfully tested ([0-9]+) inputs.*/\1/p' "$log" | tail -1)
  if [ -n "$n" ]; then passed=$((passed+n)); echo "testFuzzer: $n passed"; else failed=$((failed+1)); echo "testFuzzer: no summary"; fi
}

for cfg in shared static; do
  mkdir -p "$top/$cfg" && cd "$top/$cfg" || fail mkdir
  if [ $cfg = shared ]; then opts="--enable-shared --enable-static"; else opts="--disable-shared --enable-static"; fi
  echo "=== $cfg: configure --with-history --with-icu --without-python $opts"
  ../configure CC="$CC" --with-history --with-icu --without-python $opts > configure.log 2>&1 || { cat configure.log config.log; fail configure-$cfg; }
  tail -30 configure.log
  echo "=== $cfg: make"
  make -j"$JOBS" V=1 > make.log 2>&1 || { tail -100 make.log; fail make-$cfg; }
  echo "=== $cfg: make check"
  make -j"$JOBS" V=1 check > check.log 2>&1; rc=$?
  grep -vE '^(libtool: |/bin/bash |gcc |clang|make\[|depbase=|mv -f|rm -f|test -z|echo )' check.log | tail -80
  count_check check.log
  echo "=== $cfg: testcatalog"
  ./testcatalog > testcatalog.log 2>&1; trc=$?
  tail -5 testcatalog.log
  if [ $trc -eq 0 ]; then passed=$((passed+1)); else failed=$((failed+1)); echo "testcatalog: rc=$trc"; fi
  check_links make.log check.log || fail unselected-linker-$cfg
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
    for p in runtest testapi xmllint; do ldd ./$p | grep -q libxml2 && fail $p-not-static; done
  fi
  echo "=== $cfg: make check rc=$rc; so far passed=$passed failed=$failed skipped=$skipped"
  [ $rc -eq 0 ] || [ $failed -gt 0 ] || failed=$((failed+1))
done
echo "RESULT build=ok passed=$passed failed=$failed skipped=$skipped note=shared+static,icu,links=$nlinks"
