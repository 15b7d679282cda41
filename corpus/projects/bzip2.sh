#!/usr/bin/env bash
# source: bzip2
# bzip2 1.0.8 (Debian 12): the Makefile as patched by Debian (makefile.diff:
# builds libbz2.a, the shared libbz2.so.1.0.4 and links bzip2 against the
# shared library), with Debian's flags (dpkg-buildflags + -Winline,
# -D_REENTRANT -D_FILE_OFFSET_BITS=64). Static variants are linked here from
# libbz2.a: bzip2-static (PIE against libbz2.a, the way upstream's own
# Makefile links bzip2) and bzip2-fullstatic (-static, glibc too).
#
# Tests (each counted):
#   make-check                upstream `make check` (sample1-3 compress at
#                             -1/-2/-3 and decompress, compared byte for byte)
#   VARIANT-sampleN-{z,d}     the same sample tests per variant (shared,
#                             static, fullstatic), -d and -ds decompression
#   VARIANT-big-roundtrip     8 MB mixed data: compress -9, test (-t), decompress
#   VARIANT-interop           system bzip2 decompresses ours / we decompress its
#   bzip2recover              recover the intact blocks of a damaged file
#   dlltest                   upstream dlltest.c (BZ2_bzopen/bzread/bzwrite API)
#                             linked against the shared library
#   unzcrash                  upstream unzcrash.c (every 1-bit corruption of a
#                             small compressed buffer decompresses safely)
#   shared-uses-built-so      ldd: bzip2 and dlltest load ./libbz2.so.1.0
#   links-use-selected-linker every link line in the build log has LDSELECT
#   linker-fingerprint        every ELF output made by the selected linker (.comment)
set -uo pipefail
cd "$SRC"
. "${REPO:?}/corpus/lib.sh"   # t, result, fingerprint, check_links


CFLAGS="$(dpkg-buildflags --get CFLAGS) -Wall -Winline"
CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS) -D_REENTRANT -D_FILE_OFFSET_BITS=64"
LDFLAGS="$LDFLAGS $(dpkg-buildflags --get LDFLAGS)"
mk=(CC="$CC" CFLAGS="$CFLAGS" CPPFLAGS="$CPPFLAGS" LDFLAGS="$LDFLAGS")
echo "CC=$CC LDFLAGS=$LDFLAGS LINKER=$LINKER"

link() { echo "$CC $CFLAGS $CPPFLAGS $*"; $CC $CFLAGS $CPPFLAGS "$@"; }
{
  make -j"$JOBS" "${mk[@]}" libbz2.a bzip2 bzip2recover &&
  link $LDFLAGS -o bzip2-static bzip2.o libbz2.a &&
  link $LDFLAGS -static -o bzip2-fullstatic bzip2.o libbz2.a &&
  link $LDFLAGS -o dlltest dlltest.c -L. -lbz2 &&
  link $LDFLAGS -o unzcrash unzcrash.c libbz2.a
} 2>&1 | tee build.log
[ "${PIPESTATUS[0]}" -eq 0 ] && [ -f libbz2.so.1.0.4 ] && [ -f bzip2-fullstatic ] || result fail build

t links-use-selected-linker check_links build.log
t linker-fingerprint fingerprint

t make-check make "${mk[@]}" check
export LD_LIBRARY_PATH=$PWD
uses_so() { local o; o=$(ldd "$1"); echo "$o"; grep -q "libbz2.so.1.0 => $PWD/libbz2.so.1.0" <<<"$o"; }
t shared-uses-built-so uses_so ./bzip2
t shared-uses-built-so-dlltest uses_so ./dlltest
static_ok() { ! ldd "$1" 2>/dev/null | grep -q libbz2; }
t static-has-no-libbz2-dep static_ok ./bzip2-static

{ cat ./*.c ./*.h manual.ps 2>/dev/null; head -c 3000000 /dev/urandom; seq 1 400000; head -c 1500000 /dev/zero; } > data.in
for v in shared:bzip2 static:bzip2-static fullstatic:bzip2-fullstatic; do
  name=${v%%:*} b=./${v#*:}
  for i in 1 2 3; do
    t "$name-sample$i-z" eval "$b -$i < sample$i.ref | cmp - sample$i.bz2"
    t "$name-sample$i-d" eval "$b -d < sample$i.bz2 | cmp - sample$i.ref"
  done
  t "$name-sample3-ds" eval "$b -ds < sample3.bz2 | cmp - sample3.ref"
  t "$name-big-roundtrip" eval "$b -9 < data.in > data.$name.bz2 && $b -t data.$name.bz2 && $b -dc data.$name.bz2 | cmp - data.in"
  t "$name-interop" eval "bzip2 -dc data.$name.bz2 | cmp - data.in && bzip2 -c -5 < data.in | $b -d | cmp - data.in"
done

recover() { # damage the middle of a multi-block file, recover the other blocks
  rm -rf rec && mkdir rec && head -c 2500000 data.in > rec/f && ./bzip2 -1 rec/f &&
  printf 'XXXXXXXXXXXXXXXX' | dd of=rec/f.bz2 bs=1 seek=$(( $(stat -c %s rec/f.bz2) / 2 )) conv=notrunc status=none &&
  ! ./bzip2 -t rec/f.bz2 2>/dev/null &&
  ./bzip2recover rec/f.bz2 && n=$(ls rec/rec*f.bz2 | wc -l) && echo "bzip2recover: $n blocks" && [ "$n" -ge 3 ] &&
  ok=0 && for r in rec/rec*f.bz2; do ./bzip2 -t "$r" 2>/dev/null && ok=$((ok+1)); done && echo "intact: $ok" && [ "$ok" -eq $((n-1)) ]
}
t bzip2recover recover
dll() { ./dlltest -7 data.in data.dll.bz2 && ./dlltest -d data.dll.bz2 data.dll.out && cmp data.dll.out data.in && bzip2 -t data.dll.bz2; }
t dlltest dll
t unzcrash eval "head -c 300 words3 > crash.in && ./unzcrash crash.in 2> unzcrash.log; r=\$?; tail -1 unzcrash.log; [ \$r -eq 0 ]"

result ok "make-check+3-variants+recover+dlltest+unzcrash"
