#!/usr/bin/env bash
# corpus/table.sh [ROWS_DIR]: prints the corpus table (markdown) from the row
# files corpus/run.sh leaves in $CORPUS_DIR/rows, one line per project and
# compiler with rivet and ld.bfd side by side. A row file holds:
#   PROJECT LINKER CC SECONDS COMMIT RESULT build=.. passed=.. failed=.. [skipped=..] [note=..]
# "same" is yes when both linkers built the project and their passed and
# failed counts are equal; a test that fails with both shows in both columns.
set -uo pipefail
rows=${1:-${CORPUS_DIR:-/var/tmp/rivet-corpus}/rows}
[ -d "$rows" ] || { echo "corpus: no rows in $rows" >&2; exit 1; }
field() { # field ROWFILE KEY
  tr ' ' '\n' < "$1" | sed -n "s/^$2=//p" | head -1
}
build() { # build ROWFILE: ok, fail, or - when not run
  if [ -f "$1" ]; then field "$1" build; else echo -; fi
}
cell() { # cell ROWFILE: "passed / failed (skip K)", "-" when the build failed, "not run"
  local f=$1
  [ -f "$f" ] || { echo "not run"; return; }
  if [ "$(field "$f" build)" != ok ]; then echo "-"; return; fi
  local s; s=$(field "$f" skipped)
  printf '%s / %s%s' "$(field "$f" passed)" "$(field "$f" failed)" "${s:+ (skip $s)}"
}
echo "| project | cc | build rivet / ld.bfd | rivet passed / failed | ld.bfd passed / failed | same | rivet commit | notes |"
echo "|---|---|---|---|---|---|---|---|"
for f in "$rows"/*; do
  [ -f "$f" ] || continue
  read -r p _ cc _ < "$f"
  echo "$p $cc"
done | sort -u | while read -r p cc; do
  r="$rows/$p.rivet.$cc" b="$rows/$p.bfd.$cc"
  same=no
  if [ -f "$r" ] && [ -f "$b" ] && [ "$(field "$r" build)" = ok ] && [ "$(field "$b" build)" = ok ] &&
     [ "$(field "$r" passed)" = "$(field "$b" passed)" ] && [ "$(field "$r" failed)" = "$(field "$b" failed)" ]; then
    same=yes
  fi
  commit=-; [ -f "$r" ] && commit=$(awk '{print $5}' "$r")
  note=; [ -f "$r" ] && note=$(field "$r" note); [ -n "$note" ] || { [ -f "$b" ] && note=$(field "$b" note); }
  printf '| %s | %s | %s / %s | %s | %s | %s | %s | %s |\n' "$p" "$cc" "$(build "$r")" "$(build "$b")" "$(cell "$r")" "$(cell "$b")" "$same" "$commit" "$note"
done
