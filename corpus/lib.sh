# corpus/lib.sh: helpers shared by the project scripts (corpus/projects/*.sh),
# which source it as  . "$REPO/corpus/lib.sh"  (corpus/run.sh sets REPO,
# LINKER, LDSELECT and CC).

# need_pkgs PKG...: installs the Debian packages that are missing; when that
# fails the run ends with build=fail.
need_pkgs() {
  local p need=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 \
    --no-install-recommends "${need[@]}" || { echo "RESULT build=fail passed=0 failed=0 note=deps"; exit 0; }
}

# t NAME CMD...: runs one test and counts it in pass/fail; the names of
# failed tests go to the array failed_tests.
pass=0 fail=0 failed_tests=()
t() {
  local t_name=$1; shift
  if "$@"; then echo "TEST PASS $t_name"; pass=$((pass+1)); else echo "TEST FAIL $t_name"; fail=$((fail+1)); failed_tests+=("$t_name"); fi
}

# result BUILD NOTE: the RESULT line from t's counts (and $skip when the
# script counts skipped tests); the failed tests' names are added to NOTE.
result() {
  local n=$2
  [ ${#failed_tests[@]} -eq 0 ] || n="$n,failed:$(IFS=,; echo "${failed_tests[*]}")"
  echo "RESULT build=$1 passed=$pass failed=$fail${skip:+ skipped=$skip} note=$n"
  exit 0
}

# linked_by FILE: "rivet" when FILE's .comment names rivet as its linker
# (every rivet output says "Linker: rivet VERSION"), else "other".
linked_by() {
  if readelf -p .comment "$1" 2>/dev/null | grep -q 'Linker: rivet '; then echo rivet; else echo other; fi
}

# fingerprint [DIR...]: every ELF executable and shared object under the
# DIRs (default .) was written by $LINKER: rivet's outputs say so in
# .comment, ld.bfd's must not. Fails when there is none.
fingerprint() {
  local f k want bad=0 n=0
  want=$([ "$LINKER" = rivet ] && echo rivet || echo other)
  while IFS= read -r f; do
    readelf -h "$f" 2>/dev/null | grep -qE 'Type: +(EXEC|DYN)' || continue
    n=$((n+1)); k=$(linked_by "$f")
    if [ "$k" != "$want" ]; then echo "fingerprint: $f: .comment says linked by $k, want $LINKER"; bad=1; fi
  done < <(find "${@:-.}" -type f \( -perm -u+x -o -name '*.so*' \) ! -name '*.sh' ! -name '*.py' ! -name '*.o')
  echo "fingerprint: $n ELF outputs checked in ${*:-.}"
  [ $bad = 0 ] && [ $n -gt 0 ]
}

# check_links LOG...: every compiler-driver command in the build logs that
# links (has -o, none of -c/-E/-S/-M/-MM; libtool's "libtool: link: " and
# "libtool: relink: " prefixes stripped) carries $LDSELECT, and there is at
# least one. The link lines go to FIRST-LOG.links; nlinks counts them over
# all calls.
nlinks=0
check_links() {
  local n bad
  n=$(sed -E 's/^libtool: (link|relink): +//' "$@" |
      grep -E "^[^ ]*(gcc|g\+\+|cc|clang|clang\+\+)(-[0-9]+)? (.* )?-o " |
      grep -vE -- ' -(c|E|S|M|MM)( |$)' | tee "$1.links" | wc -l)
  bad=$(grep -vcF -- "$LDSELECT" "$1.links")
  echo "check_links: $n link commands in $*, $bad without $LDSELECT"; grep -vF -- "$LDSELECT" "$1.links"
  nlinks=$((nlinks + n))
  [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

# check_ninja_links BUILDDIR: the same for the commands of a ninja build
# graph, before building.
check_ninja_links() {
  local n bad
  n=$(ninja -C "$1" -t commands | grep -v -- ' -c ' | grep -- ' -o ' | tee "$1/links.txt" | wc -l)
  bad=$(grep -vcF -- "$LDSELECT" "$1/links.txt")
  echo "== $1: $n link commands, $bad without $LDSELECT"
  [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

# ctest_counts LOG: adds ctest's summary in LOG to passed/failed/skipped.
ctest_counts() {
  local line total f s
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  [ -n "$line" ] || return 1
  total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed.*/\1/')
  s=$(grep -c -E '^ *[0-9]+ - .*\(Skipped\)' "$1")
  passed=$((passed + total - f - s)); failed=$((failed + f)); skipped=$((skipped + s))
}
