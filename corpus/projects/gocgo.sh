#!/usr/bin/env bash
# source: none
# gocgo: the cgo program in corpus/gocgo (no Debian source package; the
# driver hands us an empty $SRC and we copy the program into it). cgo with
# C->Go callbacks (also from C pthreads), C thread-local storage, static
# constructors with priorities, a plain C part using libm and
# function-pointer tables, a C shared library (libgcdso.so, with TLS) linked
# into the program, and os/user + net through cgo (getpwuid_r, getaddrinfo).
# The C compiler is a wrapper script ($SRC/cc-wrap) that adds $LDSELECT to
# every non-compile invocation, used both as CC (cgo's own _cgo_.o link and
# the C parts) and as -extld with -linkmode=external, so the final Go link is
# done by the selected linker. Three variants are built and run, each
# counted as one test: -buildmode=exe, -buildmode=pie, and -buildmode=c-shared
# (libgocgo.so) called from a C program. Each must print exactly
# corpus/gocgo/expected.txt (plus its trailer line).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gosrc=$(cd "${REPO:-$here/..}${REPO:+/corpus}/gocgo" && pwd)
: "${JOBS:=2}"
GO=${GO:-/usr/local/go/bin/go}
mkdir -p "$SRC" && cd "$SRC"
echo "== CC=$CC LDSELECT=$LDSELECT LINKER=$LINKER JOBS=$JOBS GO=$GO ($($GO version))"

rm -rf "$SRC/gocgo" && cp -a "$gosrc" "$SRC/gocgo"
wrap="$SRC/cc-wrap"
cat > "$wrap" <<EOF
#!/bin/sh
# compile-only invocations: plain $CC; anything that links: $CC $LDSELECT
for a in "\$@"; do
  case "\$a" in -c|-E|-S|-M|-MM) exec $CC "\$@" ;; esac
done
echo "$CC $LDSELECT \$*" >> "$SRC/links.log"
exec $CC $LDSELECT "\$@"
EOF
chmod +x "$wrap"
: > "$SRC/links.log"

export CC="$wrap" CGO_ENABLED=1 GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off \
  GOCACHE="$SRC/gocache" GOPATH="$SRC/gopath" GOTMPDIR="$SRC/gotmp" \
  CGO_CFLAGS="-O2 -g" CGO_LDFLAGS="-L$SRC/lib -Wl,-rpath,$SRC/lib"
mkdir -p "$SRC/lib" "$SRC/gotmp"
ldflags="-linkmode=external -extld=$wrap"

passed=0 failed=0 notes=()
pass() { passed=$((passed + 1)); echo "== PASS $1"; }
fail() { failed=$((failed + 1)); notes+=("$1"); echo "== FAIL $1"; }

# check NAME OUTPUTFILE TRAILER: output must be expected.txt + TRAILER
check() {
  if diff -u <(cat "$gosrc/expected.txt"; echo "$3") "$2"; then pass "$1"; else fail "$1"; fi
}

echo "== libgcdso.so"
if ! "$wrap" -O2 -g -fPIC -shared -Wl,-soname,libgcdso.so -o lib/libgcdso.so gocgo/dso/gcdso.c; then
  echo "RESULT build=fail passed=0 failed=0 note=libgcdso"; exit 0
fi
cd gocgo
build=ok
for mode in exe pie; do
  echo "== go build -buildmode=$mode"
  if "$GO" build -p "$JOBS" -x -buildmode=$mode -ldflags="$ldflags" -o "$SRC/gocgo-$mode" . 2>"$SRC/build-$mode.log"; then
    grep -E -- "-extld|cc-wrap" "$SRC/build-$mode.log" | tail -3
    readelf -h "$SRC/gocgo-$mode" | grep Type
    readelf -d "$SRC/gocgo-$mode" | grep -E 'NEEDED|RUNPATH|RPATH|FLAGS'
    "$SRC/gocgo-$mode" > "$SRC/out-$mode.txt" 2>&1
    echo "exit $?" >> "$SRC/out-$mode.txt"
    cat "$SRC/out-$mode.txt"
    check "$mode" "$SRC/out-$mode.txt" "$(printf 'gocgo: 0 failures\nexit 0')"
  else
    tail -30 "$SRC/build-$mode.log"; build=fail; fail "$mode-build"
  fi
done

echo "== go build -buildmode=c-shared"
if "$GO" build -p "$JOBS" -x -buildmode=c-shared -ldflags="$ldflags" -o "$SRC/lib/libgocgo.so" . 2>"$SRC/build-cshared.log" &&
   "$wrap" -O2 -g -I"$SRC/lib" -I. -o "$SRC/gocgo-cdriver" driver/main.c -L"$SRC/lib" -lgocgo -Wl,-rpath,"$SRC/lib"; then
  readelf -d "$SRC/lib/libgocgo.so" | grep -E 'NEEDED|SONAME|FLAGS'
  "$SRC/gocgo-cdriver" > "$SRC/out-cshared.txt" 2>&1
  echo "exit $?" >> "$SRC/out-cshared.txt"
  cat "$SRC/out-cshared.txt"
  check cshared "$SRC/out-cshared.txt" "$(printf 'cshared-goAdd  42\ngocgo-cshared: 0 failures\nexit 0')"
else
  tail -30 "$SRC/build-cshared.log"; build=fail; fail cshared-build
fi

# every link went through the wrapper with $LDSELECT: cgo's _cgo_.o links,
# the three final Go links (go.o) and the two C links
nlinks=$(wc -l < "$SRC/links.log")
ngo=$(grep -c 'go\.o' "$SRC/links.log")
echo "== $nlinks link invocations with $LDSELECT, $ngo of them final Go links"
[ "$ngo" -ge 3 ] || { build=fail; notes+=("go-links-not-via-wrapper"); }

note="exe+pie+c-shared,linkmode=external,$($GO env GOVERSION)"
[ ${#notes[@]} -gt 0 ] && note="$note,$(IFS=,; echo "${notes[*]}")"
echo "RESULT build=$build passed=$passed failed=$failed note=$note"
