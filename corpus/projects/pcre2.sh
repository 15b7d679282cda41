#!/usr/bin/env bash
# source: pcre2
# PCRE2 10.42 (Debian 12 source): autotools + libtool, 8/16/32-bit libraries,
# libpcre2-posix, JIT, pcre2grep with zlib/bzip2.
# Two configurations, each built out of tree with its own `make check`:
#   shared/  --enable-shared --enable-static: libpcre2-{8,16,32,posix}.so
#            linked by the selected linker; the test programs are libtool
#            wrappers that run .libs/<prog> against shared/.libs/*.so (checked
#            below with `libtool --mode=execute ldd`)
#   static/  --disable-shared: the test programs link libpcre2-*.a
# Tests (per configuration): pcre2posix_test, pcre2_jit_test, RunTest,
# RunGrepTest. RunTest's sub-tests are counted one by one (each "OK" line is
# one input file in one mode: interpreter / JIT / DFA), the other three count
# as one test each; RunTest's "Skipped ..." sub-tests count as skipped.
# The compiler flags are Debian's (dpkg-buildflags with hardening=+all:
# -z relro -z now, stack protector, fortify).
set -uo pipefail
top=$PWD
fail() { echo "RESULT build=fail passed=0 failed=0 note=$1"; exit 1; }

# libtool before 2.5 keeps only a fixed list of compiler-driver flags
# (-fuse-ld=* is in it, -B<dir>/ and --ld-path= are not) on the commands
# that link shared libraries, so without this the .so files would be linked
# by the default ld. Teach this tree's ltmain.sh to pass them through.
sed -i 's/^\([[:space:]]*\)-64|-mips\[0-9\]|/\1-B*|--ld-path=*|-64|-mips[0-9]|/' ltmain.sh
grep -q -- '-B\*|--ld-path=\*|-64' ltmain.sh || fail ltmain-patch-failed

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) -Dregcomp=PCRE2regcomp -Dregexec=PCRE2regexec -Dregerror=PCRE2regerror -Dregfree=PCRE2regfree"
CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS) $LDSELECT"
export CFLAGS CPPFLAGS LDFLAGS


. "${REPO:?}/corpus/lib.sh"   # check_links, nlinks
passed=0 failed=0 skipped=0
count_check() { # count_check DIR: per-test results of one `make check`
  local d=$1 t rs
  for t in pcre2posix_test pcre2_jit_test RunGrepTest; do
    [ -f "$d/$t.trs" ] || { failed=$((failed+1)); echo "$d: $t did not run"; continue; }
    rs=$(sed -n 's/^:test-result: //p' "$d/$t.trs")
    case "$rs" in
      PASS) passed=$((passed+1)) ;;
      SKIP) skipped=$((skipped+1)) ;;
      *) failed=$((failed+1)); echo "$d: $t $rs" ;;
    esac
  done
  # RunTest prints "Test N: title" then "  OK", "  OK with JIT",
  # "  OK with dfa", ... per mode; a failing mode stops it at the diff.
  local ok
  ok=$(grep -cE '^  OK' "$d/RunTest.log")
  passed=$((passed + ok))
  rs=$(sed -n 's/^:test-result: //p' "$d/RunTest.trs" 2>/dev/null)
  [ "$rs" = PASS ] || { failed=$((failed+1)); echo "$d: RunTest ${rs:-did-not-run}"; }
  # Sub-tests that do not apply to this configuration ("Skipped when
  # running 8-bit tests", "Skipped because JIT is available") and the
  # locale test (no fr_FR locale installed) count as skipped.
  skipped=$((skipped + $(grep -cE '^  Skipped' "$d/RunTest.log") + $(grep -c '^Cannot test locale-specific' "$d/RunTest.log")))
}

common="--enable-pcre2-16 --enable-pcre2-32 --enable-jit --enable-pcre2grep-libz --enable-pcre2grep-libbz2 --enable-pcre2test-libreadline"
for cfg in shared static; do
  mkdir -p "$top/$cfg" && cd "$top/$cfg" || fail mkdir
  if [ $cfg = shared ]; then opts="--enable-shared --enable-static"; else opts="--disable-shared --enable-static"; fi
  echo "=== $cfg: configure $common $opts"
  ../configure CC="$CC" $common $opts > configure.log 2>&1 || { cat configure.log config.log; fail configure-$cfg; }
  tail -40 configure.log
  echo "=== $cfg: make"
  make -j"$JOBS" V=1 > make.log 2>&1 || { tail -100 make.log; fail make-$cfg; }
  echo "=== $cfg: make check"
  make -j"$JOBS" V=1 check > check.log 2>&1; rc=$?
  tail -30 check.log
  cat test-suite.log
  check_links make.log check.log || fail unselected-linker-$cfg
  if [ $cfg = shared ]; then
    ls -l .libs/*.so*
    # The test programs must run against the .so files just linked.
    for p in pcre2test pcre2grep pcre2_jit_test pcre2posix_test; do
      ./libtool --mode=execute ldd ./$p > ldd.$p.txt 2>&1
      cat ldd.$p.txt
      grep -q "libpcre2-8.so.0 => $top/$cfg/.libs/libpcre2-8.so.0" ldd.$p.txt || fail $p-not-using-fresh-so
    done
  else
    ls -l .libs/*.a
    ls .libs/*.so* 2>/dev/null && fail static-build-made-so
    for p in pcre2test pcre2grep; do
      ldd ./$p | grep -q libpcre2 && fail $p-not-static
    done
  fi
  count_check "$top/$cfg"
  echo "=== $cfg: make check rc=$rc; so far passed=$passed failed=$failed skipped=$skipped"
  [ $rc -eq 0 ] || [ $failed -gt 0 ] || failed=$((failed+1))
done
echo "RESULT build=ok passed=$passed failed=$failed skipped=$skipped note=shared+static,8/16/32bit+JIT,links=$nlinks"
