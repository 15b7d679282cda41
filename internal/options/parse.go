package options

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Parse turns a GNU ld command line (without argv[0]) into a Config.
//
// Response files (@path) are expanded first. Long options may be written
// with one or two dashes; with two dashes a unique prefix of a long option
// is accepted too, as getopt does. With one dash, an exact long option wins
// over single-letter options ("-soname" is not "-s -o name"), except that an
// argument starting with "-o" is always -o ("-omagic" writes "magic"), as in
// GNU ld. Single-letter options may be clustered ("-sx") and take their
// argument joined or as the next argument.
func Parse(args []string) (*Config, error) {
	return parse(args, os.ReadFile)
}

func parse(args []string, read readFileFunc) (*Config, error) {
	expanded, err := expandResponseFiles(args, read, 0)
	if err != nil {
		return nil, err
	}
	p := &parser{cfg: defaultConfig(), args: expanded}
	if err := p.run(); err != nil {
		return nil, err
	}
	if p.timeTrace && p.cfg.TimeTrace == "" {
		p.cfg.TimeTrace = p.cfg.Output + ".time.json"
	}
	return p.cfg, nil
}

func defaultConfig() *Config {
	return &Config{
		Output:            "a.out",
		OutputKind:        Exec,
		Init:              "_init",
		Fini:              "_fini",
		EnableNewDtags:    true,
		HashStyleSysv:     true,
		HashStyleGNU:      true,
		UnresolvedSymbols: "report-all",
		ZRelro:            true,
		ZSeparateCode:     true,
		ZMaxPageSize:      4096,
		ZCommonPageSize:   4096,
	}
}

// posState is the part of the command line state that applies to the inputs
// that follow it and that --push-state/--pop-state save and restore.
type posState struct {
	asNeeded     bool
	wholeArchive bool
	static       bool
}

type parser struct {
	cfg   *Config
	args  []string
	i     int // index of the next argument to read
	state posState
	stack []posState

	inGroup  bool
	shared   bool // -shared / -Bshareable seen
	pie      bool // last of -pie / -no-pie
	sawInput bool // a file or library has been added

	staticOpt bool // -static seen
	timeTrace bool // --time-trace seen
	// earlyBstatic: -Bstatic (or -dn / -non_shared) came before any input
	// and no library has since been searched in dynamic mode.
	earlyBstatic bool
}

func (p *parser) run() error {
	noMoreOptions := false
	for p.i < len(p.args) {
		a := p.args[p.i]
		p.i++
		switch {
		case noMoreOptions || a == "-" || !strings.HasPrefix(a, "-"):
			p.addInput(InputFile, a)
		case a == "--":
			noMoreOptions = true
		case strings.HasPrefix(a, "--"):
			if err := p.longOption(a, a[2:], true); err != nil {
				return err
			}
		default:
			if err := p.singleDash(a); err != nil {
				return err
			}
		}
	}
	if p.inGroup {
		return errors.New("--start-group without matching --end-group")
	}
	switch {
	case p.shared:
		p.cfg.OutputKind = Shared
	case p.pie:
		p.cfg.OutputKind = PIE
	default:
		p.cfg.OutputKind = Exec
	}
	p.cfg.Static = p.staticOpt || p.earlyBstatic
	return nil
}

// singleDash handles an argument starting with exactly one dash.
func (p *parser) singleDash(a string) error {
	body := a[1:]
	if body[0] != 'o' {
		name, _, _ := strings.Cut(body, "=")
		if longOptions[name] != nil {
			return p.longOption(a, body, false)
		}
	}
	return p.shortCluster(a, body)
}

// longOption handles a long option; body is the argument without its dashes.
func (p *parser) longOption(a, body string, twoDashes bool) error {
	name, val, hasVal := strings.Cut(body, "=")
	o := longOptions[name]
	if o == nil && twoDashes {
		var err error
		if o, err = matchPrefix(a, name); err != nil {
			return err
		}
	}
	if o == nil {
		return fmt.Errorf("unknown option: %s", a)
	}
	spelled, _, _ := strings.Cut(a, "=")
	use := optUse{spelled: spelled, val: val, hasVal: hasVal}
	switch o.arg {
	case argNone:
		if hasVal {
			return fmt.Errorf("option %s does not take an argument", spelled)
		}
	case argRequired:
		if !hasVal {
			if p.i >= len(p.args) {
				return fmt.Errorf("option %s requires an argument", spelled)
			}
			use.val, use.hasVal = p.args[p.i], true
			p.i++
		}
	}
	return o.do(p, use)
}

