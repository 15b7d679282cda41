package link

import (
	"sort"
	"strconv"
	"strings"

	"github.com/rivet-linker/rivet/internal/elfio"
)

// OutSection is one section of the output file: a list of input sections,
// or synthetic contents the linker generates.
type OutSection struct {
	name    string
	shdr    elfio.Shdr
	members []*Section
	synth   synthKind
	rank    int
	relro   bool
	index   int // section header index (0: not emitted)
	addr    uint64
	off     uint64
	size    uint64
	slots   []slotPos // range extension thunk slots between members
}

// outputName maps an input section name to GNU ld's output section name.
func outputName(name string, flags uint64) string {
	if flags&shfAlloc == 0 {
		return name
	}
	for _, p := range [...]string{
		".text", ".rodata", ".data.rel.ro", ".data", ".bss", ".tdata", ".tbss",
		".gcc_except_table", ".init_array", ".fini_array", ".preinit_array",
		".ldata", ".lbss", ".lrodata", ".ltext",
	} {
		if name == p || strings.HasPrefix(name, p+".") {
			return p
		}
	}
	if name == ".ctors" || strings.HasPrefix(name, ".ctors.") {
		return ".init_array"
	}
	if name == ".dtors" || strings.HasPrefix(name, ".dtors.") {
		return ".fini_array"
	}
	return name
}

// initPriority is the sort key of an .init_array/.fini_array input:
// numbered sections by number, then the unnumbered ones. .ctors.N runs in
// the opposite direction, so its priority is 65535-N.
func initPriority(name string) int {
	for _, p := range [...]string{".init_array.", ".fini_array.", ".preinit_array."} {
		if n, ok := strings.CutPrefix(name, p); ok {
			if v, err := strconv.Atoi(n); err == nil {
				return v
			}
		}
	}
	for _, p := range [...]string{".ctors.", ".dtors."} {
		if n, ok := strings.CutPrefix(name, p); ok {
			if v, err := strconv.Atoi(n); err == nil {
				return 65535 - v
			}
		}
	}
	return 65536
}

// rankOf orders output sections as GNU ld's default script does on
// x86-64 Linux: read-only headers, code, read-only data, RELRO data,
// writable data, bss, large sections, then non-allocated sections.
func rankOf(name string, typ uint32, flags uint64) int {
	if flags&shfAlloc == 0 {
		return 1000
	}
	switch name {
	case ".interp":
		return 10
	case ".note.gnu.property":
		return 11
	case ".note.gnu.build-id":
		return 12
	case ".hash":
		return 14
	case ".gnu.hash":
		return 15
	case ".dynsym":
		return 16
	case ".dynstr":
		return 17
	case ".gnu.version":
		return 18
	case ".gnu.version_d":
		return 19
	case ".gnu.version_r":
		return 20
	case ".rela.dyn":
		return 21
	case ".rela.plt":
		return 22
	case ".init":
		return 30
	case ".plt":
		return 31
	case ".text":
		return 33
	case ".fini":
		return 35
	case ".rodata":
		return 40
	case ".eh_frame_hdr":
		return 43
	case ".eh_frame":
		return 44
	case ".gcc_except_table":
		return 45
	case ".tdata":
		return 50
	case ".tbss":
		return 51
	case ".preinit_array":
		return 52
	case ".init_array":
		return 53
	case ".fini_array":
		return 54
	case ".data.rel.ro":
		return 56
	case ".dynamic":
		return 57
	case ".got":
		return 58
	case ".got.plt":
		return 62
	case ".data":
		return 63
	case ".bss":
		return 70
	case ".lrodata":
		return 80
	case ".ldata":
		return 81
	case ".lbss":
		return 82
	}
	if typ == shtNote {
		return 13
	}
	if flags&shfTLS != 0 {
		if typ == shtNobits {
			return 51
		}
		return 50
	}
	if flags&shfExec != 0 {
		return 34
	}
	if flags&shfWrite == 0 {
		return 41
	}
	if typ == shtNobits {
		return 71
	}
	return 64
}

