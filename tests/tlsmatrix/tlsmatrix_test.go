// Package tlsmatrix is the end-to-end matrix of thread-local storage on
// x86-64 (TestTLSMatrix) and AArch64 (TestTLSMatrixAArch64, aarch64_test.go):
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
// For AArch64 the compilers are aarch64-linux-gnu-gcc and clang-19
// --target=aarch64-linux-gnu, the dialects desc (TLS descriptors, the
// default; -mtls-dialect=desc for gcc, no flag for clang, which has no other)
// and trad (gcc -mtls-dialect=trad: the traditional __tls_get_addr
// sequences), ld.bfd is aarch64-linux-gnu-ld.bfd, and the programs run under
// qemu-aarch64 -L /usr/aarch64-linux-gnu:
//
//	go test ./tests/tlsmatrix/ -run 'TestTLSMatrixAArch64/gcc/.*/trad/' -v
//	E2E_LINKERS=bfd go test ./tests/tlsmatrix/ -run TestTLSMatrixAArch64
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
// Combinations that rivet cannot do yet are listed in aarch64KnownGaps (for
// AArch64; patterns of combination names): ld.bfd's program is still linked
// and checked against the golden transcript, rivet is not run, and the
// subtest is skipped with "known gap: <reason>". Invalid inputs that
// aarch64-linux-gnu-ld.bfd links without a diagnostic (-fPIE or local-exec
// objects in a shared library, which x86-64's ld.bfd rejects) are the
// matrix's notApplicable patterns: not run, skipped with "not applicable".
//
// Environment: RIVET_BIN_DIR is rivet's build output directory (default
// <repo>/out); it must contain bin/rivet and libexec/rivet/ld. If they are
// missing the test FAILS (run `make build`); it never silently skips; nor do
// missing compilers, binutils or qemu-aarch64. E2E_LINKERS=bfd runs ld.bfd
// alone (the reference check, without a rivet build).
package tlsmatrix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
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

const cmdTimeout = 90 * time.Second

var models = []string{"global-dynamic", "local-dynamic", "initial-exec", "local-exec"}

// dialectSpec is a TLS dialect and the compiler flags selecting it.
type dialectSpec struct {
	name  string
	flags []string
}

// mtlsDialects returns the dialects selected by -mtls-dialect=NAME.
func mtlsDialects(names ...string) []dialectSpec {
	var ds []dialectSpec
	for _, n := range names {
		ds = append(ds, dialectSpec{n, []string{"-mtls-dialect=" + n}})
	}
	return ds
}

// matrix is the TLS matrix of one target.
type matrix struct {
	target   *rivettest.Target
	dialects map[string][]dialectSpec // by compiler name
	// gaps maps path.Match patterns of combination names
	// (compiler/model/dialect/pic/mode) to why rivet cannot link them yet.
	gaps map[string]string
	// notApplicable maps patterns likewise to why a combination is not
	// valid input, where ld.bfd does not say so by failing to link: neither
	// linker is run.
	notApplicable map[string]string
}

var x86Matrix = matrix{
	target: &rivettest.X86_64,
	dialects: map[string][]dialectSpec{
		"gcc":   mtlsDialects("gnu", "gnu2"),
		"clang": mtlsDialects("gnu", "gnu2"),
	},
}

// combinations returns how many combinations m has.
func (m *matrix) combinations() int {
	n := 0
	for _, c := range m.target.Compilers {
		n += len(m.dialects[c.Name]) * len(models) * len(pics) * len(modes)
	}
	return n
}

// lookup returns the reason of a pattern of patterns (a gaps or
// notApplicable map) that matches the combination name.
func lookup(patterns map[string]string, name string) (string, bool) {
	for pat, reason := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return reason, true
		}
	}
	return "", false
}

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

// outcome of one linker in one combination.
type outcome struct {
	failedStep string    // "" when everything linked, else "lib" or "exe"
	link       cmdResult // the failing link, or the last link
	prog       cmdResult // the program's run, when linked
}

// linkAndRun links the combination with one linker in dir and runs it.
func linkAndRun(tg *rivettest.Target, cc rivettest.Compiler, objs, dir, mode, linker, libexec string) outcome {
	sel := rivettest.LinkerFlags(cc.Name, linker, libexec)
	var o outcome
	prog := filepath.Join(dir, "prog")
	var args []string
	link := func(args []string) cmdResult {
		return run(dir, cc.CC[0], slices.Concat(cc.CC[1:], args, sel)...)
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
	var progArgs []string
	if mode == "shlib-dlopen" {
		progArgs = []string{filepath.Join(dir, "libtlsm.so")}
	}
	name, argv := tg.Command(prog, progArgs...)
	o.prog = run(dir, name, argv...)
	return o
}

// summary collects the results of all combinations.
type summary struct {
	mu            sync.Mutex
	linked        []string
	bothFail      map[string][]string // by the failing step: name and ld.bfd's error
	mismatches    []string
	broken        []string            // bfd's program differs from the golden transcript
	bfdOnly       []string            // rivet not run (known gap or E2E_LINKERS), ld.bfd's program good
	bfdOnlyNoLink map[string][]string // rivet not run, ld.bfd fails to link: by step
	notApplicable []string            // not run: matrix.notApplicable
}

func (s *summary) add(list *[]string, entry string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, entry)
}

