// Package e2e holds rivet's end-to-end tests: real C and C++ programs are
// compiled with gcc and clang, linked by rivet (through the compiler driver,
// exactly as a user would) and by GNU ld.bfd for reference, and then run:
// for x86-64 (the host) by TestE2E, and for AArch64 (cross-compiled, run
// under qemu-aarch64) by TestE2EAArch64 in aarch64_test.go.
//
// Every testdata/*.txtar file is a testscript
// (github.com/rogpeppe/go-internal/testscript) holding its sources and the
// expected output. Each script runs once per combination of
//
//	compiler: gcc (gcc/g++), clang (clang-19/clang++-19)
//	mode:     pie (-fPIE / -pie), nopie (-fno-pie / -no-pie),
//	          static (-fno-pie / -static), staticpie (-fPIE / -static-pie)
//	linker:   rivet, bfd
//
// as the subtest TestE2E/<compiler>/<mode>/<linker>/<script> (x86-64) and
// TestE2EAArch64/<compiler>/<mode>/<linker>/<script> (AArch64), e.g.
//
//	make build
//	go test ./tests/e2e/                                   # everything
//	go test ./tests/e2e/ -run 'TestE2E/gcc/static$/rivet/' # one slice
//	go test ./tests/e2e/ -run 'TestE2E/.*/.*/.*/ifunc$' -v # one script
//	go test ./tests/e2e/ -run 'TestE2EAArch64/clang/pie$/rivet/' # aarch64
//	E2E_LINKERS=bfd go test ./tests/e2e/                   # reference only
//	go test ./tests/e2e/ -run ... -testwork                # keep $WORK dirs
//
// Each -run element is an unanchored regexp: "static" also matches
// "staticpie", so anchor it with "static$"; "TestE2E$" runs the x86-64
// scripts alone. At most GOMAXPROCS scripts run at once.
//
// For AArch64 the compilers are aarch64-linux-gnu-gcc/g++ and
// clang-19/clang++-19 --target=aarch64-linux-gnu, the reference linker is
// aarch64-linux-gnu-ld.bfd (which -fuse-ld=bfd selects for both), and
// programs run as qemu-aarch64 -L /usr/aarch64-linux-gnu PROG (no
// binfmt_misc needed). Missing cross tools or qemu fail the test.
//
// Environment of the test binary:
//
//	RIVET_BIN_DIR  rivet's build output directory (default <repo>/out); it must
//	               contain bin/rivet and libexec/rivet/ld (-> ../../bin/rivet).
//	               If the rivet linker is selected and they are missing the
//	               test FAILS (run `make build`); it never silently skips.
//	E2E_LINKERS    comma-separated linkers to test (default "rivet,bfd").
//	               E2E_LINKERS=bfd checks the scripts against GNU ld alone.
//
// Environment seen by scripts:
//
//	CC, CXX      gcc, g++ or clang-19, clang++-19 (x86-64);
//	             aarch64-linux-gnu-gcc, aarch64-linux-gnu-g++ or
//	             clang-19 --target=aarch64-linux-gnu, clang++-19 --target=...
//	             (AArch64): a command with its fixed arguments
//	CFLAGS       code-generation flag of the mode plus -O1 (e.g. "-fPIE -O1")
//	LDMODE       link flag of the mode (-pie, -no-pie, -static, -static-pie)
//	LDFLAGS      LDMODE plus the linker selection: -B<out>/libexec/rivet/ (gcc),
//	             --ld-path=<out>/libexec/rivet/ld (clang), -fuse-ld=bfd (bfd)
//	SHFLAGS      "-shared -fPIC" plus the linker selection, for shared libraries
//	LDSELECT     the linker selection alone (used for -r links)
//	MODE, COMPILER, LINKER, ARCH   the combination being run (ARCH is
//	             x86_64 or aarch64)
//	RIVET        absolute path of bin/rivet (may not exist when LINKER=bfd)
//	NM, OBJDUMP, READELF, AR   binutils for the target's files: nm, ... on
//	             x86-64, aarch64-linux-gnu-nm, ... on AArch64 (the host's
//	             readelf reads both)
//	FOREIGN_CC   a C compiler for another machine than the target
//	             (aarch64-linux-gnu-gcc on x86-64, gcc on AArch64)
//	LC_ALL=C     for stable tool output (plus testscript's WORK, HOME, TMPDIR...)
//
// The values are space-separated flag lists. testscript does not split
// expanded variables into words, so scripts compile and link through these
// commands instead of `exec $CC $CFLAGS ...`:
//
//	cc args...   runs $CC $CFLAGS args..., then appends
//	             - nothing if args contain -c, -S or -E (compile only),
//	             - $LDSELECT if args contain -r (relocatable link),
//	             - $SHFLAGS if args contain -shared (shared library),
//	             - $LDFLAGS otherwise (executable).
//	             The full command line is logged.
//	cxx args...  the same with $CXX.
//	run prog args...
//	             runs a program the script built, like exec (stdout/stderr
//	             are captured for stdout/stderr/cmp, `! run` expects a
//	             failure): directly on x86-64, as qemu-aarch64 -L
//	             /usr/aarch64-linux-gnu prog args... on AArch64 (the command
//	             line is logged then). prog is a path; a bare name means the
//	             file in the current directory, never a PATH lookup. $ORIGIN
//	             rpaths and LD_LIBRARY_PATH work under qemu as natively.
//	exitcode N prog args...
//	             runs prog like run and fails unless it exits with status N;
//	             `! exitcode N ...` fails if it does exit with status N.
//
// Scripts start what they built with run or exitcode, never exec ./prog
// (which cannot start an AArch64 program), and use $NM, $OBJDUMP and $AR
// rather than nm, objdump and ar; TestScriptsRunOnEveryTarget checks this.
//
// Because cc/cxx always add the linker selection, a script cannot link with
// the system linker by accident when it is meant to test rivet. (A script
// needing other word splitting can still use exec sh -c '$CC $CFLAGS ...'.)
//
// Conditions: [mode:pie] [mode:nopie] [mode:static] [mode:staticpie]
// [compiler:gcc] [compiler:clang] [linker:rivet] [linker:bfd]
// [arch:x86_64] [arch:aarch64]. Use them in a script for combinations that
// do not apply in principle, e.g.
//
//	[mode:static] skip 'shared libraries do not apply to static executables'
//	[arch:aarch64] skip 'checks x86-64 instruction sequences'
//
// Known-gap policy: combinations rivet does not support yet are listed in
// knownGaps (x86-64) and aarch64KnownGaps (AArch64) in gaps.go, keyed
// "linker/mode/script" with "*" allowed for mode or script. They are skipped
// with t.Skip("known gap: <reason>"), visible in -v and -json output. Every
// script must pass with LINKER=bfd on both targets in every mode it does not
// skip itself; the bfd runs are the reference that keeps the expected
// outputs honest.
package e2e

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

