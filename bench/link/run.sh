#!/usr/bin/env bash
# bench/link/run.sh — rivet's link speed against ld.bfd, gold, lld and mold on
# the shared benchmark (../shared/bench: sqlite, llvm and clang workloads
# built from Debian packages), plus a determinism check on llvm.
#
#   make bench                       # = bash bench/link/run.sh
#   RUNS=9 WORKLOADS="llvm clang" bash bench/link/run.sh
#
# 1. Runs ../shared/bench/run.sh with its baselines (ld.bfd, gold, lld,
#    lld --threads=1, mold, mold --no-fork, mold --no-fork --thread-count=1)
#    and three rivet commands: the default (every CPU; large links run
#    detached, like mold's default fork), --no-fork (one process, like
#    mold --no-fork) and --threads=1. Every
#    linker is timed RUNS times per workload, alternating is the harness's
#    business (it runs each linker's runs back to back after one warm-up);
#    medians are reported, and every output must pass the workload's run
#    check (the linked program's own self-test).
# 2. Prints a markdown table from the harness's TSV with the ratios
#    rivet/mold (mold's default mode), rivet/lld, and rivet --threads=1 /
#    lld --threads=1, and writes it to bench/link/results.md with the date,
#    the machine and rivet's commit.
# 3. Links llvm with --threads=1 and with the default thread count and
#    compares the two outputs byte for byte (exit status 1 if they differ).
#
# Environment: BENCH_DIR (default /var/tmp/linkbench: the workloads take a
# while to build, so they are kept), RUNS (default 5), WORKLOADS (default
# "sqlite llvm clang"), BENCH_NICE (see ../shared/bench/lib.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="$(cd "$repo/../shared/bench" && pwd)"
export BENCH_DIR="${BENCH_DIR:-/var/tmp/linkbench}"
RUNS="${RUNS:-5}"
WORKLOADS="${WORKLOADS:-sqlite llvm clang}"
rivet="$repo/out/bin/rivet"
[ -x "$rivet" ] || { echo "bench: $rivet not built (run make build)" >&2; exit 1; }

before="$(ls "$BENCH_DIR"/results-*.tsv 2>/dev/null | tail -1 || true)"
bash "$shared/run.sh" -n "$RUNS" -W "$WORKLOADS" "$rivet" "$rivet --no-fork" "$rivet --threads=1"
tsv="$(ls "$BENCH_DIR"/results-*.tsv | tail -1)"
[ "$tsv" != "$before" ] || { echo "bench: the harness wrote no new results" >&2; exit 1; }

commit="$("$rivet" --version | sed -n 's/^rivet [^ ]* (\([^)]*\)).*/\1/p' | head -1)"
{
  echo "Link time on $(nproc) CPUs ($(uname -r)), $(date -u +%Y-%m-%d), rivet ${commit:-unknown},"
  echo "median of $RUNS runs each; wall and CPU in seconds, peak RSS in MiB."
  echo
  awk -F'\t' '
    NR == 1 { next }
    {
      w = $1; l = $2
      if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
      key = w SUBSEP l
      wall[key] = $3; cpu[key] = $6 + $7; rss[key] = $8 / 1024; check[key] = $14
      if (!((w, l) in have)) { have[w, l] = 1; lorder[w, ++nl[w]] = l }
    }
    function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "-" }
    END {
      print "| workload | linker | wall | CPU (user+sys) | peak RSS | check |"
      print "|---|---|---:|---:|---:|---|"
      for (i = 1; i <= nw; i++) {
        w = order[i]
        for (j = 1; j <= nl[w]; j++) {
          l = lorder[w, j]; k = w SUBSEP l
          printf "| %s | %s | %.3f | %.2f | %.0f | %s |\n", w, l, wall[k], cpu[k], rss[k], check[k]
        }
      }
      print ""
      print "| workload | rivet/mold wall | rivet/mold RSS | rivet/lld wall | rivet/lld RSS | rivet --no-fork / mold --no-fork | rivet --threads=1 / lld --threads=1 |"
      print "|---|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= nw; i++) {
        w = order[i]
        r = w SUBSEP "rivet"; m = w SUBSEP "mold"; d = w SUBSEP "lld"
        r1 = w SUBSEP "rivet_--threads=1"; d1 = w SUBSEP "lld-t1"
        rn = w SUBSEP "rivet_--no-fork"; mn = w SUBSEP "mold-nofork"
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", w, ratio(wall[r], wall[m]), ratio(rss[r], rss[m]),
          ratio(wall[r], wall[d]), ratio(rss[r], rss[d]), ratio(wall[rn], wall[mn]), ratio(wall[r1], wall[d1])
      }
    }' "$tsv"
} | tee "$here/results.md"

# Determinism: the same inputs at one thread and at every CPU.
if [[ " $WORKLOADS " == *" llvm "* ]]; then
  out1="$BENCH_DIR/out/llvm.determinism-t1"
  outn="$BENCH_DIR/out/llvm.determinism-default"
  (cd "$BENCH_DIR/llvm" && "$rivet" @link.rsp -o "$out1" --threads=1 && "$rivet" @link.rsp -o "$outn")
  if cmp -s "$out1" "$outn"; then
    msg="determinism: llvm linked with --threads=1 and with the default ($(nproc) threads): identical ($(stat -c %s "$out1") bytes)"
    printf '\n%s\n' "$msg" | tee -a "$here/results.md"
    rm -f "$out1" "$outn"
  else
    printf '\ndeterminism: llvm outputs differ: %s\n' "$(cmp "$out1" "$outn" | head -1)" | tee -a "$here/results.md"
    exit 1
  fi
fi
