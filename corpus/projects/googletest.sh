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

need=()
for p in cmake ninja-build python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 \
    --no-install-recommends "${need[@]}" || { echo "RESULT build=fail passed=0 failed=0 note=deps"; exit 0; }
fi

passed=0 failed=0 skipped=0 build=ok notes=()

# check_links BUILDDIR: every link command (has -o, no -c) carries $LDSELECT
check_links() {
  local n bad
  n=$(ninja -C "$1" -t commands | grep -v -- ' -c ' | grep -c -- ' -o ')
  bad=$(ninja -C "$1" -t commands | grep -v -- ' -c ' | grep -- ' -o ' | grep -v -c -F -- "$LDSELECT")
  echo "== $1: $n link commands, $bad without $LDSELECT"
  [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

# ctest_counts LOG: adds ctest's summary to passed/failed/skipped
ctest_counts() {
  local line total f s
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  [ -n "$line" ] || return 1
  total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed.*/\1/')
  s=$(grep -c -E '^ *[0-9]+ - .*\(Skipped\)' "$1")
  passed=$((passed + total - f - s)); failed=$((failed + f)); skipped=$((skipped + s))
}

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
  check_links "$b" || { build=fail; notes+=("$kind-ldselect-missing"); continue; }
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
