package link

// Fuzz targets for the input readers: relocatable objects and archives.
// They assert only that bad input never panics (and never hangs): it must
// become an error.
//
// The seed corpus lives in testdata/fuzz/FuzzObject and
// testdata/fuzz/FuzzArchive (Go's corpus file format). It was generated
// once, with gcc/g++ -O1 -g0 and ar, from small C and C++ sources: data,
// bss, common, a string, TLS (traditional and TLS descriptors),
// constructors, weak and undefined references (-fPIE, -fPIC and -fno-pie),
// a C++ file with exceptions, templates and COMDAT groups; archives with
// an index and a long member name, and without an index. Plain
// `go test` runs the seeds as regular tests; to fuzz:
//
//	go test -run '^$' -fuzz '^FuzzObject$' -fuzztime 60s -fuzzminimizetime 10s ./internal/link/
//	go test -run '^$' -fuzz '^FuzzArchive$' -fuzztime 60s -fuzzminimizetime 10s ./internal/link/
//
// (Minimizing a new "interesting" input of a few KB takes up to
// -fuzzminimizetime, 60s by default, during which the progress line shows
// 0 execs/sec.)
//
// The second fuzz argument selects the link mode (see fuzzModes) and
// --gc-sections (bit 3), so that every relocation decision table is reached.
//
// Reproducers of bugs found by fuzzing stay in testdata/fuzz/<target>/ as
// regression seeds once fixed, e.g.:
//
//	go test -run 'FuzzObject/merge-section-huge-alignment-hang' ./internal/link/
//
// Go's fuzzing engine has no per-input time limit: a hanging input just
// stalls the workers. withDeadline turns a hang into a panic that names
// it, so the engine records the input like any other crash.

import (
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/rivet-linker/rivet/internal/arch/x86_64"
	"github.com/rivet-linker/rivet/internal/options"
)

// fuzzModes are the command lines a fuzz input is linked with, by mode&7.
var fuzzModes = [8][]string{
	{"-no-pie"},
	{"-pie"},
	{"-shared"},
	{"-static"},
	{"-static", "-pie"},
	{"-pie", "-z", "nocopyreloc"},
	{"-shared", "--no-undefined", "-Bsymbolic"},
	{"-no-pie", "--no-relax", "--export-dynamic"},
}

// fuzzDeadline bounds one fuzz input. The seeds take milliseconds.
const fuzzDeadline = 5 * time.Second

// fuzzLinker returns a linker configured for mode; it reads no files.
func fuzzLinker(t *testing.T, mode uint8) *Linker {
	args := append([]string{"-o", "fuzz.out"}, fuzzModes[mode&7]...)
	if mode&8 != 0 {
		args = append(args, "--gc-sections")
	}
	cfg, err := options.Parse(args)
	if err != nil {
		t.Fatalf("options.Parse(%q): %v", args, err)
	}
	return New(cfg, x86_64.New(), io.Discard, io.Discard)
}

// withDeadline runs fn and crashes the test binary, with every goroutine's
// stack, if fn does not return within fuzzDeadline.
func withDeadline(fn func()) {
	done := make(chan struct{})
	timer := time.AfterFunc(fuzzDeadline, func() {
		select {
		case <-done:
			return
		default:
		}
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		panic(fmt.Sprintf("fuzz input still running after %v (hang or runaway allocation); goroutines:\n%s", fuzzDeadline, buf))
	})
	defer timer.Stop()
	defer close(done)
	fn()
}

// runAnalysisPasses runs the passes after loading that look at the parsed
// input, each only while no error has been reported (as Run does). The
// later passes are left out: synthetic sections and layout are sized from
// the input, and writing creates the output file.
func runAnalysisPasses(l *Linker) {
	for _, pass := range []func(){
		l.resolve,
		l.gcSections,
		l.parseEhFrames,
		l.mergeStrings,
		l.assignOutputSections,
		l.scanRelocations,
	} {
		if len(l.errs) > 0 {
			return
		}
		pass()
	}
}

func FuzzObject(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte("\x7fELF\x02\x01\x01"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		withDeadline(func() {
			l := fuzzLinker(t, mode)
			l.addCommandLineUndefs()
			l.addObject("fuzz.o", data, nil)
			l.initLocals() // as loadInputs does after loading
			runAnalysisPasses(l)
		})
	})
}

func FuzzArchive(f *testing.F) {
	f.Add([]byte("!<arch>\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		withDeadline(func() {
			// --whole-archive: every member is loaded.
			ar, err := parseArchive("fuzz.a", data, false)
			if err != nil {
				return
			}
			l := fuzzLinker(t, mode)
			l.addCommandLineUndefs()
			l.addArchive(ar, true)
			l.initLocals()
			runAnalysisPasses(l)

			// Lazy loading: members are extracted through the archive
			// symbol table for references to the names it lists.
			ar, err = parseArchive("fuzz.a", data, false)
			if err != nil {
				t.Fatalf("parseArchive failed on the second parse of the same data: %v", err)
			}
			l = fuzzLinker(t, mode)
			l.addCommandLineUndefs()
			for _, s := range ar.syms {
				l.addUndefined(l.intern(s.name), false, false)
			}
			l.addArchive(ar, false)
			l.initLocals()
			runAnalysisPasses(l)
		})
	})
}
