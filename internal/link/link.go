// Package link holds the Linker and drives the passes of a link.
//
// A link is a fixed sequence of passes over one *Linker; each pass reads
// what earlier passes produced and adds its own results:
//
//	load inputs -> resolve symbols -> gc sections -> scan relocations ->
//	create synthetic sections -> layout (addresses) -> write -> rename
//
// Architecture knowledge comes only through reloc.Arch.
package link

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/options"
	"github.com/rivet-linker/rivet/internal/output"
	"github.com/rivet-linker/rivet/internal/reloc"
	"github.com/rivet-linker/rivet/internal/script"
	"github.com/rivet-linker/rivet/internal/thunk"
)

// Linker is the state of one link.
type Linker struct {
	cfg    *options.Config
	arch   reloc.Arch
	stdout io.Writer
	stderr io.Writer

	out      reloc.Output
	isStatic bool // no dynamic linker, no shared inputs
	dynamic  bool // the output has a .dynamic section
	pic      bool

	libDirs     []string
	mapped      map[string][]byte
	files       []*File
	objects     []*File
	sharedFiles []*File
	archives    []*archive
	sonames     map[string]*File
	comdats     map[string]*File

	syms symTable

	pf                 *prefetcher
	prefetchedArchives map[string]*archive
	symMap             map[string]SymID
	pending            []pendingMember
	extracting         bool
	dupErrs            []dupDef

	wraps         map[string]bool
	symWarnings   map[string]string // .gnu.warning.SYM texts
	symVer        map[SymID]string  // version of a definition named foo@V or foo@@V in an object
	symCls        []uint8           // per symbol id during the scan: class byte (classifySymbols)
	symVA         []uint64          // per symbol id while writing: its address (computeSymVA)
	symVAFlags    []uint8           // per symbol id while writing: vaMergeSection, vaPLT, vaUndef
	warned        map[SymID]bool
	globals       []SymID
	internal      *File
	linkerSyms    []SymID
	startStop     map[string]bool
	defsyms       []SymID
	versionScript *script.VersionScript
	dynamicList   []script.Pattern
	verDefs       []string
	verParents    [][]string
	textRel       bool
	interpPath    string
	outFile       *output.File
	phdrs         []elfio.Phdr
	base          uint64
	shoff         uint64
	shnum         int
	dynEntries    []dynEntry
	staticTLS     bool
	needTLSLD     bool

	errs     []string
	warnings []string

	// Layout and synthetic state.
	outSecs  []*OutSection
	synth    synthetics
	segments []segment
	tlsStart uint64
	tp       uint64 // the thread pointer in the executable's TLS image
	// Range extension thunks and erratum veneers (AArch64).
	thunks     *thunk.Planner
	patchSites []patchSite
	pairer     gotPairer    // the arch's, if its GOT relaxation takes two relocations
	pltTags    []elf.DynTag // DT_AARCH64_BTI_PLT, DT_AARCH64_PAC_PLT
	tlsAlign   uint64
	tlsMemsz   uint64
	entryAddr  uint64
	fileSize   uint64
	stats      stats
	phases     phases
}

// ErrLink reports that errors were printed.
var ErrLink = errors.New("link failed")

// New creates a linker for cfg.
func New(cfg *options.Config, arch reloc.Arch, stdout, stderr io.Writer) *Linker {
	l := &Linker{
		cfg: cfg, arch: arch, stdout: stdout, stderr: stderr,
		phases:      phases{t0: cfg.Start},
		mapped:      map[string][]byte{},
		sonames:     map[string]*File{},
		comdats:     map[string]*File{},
		symMap:      map[string]SymID{},
		wraps:       map[string]bool{},
		symWarnings: map[string]string{},
		symVer:      map[SymID]string{},
		startStop:   map[string]bool{},
	}
	for _, w := range cfg.Wrap {
		l.wraps[w] = true
	}
	l.syms.add("") // id 0: no symbol
	l.pairer, _ = arch.(gotPairer)
	switch cfg.OutputKind {
	case options.Shared:
		l.out, l.pic = reloc.OutShared, true
	case options.PIE:
		l.out, l.pic = reloc.OutPIE, true
	default:
		l.out = reloc.OutExec
	}
	l.isStatic = cfg.Static && cfg.OutputKind != options.Shared
	l.dynamic = !l.isStatic || l.staticPIE()
	for _, d := range cfg.LibraryPath {
		l.libDirs = append(l.libDirs, l.sysrootPath(d))
	}
	for _, d := range arch.Target().LibDirs {
		l.libDirs = append(l.libDirs, l.cfg.Sysroot+d)
	}
	return l
}