func (s *summary) addFail(m map[string][]string, step, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m[step] = append(m[step], name)
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
	runMatrix(t, &x86Matrix)
}

// runMatrix runs every combination of m as the subtests
// <compiler>/<model>/<dialect>/<pic>/<mode>.
func runMatrix(t *testing.T, m *matrix) {
	tg := m.target
	tg.CheckTools(t)
	linkers := rivettest.Linkers(t)
	if !slices.Contains(linkers, "bfd") {
		t.Fatalf("E2E_LINKERS=%s: the TLS matrix compares with ld.bfd, which must be selected", os.Getenv("E2E_LINKERS"))
	}
	withRivet := slices.Contains(linkers, "rivet")
	var libexec string
	if withRivet {
		libexec = tg.CheckRivet(t, rivettest.OutDir(t))
	}
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
	sum := &summary{bothFail: map[string][]string{}, bfdOnlyNoLink: map[string][]string{}}
	t.Cleanup(func() { t.Log(sum.report(m, time.Since(start))) })

	for _, cc := range tg.Compilers {
		t.Run(cc.Name, func(t *testing.T) {
			t.Parallel()
			for _, model := range models {
				t.Run(model, func(t *testing.T) {
					t.Parallel()
					for _, dialect := range m.dialects[cc.Name] {
						t.Run(dialect.name, func(t *testing.T) {
							t.Parallel()
							for _, pic := range pics {
								t.Run(pic.name, func(t *testing.T) {
									t.Parallel()
									objs := compileSet(t, testdata, cc, model, dialect, pic)
									for _, mode := range modes {
										t.Run(mode, func(t *testing.T) {
											t.Parallel()
											name := strings.Join([]string{cc.Name, model, dialect.name, pic.name, mode}, "/")
											if reason, ok := lookup(m.notApplicable, name); ok {
												sum.add(&sum.notApplicable, name)
												t.Skip("not applicable: " + reason)
											}
											gap, isGap := lookup(m.gaps, name)
											if !withRivet || isGap {
												runReference(t, sum, golden, name, tg, cc, objs, mode)
												if isGap {
													t.Skip("known gap: " + gap)
												}
												return
											}
											runCombo(t, sum, golden, name, tg, cc, objs, mode, libexec)
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

// report is the summary the parent test logs.
func (s *summary) report(m *matrix, elapsed time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := m.combinations()
	count := func(byStep map[string][]string) int {
		n := 0
		for _, l := range byStep {
			n += len(l)
		}
		return n
	}
	nBoth, nRefFail := count(s.bothFail), count(s.bfdOnlyNoLink)
	var b strings.Builder
	compilers := m.target.Compilers
	nDialects := len(m.dialects[compilers[0].Name])
	sameDialects := true
	for _, c := range compilers {
		sameDialects = sameDialects && len(m.dialects[c.Name]) == nDialects
	}
	if sameDialects {
		fmt.Fprintf(&b, "TLS matrix: %d combinations (%d compilers x %d models x %d dialects x %d pic x %d modes), %v\n",
			total, len(compilers), len(models), nDialects, len(pics), len(modes), elapsed.Round(time.Millisecond))
	} else {
		var pairs []string
		for _, c := range compilers {
			for _, d := range m.dialects[c.Name] {
				pairs = append(pairs, c.Name+"/"+d.name)
			}
		}
		fmt.Fprintf(&b, "TLS matrix (%s): %d combinations (%d compiler/dialect pairs (%s) x %d models x %d pic x %d modes), %v\n",
			m.target.Name, total, len(pairs), strings.Join(pairs, ", "), len(models), len(pics), len(modes), elapsed.Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "  link and run identically with rivet and ld.bfd: %d\n", len(s.linked))
	fmt.Fprintf(&b, "  fail to link with both linkers:                 %d", nBoth)
	writeFails(&b, s.bothFail)
	fmt.Fprintf(&b, "\n  mismatches (rivet differs from ld.bfd):         %d\n", len(s.mismatches))
	slices.Sort(s.mismatches)
	for _, m := range s.mismatches {
		fmt.Fprintf(&b, "    %s\n", m)
	}
	if len(s.bfdOnly)+nRefFail > 0 {
		fmt.Fprintf(&b, "  ld.bfd alone (rivet not run: known gap or E2E_LINKERS): %d link and run, %d fail to link", len(s.bfdOnly), nRefFail)
		writeFails(&b, s.bfdOnlyNoLink)
		b.WriteString("\n")
	}
	if len(s.broken) > 0 {
		slices.Sort(s.broken)
		fmt.Fprintf(&b, "  ld.bfd programs that do not print the golden transcript: %d\n", len(s.broken))
		for _, m := range s.broken {
			fmt.Fprintf(&b, "    %s\n", m)
		}
	}
	if len(s.notApplicable) > 0 {
		fmt.Fprintf(&b, "  not applicable (not run; see the matrix's notApplicable): %d\n", len(s.notApplicable))
	}
	skipped := total - len(s.linked) - nBoth - len(s.mismatches) - len(s.broken) - len(s.bfdOnly) - nRefFail - len(s.notApplicable)
	if skipped > 0 {
		fmt.Fprintf(&b, "  not run or not finished (filtered by -run, or failed before comparing): %d\n", skipped)
	}
	return b.String()
}

// writeFails writes the counts of byStep's link failures by step, then the
// failures.
func writeFails(b *strings.Builder, byStep map[string][]string) {
	steps := make([]string, 0, len(byStep))
	for step := range byStep {
		steps = append(steps, step)
	}
	sort.Strings(steps)
	for _, step := range steps {
		fmt.Fprintf(b, " (%s: %d)", step, len(byStep[step]))
	}
	for _, step := range steps {
		fmt.Fprintf(b, "\n    the %s fails to link:", step)
		slices.Sort(byStep[step])
		for _, e := range byStep[step] {
			fmt.Fprintf(b, "\n      %s", e)
		}
	}
}

// compileSet compiles main.c (twice: with and without -DUSE_DLOPEN) and lib.c
// for one (compiler, model, dialect, pic) and returns the objects' directory.
func compileSet(t *testing.T, testdata string, cc rivettest.Compiler, model string, dialect dialectSpec, pic picSpec) string {
	dir := t.TempDir()
	flags := slices.Concat(cc.CC[1:], []string{"-O2", "-pthread", pic.flag, "-ftls-model=" + model}, dialect.flags, []string{"-I" + testdata, "-c"})
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
			results[i] = run(dir, cc.CC[0], args...)
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

// checkGolden reports bfd's program unless it printed the golden transcript.
func checkGolden(t *testing.T, sum *summary, golden, name string, bfd outcome) bool {
	if bfd.prog.ok() && bfd.prog.stdout == golden {
		return true
	}
	sum.add(&sum.broken, name+": "+progSummary(bfd.prog, golden))
	t.Errorf("the ld.bfd-linked program does not print the golden transcript (testdata/golden.txt):\n%s\n%s",
		bfd.prog.describe(), diff(golden, bfd.prog.stdout))
	return false
}

// runReference links and runs one combination with ld.bfd alone and
// checks its program against the golden transcript.
func runReference(t *testing.T, sum *summary, golden, name string, tg *rivettest.Target, cc rivettest.Compiler, objs, mode string) {
	dir := t.TempDir()
	bfd := linkAndRun(tg, cc, objs, dir, mode, "bfd", "")
	t.Logf("bfd:   %s", bfd.link.line)
	if bfd.failedStep != "" {
		short := strings.NewReplacer(objs+string(filepath.Separator), "", dir+string(filepath.Separator), "").Replace(firstLine(bfd.link.stderr))
		sum.addFail(sum.bfdOnlyNoLink, bfd.failedStep, name+": "+short)
		t.Logf("ld.bfd fails to link the %s\n%s", bfd.failedStep, bfd.link.describe())
		return
	}
	if checkGolden(t, sum, golden, name, bfd) {
		sum.add(&sum.bfdOnly, name)
	}
}

// runCombo links and runs one combination with both linkers and compares.
func runCombo(t *testing.T, sum *summary, golden, name string, tg *rivettest.Target, cc rivettest.Compiler, objs, mode, libexec string) {
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
		wg.Go(func() { *l.o = linkAndRun(tg, cc, objs, ldir, mode, l.name, libexec) })
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
		sum.addFail(sum.bothFail, bfd.failedStep, name+": "+short)
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

	bfdGood := checkGolden(t, sum, golden, name, bfd)
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

// TestKnownGapsWellFormed checks that every gap and not-applicable pattern
// is valid, matches some combination and has a reason.
func TestKnownGapsWellFormed(t *testing.T) {
	for _, m := range []*matrix{&x86Matrix, &aarch64Matrix} {
		var names []string
		for _, cc := range m.target.Compilers {
			for _, model := range models {
				for _, d := range m.dialects[cc.Name] {
					for _, pic := range pics {
						for _, mode := range modes {
							names = append(names, strings.Join([]string{cc.Name, model, d.name, pic.name, mode}, "/"))
						}
					}
				}
			}
		}
		if len(names) != m.combinations() {
			t.Errorf("%s: %d names, %d combinations", m.target.Name, len(names), m.combinations())
		}
		for _, pats := range []map[string]string{m.gaps, m.notApplicable} {
			for pat, reason := range pats {
				if strings.Count(pat, "/") != 4 {
					t.Errorf("%s pattern %q: want compiler/model/dialect/pic/mode", m.target.Name, pat)
				}
				matched := false
				for _, n := range names {
					ok, err := path.Match(pat, n)
					if err != nil {
						t.Errorf("%s pattern %q: %v", m.target.Name, pat, err)
						break
					}
					matched = matched || ok
				}
				if !matched {
					t.Errorf("%s pattern %q matches no combination", m.target.Name, pat)
				}
				if strings.TrimSpace(reason) == "" {
					t.Errorf("%s pattern %q: empty reason", m.target.Name, pat)
				}
			}
		}
	}
}
