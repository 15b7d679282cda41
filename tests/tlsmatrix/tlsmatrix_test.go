// Package tlsmatrix is the end-to-end matrix of x86-64 thread-local storage:
// one C program (testdata/main.c plus the "library part" testdata/lib.c) that
// uses every kind of TLS access is compiled and linked in every combination of
//
//	compiler: gcc, clang (clang-19)
//	model:    -ftls-model=global-dynamic, local-dynamic, initial-exec, local-exec
//	dialect:  -mtls-dialect=gnu, gnu2 (TLS descriptors)
//	pic:      objects compiled -fPIC or -fPIE
//	mode:     pie (-pie), nopie (-no-pie), static (-static),
//	          staticpie (-static-pie): lib.o is linked into the executable;
//	          shlib-startup: lib.o becomes libtlsm.so (-shared), linked into
//	          a -pie executable; shlib-dlopen: the same library loaded by a
//	          -pie executable with dlopen(RTLD_NOW) (main.c built with
//	          -DUSE_DLOPEN, which never references the library's variables).
//
// as the subtest TestTLSMatrix/<compiler>/<model>/<dialect>/<pic>/<mode>, e.g.
//
//	make build
//	go test ./tests/tlsmatrix/
//	go test ./tests/tlsmatrix/ -run 'TestTLSMatrix/gcc/initial-exec/gnu2/fPIC/shlib-dlopen$' -v
//
// The objects are compiled once per (compiler, model, dialect, pic) and reused
// for every mode and both linkers. Each combination is linked once by rivet
// (gcc -B<out>/libexec/rivet/, clang --ld-path=<out>/libexec/rivet/ld) and once
// by GNU ld.bfd (-fuse-ld=bfd), the reference:
//
//   - if ld.bfd fails to link (some models cannot go into a shared library, and
//     -fPIE objects are not meant for one), rivet must fail too, at the same
//     step (the library or the executable);
//   - if ld.bfd links, rivet must link, both programs must exit with the same
//     status and print the same stdout, and that stdout must equal
//     testdata/golden.txt (the transcript is the same in every mode: values and
//     checks, never addresses).
//
// The parent test logs a summary: how many combinations link, how many fail
// to link with both linkers, and every mismatch.
//
// Environment: RIVET_BIN_DIR is rivet's build output directory (default
// <repo>/out); it must contain bin/rivet and libexec/rivet/ld. If they are
// missing the test FAILS (run `make build`); it never silently skips.
package tlsmatrix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

const (
	toolchainHint = "run `make toolchain` (scripts/install-toolchain.sh) to install gcc, clang-19 and binutils"
	cmdTimeout    = 90 * time.Second
)

type compilerSpec struct{ name, cc string }

var compilers = []compilerSpec{{"gcc", "gcc"}, {"clang", "clang-19"}}

var models = []string{"global-dynamic", "local-dynamic", "initial-exec", "local-exec"}

var dialects = []string{"gnu", "gnu2"}

type picSpec struct{ name, flag string }

var pics = []picSpec{{"fPIC", "-fPIC"}, {"fPIE", "-fPIE"}}

var modes = []string{"pie", "nopie", "static", "staticpie", "shlib-startup", "shlib-dlopen"}

// driver flag of each mode that links lib.o into the executable.
var linkedModeFlag = map[string]string{
	"pie":       "-pie",
	"nopie":     "-no-pie",
	"static":    "-static",
	"staticpie": "-static-pie",
}

func checkTools(t *testing.T) {
	var missing []string
	for _, p := range []string{"gcc", "clang-19", "ld.bfd"} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("required tools not found in PATH: %s\n%s", strings.Join(missing, ", "), toolchainHint)
	}
}

// sem bounds the number of compilers, linkers and test programs running at
// once.
var sem = make(chan struct{}, runtime.NumCPU())

// cmdResult is what one command did.
type cmdResult struct {
	line   string // the command line, for messages
	stdout string
	stderr string
	status int // exit status; -1 when killed by a signal or not started
	err    error
}

func (r cmdResult) ok() bool { return r.err == nil }

// describe returns the command line, how it ended and its stderr.
func (r cmdResult) describe() string {
	s := "$ " + r.line + "\n"
	switch {
	case r.err == nil:
		s += "exit status 0"
	case r.status >= 0:
		s += fmt.Sprintf("exit status %d", r.status)
	default:
		s += r.err.Error()
	}
	if r.stderr != "" {
		s += "\nstderr:\n" + strings.TrimRight(r.stderr, "\n")
	}
	return s
}