type modeSpec struct {
	name   string
	cflags []string // code-generation flags
	ldmode string   // driver link flag
}

var modes = []modeSpec{
	{"pie", []string{"-fPIE"}, "-pie"},
	{"nopie", []string{"-fno-pie"}, "-no-pie"},
	{"static", []string{"-fno-pie"}, "-static"},
	{"staticpie", []string{"-fPIE"}, "-static-pie"},
}

// optFlags is appended to every mode's CFLAGS.
var optFlags = []string{"-O1"}

// combo is one (target, compiler, mode, linker) combination.
type combo struct {
	target   *rivettest.Target
	compiler rivettest.Compiler
	mode     modeSpec
	linker   string
}

// sem caps the number of scripts running at once at GOMAXPROCS, whatever
// -parallel says: each script runs compilers and linkers as subprocesses.
var sem = make(chan struct{}, runtime.GOMAXPROCS(0))

func TestE2E(t *testing.T) {
	runE2E(t, &rivettest.X86_64, knownGaps)
}

// runE2E runs every script for tg in every combination, as the subtests
// <compiler>/<mode>/<linker>/<script>, skipping those listed in gaps.
func runE2E(t *testing.T, tg *rivettest.Target, gaps map[string]string) {
	linkers := rivettest.Linkers(t)
	out := rivettest.OutDir(t)
	tg.CheckTools(t)
	if slices.Contains(linkers, "rivet") {
		tg.CheckRivet(t, out)
	}
	scriptDir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range tg.Compilers {
		t.Run(c.Name, func(t *testing.T) {
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) {
					for _, l := range linkers {
						cb := combo{target: tg, compiler: c, mode: m, linker: l}
						t.Run(l, func(t *testing.T) {
							t.Parallel()
							testscript.Run(t, params(cb, gaps, out, scriptDir))
						})
					}
				})
			}
		})
	}
}

