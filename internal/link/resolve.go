package link

import (
	"debug/elf"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rivet-linker/rivet/internal/script"
)

// addCommandLineUndefs registers -u, the entry symbol and --defsym
// references before any input is read, so that archives extract for them.
func (l *Linker) addCommandLineUndefs() {
	for _, u := range l.cfg.Undefined {
		l.addUndefined(l.intern(u), false, false)
	}
	if e := l.entryName(); e != "" {
		if _, err := strconv.ParseUint(e, 0, 64); err != nil {
			// GNU ld pulls the entry from archives but does not insist on it.
			id := l.intern(e)
			l.sym(id).strongRef = true
		}
	}
	for _, d := range l.cfg.Defsym {
		if ref := defsymRef(d.Expr); ref != "" {
			l.addUndefined(l.intern(ref), false, false)
		}
	}
}

func (l *Linker) entryName() string {
	if l.cfg.Entry != "" {
		return l.cfg.Entry
	}
	if l.cfg.OutputKind == 2 || l.cfg.Relocatable { // no default entry
		return ""
	}
	return "_start"
}

// defsymRef returns the symbol an expression refers to ("" for a number).
func defsymRef(expr string) string {
	e := strings.TrimSpace(expr)
	if i := strings.IndexAny(e, "+-"); i > 0 {
		e = strings.TrimSpace(e[:i])
	}
	if _, err := strconv.ParseUint(e, 0, 64); err == nil {
		return ""
	}
	return e
}

// wrapName applies --wrap to an undefined reference.
func (l *Linker) wrapName(name string) string {
	if len(l.wraps) == 0 {
		return name
	}
	if l.wraps[name] {
		return "__wrap_" + name
	}
	if strings.HasPrefix(name, "__real_") && l.wraps[name[len("__real_"):]] {
		return name[len("__real_"):]
	}
	return name
}

// resolve finishes symbol resolution once every input is loaded.
func (l *Linker) resolve() {
	l.traceSymbols()
	// Duplicate definitions (a discarded COMDAT copy never gets here).
	for _, d := range l.dupErrs {
		s := l.sym(d.id)
		l.errorf("duplicate symbol: %s\n>>> defined at %s\n>>> defined at %s", s.Name,
			defLoc(d.firstSec, d.first, d.firstVal), defLoc(d.secondSec, d.second, d.secondVal))
	}
	// Shared objects left unneeded (--as-needed, nothing strongly
	// referenced them) define nothing.
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if s.state == stShared && !s.file.needed {
			if s.strongRef {
				s.file.needed = true
			} else {
				s.state, s.file = stUndef, nil
			}
		}
		if s.state == stLazy {
			s.state = stUndef
		}
	}
	l.allocateCommons()
	l.defineLinkerSymbols()
	l.applyDefsyms()
	l.applyVersionScripts()
	l.decidePreemption()
}

func defLoc(sec *Section, f *File, val uint64) string {
	if sec != nil {
		return fmt.Sprintf("%s:(%s+0x%x)", f.name, sec.name, val)
	}
	if f != nil {
		return f.name
	}
	return "<command line>"
}

// globalIDs returns the ids of interned symbols in creation (= id) order.
func (l *Linker) globalIDs() []SymID {
	return l.globals
}

// internalFile owns sections the linker creates as if they were input
// (common symbols, copy-relocated data).
func (l *Linker) internalFile() *File {
	if l.internal == nil {
		l.internal = &File{name: "<internal>", priority: 1 << 30}
	}
	return l.internal
}