func (l *Linker) staticPIE() bool {
	return l.cfg.Static && l.cfg.OutputKind == options.PIE
}

// diags collects error messages where l.errorf cannot be used (parallel
// workers); they are appended to l.errs in input order afterwards.
type diags []string

func (d *diags) errorf(format string, args ...any) {
	*d = append(*d, fmt.Sprintf(format, args...))
}

func (l *Linker) errorf(format string, args ...any) {
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
}

func (l *Linker) warnf(format string, args ...any) {
	l.warnings = append(l.warnings, fmt.Sprintf(format, args...))
}

// flush prints collected diagnostics and reports whether errors occurred.
func (l *Linker) flush() bool {
	for _, w := range l.warnings {
		fmt.Fprintf(l.stderr, "rivet: warning: %s\n", w)
	}
	if l.cfg.FatalWarnings && len(l.warnings) > 0 {
		l.errs = append(l.errs, "warnings are fatal (--fatal-warnings)")
	}
	l.warnings = nil
	for _, e := range l.errs {
		fmt.Fprintf(l.stderr, "rivet: error: %s\n", e)
	}
	return len(l.errs) > 0
}

func (l *Linker) pass(name string, fn func()) bool {
	end := l.span(name)
	fn()
	end()
	return !l.flush()
}

// reportTimes prints --time and writes --time-trace.
func (l *Linker) reportTimes() {
	if l.cfg.Time {
		l.phases.printTimes(l.stderr, time.Since(l.phases.t0))
	}
	if l.cfg.TimeTrace != "" {
		if err := l.phases.writeTrace(l.cfg.TimeTrace); err != nil {
			fmt.Fprintf(l.stderr, "rivet: warning: --time-trace: %v\n", err)
		}
	}
}

// Run performs the link. An unexpected panic (a bug in rivet) becomes one
// error line, and the temporary output file is removed.
func (l *Linker) Run() (err error) {
	defer func() {
		if r := recover(); r != nil {
			if l.outFile != nil {
				l.outFile.Abort()
			}
			fmt.Fprintf(l.stderr, "rivet: error: internal error: %v\n", r)
			if os.Getenv("RIVET_DEBUG") != "" {
				panic(r)
			}
			err = ErrLink
		}
	}()
	passes := []struct {
		name string
		fn   func()
	}{
		{"load inputs", l.loadInputs},
		{"resolve symbols", l.resolve},
		{"parse eh_frame", l.parseEhFrames},
		{"gc sections", l.gcSections},
		{"merge strings", l.mergeStrings},
		{"assign output sections", l.assignOutputSections},
		{"scan relocations", l.scanRelocations},
		{"create synthetic sections", l.createSynthetics},
		{"layout", l.layout},
		{"thunks", l.placeThunks},
		{"write output", l.writeOutput},
		{"write map", l.writeMap},
	}
	for _, p := range passes {
		if !l.pass(p.name, p.fn) {
			return ErrLink
		}
	}
	l.reportTimes()
	if l.cfg.Stats {
		l.printStats()
	}
	return nil
}

// sortedKeys is a helper for deterministic iteration over small maps.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// secLoc formats "file:(section+0xoff)".
func secLoc(s *Section, off uint64) string {
	return fmt.Sprintf("%s:(%s+0x%x)", s.file.name, s.name, off)
}

var _ = strings.TrimSpace
var _ = os.Getenv