// isRelroRank: sections protected read-only after relocation.
func isRelroRank(r int) bool { return r >= 50 && r <= 58 }

// assignOutputSections groups live input sections into output sections.
func (l *Linker) assignOutputSections() {
	byName := map[string]*OutSection{}
	get := func(name string, s *Section) *OutSection {
		o := byName[name]
		if o == nil {
			o = &OutSection{name: name}
			o.shdr.Type = s.shdr.Type
			o.shdr.Flags = s.shdr.Flags &^ (shfMerge | shfStrings | shfGroup | shfInfoLink | shfGNURetain)
			o.shdr.Addralign = 1
			byName[name] = o
			l.outSecs = append(l.outSecs, o)
		}
		o.shdr.Flags |= s.shdr.Flags & (shfWrite | shfExec | shfAlloc | shfTLS)
		if o.shdr.Type == shtNobits && s.shdr.Type != shtNobits {
			o.shdr.Type = s.shdr.Type
		}
		if s.shdr.Type == shtInitArray || s.shdr.Type == shtFiniArray || s.shdr.Type == shtPreinitArray {
			o.shdr.Type = s.shdr.Type
		}
		if s.shdr.Addralign > o.shdr.Addralign {
			o.shdr.Addralign = s.shdr.Addralign
		}
		if o.shdr.Flags&shfAlloc == 0 && s.shdr.Entsize != 0 && (o.shdr.Entsize == 0 || o.shdr.Entsize == s.shdr.Entsize) {
			o.shdr.Entsize = s.shdr.Entsize
		}
		return o
	}
	// Which output section each input section goes to ("": none), decided
	// for each file in parallel; the sections are then placed in order.
	outName := func(s *Section) string {
		if s == nil || !s.alive || s.discarded || s.merge != nil || s.eh != nil {
			return ""
		}
		name := outputName(s.name, s.shdr.Flags)
		if (name == ".init_array" || name == ".fini_array") && (s.name == ".ctors" || s.name == ".dtors") {
			// crtbegin/crtend's .ctors/.dtors markers are not constructors.
			if strings.Contains(s.file.name, "crtbegin") || strings.Contains(s.file.name, "crtend") {
				return ""
			}
		}
		if l.cfg.StripAll && s.shdr.Flags&shfAlloc == 0 {
			return ""
		}
		return name
	}
	place := func(s *Section, name string) {
		if name == "" {
			return
		}
		o := get(name, s)
		s.out = o
		o.members = append(o.members, s)
	}
	names := make([][]string, len(l.objects))
	l.parallelFor("output section names", len(l.objects), func(_, i int) {
		secs := l.objects[i].sections
		names[i] = make([]string, len(secs))
		for j, s := range secs {
			names[i][j] = outName(s)
		}
	})
	for i, f := range l.objects {
		for j, s := range f.sections {
			place(s, names[i][j])
		}
	}
	for _, s := range l.internalSections() {
		place(s, outName(s))
	}
	for _, o := range l.outSecs {
		o.rank = rankOf(o.name, o.shdr.Type, o.shdr.Flags)
		if o.name == ".init_array" || o.name == ".fini_array" || o.name == ".preinit_array" {
			sort.SliceStable(o.members, func(i, j int) bool {
				return initPriority(o.members[i].name) < initPriority(o.members[j].name)
			})
			o.shdr.Entsize = 8
		}
		if o.name == ".comment" {
			o.shdr.Flags |= shfMerge | shfStrings
			o.shdr.Entsize = 1
		}
	}
	// Merged eh_frame records form one output section; its contents are
	// generated (see ehframe.go).
	for _, f := range l.objects {
		for _, s := range f.ehFrames {
			if s.alive && s.eh != nil {
				l.synth.hasEhFrame = true
			}
		}
	}
}