// allocateCommons turns each surviving tentative definition into a .bss
// (or .tbss) input section of its own.
func (l *Linker) allocateCommons() {
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if s.state != stCommon {
			continue
		}
		aln := s.commonAln
		if aln == 0 {
			aln = 1
		}
		if aln&(aln-1) != 0 || aln > maxAlign || s.size > maxSectionSize {
			l.errorf("%s: common symbol %s: size 0x%x or alignment 0x%x is invalid", s.file.name, s.Name, s.size, aln)
			continue
		}
		sec := &Section{file: l.internalFile(), name: ".bss", alive: true}
		sec.shdr.Type = shtNobits
		sec.shdr.Flags = shfAlloc | shfWrite
		sec.shdr.Size = s.size
		sec.shdr.Addralign = aln
		l.internal.sections = append(l.internal.sections, sec)
		s.state, s.sec, s.value = stDefined, sec, 0
	}
}

// linkerSym is a symbol the linker defines when it is referenced.
type linkerSym struct {
	name string
	// where: resolved after layout
}

// defineLinkerSymbols defines the reserved names GNU ld provides, when
// something references them and no input defines them.
func (l *Linker) defineLinkerSymbols() {
	names := []string{
		"__ehdr_start", "__executable_start", "_end", "end", "_etext", "etext", "__etext",
		"_edata", "edata", "__bss_start", "__init_array_start", "__init_array_end",
		"__fini_array_start", "__fini_array_end", "__preinit_array_start", "__preinit_array_end",
		"_GLOBAL_OFFSET_TABLE_", "_DYNAMIC", "__rela_iplt_start", "__rela_iplt_end",
		"__GNU_EH_FRAME_HDR", "_TLS_MODULE_BASE_", "__dso_handle",
	}
	for _, n := range names {
		id, ok := l.symMap[n]
		if !ok {
			continue
		}
		s := l.sym(id)
		if s.state != stUndef && s.state != stShared {
			continue
		}
		if (n == "__rela_iplt_start" || n == "__rela_iplt_end") && l.pic {
			continue // static-pie and shared: IRELATIVE lives in .rela.dyn/.rela.plt
		}
		if n == "_DYNAMIC" && !l.dynamic {
			continue
		}
		s.state, s.file, s.sec = stLinker, nil, nil
		s.vis = uint8(elf.STV_HIDDEN)
		if n == "_TLS_MODULE_BASE_" {
			s.typ = uint8(elf.STT_TLS)
		}
		if n == "_end" || n == "end" || n == "_etext" || n == "etext" || n == "_edata" || n == "edata" || n == "__bss_start" {
			s.vis = uint8(elf.STV_DEFAULT)
		}
		l.linkerSyms = append(l.linkerSyms, id)
	}
	// __start_SEC / __stop_SEC for sections whose names are C identifiers.
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if s.state != stUndef {
			continue
		}
		var sec string
		switch {
		case strings.HasPrefix(s.Name, "__start_"):
			sec = s.Name[len("__start_"):]
		case strings.HasPrefix(s.Name, "__stop_"):
			sec = s.Name[len("__stop_"):]
		default:
			continue
		}
		if !isCIdent(sec) {
			continue
		}
		s.state = stLinker
		s.vis = uint8(elf.STV_HIDDEN)
		l.linkerSyms = append(l.linkerSyms, id)
		l.startStop[sec] = true
	}
}

func isCIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// applyDefsyms defines --defsym symbols; their values are computed after
// layout (they may refer to other symbols).
func (l *Linker) applyDefsyms() {
	for _, d := range l.cfg.Defsym {
		id := l.intern(d.Name)
		s := l.sym(id)
		s.state, s.file, s.sec = stLinker, nil, nil
		s.usedByReg = true
		s.absolute = defsymRef(d.Expr) == ""
		l.defsyms = append(l.defsyms, id)
		if ref := defsymRef(d.Expr); ref != "" {
			rid := l.symMap[ref]
			if l.sym(rid).state == stUndef {
				l.errorf("--defsym %s=%s: undefined symbol: %s", d.Name, d.Expr, ref)
			}
		}
	}
}