// run runs name args in dir with LC_ALL=C, holding a slot of sem.
func run(dir, name string, args ...string) cmdResult {
	sem <- struct{}{}
	defer func() { <-sem }()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := cmdResult{
		line:   name + " " + strings.Join(args, " "),
		stdout: so.String(),
		stderr: se.String(),
		err:    err,
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.status = ee.ExitCode() // -1 when killed by a signal
	default:
		r.status = -1
	}
	if ctx.Err() != nil {
		r.status = -1
		r.err = fmt.Errorf("timed out after %v: %w", cmdTimeout, err)
	}
	return r
}

// objSet holds the objects of one (compiler, model, dialect, pic).
type objSet struct {
	dir    string // holds main.o, maindl.o (-DUSE_DLOPEN) and lib.o
	failed string // why compiling failed, or ""
}

// linkerSel returns the driver flags selecting the linker.
func linkerSel(cc compilerSpec, linker, libexec string) []string {
	if linker == "bfd" {
		return []string{"-fuse-ld=bfd"}
	}
	if cc.name == "gcc" {
		return []string{"-B" + libexec + string(filepath.Separator)}
	}
	return []string{"--ld-path=" + filepath.Join(libexec, "ld")}
}

// outcome of one linker in one combination.
type outcome struct {
	failedStep string    // "" when everything linked, else "lib" or "exe"
	link       cmdResult // the failing link, or the last link
	prog       cmdResult // the program's run, when linked
}

// linkAndRun links the combination with one linker in dir and runs it.
func linkAndRun(cc compilerSpec, objs, dir, mode, linker, libexec string) outcome {
	sel := linkerSel(cc, linker, libexec)
	var o outcome
	prog := filepath.Join(dir, "prog")
	var args []string
	link := func(args []string) cmdResult {
		return run(dir, cc.cc, append(args, sel...)...)
	}
	if flag, ok := linkedModeFlag[mode]; ok {
		args = []string{flag, "-pthread", filepath.Join(objs, "main.o"), filepath.Join(objs, "lib.o"), "-o", prog}
	} else {
		lib := filepath.Join(dir, "libtlsm.so")
		o.link = link([]string{"-shared", "-pthread", filepath.Join(objs, "lib.o"), "-o", lib})
		if !o.link.ok() {
			o.failedStep = "lib"
			return o
		}
		if mode == "shlib-startup" {
			args = []string{"-pie", "-pthread", filepath.Join(objs, "main.o"), "-L" + dir, "-ltlsm", "-Wl,-rpath," + dir, "-o", prog}
		} else {
			args = []string{"-pie", "-pthread", filepath.Join(objs, "maindl.o"), "-o", prog}
		}
	}
	o.link = link(args)
	if !o.link.ok() {
		o.failedStep = "exe"
		return o
	}
	if mode == "shlib-dlopen" {
		o.prog = run(dir, prog, filepath.Join(dir, "libtlsm.so"))
	} else {
		o.prog = run(dir, prog)
	}
	return o
}

// summary collects the results of all combinations.
type summary struct {
	mu         sync.Mutex
	linked     []string
	bothFail   map[string][]string // by the failing step: name and ld.bfd's error
	mismatches []string
	broken     []string // bfd's program differs from the golden transcript
}

func (s *summary) add(list *[]string, entry string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, entry)
}

func (s *summary) addBothFail(step, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bothFail[step] = append(s.bothFail[step], name)
}

// diff returns a line-by-line description of how got differs from want.
func diff(want, got string) string {
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(wl), len(gl))
	shown := 0
	for i := 0; i < n && shown < 20; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n\twant %q\n\tgot  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