func params(cb combo, gaps map[string]string, out, scriptDir string) testscript.Params {
	tg := cb.target
	lflags := rivettest.LinkerFlags(cb.compiler.Name, cb.linker, filepath.Join(out, "libexec", "rivet"))
	cflags := slices.Concat(cb.mode.cflags, optFlags)
	ldflags := slices.Concat([]string{cb.mode.ldmode}, lflags)
	shflags := slices.Concat([]string{"-shared", "-fPIC"}, lflags)
	vars := []string{
		"CC=" + strings.Join(cb.compiler.CC, " "),
		"CXX=" + strings.Join(cb.compiler.CXX, " "),
		"CFLAGS=" + strings.Join(cflags, " "),
		"LDMODE=" + cb.mode.ldmode,
		"LDFLAGS=" + strings.Join(ldflags, " "),
		"SHFLAGS=" + strings.Join(shflags, " "),
		"LDSELECT=" + strings.Join(lflags, " "),
		"MODE=" + cb.mode.name,
		"COMPILER=" + cb.compiler.Name,
		"LINKER=" + cb.linker,
		"ARCH=" + tg.Name,
		"RIVET=" + filepath.Join(out, "bin", "rivet"),
		"NM=" + tg.NM,
		"OBJDUMP=" + tg.Objdump,
		"READELF=" + tg.Readelf,
		"AR=" + tg.AR,
		"FOREIGN_CC=" + tg.ForeignCC,
		// Deterministic tool output.
		"LC_ALL=C",
	}
	return testscript.Params{
		Dir:                 scriptDir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			name := scriptName(env)
			if reason, ok := knownGap(gaps, cb.linker, cb.mode.name, name); ok {
				env.T().Skip("known gap: " + reason)
			}
			sem <- struct{}{}
			env.Defer(func() { <-sem })
			env.Vars = append(env.Vars, vars...)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			key, val, ok := strings.Cut(cond, ":")
			if !ok {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			var known []string
			var cur string
			switch key {
			case "mode":
				for _, m := range modes {
					known = append(known, m.name)
				}
				cur = cb.mode.name
			case "compiler":
				for _, c := range tg.Compilers {
					known = append(known, c.Name)
				}
				cur = cb.compiler.Name
			case "linker":
				known, cur = rivettest.AllLinkers, cb.linker
			case "arch":
				known, cur = rivettest.TargetNames(), tg.Name
			default:
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			if !slices.Contains(known, val) {
				return false, fmt.Errorf("condition %q: unknown %s %q (known: %s)", cond, key, val, strings.Join(known, ", "))
			}
			return val == cur, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"cc":  func(ts *testscript.TestScript, neg bool, args []string) { cmdCompile(ts, neg, "CC", args) },
			"cxx": func(ts *testscript.TestScript, neg bool, args []string) { cmdCompile(ts, neg, "CXX", args) },
			"run": func(ts *testscript.TestScript, neg bool, args []string) { cmdRun(ts, tg, neg, args) },
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				cmdExitcode(ts, tg, neg, args)
			},
		},
	}
}

// scriptName returns the name of the script being set up.
func scriptName(env *testscript.Env) string {
	if n, ok := env.T().(interface{ Name() string }); ok {
		return filepath.Base(n.Name())
	}
	return strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")
}

// knownGap looks up linker/mode/script in gaps, including the
// linker/*/script and linker/mode/* wildcard forms.
func knownGap(gaps map[string]string, linker, mode, script string) (string, bool) {
	for _, k := range []string{
		linker + "/" + mode + "/" + script,
		linker + "/*/" + script,
		linker + "/" + mode + "/*",
	} {
		if r, ok := gaps[k]; ok {
			return r, true
		}
	}
	return "", false
}

// cmdCompile implements the cc and cxx commands.
func cmdCompile(ts *testscript.TestScript, neg bool, compilerVar string, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: %s args...", strings.ToLower(compilerVar))
	}
	argv := strings.Fields(ts.Getenv(compilerVar))
	argv = append(argv, strings.Fields(ts.Getenv("CFLAGS"))...)
	argv = append(argv, args...)
	switch {
	case slices.Contains(args, "-c") || slices.Contains(args, "-S") || slices.Contains(args, "-E"):
		// Compile only: no link flags.
	case slices.Contains(args, "-r"):
		// Relocatable link: the mode's -pie/-static do not apply.
		argv = append(argv, strings.Fields(ts.Getenv("LDSELECT"))...)
	case slices.Contains(args, "-shared"):
		argv = append(argv, strings.Fields(ts.Getenv("SHFLAGS"))...)
	default:
		argv = append(argv, strings.Fields(ts.Getenv("LDFLAGS"))...)
	}
	ts.Logf("$ %s", strings.Join(argv, " "))
	err := ts.Exec(argv[0], argv[1:]...)
	switch {
	case err != nil && !neg:
		ts.Fatalf("%s failed: %v", strings.ToLower(compilerVar), err)
	case err == nil && neg:
		ts.Fatalf("unexpected %s success", strings.ToLower(compilerVar))
	}
}

