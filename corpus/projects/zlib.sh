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
#   linker-fingerprint              no ELF output looks made by the other linker
set -uo pipefail
cd "$SRC"
pass=0 fail=0 failed=()
t() { # t NAME CMD...: run one test, count it
  local t_name=$1; shift
  if "$@"; then echo "TEST PASS $t_name"; pass=$((pass+1)); else echo "TEST FAIL $t_name"; fail=$((fail+1)); failed+=("$t_name"); fi
}
result() { echo "RESULT build=$1 passed=$pass failed=$fail note=$2"; exit 0; }

# elf_linker FILE: which linker's RW segment layout FILE has. rivet puts the
# RELRO part and the rest of .data/.bss in two RW PT_LOADs; ld.bfd uses one RW
# PT_LOAD whose first part is GNU_RELRO. Prints rivet, bfd or ? (can't tell).
elf_linker() {
  readelf -lW "$1" 2>/dev/null | awk '
    function hex(s,  i, v) { v = 0; s = tolower(substr(s, 3))
      for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
      return v }
    $1=="LOAD" && $7=="RW" { rw++; memsz=hex($6) }
    $1=="GNU_RELRO" { relro=hex($6) }
    END { if (rw>=2) print "rivet"; else if (rw==1 && relro>0 && memsz>relro) print "bfd"; else print "?" }'
}
fingerprint() { # every ELF executable/shared object under . made by $LINKER?
  local f k bad=0 n=0
  while IFS= read -r f; do
    readelf -h "$f" 2>/dev/null | grep -qE 'Type: +(EXEC|DYN)' || continue
    n=$((n+1)); k=$(elf_linker "$f")
    if [ "$k" != "?" ] && [ "$k" != "$LINKER" ]; then echo "fingerprint: $f looks linked by $k, not $LINKER"; bad=1; fi
  done < <(find . -type f \( -perm -u+x -o -name '*.so*' \) ! -name '*.sh' ! -name '*.o')
  echo "fingerprint: $n ELF outputs checked"
  [ $bad = 0 ] && [ $n -gt 0 ]
}
check_links() { # check_links LOG: every compiler-driver line that links has LDSELECT
  local n bad
  n=$(grep -E "^[^ ]*(gcc|clang)[^ ]*( .*)? -o [^ ]+" "$1" | grep -vE ' -c( |$)| -E( |$)| -S( |$)' | tee links.txt | wc -l)
  bad=$(grep -vF -- "$LDSELECT" links.txt | wc -l)
  echo "check_links: $n link commands, $bad without $LDSELECT"; grep -vF -- "$LDSELECT" links.txt
  [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

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

n=""; [ $fail -gt 0 ] && n=",failed:$(IFS=,; echo "${failed[*]}")"
result ok "make-test+test64+infcover+minizip+gzip-interop$n"
