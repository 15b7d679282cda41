#!/usr/bin/env bash
# source: fmtlib
# fmt 9.1.0 (Debian 12 fmtlib): CMake + Ninja, FMT_TEST=ON, FMT_PEDANTIC=ON
# (as debian/rules; adds the compile-error, find-package, add-subdirectory
# and static-export sub-builds, which inherit the linker through $LDFLAGS),
# built twice: shared (BUILD_SHARED_LIBS=ON, libfmt.so) and static
# (libfmt.a). The tests use the system googletest sources (Debian patch
# 0001), so gtest/gmock are compiled and linked in the same build. ctest is
# run for both; passed/failed/skipped are the sums of ctest's summaries.
# Before building, every link command in the ninja graph is checked to
# carry $LDSELECT.
set -uo pipefail
cd "$SRC"
: "${JOBS:=2}"
echo "== CC=$CC CXX=$CXX LDSELECT=$LDSELECT LINKER=$LINKER JOBS=$JOBS"

. "${REPO:?}/corpus/lib.sh"   # need_pkgs, check_ninja_links, ctest_counts
need_pkgs googletest cmake ninja-build

passed=0 failed=0 skipped=0 build=ok notes=()



for kind in shared static; do
  b="$SRC/build-$kind"
  shared=OFF; [ "$kind" = shared ] && shared=ON
  echo "== configure $kind"
  if ! cmake -S "$SRC" -B "$b" -G Ninja \
      -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_EXE_LINKER_FLAGS="$LDSELECT" \
      -DCMAKE_SHARED_LINKER_FLAGS="$LDSELECT" \
      -DCMAKE_MODULE_LINKER_FLAGS="$LDSELECT" \
      -DBUILD_SHARED_LIBS=$shared -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
      -DFMT_TEST=ON -DFMT_DOC=OFF -DFMT_PEDANTIC=ON; then
    build=fail; notes+=("$kind-configure"); continue
  fi
  check_ninja_links "$b" || { build=fail; notes+=("$kind-ldselect-missing"); continue; }
  echo "== build $kind"
  if ! ninja -C "$b" -v -j"$JOBS"; then
    build=fail; notes+=("$kind-build"); continue
  fi
  if [ "$kind" = shared ]; then
    # the tests must run against the freshly linked libfmt.so
    readelf -d "$b"/bin/format-test | grep -E 'NEEDED|RUNPATH|RPATH'
    LD_DEBUG=libs "$b"/bin/core-test --gtest_list_tests 2>&1 | grep -F "calling init: $b/libfmt" || { build=fail; notes+=("shared-libfmt-not-used"); }
  fi
  echo "== test $kind"
  (cd "$b" && ctest --output-on-failure -j"$JOBS") 2>&1 | tee "$SRC/ctest-$kind.log"
  ctest_counts "$SRC/ctest-$kind.log" || { build=fail; notes+=("$kind-no-ctest-summary"); }
done

note="shared+static,ctest"
[ ${#notes[@]} -gt 0 ] && note="$note,$(IFS=,; echo "${notes[*]}")"
echo "RESULT build=$build passed=$passed failed=$failed skipped=$skipped note=$note"
