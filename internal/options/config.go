// Package options turns a GNU ld command line into a Config.
//
// It owns everything about argv: response files (@file, libiberty quoting,
// nested), single- and double-dash long options, joined and separate option
// arguments, -z keywords, --push-state/--pop-state, and the ordered list of
// inputs with the positional flags in force for each (--as-needed,
// --whole-archive, -Bstatic, groups). It knows nothing about ELF.
package options

import "time"

// OutputKind is what the link produces.
type OutputKind uint8

const (
	// Exec is a position-dependent executable (-no-pie).
	Exec OutputKind = iota
	// PIE is a position-independent executable (-pie).
	PIE
	// Shared is a shared object (-shared).
	Shared
)

func (k OutputKind) String() string {
	switch k {
	case Exec:
		return "exec"
	case PIE:
		return "pie"
	case Shared:
		return "shared"
	}
	return "?"
}

// InputKind says how an Input names its file.
type InputKind uint8

const (
	// InputFile is a path given on the command line.
	InputFile InputKind = iota
	// InputLib is -lNAME: search libNAME.so then libNAME.a on the library path
	// (only libNAME.a when Static is set).
	InputLib
	// InputLibVerbatim is -l:NAME: search NAME verbatim on the library path.
	InputLibVerbatim
	// InputGroupStart is --start-group / -(.
	InputGroupStart
	// InputGroupEnd is --end-group / -).
	InputGroupEnd
)

// Input is one positional item of the command line, with the positional
// state that was in force where it appeared.
type Input struct {
	Kind         InputKind
	Name         string // path, or library name for -l / -l:
	AsNeeded     bool   // --as-needed in force
	WholeArchive bool   // --whole-archive in force
	Static       bool   // -Bstatic (or -static) in force: -l finds only .a
}

// Config is the whole link request.
type Config struct {
	Output string // -o (default "a.out")
	// Relocatable is -r: write an ET_REL object instead of linking.
	Relocatable bool
	OutputKind  OutputKind
	// Static is -static / -Bstatic given before any input (no dynamic
	// linking at all; with -pie it makes a static-pie).
	Static bool
	// PIESet records that -pie or -no-pie was given explicitly.
	PIESet bool

	Inputs      []Input
	LibraryPath []string // -L in order
	Sysroot     string   // --sysroot

	Entry           string   // -e (empty: _start for executables, none for shared)
	Undefined       []string // -u
	Soname          string   // -soname / -h
	Rpath           []string // -rpath / -R (joined with ':' in DT_RUNPATH)
	RpathLink       []string // -rpath-link
	DynamicLinker   string   // -dynamic-linker / --dynamic-linker / -I
	NoDynamicLinker bool     // --no-dynamic-linker
	Init            string   // -init (default _init)
	Fini            string   // -fini (default _fini)
	EnableNewDtags  bool     // --enable-new-dtags (default true: DT_RUNPATH)

	GCSections      bool   // --gc-sections
	PrintGCSections bool   // --print-gc-sections
	EhFrameHdr      bool   // --eh-frame-hdr
	BuildID         string // "", "none", "tree" (bare --build-id), "sha1", "md5", "uuid", "fast", or "0x<hex>"
	HashStyleSysv   bool   // --hash-style=sysv|both
	HashStyleGNU    bool   // --hash-style=gnu|both (default both)

	ExportDynamic       bool     // --export-dynamic / -E
	DynamicList         []string // --dynamic-list files (patterns are read later)
	Bsymbolic           bool     // -Bsymbolic
	BsymbolicFunctions  bool     // -Bsymbolic-functions
	VersionScripts      []string // --version-script files
	NoUndefined         bool     // --no-undefined / -z defs
	AllowShlibUndefined bool     // --allow-shlib-undefined
	// UnresolvedSymbols is --unresolved-symbols=: "report-all" (default),
	// "ignore-all", "ignore-in-object-files", "ignore-in-shared-libs".
	UnresolvedSymbols string
	Wrap              []string // --wrap
	Defsym            []Defsym // --defsym
	NoRelax           bool     // --no-relax
	// SectionStart is --section-start: output section name -> address.
	SectionStart map[string]uint64
	// FixA53Erratum843419 is --fix-cortex-a53-843419 (AArch64).
	FixA53Erratum843419 bool
	Fork                ForkMode  // --fork, --no-fork
	NoTLSRelax          bool      // --no-tls-relax (rivet): keep every TLS access model
	MapFile             string    // -Map
	Trace               bool      // --trace / -t
	TraceSymbols        []string  // -y
	Threads             int       // --threads=N (0: all CPUs)
	FatalWarnings       bool      // --fatal-warnings
	WarnCommon          bool      // --warn-common
	NoinhibitExec       bool      // --noinhibit-exec
	StripAll            bool      // --strip-all / -s
	StripDebug          bool      // --strip-debug / -S
	DiscardAll          bool      // --discard-all / -x
	DiscardLocals       bool      // --discard-locals / -X
	Scripts             []string  // -T / -script / --script
	Plugins             []string  // -plugin
	PluginOpts          []string  // -plugin-opt
	Emulation           string    // -m
	Stats               bool      // --stats
	Time                bool      // --time
	TimeTrace           string    // --time-trace[=FILE]: Chrome trace JSON written here
	Start               time.Time // when the process started (for --time)
	PrintRelocTable     bool      // --print-reloc-table
	PrintTLSTable       bool      // --print-tls-table

	// -z keywords
	ZRelro          bool   // relro (default true) / norelro
	ZNow            bool   // now / lazy (default lazy)
	ZExecStack      bool   // execstack / noexecstack (default false)
	ZNoExecStackSet bool   // -z noexecstack given explicitly (overrides inputs' notes)
	ZSeparateCode   bool   // separate-code (default true) / noseparate-code
	ZForceBTI       bool   // force-bti (AArch64)
	ZPACPLT         bool   // pac-plt (AArch64)
	ZText           bool   // text / notext (default: text for PIE and shared is off: ld allows textrels with a warning; we follow lld: error)
	ZNodelete       bool   // nodelete
	ZNocopyreloc    bool   // nocopyreloc
	ZOrigin         bool   // origin
	ZInitfirst      bool   // initfirst
	ZNodlopen       bool   // nodlopen
	ZInterpose      bool   // interpose
	ZMaxPageSize    uint64 // max-page-size= (default 4096 on x86-64 as GNU ld 2.40 uses)
	ZMaxPageSizeSet bool   // given on the command line (else the arch's default applies)
	ZCommonPageSize uint64 // common-page-size=

	// Informational flags handled entirely by the driver.
	Version bool // --version / -v
	// Ident is not an option: the driver sets it to the string the
	// output's .comment section carries ("Linker: rivet VERSION").
	Ident       string
	Help        bool // --help
	VersionOnly bool // -v/-V style: print version and exit if no inputs
}

// Defsym is one --defsym SYM=EXPR. Expr is a number (decimal or 0x hex) or
// a symbol name, optionally followed by +/- a number.
type Defsym struct {
	Name string
	Expr string
}

// ForkMode says whether the link runs in a detached child process.
type ForkMode uint8

const (
	ForkAuto   ForkMode = iota // for large inputs
	ForkAlways                 // --fork
	ForkNever                  // --no-fork
)
