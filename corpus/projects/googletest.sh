#!/usr/bin/env bash
# source: googletest
# GoogleTest 1.12.1 (Debian 12 googletest): CMake + Ninja with
# gtest_build_tests, gmock_build_tests and gtest_build_samples ON, built
# twice: shared (BUILD_SHARED_LIBS=ON: libgtest.so, libgmock.so, ...) and
# static. ctest runs the C++ test programs and the Python-driven ones (which
# run further linked binaries). passed/failed/skipped are the sums of
# ctest's summaries. Before building, every link command in the ninja graph
# is checked to carry $LDSELECT.
set -uo pipefail
cd "$SRC"
: "${JOBS:=2}"
echo "== CC=$CC CXX=$CXX LDSELECT=$LDSELECT LINKER=$LINKER JOBS=$JOBS"

. "${REPO:?}/corpus/lib.sh"   # need_pkgs, check_ninja_links, ctest_counts
need_pkgs cmake ninja-build python3

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
      -Dgtest_build_tests=ON -Dgmock_build_tests=ON -Dgtest_build_samples=ON \
      -DPython3_EXECUTABLE=/usr/bin/python3; then
    build=fail; notes+=("$kind-configure"); continue
  fi
  check_ninja_links "$b" || { build=fail; notes+=("$kind-ldselect-missing"); continue; }
  echo "== build $kind"
  if ! ninja -C "$b" -v -j"$JOBS"; then
    build=fail; notes+=("$kind-build"); continue
  fi
  if [ "$kind" = shared ]; then
    # the tests must run against the freshly linked libgtest.so/libgmock.so
    t=$(find "$b" -name gmock-spec-builders_test -type f | head -1)
    readelf -d "$t" | grep -E 'NEEDED|RUNPATH|RPATH'
    LD_DEBUG=libs "$t" --gtest_list_tests 2>&1 | grep -F "calling init: $b/" | grep -E 'lib(gtest|gmock)' \
      || { build=fail; notes+=("shared-libs-not-used"); }
  fi
  echo "== test $kind"
  (cd "$b" && ctest --output-on-failure -j"$JOBS") 2>&1 | tee "$SRC/ctest-$kind.log"
  ctest_counts "$SRC/ctest-$kind.log" || { build=fail; notes+=("$kind-no-ctest-summary"); }
done

note="shared+static,gtest+gmock+samples,ctest"
[ ${#notes[@]} -gt 0 ] && note="$note,$(IFS=,; echo "${notes[*]}")"
echo "RESULT build=$build passed=$passed failed=$failed skipped=$skipped note=$note"