func TestTLSMatrix(t *testing.T) {
	checkTools(t)
	libexec := rivettest.Check(t, rivettest.OutDir(t))
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	goldenBytes, err := os.ReadFile(filepath.Join(testdata, "golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	golden := string(goldenBytes)

	start := time.Now()
	sum := &summary{bothFail: map[string][]string{}}
	total := len(compilers) * len(models) * len(dialects) * len(pics) * len(modes)
	t.Cleanup(func() {
		sum.mu.Lock()
		defer sum.mu.Unlock()
		nBoth := 0
		for _, l := range sum.bothFail {
			nBoth += len(l)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "TLS matrix: %d combinations (%d compilers x %d models x %d dialects x %d pic x %d modes), %v\n",
			total, len(compilers), len(models), len(dialects), len(pics), len(modes), time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(&b, "  link and run identically with rivet and ld.bfd: %d\n", len(sum.linked))
		fmt.Fprintf(&b, "  fail to link with both linkers:                 %d", nBoth)
		steps := make([]string, 0, len(sum.bothFail))
		for step := range sum.bothFail {
			steps = append(steps, step)
		}
		sort.Strings(steps)
		for _, step := range steps {
			fmt.Fprintf(&b, " (%s: %d)", step, len(sum.bothFail[step]))
		}
		for _, step := range steps {
			fmt.Fprintf(&b, "\n    the %s fails to link:", step)
			slices.Sort(sum.bothFail[step])
			for _, e := range sum.bothFail[step] {
				fmt.Fprintf(&b, "\n      %s", e)
			}
		}
		fmt.Fprintf(&b, "\n  mismatches (rivet differs from ld.bfd):         %d\n", len(sum.mismatches))
		slices.Sort(sum.mismatches)
		for _, m := range sum.mismatches {
			fmt.Fprintf(&b, "    %s\n", m)
		}
		if len(sum.broken) > 0 {
			slices.Sort(sum.broken)
			fmt.Fprintf(&b, "  ld.bfd programs that do not print the golden transcript: %d\n", len(sum.broken))
			for _, m := range sum.broken {
				fmt.Fprintf(&b, "    %s\n", m)
			}
		}
		skipped := total - len(sum.linked) - nBoth - len(sum.mismatches) - len(sum.broken)
		if skipped > 0 {
			fmt.Fprintf(&b, "  not run or not finished (filtered by -run, or failed before comparing): %d\n", skipped)
		}
		t.Log(b.String())
	})

	for _, cc := range compilers {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			for _, model := range models {
				t.Run(model, func(t *testing.T) {
					t.Parallel()
					for _, dialect := range dialects {
						t.Run(dialect, func(t *testing.T) {
							t.Parallel()
							for _, pic := range pics {
								t.Run(pic.name, func(t *testing.T) {
									t.Parallel()
									objs := compileSet(t, testdata, cc, model, dialect, pic)
									for _, mode := range modes {
										t.Run(mode, func(t *testing.T) {
											t.Parallel()
											name := strings.Join([]string{cc.name, model, dialect, pic.name, mode}, "/")
											runCombo(t, sum, golden, name, cc, objs, mode, libexec)
										})
									}
								})
							}
						})
					}
				})
			}
		})
	}
}

// compileSet compiles main.c (twice: with and without -DUSE_DLOPEN) and lib.c
// for one (compiler, model, dialect, pic) and returns the objects' directory.
func compileSet(t *testing.T, testdata string, cc compilerSpec, model, dialect string, pic picSpec) string {
	dir := t.TempDir()
	flags := []string{"-O2", "-pthread", pic.flag, "-ftls-model=" + model, "-mtls-dialect=" + dialect, "-I" + testdata, "-c"}
	units := []struct {
		out   string
		src   string
		extra []string
	}{
		{"main.o", "main.c", nil},
		{"maindl.o", "main.c", []string{"-DUSE_DLOPEN"}},
		{"lib.o", "lib.c", nil},
	}
	var wg sync.WaitGroup
	results := make([]cmdResult, len(units))
	for i, u := range units {
		wg.Go(func() {
			args := slices.Concat(flags, u.extra, []string{filepath.Join(testdata, u.src), "-o", filepath.Join(dir, u.out)})
			results[i] = run(dir, cc.cc, args...)
		})
	}
	wg.Wait()
	for _, r := range results {
		if !r.ok() {
			t.Fatalf("compiling failed (not a linker problem):\n%s", r.describe())
		}
	}
	return dir
}

// runCombo links and runs one combination with both linkers and compares.
func runCombo(t *testing.T, sum *summary, golden, name string, cc compilerSpec, objs, mode, libexec string) {
	dir := t.TempDir()
	var bfd, rivet outcome
	var wg sync.WaitGroup
	for _, l := range []struct {
		name string
		o    *outcome
	}{{"bfd", &bfd}, {"rivet", &rivet}} {
		ldir := filepath.Join(dir, l.name)
		if err := os.Mkdir(ldir, 0o755); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { *l.o = linkAndRun(cc, objs, ldir, mode, l.name, libexec) })
	}
	wg.Wait()

	mismatch := func(short, format string, args ...any) {
		sum.add(&sum.mismatches, name+": "+short)
		t.Errorf("MISMATCH %s: "+format, append([]any{name}, args...)...)
	}
	t.Logf("bfd:   %s", bfd.link.line)
	t.Logf("rivet: %s", rivet.link.line)

	switch {
	case bfd.failedStep != "" && rivet.failedStep == bfd.failedStep:
		short := strings.NewReplacer(objs+string(filepath.Separator), "", dir+string(filepath.Separator), "").Replace(firstLine(bfd.link.stderr))
		sum.addBothFail(bfd.failedStep, name+": "+short)
		t.Logf("both linkers fail to link the %s (expected)\nbfd:\n%s\nrivet:\n%s", bfd.failedStep, bfd.link.describe(), rivet.link.describe())
		return
	case bfd.failedStep != "" && rivet.failedStep == "":
		mismatch("ld.bfd fails to link the "+bfd.failedStep+", rivet links",
			"ld.bfd fails to link the %s but rivet links it\nbfd:\n%s\nrivet:\n%s\nrivet's program: %s\nstdout:\n%s",
			bfd.failedStep, bfd.link.describe(), rivet.link.describe(), rivet.prog.describe(), rivet.prog.stdout)
		return
	case bfd.failedStep != "":
		mismatch("ld.bfd fails to link the "+bfd.failedStep+", rivet fails on the "+rivet.failedStep,
			"ld.bfd fails to link the %s, rivet fails on the %s\nbfd:\n%s\nrivet:\n%s",
			bfd.failedStep, rivet.failedStep, bfd.link.describe(), rivet.link.describe())
		return
	case rivet.failedStep != "":
		mismatch("rivet fails to link the "+rivet.failedStep+": "+firstLine(rivet.link.stderr),
			"ld.bfd links, rivet fails to link the %s\nbfd:\n%s\nrivet:\n%s",
			rivet.failedStep, bfd.link.describe(), rivet.link.describe())
		return
	}

	bfdGood := bfd.prog.ok() && bfd.prog.stdout == golden
	if !bfdGood {
		sum.add(&sum.broken, name+": "+progSummary(bfd.prog, golden))
		t.Errorf("the ld.bfd-linked program does not print the golden transcript (testdata/golden.txt):\n%s\n%s",
			bfd.prog.describe(), diff(golden, bfd.prog.stdout))
	}
	if rivet.prog.status != bfd.prog.status || (rivet.prog.err == nil) != (bfd.prog.err == nil) || rivet.prog.stdout != bfd.prog.stdout {
		mismatch("rivet's program: "+progSummary(rivet.prog, bfd.prog.stdout),
			"the programs behave differently\nbfd's program:\n%s\nrivet's program:\n%s\nstdout diff (want bfd's, got rivet's):\n%s",
			bfd.prog.describe(), rivet.prog.describe(), diff(bfd.prog.stdout, rivet.prog.stdout))
		return
	}
	if rivet.prog.stdout != golden {
		// Same as bfd's program, which is already reported as broken.
		return
	}
	if bfdGood {
		sum.add(&sum.linked, name)
	}
}

// firstDiff describes the first line where got differs from want.
func firstDiff(want, got string) string {
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d: want %q, got %q", i+1, w, g)
		}
	}
	return "no difference"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	return s
}

// progSummary describes in one line how a program's run differs from want.
func progSummary(r cmdResult, want string) string {
	var parts []string
	switch {
	case r.err == nil:
		parts = append(parts, "exit 0")
	case r.status >= 0:
		parts = append(parts, fmt.Sprintf("exit %d", r.status))
	default:
		parts = append(parts, r.err.Error())
	}
	if r.stdout != want {
		parts = append(parts, "stdout differs: "+firstDiff(want, r.stdout))
	}
	if r.stderr != "" {
		parts = append(parts, "stderr: "+firstLine(r.stderr))
	}
	return strings.Join(parts, "; ")
}
