#!/usr/bin/env bash
# source: lua5.4
# Lua 5.4.4 (Debian 12): built the way debian/rules does it: a libtool
# generated from debian/configure.ac, then the Debian-patched Makefile
# (`make linux-readline`, or upstream's `linux` target when readline's
# headers are missing). That builds the shared liblua5.4.so.0 and
# liblua5.4-c++.so.0 (the same sources compiled as C++; version script
# debian/version-script), and lua5.4/luac5.4 linked against the static
# liblua5.4.a with -Wl,-E and a version script (the static variant).
# libtool drops -B/--ld-path from LDFLAGS when it links a shared library, so
# the linker flag goes into CC/CXX (clang also gets -Qunused-arguments, for
# the rivet and bfd runs alike).
#
# The upstream test suite (lua-5.4.4-tests) is not in the Debian source, so
# corpus/projects/lua5.4-tests/ has our own, one count per check:
#   strings, tables, coroutines, math, io_os, load_pcall, gc  (.lua files)
#     run by lua5.4 (static liblua) and by lua5.4-shared (lua.c linked
#     against liblua5.4.so, through libtool's uninstalled wrapper)
#   cmodule.lua   a C module (cmod.so, -shared, not linked to liblua)
#                 loaded by require/package.loadlib in both interpreters
#   capi.c        the C API (allocator, stack, C functions and closures,
#                 userdata/metatables/user values, luaL_Buffer, registry,
#                 errors, lua_yieldk/lua_pcallk continuations, lua_resume,
#                 lua_dump/lua_load, warnings, gc, require of cmod.so) as
#                 capi (C, liblua5.4.so), capi-cxx (C++, liblua5.4-c++.so:
#                 Lua errors are C++ exceptions, RAII unwinding) and
#                 capi-static (liblua5.4.a, -Wl,-E for the module)
#   make-test (Debian's `make test`: lua5.4 -v), luac (-p, -l, compiled
#   chunks run), shared-uses-built-so, links-use-selected-linker,
#   linker-fingerprint
set -uo pipefail
cd "$SRC"
TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lua5.4-tests
. "${REPO:?}/corpus/lib.sh"   # t, result, fingerprint, check_links
counted() { # counted NAME CMD...: a program printing PASS x / FAIL x lines
  local name=$1; shift
  local out rc p f
  out=$("$@" 2>&1); rc=$?
  echo "$out" | sed "s/^/[$name] /"
  p=$(grep -c '^PASS ' <<<"$out"); f=$(grep -c '^FAIL ' <<<"$out")
  pass=$((pass+p)); fail=$((fail+f))
  if [ "$f" -gt 0 ]; then failed_tests+=("$name"); fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail=$((fail+1)); failed_tests+=("$name-exit$rc"); fi
  if [ "$p" -eq 0 ] && [ "$rc" -eq 0 ]; then fail=$((fail+1)); failed_tests+=("$name-no-checks"); fi
  echo "TEST $name: $p passed, $f failed, exit $rc"
}
run() { "$@" 2>&1 | tee -a "$SRC/all.log"; return "${PIPESTATUS[0]}"; }
show() { echo "$*" | tee -a "$SRC/all.log"; "$@" 2>&1 | tee -a "$SRC/all.log"; return "${PIPESTATUS[0]}"; }


case "$CC" in clang*) Q=-Qunused-arguments ;; *) Q= ;; esac
CCL="$CC $Q $LDSELECT" CXXL="$CXX $Q $LDSELECT"
CFLAGS="$(dpkg-buildflags --get CFLAGS)" CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)"
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS)"
LDFLAGS="$LDFLAGS $(dpkg-buildflags --get LDFLAGS)"
if [ -f /usr/include/readline/readline.h ]; then PLAT=linux-readline; else PLAT=linux; fi
echo "CC=$CCL CXX=$CXXL LDFLAGS=$LDFLAGS LINKER=$LINKER PLAT=$PLAT"
: > all.log
LIBTOOL=$SRC/debian/libtool/libtool

