#!/usr/bin/env bash
# bench/tls/run.sh — cost of one TLS access per model, before and after
# rivet's TLS relaxation, with ld.bfd for reference.
#
#   make build && bash bench/tls/run.sh
#
# Prints a markdown table and writes it to bench/tls/results.md.
# Environment: CC (default gcc), ROUNDS (processes per binary, default 21),
# ITERS (accesses per timed loop, default 200000), REPS (timed loops per
# process, default 21), BEFORE (auto, flag or shlib: how "before" is built,
# default auto), KEEP=1 (keep the temporary build directory).
#
# Method (see tlsaccess.c): touch_<model>(n) calls a noinline function that
# does one full TLS access (read + increment of a __thread int) n times;
# touch_base(n) is the same loop on a plain static global. Each process
# reports the median over REPS of (TLS loop - baseline loop) / n, and the
# table gives the median over ROUNDS processes, pinned to CPU 0.
#
# "before": the executable linked by rivet with -Wl,--no-tls-relax; when this
# rivet has no such option, the same access object linked by rivet into a
# shared library (rivet never relaxes TLS there) that the executable calls
# (local-exec cannot live in a shared library, so its "before" is its "after").
# "after": linked by rivet into a PIE (relaxed). "bfd": linked by ld.bfd into
# a PIE (relaxed too). "relaxed to" is rivet's -Wl,--stats for the "after"
# link, cross-checked against the disassembly of the access function.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RIVET=$ROOT/out/bin/rivet
RIVET_B=$ROOT/out/libexec/rivet/
CC=${CC:-gcc}
ROUNDS=${ROUNDS:-21}
ITERS=${ITERS:-200000}
REPS=${REPS:-21}
RESULTS=$HERE/results.md

die() { echo "bench-tls: $*" >&2; exit 1; }

[ -x "$RIVET" ] && [ -e "$RIVET_B/ld" ] || die "rivet not built: run 'make build' first"
command -v "$CC" >/dev/null || die "$CC not found"
command -v objdump >/dev/null || die "objdump not found (binutils)"
[ "$(uname -m)" = x86_64 ] || die "x86-64 only"
HAVE_BFD=1
echo 'int main(void){return 0;}' | "$CC" -x c - -fuse-ld=bfd -o /dev/null 2>/dev/null || HAVE_BFD=0

# BEFORE=shlib forces the shared-library fallback (to test it).
help=$("$RIVET" --help 2>&1 || true)
case ${BEFORE:-auto} in
flag | shlib) MODE=$BEFORE ;;
auto) if grep -q -- '--no-tls-relax' <<<"$help"; then MODE=flag; else MODE=shlib; fi ;;
*) die "BEFORE must be auto, flag or shlib" ;;
esac

PIN=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then
	PIN=(taskset -c 0)
fi

B=$(mktemp -d "${TMPDIR:-/tmp}/rivet-bench-tls.XXXXXX")
if [ -n "${KEEP:-}" ]; then
	echo "bench-tls: keeping $B" >&2
else
	trap 'rm -rf "$B"' EXIT
fi
mkdir -p "$B/rivet" "$B/bfd"

CFLAGS=(-O2 -fPIC -falign-functions=64)
LINK_RIVET=(-B"$RIVET_B")
LINK_BFD=(-fuse-ld=bfd)

