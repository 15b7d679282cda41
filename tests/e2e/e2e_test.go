// Package e2e holds rivet's end-to-end tests: real C and C++ programs are
// compiled with gcc and clang, linked by rivet (through the compiler driver,
// exactly as a user would) and by GNU ld.bfd for reference, and then run.
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
// as the subtest TestE2E/<compiler>/<mode>/<linker>/<script>, e.g.
//
//	make build
//	go test ./tests/e2e/                                   # everything
//	go test ./tests/e2e/ -run 'TestE2E/gcc/static$/rivet/' # one slice
//	go test ./tests/e2e/ -run 'TestE2E/.*/.*/.*/ifunc$' -v # one script
//	E2E_LINKERS=bfd go test ./tests/e2e/                   # reference only
//	go test ./tests/e2e/ -run ... -testwork                # keep $WORK dirs
//
// Each -run element is an unanchored regexp: "static" also matches
// "staticpie", so anchor it with "static$". At most GOMAXPROCS scripts run
// at once.
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
//	CC, CXX      gcc, g++ or clang-19, clang++-19
//	CFLAGS       code-generation flag of the mode plus -O1 (e.g. "-fPIE -O1")
//	LDMODE       link flag of the mode (-pie, -no-pie, -static, -static-pie)
//	LDFLAGS      LDMODE plus the linker selection: -B<out>/libexec/rivet/ (gcc),
//	             --ld-path=<out>/libexec/rivet/ld (clang), -fuse-ld=bfd (bfd)
//	SHFLAGS      "-shared -fPIC" plus the linker selection, for shared libraries
//	LDSELECT     the linker selection alone (used for -r links)
//	MODE, COMPILER, LINKER   the combination being run
//	RIVET        absolute path of bin/rivet (may not exist when LINKER=bfd)
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
//	exitcode N prog args...
//	             runs prog like exec (stdout/stderr are captured for
//	             stdout/stderr/cmp) and fails unless it exits with status N;
//	             `! exitcode N ...` fails if it does exit with status N.
//
// Because cc/cxx always add the linker selection, a script cannot link with
// the system linker by accident when it is meant to test rivet. (A script
// needing other word splitting can still use exec sh -c '$CC $CFLAGS ...'.)
//
// Conditions: [mode:pie] [mode:nopie] [mode:static] [mode:staticpie]
// [compiler:gcc] [compiler:clang] [linker:rivet] [linker:bfd]. Use them in a
// script for combinations that do not apply in principle, e.g.
//
//	[mode:static] skip 'shared libraries do not apply to static executables'
//
// Known-gap policy: combinations rivet does not support yet are listed in
// knownGaps (gaps.go), keyed "linker/mode/script" with "*" allowed for mode
// or script. They are skipped with t.Skip("known gap: <reason>"), visible in
// -v and -json output. Every script must pass with LINKER=bfd in every mode
// it does not skip itself; the bfd runs are the reference that keeps the
// expected outputs honest.
package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
	"github.com/rogpeppe/go-internal/testscript"
)

type compilerSpec struct {
	name, cc, cxx string
}

var compilers = []compilerSpec{
	{"gcc", "gcc", "g++"},
	{"clang", "clang-19", "clang++-19"},
}

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

var allLinkers = []string{"rivet", "bfd"}

// optFlags is appended to every mode's CFLAGS.
var optFlags = []string{"-O1"}

// combo is one (compiler, mode, linker) combination.
type combo struct {
	compiler compilerSpec
	mode     modeSpec
	linker   string
}

// linkerFlags returns the driver flags selecting c.linker.
func (c combo) linkerFlags(outDir string) []string {
	if c.linker == "bfd" {
		return []string{"-fuse-ld=bfd"}
	}
	libexec := filepath.Join(outDir, "libexec", "rivet")
	if c.compiler.name == "gcc" {
		// gcc (collect2) looks for "ld" in the -B directories first.
		return []string{"-B" + libexec + string(filepath.Separator)}
	}
	return []string{"--ld-path=" + filepath.Join(libexec, "ld")}
}