// matchPrefix finds the single long option that name abbreviates (for
// options written with two dashes, as getopt allows).
func matchPrefix(a, name string) (*option, error) {
	if name == "" {
		return nil, nil
	}
	var found []*option
	var spellings []string
	for _, n := range longNames {
		if !strings.HasPrefix(n, name) {
			continue
		}
		o := longOptions[n]
		if !slices.Contains(found, o) {
			found = append(found, o)
			spellings = append(spellings, "--"+n)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("ambiguous option: %s (could be %s)", a, strings.Join(spellings, ", "))
}

// shortCluster handles one or more single-letter options in one argument.
func (p *parser) shortCluster(a, body string) error {
	for j := 0; j < len(body); j++ {
		o := shortOptions[body[j]]
		if o == nil {
			return fmt.Errorf("unknown option: %s", a)
		}
		use := optUse{spelled: "-" + body[j:j+1]}
		if o.arg == argRequired {
			if rest := body[j+1:]; rest != "" {
				use.val, use.hasVal = rest, true
			} else if p.i < len(p.args) {
				use.val, use.hasVal = p.args[p.i], true
				p.i++
			} else {
				return fmt.Errorf("option %s requires an argument", use.spelled)
			}
			return o.do(p, use)
		}
		if err := o.do(p, use); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) addInput(kind InputKind, name string) {
	if kind == InputFile || kind == InputLib || kind == InputLibVerbatim {
		p.sawInput = true
	}
	if (kind == InputLib || kind == InputLibVerbatim) && !p.state.static {
		p.earlyBstatic = false
	}
	p.cfg.Inputs = append(p.cfg.Inputs, Input{
		Kind:         kind,
		Name:         name,
		AsNeeded:     p.state.asNeeded,
		WholeArchive: p.state.wholeArchive,
		Static:       p.state.static,
	})
}

func (p *parser) addLibrary(spelled, name string) error {
	if verbatim, ok := strings.CutPrefix(name, ":"); ok {
		if verbatim == "" {
			return fmt.Errorf("option %s: empty library name", spelled)
		}
		p.addInput(InputLibVerbatim, verbatim)
		return nil
	}
	if name == "" {
		return fmt.Errorf("option %s: empty library name", spelled)
	}
	p.addInput(InputLib, name)
	return nil
}

func (p *parser) setStatic(fromStaticOption bool) {
	if fromStaticOption {
		p.staticOpt = true
	}
	if !p.sawInput {
		p.earlyBstatic = true
	}
	p.state.static = true
}

// addRpath appends dir to the run path unless it is already there.
func (p *parser) addRpath(dir string) {
	for _, d := range p.cfg.Rpath {
		if d == dir {
			return
		}
	}
	p.cfg.Rpath = append(p.cfg.Rpath, dir)
}

func setBuildID(c *Config, use optUse) error {
	if !use.hasVal {
		c.BuildID = "tree"
		return nil
	}
	v := use.val
	switch v {
	case "sha1", "md5", "uuid", "fast", "tree", "none":
		c.BuildID = v
		return nil
	}
	if hex, ok := strings.CutPrefix(v, "0x"); ok && hex != "" && isHex(hex) {
		c.BuildID = v
		return nil
	}
	return fmt.Errorf("invalid --build-id style: %q (want tree, sha1, md5, uuid, fast, none or 0x<hex>)", v)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func setHashStyle(c *Config, v string) error {
	switch v {
	case "sysv":
		c.HashStyleSysv, c.HashStyleGNU = true, false
	case "gnu":
		c.HashStyleSysv, c.HashStyleGNU = false, true
	case "both":
		c.HashStyleSysv, c.HashStyleGNU = true, true
	default:
		return fmt.Errorf("invalid --hash-style: %q (want sysv, gnu or both)", v)
	}
	return nil
}

func setThreads(c *Config, use optUse) error {
	if !use.hasVal {
		c.Threads = 0
		return nil
	}
	n, err := strconv.Atoi(use.val)
	if err != nil || n < 0 {
		return fmt.Errorf("invalid --threads value: %q", use.val)
	}
	c.Threads = n
	return nil
}

func addDefsym(c *Config, v string) error {
	name, expr, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("--defsym %q: missing '=' (want SYMBOL=EXPRESSION)", v)
	}
	if name == "" {
		return fmt.Errorf("--defsym %q: missing symbol name", v)
	}
	if expr == "" {
		return fmt.Errorf("--defsym %q: missing expression", v)
	}
	c.Defsym = append(c.Defsym, Defsym{Name: name, Expr: expr})
	return nil
}

// zOption applies one -z keyword.
func zOption(c *Config, kw string) error {
	switch kw {
	case "relro":
		c.ZRelro = true
	case "norelro":
		c.ZRelro = false
	case "now":
		c.ZNow = true
	case "lazy":
		c.ZNow = false
	case "execstack":
		c.ZExecStack, c.ZNoExecStackSet = true, false
	case "noexecstack":
		c.ZExecStack, c.ZNoExecStackSet = false, true
	case "force-bti":
		c.ZForceBTI = true
	case "pac-plt":
		c.ZPACPLT = true
	case "separate-code":
		c.ZSeparateCode = true
	case "noseparate-code":
		c.ZSeparateCode = false
	case "text":
		c.ZText = true
	case "notext":
		c.ZText = false
	case "defs":
		c.NoUndefined = true
	case "undefs":
		c.NoUndefined = false
	case "nodelete":
		c.ZNodelete = true
	case "nocopyreloc":
		c.ZNocopyreloc = true
	case "origin":
		c.ZOrigin = true
	case "initfirst":
		c.ZInitfirst = true
	case "nodlopen":
		c.ZNodlopen = true
	case "interpose":
		c.ZInterpose = true
	case "muldefs":
		return errors.New("-z muldefs is not supported")
	default:
		if zIgnored[kw] {
			return nil
		}
		if v, ok := strings.CutPrefix(kw, "max-page-size="); ok {
			n, err := parsePageSize(v)
			if err != nil {
				return fmt.Errorf("invalid -z max-page-size value: %q", v)
			}
			c.ZMaxPageSize, c.ZMaxPageSizeSet = n, true
			return nil
		}
		if v, ok := strings.CutPrefix(kw, "common-page-size="); ok {
			n, err := parsePageSize(v)
			if err != nil {
				return fmt.Errorf("invalid -z common-page-size value: %q", v)
			}
			c.ZCommonPageSize = n
			return nil
		}
		if v, ok := strings.CutPrefix(kw, "cet-report="); ok && v != "" {
			return nil
		}
		if strings.HasPrefix(kw, "lam-") {
			return nil
		}
		return fmt.Errorf("unknown -z option: %s", kw)
	}
	return nil
}

// zIgnored are -z keywords accepted for compatibility and otherwise ignored.
var zIgnored = map[string]bool{
	"noexecheap":               true,
	"combreloc":                true,
	"nocombreloc":              true,
	"ibt":                      true,
	"shstk":                    true,
	"ibtplt":                   true,
	"x86-64-baseline":          true,
	"x86-64-v2":                true,
	"x86-64-v3":                true,
	"x86-64-v4":                true,
	"noextern-protected-data":  true,
	"dynamic-undefined-weak":   true,
	"nodynamic-undefined-weak": true,
	"globalaudit":              true,
	"mark-plt":                 true,
	"nomark-plt":               true,
	"pack-relative-relocs":     true,
	"nopack-relative-relocs":   true,
	"start-stop-gc":            true,
	"nostart-stop-gc":          true,
}

// parsePageSize parses a decimal or 0x-hexadecimal page size, which must be
// a non-zero power of two.
func parsePageSize(s string) (uint64, error) {
	var n uint64
	var err error
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		n, err = strconv.ParseUint(h, 16, 64)
	} else if h, ok := strings.CutPrefix(s, "0X"); ok {
		n, err = strconv.ParseUint(h, 16, 64)
	} else {
		n, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return 0, err
	}
	if n == 0 || n&(n-1) != 0 {
		return 0, errors.New("not a power of two")
	}
	return n, nil
}

// Usage returns the --help text: one supported option per line with a short
// description, followed by the supported -z keywords.
func Usage() string {
	var b strings.Builder
	b.WriteString("Usage: rivet [options] file...\nOptions:\n")
	for i := range optionTable {
		o := &optionTable[i]
		if o.help == "" {
			continue
		}
		var forms []string
		for _, n := range o.names {
			forms = append(forms, o.display(n))
		}
		fmt.Fprintf(&b, "  %-44s %s\n", strings.Join(forms, ", "), o.help)
	}
	b.WriteString("-z keywords:\n")
	for _, z := range zHelp {
		fmt.Fprintf(&b, "  -z %-41s %s\n", z[0], z[1])
	}
	b.WriteString("@FILE reads further options from FILE.\n")
	return b.String()
}

var zHelp = [][2]string{
	{"relro", "Make data read-only after relocation (default)"},
	{"norelro", "Do not create a PT_GNU_RELRO segment"},
	{"now", "Resolve all symbols at load time (DF_BIND_NOW)"},
	{"lazy", "Resolve function symbols lazily (default)"},
	{"execstack", "Mark the stack executable"},
	{"noexecstack", "Mark the stack non-executable (default)"},
	{"force-bti", "AArch64: mark the output BTI-compatible (PLT entries start with bti c), warning about unmarked inputs"},
	{"pac-plt", "AArch64: PLT entries authenticate the address they load (autia1716)"},
	{"separate-code", "Keep code in its own segments (default)"},
	{"noseparate-code", "Allow code and read-only data to share segments"},
	{"text", "Report an error for relocations against read-only sections"},
	{"notext", "Allow relocations against read-only sections (default)"},
	{"defs", "Report undefined symbols (same as --no-undefined)"},
	{"undefs", "Allow undefined symbols in shared objects"},
	{"nodelete", "Mark the object as not unloadable (DF_1_NODELETE)"},
	{"nocopyreloc", "Do not create copy relocations"},
	{"origin", "Mark the object as needing $ORIGIN (DF_ORIGIN)"},
	{"initfirst", "Run this object's initializers first (DF_1_INITFIRST)"},
	{"nodlopen", "Mark the object as not dlopen-able (DF_1_NOOPEN)"},
	{"interpose", "Mark the object as interposing (DF_1_INTERPOSE)"},
	{"max-page-size=SIZE", "Set the maximum page size (default 4096)"},
	{"common-page-size=SIZE", "Set the common page size (default 4096)"},
	{"noexecheap, combreloc, nocombreloc, ibt, ...", "Accepted and ignored"},
}

type argMode uint8

const (
	argNone     argMode = iota
	argRequired         // --opt=value or --opt value
	argOptional         // --opt or --opt=value only
)

// optUse is one occurrence of an option on the command line.
type optUse struct {
	spelled string // the option as written, without "=value": "-o", "--soname"
	val     string
	hasVal  bool
}

type option struct {
	// names: one-letter names are short options, the others long ones.
	names []string
	arg   argMode
	meta  string // placeholder for the argument in Usage
	help  string // "" hides the option from Usage
	// oneDash shows the long names with a single dash in Usage, as GNU ld
	// documents them; both spellings are accepted regardless.
	oneDash bool
	do      func(p *parser, use optUse) error
}

func (o *option) display(name string) string {
	if len(name) == 1 {
		if o.arg == argRequired {
			return "-" + name + " " + o.meta
		}
		return "-" + name
	}
	if o.oneDash {
		if o.arg == argRequired {
			return "-" + name + " " + o.meta
		}
		return "-" + name
	}
	switch o.arg {
	case argRequired:
		return "--" + name + "=" + o.meta
	case argOptional:
		return "--" + name + "[=" + o.meta + "]"
	}
	return "--" + name
}

// cfgFlag returns a handler that applies set to the Config.
func cfgFlag(set func(c *Config)) func(*parser, optUse) error {
	return func(p *parser, _ optUse) error {
		set(p.cfg)
		return nil
	}
}

// cfgValue returns a handler that hands the option's value to set.
func cfgValue(set func(c *Config, v string)) func(*parser, optUse) error {
	return func(p *parser, use optUse) error {
		set(p.cfg, use.val)
		return nil
	}
}

func ignore(*parser, optUse) error { return nil }

func errUnsupported(p *parser, use optUse) error {
	return fmt.Errorf("option %s is not supported", use.spelled)
}

var optionTable = []option{
	// Output.
	{names: []string{"o", "output"}, arg: argRequired, meta: "FILE", help: "Set the output file name (default a.out)",
		do: cfgValue(func(c *Config, v string) { c.Output = v })},
	{names: []string{"shared", "Bshareable"}, oneDash: true, help: "Create a shared object",
		do: func(p *parser, _ optUse) error { p.shared = true; return nil }},
	{names: []string{"pie", "pic-executable"}, oneDash: true, help: "Create a position-independent executable",
		do: func(p *parser, _ optUse) error { p.pie, p.cfg.PIESet = true, true; return nil }},
	{names: []string{"no-pie"}, oneDash: true, help: "Create a position-dependent executable (default)",
		do: func(p *parser, _ optUse) error { p.pie, p.cfg.PIESet = false, true; return nil }},
	{names: []string{"r", "relocatable", "i"}, help: "Create relocatable output (an object to link again)",
		do: cfgFlag(func(c *Config) { c.Relocatable = true })},
	{names: []string{"m"}, arg: argRequired, meta: "EMULATION", help: "Set the emulation (elf_x86_64, aarch64linux)",
		do: cfgValue(func(c *Config, v string) { c.Emulation = v })},
	{names: []string{"EL"}, oneDash: true, help: "Link little-endian objects (accepted, no effect)", do: ignore},
	{names: []string{"EB"}, oneDash: true, help: "Link big-endian objects (not supported)",
		do: func(*parser, optUse) error { return errors.New("-EB: big-endian output is not supported") }},

	// Inputs and their positional state.
	{names: []string{"l", "library"}, arg: argRequired, meta: "NAME", help: "Search for libNAME.so / libNAME.a (-l:FILE: FILE verbatim)",
		do: func(p *parser, use optUse) error { return p.addLibrary(use.spelled, use.val) }},
	{names: []string{"L", "library-path"}, arg: argRequired, meta: "DIR", help: "Add DIR to the library search path",
		do: cfgValue(func(c *Config, v string) { c.LibraryPath = append(c.LibraryPath, v) })},
	{names: []string{"sysroot"}, arg: argRequired, meta: "DIR", help: "Use DIR as the sysroot for library search",
		do: cfgValue(func(c *Config, v string) { c.Sysroot = v })},
	{names: []string{"T", "script"}, arg: argRequired, meta: "FILE", help: "Read the linker script FILE",
		do: cfgValue(func(c *Config, v string) { c.Scripts = append(c.Scripts, v) })},
	{names: []string{"section-start"}, arg: argRequired, meta: "SECTION=ADDRESS", help: "Place output section SECTION at ADDRESS (hexadecimal), in a segment of its own",
		do: func(p *parser, use optUse) error {
			name, addr, ok := strings.Cut(use.val, "=")
			if !ok || name == "" {
				return fmt.Errorf("--section-start: expected SECTION=ADDRESS, got %q", use.val)
			}
			h := strings.TrimPrefix(strings.TrimPrefix(addr, "0x"), "0X")
			n, err := strconv.ParseUint(h, 16, 64)
			if err != nil {
				return fmt.Errorf("--section-start: bad address %q", addr)
			}
			if p.cfg.SectionStart == nil {
				p.cfg.SectionStart = map[string]uint64{}
			}
			p.cfg.SectionStart[name] = n
			return nil
		}},
	{names: []string{"Ttext", "Tdata", "Tbss", "Ttext-segment", "Trodata-segment", "Tldata-segment"},
		arg: argRequired, do: errUnsupported},
	{names: []string{"start-group", "("}, help: "Start a group of archives searched repeatedly",
		do: func(p *parser, use optUse) error {
			if p.inGroup {
				return fmt.Errorf("%s: groups may not be nested", use.spelled)
			}
			p.inGroup = true
			p.addInput(InputGroupStart, "")
			return nil
		}},
	{names: []string{"end-group", ")"}, help: "End a group of archives",
		do: func(p *parser, use optUse) error {
			if !p.inGroup {
				return fmt.Errorf("%s without matching --start-group", use.spelled)
			}
			p.inGroup = false
			p.addInput(InputGroupEnd, "")
			return nil
		}},
	{names: []string{"as-needed"}, help: "Add DT_NEEDED only for shared objects that are used",
		do: func(p *parser, _ optUse) error { p.state.asNeeded = true; return nil }},
	{names: []string{"no-as-needed"}, help: "Add DT_NEEDED for every shared object (default)",
		do: func(p *parser, _ optUse) error { p.state.asNeeded = false; return nil }},
	{names: []string{"whole-archive"}, help: "Include every member of the following archives",
		do: func(p *parser, _ optUse) error { p.state.wholeArchive = true; return nil }},
	{names: []string{"no-whole-archive"}, help: "Include only needed archive members (default)",
		do: func(p *parser, _ optUse) error { p.state.wholeArchive = false; return nil }},
	{names: []string{"static"}, oneDash: true, help: "Link statically: -l finds only archives",
		do: func(p *parser, _ optUse) error { p.setStatic(true); return nil }},
	{names: []string{"Bstatic", "dn", "non_shared"}, oneDash: true, help: "-l finds only archives from here on",
		do: func(p *parser, _ optUse) error { p.setStatic(false); return nil }},
	{names: []string{"Bdynamic", "dy", "call_shared"}, oneDash: true, help: "-l finds shared objects too from here on (default)",
		do: func(p *parser, _ optUse) error {
			p.state.static = false
			return nil
		}},
	{names: []string{"push-state"}, help: "Save the --as-needed, --whole-archive and -Bstatic state",
		do: func(p *parser, _ optUse) error { p.stack = append(p.stack, p.state); return nil }},
	{names: []string{"pop-state"}, help: "Restore the state saved by --push-state",
		do: func(p *parser, _ optUse) error {
			if len(p.stack) == 0 {
				return errors.New("--pop-state without matching --push-state")
			}
			p.state = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			return nil
		}},
	{names: []string{"nostdlib"}, oneDash: true, help: "Accepted, no effect (only -L paths are searched)", do: ignore},

	// Symbols.
	{names: []string{"e", "entry"}, arg: argRequired, meta: "SYMBOL", help: "Set the entry point",
		do: cfgValue(func(c *Config, v string) { c.Entry = v })},
	{names: []string{"u", "undefined"}, arg: argRequired, meta: "SYMBOL", help: "Start with SYMBOL undefined",
		do: cfgValue(func(c *Config, v string) { c.Undefined = append(c.Undefined, v) })},
	{names: []string{"defsym"}, arg: argRequired, meta: "SYMBOL=EXPR", help: "Define SYMBOL as EXPR",
		do: func(p *parser, use optUse) error { return addDefsym(p.cfg, use.val) }},
	{names: []string{"wrap"}, arg: argRequired, meta: "SYMBOL", help: "Use __wrap_SYMBOL for SYMBOL and SYMBOL for __real_SYMBOL",
		do: cfgValue(func(c *Config, v string) { c.Wrap = append(c.Wrap, v) })},
	{names: []string{"E", "export-dynamic"}, help: "Export all global symbols to the dynamic symbol table",
		do: cfgFlag(func(c *Config) { c.ExportDynamic = true })},
	{names: []string{"no-export-dynamic"}, help: "Export only the symbols that need it (default)",
		do: cfgFlag(func(c *Config) { c.ExportDynamic = false })},
	{names: []string{"dynamic-list"}, arg: argRequired, meta: "FILE", help: "Export the symbols listed in FILE",
		do: cfgValue(func(c *Config, v string) { c.DynamicList = append(c.DynamicList, v) })},
	{names: []string{"version-script"}, arg: argRequired, meta: "FILE", help: "Read the version script FILE",
		do: cfgValue(func(c *Config, v string) { c.VersionScripts = append(c.VersionScripts, v) })},
	{names: []string{"Bsymbolic"}, oneDash: true, help: "Bind global references locally in a shared object",
		do: cfgFlag(func(c *Config) { c.Bsymbolic = true })},
	{names: []string{"Bsymbolic-functions"}, oneDash: true, help: "Bind global function references locally",
		do: cfgFlag(func(c *Config) { c.BsymbolicFunctions = true })},
	{names: []string{"no-undefined"}, help: "Report undefined symbols even when creating a shared object",
		do: cfgFlag(func(c *Config) { c.NoUndefined = true })},
	{names: []string{"allow-shlib-undefined"}, help: "Allow undefined symbols in shared libraries",
		do: cfgFlag(func(c *Config) { c.AllowShlibUndefined = true })},
	{names: []string{"no-allow-shlib-undefined"}, help: "Report undefined symbols in shared libraries",
		do: cfgFlag(func(c *Config) { c.AllowShlibUndefined = false })},
	{names: []string{"unresolved-symbols"}, arg: argRequired, meta: "METHOD",
		help: "How to handle unresolved symbols: report-all, ignore-all, ignore-in-object-files, ignore-in-shared-libs",
		do: func(p *parser, use optUse) error {
			switch use.val {
			case "report-all", "ignore-all", "ignore-in-object-files", "ignore-in-shared-libs":
				p.cfg.UnresolvedSymbols = use.val
				return nil
			}
			return fmt.Errorf("invalid --unresolved-symbols method: %q", use.val)
		}},
	{names: []string{"y", "trace-symbol"}, arg: argRequired, meta: "SYMBOL", help: "Trace references to SYMBOL",
		do: cfgValue(func(c *Config, v string) { c.TraceSymbols = append(c.TraceSymbols, v) })},

	// Dynamic linking.
	{names: []string{"h", "soname"}, arg: argRequired, meta: "NAME", oneDash: true, help: "Set DT_SONAME",
		do: cfgValue(func(c *Config, v string) { c.Soname = v })},
	{names: []string{"R", "rpath"}, arg: argRequired, meta: "DIR", oneDash: true, help: "Add DIR to the run-time library search path",
		do: func(p *parser, use optUse) error { p.addRpath(use.val); return nil }},
	{names: []string{"rpath-link"}, arg: argRequired, meta: "DIR", oneDash: true, help: "Add DIR to the link-time search path for shared library dependencies",
		do: cfgValue(func(c *Config, v string) { c.RpathLink = append(c.RpathLink, v) })},
	{names: []string{"I", "dynamic-linker"}, arg: argRequired, meta: "FILE", oneDash: true, help: "Set the program interpreter",
		do: cfgValue(func(c *Config, v string) { c.DynamicLinker, c.NoDynamicLinker = v, false })},
	{names: []string{"no-dynamic-linker"}, help: "Do not request a program interpreter (static-pie)",
		do: cfgFlag(func(c *Config) { c.NoDynamicLinker = true })},
	{names: []string{"init"}, arg: argRequired, meta: "SYMBOL", oneDash: true, help: "Call SYMBOL at load time (default _init)",
		do: cfgValue(func(c *Config, v string) { c.Init = v })},
	{names: []string{"fini"}, arg: argRequired, meta: "SYMBOL", oneDash: true, help: "Call SYMBOL at unload time (default _fini)",
		do: cfgValue(func(c *Config, v string) { c.Fini = v })},
	{names: []string{"enable-new-dtags"}, help: "Use DT_RUNPATH and DT_FLAGS (default)",
		do: cfgFlag(func(c *Config) { c.EnableNewDtags = true })},
	{names: []string{"disable-new-dtags"}, help: "Use DT_RPATH instead of DT_RUNPATH",
		do: cfgFlag(func(c *Config) { c.EnableNewDtags = false })},
	{names: []string{"hash-style"}, arg: argRequired, meta: "STYLE", help: "Dynamic hash table: sysv, gnu or both (default both)",
		do: func(p *parser, use optUse) error { return setHashStyle(p.cfg, use.val) }},

	// Sections and layout.
	{names: []string{"gc-sections"}, help: "Remove unused sections",
		do: cfgFlag(func(c *Config) { c.GCSections = true })},
	{names: []string{"no-gc-sections"}, help: "Keep unused sections (default)",
		do: cfgFlag(func(c *Config) { c.GCSections = false })},
	{names: []string{"print-gc-sections"}, help: "List the sections removed by --gc-sections",
		do: cfgFlag(func(c *Config) { c.PrintGCSections = true })},
	{names: []string{"no-print-gc-sections"}, help: "Do not list removed sections (default)",
		do: cfgFlag(func(c *Config) { c.PrintGCSections = false })},
	{names: []string{"eh-frame-hdr"}, help: "Create .eh_frame_hdr and PT_GNU_EH_FRAME",
		do: cfgFlag(func(c *Config) { c.EhFrameHdr = true })},
	{names: []string{"no-eh-frame-hdr"}, help: "Do not create .eh_frame_hdr",
		do: cfgFlag(func(c *Config) { c.EhFrameHdr = false })},
	{names: []string{"build-id"}, arg: argOptional, meta: "STYLE", help: "Add a build ID note: tree (the default: 20 bytes from CRC-32s of 4 MiB chunks), sha1, md5, uuid, fast (8 bytes), none or 0xHEX",
		do: func(p *parser, use optUse) error { return setBuildID(p.cfg, use) }},
	{names: []string{"relax"}, help: "Relax instruction sequences where possible (default)",
		do: cfgFlag(func(c *Config) { c.NoRelax = false })},
	{names: []string{"fork"}, help: "Link in a child process and return once the output is in place, without waiting for its teardown (default: for inputs of 64 MB and more)",
		do: cfgFlag(func(c *Config) { c.Fork = ForkAlways })},
	{names: []string{"no-fork"}, help: "Link and exit in one process",
		do: cfgFlag(func(c *Config) { c.Fork = ForkNever })},
	{names: []string{"no-relax"}, help: "Do not relax instruction sequences (GOT loads; TLS relaxation stays on, as in GNU ld)",
		do: cfgFlag(func(c *Config) { c.NoRelax = true })},
	{names: []string{"fix-cortex-a53-843419"}, help: "AArch64: move the load/store that completes a Cortex-A53 erratum 843419 sequence to a veneer",
		do: cfgFlag(func(c *Config) { c.FixA53Erratum843419 = true })},
	{names: []string{"no-fix-cortex-a53-843419"}, help: "AArch64: do not patch erratum 843419 sequences (default)",
		do: cfgFlag(func(c *Config) { c.FixA53Erratum843419 = false })},
	{names: []string{"no-tls-relax"}, help: "Keep TLS accesses as the compiler wrote them, also in executables (for measuring; static links still relax TLSDESC)",
		do: cfgFlag(func(c *Config) { c.NoTLSRelax = true })},
	{names: []string{"z"}, arg: argRequired, meta: "KEYWORD", help: "Set a -z keyword (see below)",
		do: func(p *parser, use optUse) error { return zOption(p.cfg, use.val) }},

	// Stripping.
	{names: []string{"s", "strip-all"}, help: "Omit all symbol information",
		do: cfgFlag(func(c *Config) { c.StripAll = true })},
	{names: []string{"S", "strip-debug"}, help: "Omit debugging information",
		do: cfgFlag(func(c *Config) { c.StripDebug = true })},
	{names: []string{"x", "discard-all"}, help: "Discard all local symbols",
		do: cfgFlag(func(c *Config) { c.DiscardAll = true })},
	{names: []string{"X", "discard-locals"}, help: "Discard temporary local symbols",
		do: cfgFlag(func(c *Config) { c.DiscardLocals = true })},

	// Diagnostics and reports.
	{names: []string{"Map"}, arg: argRequired, meta: "FILE", oneDash: true, help: "Write a link map to FILE",
		do: cfgValue(func(c *Config, v string) { c.MapFile = v })},
	{names: []string{"t", "trace"}, help: "Print the names of the input files as they are processed",
		do: cfgFlag(func(c *Config) { c.Trace = true })},
	{names: []string{"fatal-warnings"}, help: "Treat warnings as errors",
		do: cfgFlag(func(c *Config) { c.FatalWarnings = true })},
	{names: []string{"no-fatal-warnings"}, help: "Do not treat warnings as errors (default)",
		do: cfgFlag(func(c *Config) { c.FatalWarnings = false })},
	{names: []string{"warn-common"}, help: "Warn about duplicate common symbols",
		do: cfgFlag(func(c *Config) { c.WarnCommon = true })},
	{names: []string{"noinhibit-exec"}, help: "Write the output file even after errors",
		do: cfgFlag(func(c *Config) { c.NoinhibitExec = true })},
	{names: []string{"stats"}, help: "Print statistics",
		do: cfgFlag(func(c *Config) { c.Stats = true })},
	{names: []string{"time"}, help: "Print the time spent in each phase",
		do: cfgFlag(func(c *Config) { c.Time = true })},
	{names: []string{"time-trace"}, arg: argOptional, meta: "FILE", help: "Write per-phase times as Chrome trace JSON to FILE (default: OUTPUT.time.json)",
		do: func(p *parser, use optUse) error { p.cfg.TimeTrace = use.val; p.timeTrace = true; return nil }},
	{names: []string{"time-trace-file"}, arg: argRequired, meta: "FILE", help: "Same as --time-trace=FILE",
		do: func(p *parser, use optUse) error { p.cfg.TimeTrace = use.val; p.timeTrace = true; return nil }},
	{names: []string{"print-reloc-table"}, help: "Print the relocation table",
		do: cfgFlag(func(c *Config) { c.PrintRelocTable = true })},
	{names: []string{"print-tls-table"}, help: "Print the TLS table",
		do: cfgFlag(func(c *Config) { c.PrintTLSTable = true })},
	{names: []string{"threads"}, arg: argOptional, meta: "N", help: "Use N threads (default: all CPUs)",
		do: func(p *parser, use optUse) error { return setThreads(p.cfg, use) }},
	{names: []string{"no-threads"}, help: "Use a single thread",
		do: cfgFlag(func(c *Config) { c.Threads = 1 })},

	// Plugins.
	{names: []string{"plugin"}, arg: argRequired, meta: "PLUGIN", oneDash: true, help: "Load the linker plugin PLUGIN",
		do: cfgValue(func(c *Config, v string) { c.Plugins = append(c.Plugins, v) })},
	{names: []string{"plugin-opt"}, arg: argRequired, meta: "ARG", oneDash: true, help: "Pass ARG to the linker plugin",
		do: cfgValue(func(c *Config, v string) { c.PluginOpts = append(c.PluginOpts, v) })},

	// Accepted for compatibility, no effect.
	{names: []string{"O"}, arg: argRequired, meta: "LEVEL", help: "Optimize the output (accepted, no effect)", do: ignore},
	{names: []string{"color-diagnostics"}, arg: argOptional, meta: "WHEN", help: "Accepted, no effect", do: ignore},
	{names: []string{"no-color-diagnostics"}, help: "Accepted, no effect", do: ignore},
	{names: []string{"undefined-version"}, help: "Accepted, no effect", do: ignore},
	{names: []string{"no-undefined-version"}, help: "Accepted, no effect", do: ignore},
	{names: []string{"verbose"}, arg: argOptional, meta: "LEVEL", help: "Accepted, no effect", do: ignore},

	// Information.
	{names: []string{"help"}, help: "Print this help and exit",
		do: cfgFlag(func(c *Config) { c.Help = true })},
	{names: []string{"version"}, help: "Print version information and exit",
		do: cfgFlag(func(c *Config) { c.Version = true })},
	{names: []string{"v", "V"}, help: "Print version information",
		do: cfgFlag(func(c *Config) { c.Version, c.VersionOnly = true, true })},
}

var (
	longOptions  = map[string]*option{}
	shortOptions [256]*option
	longNames    []string // sorted keys of longOptions, for prefix matching
)

func init() {
	for i := range optionTable {
		o := &optionTable[i]
		for _, n := range o.names {
			if len(n) == 1 {
				if shortOptions[n[0]] != nil {
					panic("options: duplicate option -" + n)
				}
				shortOptions[n[0]] = o
				continue
			}
			if longOptions[n] != nil {
				panic("options: duplicate option --" + n)
			}
			longOptions[n] = o
			longNames = append(longNames, n)
		}
	}
	sort.Strings(longNames)
}
