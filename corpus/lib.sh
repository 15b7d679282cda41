# corpus/lib.sh: helpers shared by the project scripts (corpus/projects/*.sh),
# which source it as  . "$REPO/corpus/lib.sh"  (corpus/run.sh sets REPO,
# LINKER and LDSELECT).

# t NAME CMD...: runs one test and counts it in pass/fail; failed names go
# to the array failed.
pass=0 fail=0 failed=()
t() {
  local t_name=$1; shift
  if "$@"; then echo "TEST PASS $t_name"; pass=$((pass+1)); else echo "TEST FAIL $t_name"; fail=$((fail+1)); failed+=("$t_name"); fi
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

# check_links LOG: every compiler-driver command in the build log LOG that
# links (has -o, none of -c/-E/-S; libtool's "libtool: link: " prefix
# stripped) carries $LDSELECT. The link lines go to LOG.links.
check_links() {
  local n bad
  n=$(sed 's/^libtool: link: //' "$1" | grep -E "^[^ ]*(gcc|g\+\+|clang|clang\+\+)[^ ]*( .*)? -o [^ ]+" | grep -vE ' -c( |$)| -E( |$)| -S( |$)' | tee "$1.links" | wc -l)
  bad=$(grep -vF -- "$LDSELECT" "$1.links" | wc -l)
  echo "check_links: $n link commands in $1, $bad without $LDSELECT"; grep -vF -- "$LDSELECT" "$1.links"
  [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}
