#!/usr/bin/env bash
# source: zlib
# zlib 1.2.13 (Debian 12): upstream ./configure + make, which builds the
# static libz.a and the shared libz.so.1 (version script zlib.map) and links
# the test programs against both. Debian's compiler/linker flags
# (dpkg-buildflags: -O2 -g, stack protector, fortify, -z relro) are used.
#
# Tests (each counted):
#   teststatic, testshared, test64  upstream `make test test64` (example +
#                                   minigzip round trip; static, shared, LFS)
#   infcover                        upstream test/infcover.c (inflate coverage)
#   minizip                         contrib/minizip test (zip/unzip, shared libz)
#   gz-*                            minigzip{,sh,64} vs system gzip, both ways,
#                                   levels 1/6/9 and filtered/huffman/rle, 6 MB
#   shared-uses-built-so            ldd: the *sh programs load ./libz.so.1
#   links-use-selected-linker       every link line in the build log has LDSELECT
#   linker-fingerprint              every ELF output made by the selected linker (.comment)
set -uo pipefail
cd "$SRC"
. "${REPO:?}/corpus/lib.sh"   # t, result, fingerprint, check_links

CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS) -Wall -D_REENTRANT"
LDFLAGS="$LDFLAGS $(dpkg-buildflags --get LDFLAGS)"
echo "CC=$CC LDFLAGS=$LDFLAGS LINKER=$LINKER"

{
  CC="$CC" CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS" ./configure &&
  make -j"$JOBS" all all64 &&
  # upstream's infcover rule links with $(CC) $(CFLAGS) only (no LDFLAGS)
  make infcover CC="$CC $LDSELECT" &&
  make -C contrib/minizip CC="$CC" CFLAGS="$CFLAGS -I../.." LDFLAGS="$LDFLAGS -L../.. -lz"
} 2>&1 | tee build.log
[ "${PIPESTATUS[0]}" -eq 0 ] && [ -f libz.so.1 ] && [ -f libz.a ] || result fail build

t links-use-selected-linker check_links build.log
t linker-fingerprint fingerprint

t teststatic make teststatic
t testshared make testshared
t test64 make test64
t infcover ./infcover
export LD_LIBRARY_PATH=$PWD
t minizip make -C contrib/minizip test CC="$CC" CFLAGS="$CFLAGS -I../.." LDFLAGS="$LDFLAGS -L../.. -lz"
uses_so() { local o; o=$(ldd "$1"); echo "$o"; grep -q "libz.so.1 => $PWD/libz.so.1" <<<"$o"; }
t shared-uses-built-so uses_so ./minigzipsh
t shared-uses-built-so-example uses_so ./examplesh
t minizip-uses-built-so uses_so contrib/minizip/minizip

# interoperability with the system gzip on ~6 MB of mixed data
{ cat ./*.c ./*.h doc/* 2>/dev/null; head -c 2000000 /dev/urandom; seq 1 300000; head -c 1000000 /dev/zero; } > data.in
gz_ours_to_gzip() { # PROG OPTS: PROG compresses, gzip -d decompresses
  "$1" $2 < data.in > data.gz && gzip -dc data.gz | cmp - data.in
}
gz_gzip_to_ours() { # PROG LEVEL: gzip compresses, PROG decompresses
  gzip -c "$2" < data.in > data2.gz && "$1" -d < data2.gz | cmp - data.in
}
for p in minigzip minigzipsh minigzip64; do
  for o in -1 -6 -9 "-6 -f" "-6 -h" "-6 -r"; do
    t "gz-$p${o// /}-to-gzip" gz_ours_to_gzip ./$p "$o"
  done
  for l in -1 -9; do t "gz-gzip$l-to-$p" gz_gzip_to_ours ./$p $l; done
done

result ok "make-test+test64+infcover+minizip+gzip-interop"