# Rows: id model dialect. Model names map to tlsaccess.c's MODEL_* macros.
ROWS=(
	"gd-gnu    gd  gnu"
	"gd-gnu2   gd  gnu2"
	"ld-gnu    ld  gnu"
	"ld-gnu2   ld  gnu2"
	"ie        ie  -"
	"le        le  -"
	"le-reg    le  -"
	"gdx-gnu   gdx gnu"
	"gdx-gnu2  gdx gnu2"
)
model_name() {
	case $1 in
	gd) echo "global-dynamic" ;;
	gdx) echo "global-dynamic, var in a .so" ;;
	ld) echo "local-dynamic" ;;
	ie) echo "initial-exec" ;;
	le) echo "local-exec" ;;
	le-reg) echo "local-exec, \`-mno-tls-direct-seg-refs\` (control)" ;;
	esac
}
dialect_name() {
	case $1 in
	gnu) echo "gnu" ;;
	gnu2) echo "gnu2 (TLSDESC)" ;;
	*) echo "—" ;;
	esac
}
# The code shape of an unrelaxed access of this model/dialect.
unrelaxed_shape() {
	case $1/$2 in
	gd/gnu | gdx/gnu | ld/gnu) echo "__tls_get_addr call" ;;
	*/gnu2) echo "TLSDESC call" ;;
	ie/*) echo "IE" ;;
	le/*) echo "LE" ;;
	esac
}
# Relocations the compiler must have emitted in acc_tls.
expected_relocs() {
	case $1/$2 in
	gd/gnu | gdx/gnu) echo "R_X86_64_TLSGD __tls_get_addr" ;;
	ld/gnu) echo "R_X86_64_TLSLD __tls_get_addr R_X86_64_DTPOFF32" ;;
	*/gnu2) echo "R_X86_64_GOTPC32_TLSDESC R_X86_64_TLSDESC_CALL" ;;
	ie/*) echo "R_X86_64_GOTTPOFF" ;;
	le/*) echo "R_X86_64_TPOFF32" ;;
	esac
}

# Disassembly of function $2 in file $1.
func_disasm() {
	objdump -dr --no-show-raw-insn "$1" | awk -v f="<$2>:" '
		$2 == f { on = 1; next }
		on && /^[0-9a-f]+ <.*>:$/ { on = 0 }
		on && NF { print }'
}
# Code shape of the TLS access in acc_tls of a linked file.
shape_of() {
	local d
	d=$(func_disasm "$1" acc_tls)
	[ -n "$d" ] || { echo "?"; return; }
	if grep -q 'call.*\*(%rax)' <<<"$d"; then
		echo "TLSDESC call"
	elif grep -q 'call' <<<"$d"; then
		echo "__tls_get_addr call"
	elif grep -q '%fs:' <<<"$d" && grep -q '(%rip)' <<<"$d"; then
		echo "IE"
	elif grep -q '%fs:' <<<"$d"; then
		echo "LE"
	else
		echo "?"
	fi
}
# "relaxed to" from rivet --stats output: the actions of the TLS access kinds.
stats_relaxed_to() {
	awk '$1 ~ /^(tls-gd|tls-ld|tls-desc|gottp-off)$/ && $2 ~ /^tls:/ { sub(/^tls:/, "", $2); a[$2] = 1 }
		END {
			n = 0; s = ""
			for (k in a) { n++; s = s (s == "" ? "" : "+") k }
			print (n == 0 ? "none" : s)
		}' "$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") { print "n/a"; exit } s = sprintf("%.2f", x); if (s == "-0.00") s = "0.00"; print s }'; }

echo "bench-tls: building in $B (mode: $MODE)" >&2

# ---- build -----------------------------------------------------------------
"$CC" "${CFLAGS[@]}" -c "$HERE/tlsvar.c" -o "$B/tlsvar.o"
"$CC" "${LINK_RIVET[@]}" -shared "$B/tlsvar.o" -o "$B/rivet/libtlsvar.so"
if [ $HAVE_BFD = 1 ]; then
	"$CC" "${LINK_BFD[@]}" -shared "$B/tlsvar.o" -o "$B/bfd/libtlsvar.so"
fi

BINS=()
for row in "${ROWS[@]}"; do
	read -r id m d <<<"$row"
	M=$(tr a-z A-Z <<<"$m")
	dflags=()
	[ "$d" = gnu2 ] && dflags=(-mtls-dialect=gnu2)
	[ "$d" = gnu ] && dflags=(-mtls-dialect=gnu)
	# Control row: the same local-exec access, but through a register
	# (mov %fs:0,%rax; ... off(%rax)) instead of a direct %fs:off operand,
	# which is the form the linkers' relaxations produce.
	[ "$id" = le-reg ] && dflags=(-mno-tls-direct-seg-refs)
	"$CC" "${CFLAGS[@]}" "${dflags[@]}" -DMODEL_"$M" -c "$HERE/tlsaccess.c" -o "$B/acc-$id.o"
	"$CC" "${CFLAGS[@]}" -DTOUCH=touch_"$m" -c "$HERE/tlsbench.c" -o "$B/main-$id.o"

	# The object code must be what we mean to measure: the TLS access inside
	# acc_tls with the model's relocations, and a call to it in every loop
	# iteration of touch_<model> (no hoisted address computation).
	acc=$(func_disasm "$B/acc-$id.o" acc_tls)
	for r in $(expected_relocs "$m" "$d"); do
		grep -q "$r" <<<"$acc" || die "$id: acc_tls lacks $r:"$'\n'"$acc"
	done
	loop=$(func_disasm "$B/acc-$id.o" touch_"$m")
	grep -q 'call.*<acc_tls>' <<<"$loop" || die "$id: touch_$m does not call acc_tls:"$'\n'"$loop"
	if grep -Eq 'TLS|TPOFF|__tls_get_addr' <<<"$loop"; then
		die "$id: TLS access hoisted into touch_$m:"$'\n'"$loop"
	fi

	libs_r=() libs_b=()
	if [ "$m" = gdx ]; then
		libs_r=(-L"$B/rivet" -ltlsvar -Wl,-rpath,"$B/rivet")
		libs_b=(-L"$B/bfd" -ltlsvar -Wl,-rpath,"$B/bfd")
	fi

	# after: rivet, PIE, relaxed.
	"$CC" "${LINK_RIVET[@]}" -pie -pthread "$B/main-$id.o" "$B/acc-$id.o" "${libs_r[@]}" \
		-o "$B/after-$id" -Wl,--stats 2>"$B/stats-after-$id" ||
		{ cat "$B/stats-after-$id" >&2; die "$id: rivet link failed"; }
	BINS+=("after-$id")

	# before: unrelaxed.
	if [ $MODE = flag ]; then
		"$CC" "${LINK_RIVET[@]}" -pie -pthread "$B/main-$id.o" "$B/acc-$id.o" "${libs_r[@]}" \
			-Wl,--no-tls-relax -o "$B/before-$id" -Wl,--stats 2>"$B/stats-before-$id" ||
			{ cat "$B/stats-before-$id" >&2; die "$id: rivet --no-tls-relax link failed"; }
		BINS+=("before-$id")
	elif [ "$m" != le ]; then
		"$CC" "${LINK_RIVET[@]}" -shared "$B/acc-$id.o" "${libs_r[@]}" \
			-o "$B/rivet/libacc-$id.so" -Wl,--stats 2>"$B/stats-before-$id" ||
			{ cat "$B/stats-before-$id" >&2; die "$id: rivet -shared link failed"; }
		"$CC" "${LINK_RIVET[@]}" -pie -pthread "$B/main-$id.o" -L"$B/rivet" -lacc-"$id" \
			"${libs_r[@]}" -Wl,-rpath,"$B/rivet" -o "$B/before-$id" ||
			die "$id: rivet link of the shared-library harness failed"
		BINS+=("before-$id")
	fi

	# bfd: reference, PIE, relaxed.
	if [ $HAVE_BFD = 1 ]; then
		"$CC" "${LINK_BFD[@]}" -pie -pthread "$B/main-$id.o" "$B/acc-$id.o" "${libs_b[@]}" \
			-o "$B/bfd-$id" || die "$id: ld.bfd link failed"
		BINS+=("bfd-$id")
	fi
done

# Every binary must pass its own TLS checks before it is timed.
for b in "${BINS[@]}"; do
	"$B/$b" 1000 1 >/dev/null || die "$b: TLS check failed (see above)"
done

# ---- measure ---------------------------------------------------------------
echo "bench-tls: measuring ${#BINS[@]} binaries, $ROUNDS rounds x $REPS loops x $ITERS accesses${PIN:+, pinned to CPU 0}" >&2
start=$SECONDS
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
for ((round = 0; round < ROUNDS; round++)); do
	# Rotate the order each round so drift does not favour one binary.
	n=${#BINS[@]}
	for ((k = 0; k < n; k++)); do
		b=${BINS[$(((k + round * 3) % n))]}
		out=$("${PIN[@]}" "$B/$b" "$ITERS" "$REPS") || die "$b failed"
		sed -n 's/.*diff=\([-0-9.]*\).*/\1/p' <<<"$out" >>"$B/res-$b"
		sed -n 's/.*base=\([-0-9.]*\).*/\1/p' <<<"$out" >>"$B/base-$b"
	done