// selectedLinkers parses E2E_LINKERS.
func selectedLinkers(t *testing.T) []string {
	v := os.Getenv("E2E_LINKERS")
	if strings.TrimSpace(v) == "" {
		return allLinkers
	}
	var out []string
	for _, l := range strings.Split(v, ",") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if !slices.Contains(allLinkers, l) {
			t.Fatalf("E2E_LINKERS: unknown linker %q (known: %s)", l, strings.Join(allLinkers, ", "))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func checkTools(t *testing.T) {
	var missing []string
	for _, c := range compilers {
		for _, p := range []string{c.cc, c.cxx} {
			if _, err := exec.LookPath(p); err != nil {
				missing = append(missing, p)
			}
		}
	}
	for _, p := range []string{"ld.bfd", "nm", "objdump", "readelf"} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("required tools not found in PATH: %s", strings.Join(missing, ", "))
	}
}

// sem caps the number of scripts running at once at GOMAXPROCS, whatever
// -parallel says: each script runs compilers and linkers as subprocesses.
var sem = make(chan struct{}, runtime.GOMAXPROCS(0))

func TestE2E(t *testing.T) {
	linkers := selectedLinkers(t)
	out := rivettest.OutDir(t)
	if slices.Contains(linkers, "rivet") {
		rivettest.Check(t, out)
	}
	checkTools(t)
	scriptDir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range compilers {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) {
					for _, l := range linkers {
						cb := combo{compiler: c, mode: m, linker: l}
						t.Run(l, func(t *testing.T) {
							t.Parallel()
							testscript.Run(t, params(cb, out, scriptDir))
						})
					}
				})
			}
		})
	}
}

func params(cb combo, out, scriptDir string) testscript.Params {
	lflags := cb.linkerFlags(out)
	cflags := slices.Concat(cb.mode.cflags, optFlags)
	ldflags := slices.Concat([]string{cb.mode.ldmode}, lflags)
	shflags := slices.Concat([]string{"-shared", "-fPIC"}, lflags)
	vars := []string{
		"CC=" + cb.compiler.cc,
		"CXX=" + cb.compiler.cxx,
		"CFLAGS=" + strings.Join(cflags, " "),
		"LDMODE=" + cb.mode.ldmode,
		"LDFLAGS=" + strings.Join(ldflags, " "),
		"SHFLAGS=" + strings.Join(shflags, " "),
		"LDSELECT=" + strings.Join(lflags, " "),
		"MODE=" + cb.mode.name,
		"COMPILER=" + cb.compiler.name,
		"LINKER=" + cb.linker,
		"RIVET=" + filepath.Join(out, "bin", "rivet"),
		// Deterministic tool output.
		"LC_ALL=C",
	}
	return testscript.Params{
		Dir:                 scriptDir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			name := scriptName(env)
			if reason, ok := knownGap(cb.linker, cb.mode.name, name); ok {
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
				for _, c := range compilers {
					known = append(known, c.name)
				}
				cur = cb.compiler.name
			case "linker":
				known, cur = allLinkers, cb.linker
			default:
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			if !slices.Contains(known, val) {
				return false, fmt.Errorf("condition %q: unknown %s %q (known: %s)", cond, key, val, strings.Join(known, ", "))
			}
			return val == cur, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"cc":       func(ts *testscript.TestScript, neg bool, args []string) { cmdCompile(ts, neg, "CC", args) },
			"cxx":      func(ts *testscript.TestScript, neg bool, args []string) { cmdCompile(ts, neg, "CXX", args) },
			"exitcode": cmdExitcode,
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

// knownGap looks up linker/mode/script in knownGaps, including the
// linker/*/script and linker/mode/* wildcard forms.
func knownGap(linker, mode, script string) (string, bool) {
	for _, k := range []string{
		linker + "/" + mode + "/" + script,
		linker + "/*/" + script,
		linker + "/" + mode + "/*",
	} {
		if r, ok := knownGaps[k]; ok {
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
	argv := []string{ts.Getenv(compilerVar)}
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

// cmdExitcode implements `exitcode N prog args...`.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 || want > 255 {
		ts.Fatalf("exitcode: bad exit status %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
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

// TestKnownGapsWellFormed checks that every knownGaps key names a real
// linker, mode and script and has a reason.
func TestKnownGapsWellFormed(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range scripts {
		names = append(names, strings.TrimSuffix(filepath.Base(s), ".txtar"))
	}
	var modeNames []string
	for _, m := range modes {
		modeNames = append(modeNames, m.name)
	}
	for k, reason := range knownGaps {
		parts := strings.Split(k, "/")
		if len(parts) != 3 {
			t.Errorf("knownGaps key %q: want linker/mode/script", k)
			continue
		}
		l, m, s := parts[0], parts[1], parts[2]
		if !slices.Contains(allLinkers, l) {
			t.Errorf("knownGaps key %q: unknown linker %q", k, l)
		}
		if m != "*" && !slices.Contains(modeNames, m) {
			t.Errorf("knownGaps key %q: unknown mode %q", k, m)
		}
		if s != "*" && !slices.Contains(names, s) {
			t.Errorf("knownGaps key %q: no script testdata/%s.txtar", k, s)
		}
		if m == "*" && s == "*" {
			t.Errorf("knownGaps key %q: a gap must name a mode or a script", k)
		}
		if strings.TrimSpace(reason) == "" {
			t.Errorf("knownGaps key %q: empty reason", k)
		}
	}
}