ok=1
{ mkdir -p debian/libtool && cp debian/configure.ac debian/libtool/ &&
  (cd debian/libtool && LIBTOOLIZE='libtoolize -i' autoreconf -f -i) &&
  (cd debian/libtool && ./configure CC="$CCL" CXX="$CXXL" CFLAGS="$CFLAGS" CXXFLAGS="$CXXFLAGS" CPPFLAGS="$CPPFLAGS" LDFLAGS="$LDFLAGS") &&
  printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
    "$(dpkg-architecture -qDEB_HOST_MULTIARCH)" > src/lua5.4-deb-multiarch.h
} > configure.log 2>&1 || { tail -30 configure.log; ok=0; }
grep -A1 -E 'supports shared libraries|whether to build shared' debian/libtool/config.log | grep -v '^--'
run make $PLAT MYLIBS= LIBTOOL="$LIBTOOL" CC="$CCL -std=gnu99" CXX="$CXXL" || ok=0
[ $ok = 1 ] && [ -f src/lua5.4 ] && [ -f src/luac5.4 ] || result fail build
have_so=1
[ -f src/.libs/liblua5.4.so.0 ] && [ -f src/.libs/liblua5.4-c++.so.0 ] || { have_so=0; echo "no shared liblua5.4 was built"; }

# our programs: an interpreter against the shared library, the C module, capi
mkdir -p t/modules
cp "$TESTS"/*.lua t/
(cd src && show "$LIBTOOL" --mode=link --tag=CC $CCL -std=gnu99 $LDFLAGS -o lua5.4-shared lua.lo liblua5.4.la -lm -ldl $([ $PLAT = linux-readline ] && echo -lreadline)) || ok=0
show $CCL $CFLAGS $CPPFLAGS -fPIC -Isrc $LDFLAGS -shared -o t/modules/cmod.so "$TESTS/cmod.c" || ok=0
show $CCL $CFLAGS $CPPFLAGS -Isrc $LDFLAGS -o t/capi "$TESTS/capi.c" -Lsrc/.libs -llua5.4 -lm || ok=0
show $CXXL $CXXFLAGS $CPPFLAGS -Isrc $LDFLAGS -x c++ -o t/capi-cxx "$TESTS/capi.c" -x none -Lsrc/.libs -llua5.4-c++ -lm || ok=0
show $CCL $CFLAGS $CPPFLAGS -Isrc $LDFLAGS -Wl,-E -o t/capi-static "$TESTS/capi.c" src/.libs/liblua5.4.a -lm -ldl || ok=0
[ $ok = 1 ] || result fail build-test-programs

t links-use-selected-linker check_links all.log
t linker-fingerprint fingerprint src t
so_of() { # so_of PROG LIB: PROG loads the freshly linked LIB
  local o; o=$(cd src && "$LIBTOOL" --mode=execute ldd "$1"); echo "$o"
  grep -q "$2 => $SRC/src/.libs/$2" <<<"$o"
}
t shared-uses-built-so-lua5.4-shared so_of ./lua5.4-shared liblua5.4.so.0
export LD_LIBRARY_PATH=$SRC/src/.libs
t shared-uses-built-so-capi so_of ../t/capi liblua5.4.so.0
t shared-uses-built-so-capi-cxx so_of ../t/capi-cxx liblua5.4-c++.so.0
static_ok() { ! ldd "$1" | grep -q liblua; }
t static-lua5.4-has-no-liblua-dep static_ok src/lua5.4
t static-capi-has-no-liblua-dep static_ok t/capi-static

t make-test run make test LIBTOOL="$LIBTOOL"
cd t
export LUA_PATH="$SRC/t/?.lua;;"
for interp in lua5.4 lua5.4-shared; do
  for f in strings tables coroutines math io_os load_pcall gc; do
    counted "$interp:$f" ../src/$interp $f.lua
  done
  counted "$interp:cmodule" ../src/$interp cmodule.lua "$SRC/t/modules"
done
counted capi ./capi "$SRC/t/modules"
counted capi-cxx ./capi-cxx "$SRC/t/modules"
counted capi-static ./capi-static "$SRC/t/modules"
luac_all() { for f in strings tables coroutines math gc; do ../src/luac5.4 -p $f.lua || return 1; done; }
t luac-parse luac_all
# grep reads the whole listing: with -q it would stop at the first match and,
# under pipefail, luac's SIGPIPE on a listing larger than the pipe would fail
# the test at random.
t luac-list eval "../src/luac5.4 -l -l -p math.lua | grep 'main <math.lua' >/dev/null"
t luac-compiled-run eval "../src/luac5.4 -s -o tables.luac tables.lua && ../src/lua5.4 tables.luac | tail -1 | grep -q ', 0 failed'"
t lua-e-and-stdin eval "[ \"\$(../src/lua5.4 -e 'x=6*7' -e 'print(x)')\" = 42 ] && [ \"\$(echo 'print(1+1)' | ../src/lua5.4 -)\" = 2 ]"
cd ..

note=own-tests:lua-scripts-x2-interps+cmodule+capi-C/C++/static+luac
st=ok; [ $have_so = 1 ] || { st=fail; note="$note,no-shared-liblua"; }
result $st "$note"