done
elapsed=$((SECONDS - start))
load_end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')

# ---- report ----------------------------------------------------------------
res() { [ -s "$B/res-$1" ] && median <"$B/res-$1" || echo nan; }
# Spread of the per-process medians: "min–max".
spread() {
	[ -s "$B/res-$1" ] || { echo n/a; return; }
	sort -g "$B/res-$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f\n", lo, hi }'
}

notes=()
table="| model | dialect | before (ns) | after (ns) | relaxed to | bfd (ns) |
|---|---|---:|---:|---|---:|"
shapes="| model | dialect | before: code | after: code | bfd: code | spread before / after / bfd (ns) |
|---|---|---|---|---|---|"
for row in "${ROWS[@]}"; do
	read -r id m d <<<"$row"
	after=$(fmt "$(res "after-$id")")
	bfd=n/a
	bfd_shape=n/a
	if [ $HAVE_BFD = 1 ]; then
		bfd=$(fmt "$(res "bfd-$id")")
		bfd_shape=$(shape_of "$B/bfd-$id")
	fi
	after_shape=$(shape_of "$B/after-$id")
	want=$(unrelaxed_shape "$m" "$d")

	if [ -e "$B/before-$id" ]; then
		before=$(fmt "$(res "before-$id")")
		if [ $MODE = flag ]; then
			before_shape=$(shape_of "$B/before-$id")
		else
			before_shape="$(shape_of "$B/rivet/libacc-$id.so") (.so)"
		fi
		if [ "${before_shape% (.so)}" != "$want" ]; then
			before="$before ⚠"
			notes+=("⚠ $id: the \"before\" access is $before_shape, expected $want (not unrelaxed).")
		fi
	else
		before="$after (= after)"
		before_shape="n/a"
	fi

	st=$(stats_relaxed_to "$B/stats-after-$id")
	case $st in
	to-le) rel=LE ;;
	to-ie) rel=IE ;;
	keep) rel="— (kept)" ;;
	none) rel="— (nothing to relax)" ;;
	*) rel="$st" ;;
	esac
	# Cross-check with the code.
	case $st in
	to-le) [ "$after_shape" = LE ] || { rel="$rel ⚠"; notes+=("⚠ $id: --stats says to-le but the code is $after_shape."); } ;;
	to-ie) [ "$after_shape" = IE ] || { rel="$rel ⚠"; notes+=("⚠ $id: --stats says to-ie but the code is $after_shape."); } ;;
	keep | none) [ "$after_shape" = "$want" ] || { rel="$rel ⚠"; notes+=("⚠ $id: --stats says $st but the code is $after_shape."); } ;;
	esac

	sp=()
	for v in before after bfd; do
		if [ -e "$B/$v-$id" ]; then
			sp+=("$(spread "$v-$id")")
		else
			sp+=("n/a")
		fi
	done
	name=$(model_name "$m")
	[ "$id" = le-reg ] && name=$(model_name le-reg)
	table+=$'\n'"| $name | $(dialect_name "$d") | $before | $after | $rel | $bfd |"
	shapes+=$'\n'"| $name | $(dialect_name "$d") | $before_shape | $after_shape | $bfd_shape | ${sp[0]} / ${sp[1]} / ${sp[2]} |"