// applyVersionScripts assigns output versions and localizes symbols.
func (l *Linker) applyVersionScripts() {
	for _, path := range l.cfg.VersionScripts {
		data, err := os.ReadFile(path)
		if err != nil {
			l.errorf("cannot read version script %s: %v", path, unwrapPathErr(err))
			continue
		}
		vs, err := script.ParseVersionScript(path, data)
		if err != nil {
			l.errorf("%v", err)
			continue
		}
		l.versionScript = vs
	}
	for _, path := range l.cfg.DynamicList {
		data, err := os.ReadFile(path)
		if err != nil {
			l.errorf("cannot read dynamic list %s: %v", path, unwrapPathErr(err))
			continue
		}
		pats, err := script.ParseDynamicList(path, data)
		if err != nil {
			l.errorf("%v", err)
			continue
		}
		l.dynamicList = append(l.dynamicList, pats...)
	}
	vs := l.versionScript
	// Named versions get indexes 2.. in script order (1 is the base).
	if vs != nil {
		for _, v := range vs.Versions {
			if v.Name != "" {
				l.verDefs = append(l.verDefs, v.Name)
				l.verParents = append(l.verParents, v.Parents)
			}
		}
	}
	verIndex := func(name string) (uint16, bool) {
		for i, n := range l.verDefs {
			if n == name {
				return uint16(i + 2), true
			}
		}
		return 0, false
	}
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if s.state != stDefined && s.state != stLinker {
			continue
		}
		s.verOut = 1 // VER_NDX_GLOBAL
		if vs != nil {
			if idx, local, found := vs.Lookup(s.Name); found {
				if local {
					s.verLocal = true
				} else if vs.Versions[idx].Name != "" {
					s.verOut, _ = verIndex(vs.Versions[idx].Name)
				}
			}
		}
		if ver := l.symVer[id]; ver != "" {
			idx, ok := verIndex(ver)
			if !ok {
				l.errorf("symbol %s has undefined version %s", s.Name, ver)
				continue
			}
			s.verOut = idx
			s.verLocal = false
			if !s.verDefault {
				s.verOut |= versymHidden
			}
		}
	}
}

func (l *Linker) inDynamicList(name string) bool {
	for _, p := range l.dynamicList {
		if p.Match(name) {
			return true
		}
	}
	return false
}

// decidePreemption is the one place that decides which symbols may be
// preempted at run time and which are exported.
func (l *Linker) decidePreemption() {
	shared := l.out == 2
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		s.preemptible = l.isPreemptible(s)
		s.exported = l.isExported(s, shared)
		if s.state == stDefined && s.typ == uint8(elf.STT_GNU_IFUNC) && !s.preemptible {
			s.ifunc = true
		}
	}
}

func (l *Linker) isPreemptible(s *Symbol) bool {
	if s.isLocal || !l.dynamic || l.isStatic {
		return false
	}
	switch s.state {
	case stShared:
		return true
	case stUndef:
		return true // resolved at run time (an undefined weak: maybe to 0)
	case stLinker:
		return false
	}
	if s.vis != uint8(elf.STV_DEFAULT) || l.out != 2 || s.verLocal {
		return false
	}
	if l.cfg.Bsymbolic {
		return false
	}
	if l.cfg.BsymbolicFunctions && (s.typ == uint8(elf.STT_FUNC) || s.typ == uint8(elf.STT_GNU_IFUNC)) {
		return false
	}
	if len(l.cfg.DynamicList) > 0 {
		return l.inDynamicList(s.Name)
	}
	return true
}

func (l *Linker) isExported(s *Symbol, shared bool) bool {
	if s.isLocal || !l.dynamic || l.isStatic || s.verLocal {
		return false
	}
	if s.state != stDefined && s.state != stLinker {
		return false
	}
	if s.vis == uint8(elf.STV_HIDDEN) || s.vis == uint8(elf.STV_INTERNAL) {
		return false
	}
	if s.state == stLinker && s.vis != uint8(elf.STV_DEFAULT) {
		return false
	}
	if shared {
		return true
	}
	return l.cfg.ExportDynamic || s.refByShared || l.inDynamicList(s.Name)
}