// execProg runs the target's program args[0] (a path; a bare name is a
// file in the current directory, never looked up in PATH) with args[1:],
// like exec: under qemu for a cross target, logging the command line then.
func execProg(ts *testscript.TestScript, tg *rivettest.Target, args []string) error {
	prog := args[0]
	if !strings.ContainsRune(prog, filepath.Separator) {
		prog = "." + string(filepath.Separator) + prog
	}
	name, argv := tg.Command(prog, args[1:]...)
	if len(tg.Runner) > 0 {
		ts.Logf("$ %s %s", name, strings.Join(argv, " "))
	}
	return ts.Exec(name, argv...)
}

// cmdRun implements `run prog args...`: exec for the target's programs.
func cmdRun(ts *testscript.TestScript, tg *rivettest.Target, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: run prog [args...]")
	}
	err := execProg(ts, tg, args)
	if err != nil {
		ts.Logf("[%v]", err)
	}
	switch {
	case err != nil && !neg:
		ts.Fatalf("unexpected command failure")
	case err == nil && neg:
		ts.Fatalf("unexpected command success")
	}
}

// cmdExitcode implements `exitcode N prog args...`.
func cmdExitcode(ts *testscript.TestScript, tg *rivettest.Target, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 || want > 255 {
		ts.Fatalf("exitcode: bad exit status %q", args[0])
	}
	err = execProg(ts, tg, args[1:])
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
		if got < 0 { // killed by a signal
			ts.Fatalf("%s: %v (want exit status %d)", args[1], err, want)
		}
	}
	switch {
	case !neg && got != want:
		ts.Fatalf("%s: exit status %d, want %d", args[1], got, want)
	case neg && got == want:
		ts.Fatalf("%s: exit status %d, want anything else", args[1], got)
	}
	ts.Logf("[exit status %d]", got)
}

// TestKnownGapsWellFormed checks that every key of knownGaps and
// aarch64KnownGaps names a real linker, mode and script and has a reason.
func TestKnownGapsWellFormed(t *testing.T) {
	names := scriptNames(t)
	var modeNames []string
	for _, m := range modes {
		modeNames = append(modeNames, m.name)
	}
	for mapName, gaps := range map[string]map[string]string{
		"knownGaps":        knownGaps,
		"aarch64KnownGaps": aarch64KnownGaps,
	} {
		for k, reason := range gaps {
			parts := strings.Split(k, "/")
			if len(parts) != 3 {
				t.Errorf("%s key %q: want linker/mode/script", mapName, k)
				continue
			}
			l, m, s := parts[0], parts[1], parts[2]
			if !slices.Contains(rivettest.AllLinkers, l) {
				t.Errorf("%s key %q: unknown linker %q", mapName, k, l)
			}
			if m != "*" && !slices.Contains(modeNames, m) {
				t.Errorf("%s key %q: unknown mode %q", mapName, k, m)
			}
			if s != "*" && !slices.Contains(names, s) {
				t.Errorf("%s key %q: no script testdata/%s.txtar", mapName, k, s)
			}
			if m == "*" && s == "*" {
				t.Errorf("%s key %q: a gap must name a mode or a script", mapName, k)
			}
			if strings.TrimSpace(reason) == "" {
				t.Errorf("%s key %q: empty reason", mapName, k)
			}
		}
	}
}

// scriptNames returns the names of the testdata scripts, without .txtar.
func scriptNames(t *testing.T) []string {
	scripts, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range scripts {
		names = append(names, strings.TrimSuffix(filepath.Base(s), ".txtar"))
	}
	return names
}

// hostOnlyExec matches script lines that would run the host's program where
// the target's is meant: a built program through exec (which cannot start
// an aarch64 program) instead of run, or the host's nm, objdump or ar
// instead of $NM, $OBJDUMP, $AR.
var hostOnlyExec = regexp.MustCompile(`^\s*(\[[^\]]*\]\s*)*[!?]?\s*exec\s+('?\.{1,2}/|(nm|objdump|ar)\s)`)

// TestScriptsRunOnEveryTarget checks that the scripts start the programs
// they build with run or exitcode, and use the target's binutils.
func TestScriptsRunOnEveryTarget(t *testing.T) {
	for _, name := range scriptNames(t) {
		a, err := txtar.ParseFile(filepath.Join("testdata", name+".txtar"))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(a.Comment), "\n") {
			if hostOnlyExec.MatchString(line) {
				t.Errorf("testdata/%s.txtar:%d: %s\n\tuse `run PROG` for built programs and $NM, $OBJDUMP, $AR for binutils", name, i+1, line)
			}
		}
	}
}