done

base_all=$(cat "$B"/base-* | median)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
glibc=$(ldd --version 2>/dev/null | sed -n '1s/.* //p' || true)
ccver=$("$CC" --version 2>/dev/null | sed -n 1p || true)
if [ $MODE = flag ]; then
	before_desc="rivet \`-Wl,--no-tls-relax\`, PIE"
else
	before_desc="**fallback**: this rivet has no \`--no-tls-relax\`, so the access code is linked by rivet into a shared library (never relaxed) that the PIE calls; local-exec cannot be in a shared library, so its \"before\" is its \"after\""
fi

report="$table

ns per TLS access (read + increment of a \`__thread int\`), minus the same loop on a plain global
(baseline loop: $(fmt "$base_all") ns/iteration, a call + increment). Median of $ROUNDS processes x median of $REPS loops x $ITERS accesses${PIN:+, pinned with \`taskset -c 0\`}.
before = $before_desc; after = rivet, PIE (relaxed); bfd = ld.bfd, PIE (relaxed); relaxed to = rivet \`--stats\` of the after link, checked against the disassembly.
$ccver, glibc $glibc, ${cpu:-unknown CPU}, $(nproc) CPUs, load average $load_start before and $load_end after measuring (${elapsed}s).

Code of the access as linked, and the range of the $ROUNDS per-process medians:

$shapes"
wide=()
for b in "${BINS[@]}"; do
	sort -g "$B/res-$b" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { exit !(hi - lo > 0.5) }' && wide+=("${b}")
done
if [ ${#wide[@]} -gt 0 ]; then
	notes+=("Per-process results ranging over more than 0.5 ns: ${wide[*]}.")
fi
le_gap=$(awk -v a="$(res after-le)" -v b="$(res after-le-reg)" 'BEGIN { printf "%.2f", a - b }')
if awk -v g="$le_gap" 'BEGIN { exit !(g > 0.15) }'; then
	notes+=("local-exec as the compiler writes it (\`mov %fs:OFF,%eax\` ... \`mov %eax,%fs:OFF\`) costs $le_gap ns more here than the same access through a register (control row, and the form GD/LD/IE relaxed to LE take), and varies between processes: an effect of this CPU on the store-then-load of the next iteration, not of the linker (all three links have identical code).")
fi
if awk -v a="$load_start" -v b="$load_end" 'BEGIN { exit !(a + 0 > 0.7 || b + 0 > 0.7) }'; then
	notes+=("The machine was busy while measuring (other processes on the $(nproc) CPUs): absolute numbers are inflated and vary run to run; compare the rows of one run, and see the spread column.")
fi
for n in "${notes[@]+"${notes[@]}"}"; do
	report+=$'\n\n'"$n"
done

printf '%s\n' "$report"
printf '%s\n' "$report" >"$RESULTS"
echo "bench-tls: wrote $RESULTS" >&2
