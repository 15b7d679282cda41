#!/usr/bin/env bash
# make corpus: builds real projects from Debian 12 source packages with
# rivet as the linker for every link step, runs each project's own test
# suite, does the same with ld.bfd, and prints a table.
#
#   corpus/run.sh [--linkers "rivet bfd"] [--cc gcc|clang] [PROJECT...]
#
# Each project is corpus/projects/NAME.sh. The driver fetches its source
# once (apt-get source, cached in $CORPUS_DIR/src) and calls the script
# once per linker in a fresh copy of the tree, with:
#   SRC        the unpacked source tree to build in (a fresh copy)
#   LINKER     rivet | bfd
#   CC, CXX    compilers (gcc/g++ or clang-19/clang++-19) ...
#   LDSELECT   ... and the flag that selects the linker (also put in
#              LDFLAGS): -B<rivet>/libexec/rivet/ or --ld-path=..., or
#              -fuse-ld=bfd
#   JOBS       parallel build jobs
#   RIVET      the rivet binary
#   REPO       this repository (for projects whose sources live here;
#              such a script says `# source: none` and gets an empty SRC)
# The script builds and runs the project's tests and ends with one line:
#   RESULT build=ok|fail passed=N failed=M [skipped=K] [note=...]
# Logs: $CORPUS_DIR/logs/NAME.LINKER.CC.log. Each run's RESULT line is kept
# in $CORPUS_DIR/rows/NAME.LINKER.CC; corpus/table.sh prints the table of
# every row recorded so far (rivet and ld.bfd side by side).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
CORPUS_DIR=${CORPUS_DIR:-/var/tmp/rivet-corpus}
LINKERS="rivet bfd"
CCKIND=gcc
projects=()
while [ $# -gt 0 ]; do
  case "$1" in
    --linkers) LINKERS="$2"; shift 2 ;;
    --cc) CCKIND="$2"; shift 2 ;;
    *) projects+=("$1"); shift ;;
  esac
done
if [ ${#projects[@]} -eq 0 ]; then
  for f in "$here"/projects/*.sh; do projects+=("$(basename "$f" .sh)"); done
fi
bash "$here/setup.sh"
RIVET=${RIVET:-$repo/out/bin/rivet}
# gcc -B and clang --ld-path use the ld next to $RIVET (BIN/../libexec/rivet/ld),
# so RIVET=/somewhere/bin/rivet pins the binary while out/ is rebuilt.
RIVET_LIBEXEC="$(cd "$(dirname "$RIVET")/.." && pwd)/libexec/rivet"
[ -x "$RIVET" ] || { echo "corpus: $RIVET missing: run make build" >&2; exit 1; }
mkdir -p "$CORPUS_DIR/src" "$CORPUS_DIR/logs" "$CORPUS_DIR/build"
JOBS=${JOBS:-$(nproc)}
export JOBS RIVET

fetch() { # fetch PKG: unpack the Debian source package once
  local pkg=$1 d="$CORPUS_DIR/src/$1"
  if [ ! -f "$d/.fetched" ]; then
    rm -rf "$d"; mkdir -p "$d"
    (cd "$d" && apt-get source -qq "$pkg" >/dev/null 2>&1) || { echo "corpus: apt-get source $pkg failed" >&2; return 1; }
    touch "$d/.fetched"
  fi
  find "$d" -mindepth 1 -maxdepth 1 -type d | head -1
}
export -f fetch
export CORPUS_DIR

select_linker() { # select_linker LINKER -> sets CC CXX LDSELECT
  if [ "$CCKIND" = clang ]; then CC=clang-19; CXX=clang++-19; else CC=gcc; CXX=g++; fi
  case "$1" in
    rivet) if [ "$CCKIND" = clang ]; then LDSELECT="--ld-path=$RIVET_LIBEXEC/ld"; else LDSELECT="-B$RIVET_LIBEXEC/"; fi ;;
    bfd) LDSELECT="-fuse-ld=bfd" ;;
  esac
  export CC CXX LDSELECT LINKER=$1
}

devnull_ok() { [ -c /dev/null ] && [ "$(stat -c %t:%T /dev/null)" = 1:3 ]; }
restore_devnull() { rm -f /dev/null && mknod -m 666 /dev/null c 1 3; }

# The commit the rivet binary was built from (its --version says it).
rivet_commit=$("$RIVET" --version | sed -n '1s/^rivet [^ ]* (\([^)]*\)).*/\1/p')
rivet_commit=${rivet_commit:-unknown}
rows="$CORPUS_DIR/rows"
mkdir -p "$rows"
for p in "${projects[@]}"; do
  script="$here/projects/$p.sh"
  [ -f "$script" ] || { echo "corpus: no such project $p" >&2; continue; }
  for lk in $LINKERS; do
    select_linker "$lk"
    log="$CORPUS_DIR/logs/$p.$lk.$CCKIND.log"
    export SRC="$CORPUS_DIR/build/$p.$lk.$CCKIND"
    rm -rf "$SRC"
    # Test suites run as root here; one that replaces /dev/null with a
    # regular file breaks every later test that writes to it, so the
    # driver checks it before and after each run and names the culprit.
    devnull_ok || { echo "corpus: /dev/null is not the null device before $p/$lk; restoring it" >&2; restore_devnull; }
    t0=$(date +%s)
    line=$( ( source_pkg=$(grep -m1 '^# source:' "$script" | awk '{print $3}')
              if [ "$source_pkg" = none ]; then
                mkdir -p "$SRC"   # the project's sources live in this repo
              else
                orig=$(fetch "${source_pkg:-$p}") || exit 1
                cp -a "$orig" "$SRC"
              fi
              cd "$SRC" && LDFLAGS="$LDSELECT" REPO="$repo" bash "$script" ) > "$log" 2>&1; grep '^RESULT ' "$log" | tail -1)
    t1=$(date +%s)
    [ -n "$line" ] || line="RESULT build=fail passed=0 failed=0 note=no-result-line"
    if ! devnull_ok; then
      echo "corpus: $p/$lk replaced /dev/null; restoring it, result marked" >&2
      restore_devnull
      line="$line,clobbered-/dev/null"
    fi
    # One row file per project, linker and compiler, so that runs of single
    # projects add up to one table (corpus/table.sh).
    printf '%s %s %s %s %s %s\n' "$p" "$lk" "$CCKIND" "$((t1-t0))" "$rivet_commit" "$line" > "$rows/$p.$lk.$CCKIND"
    echo "corpus: $p $lk $CCKIND: ${line#RESULT } ($((t1-t0))s)"
  done
done
bash "$here/table.sh" "$rows"
echo "corpus: rows in $rows, logs in $CORPUS_DIR/logs"
