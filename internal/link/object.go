package link

import (
	"debug/elf"
	"fmt"
	"strings"
	"unsafe"

	"github.com/rivet-linker/rivet/internal/elfio"
)

const (
	shtProgbits     = uint32(elf.SHT_PROGBITS)
	shtSymtab       = uint32(elf.SHT_SYMTAB)
	shtStrtab       = uint32(elf.SHT_STRTAB)
	shtRela         = uint32(elf.SHT_RELA)
	shtRel          = uint32(elf.SHT_REL)
	shtNote         = uint32(elf.SHT_NOTE)
	shtNobits       = uint32(elf.SHT_NOBITS)
	shtGroup        = uint32(elf.SHT_GROUP)
	shtInitArray    = uint32(elf.SHT_INIT_ARRAY)
	shtFiniArray    = uint32(elf.SHT_FINI_ARRAY)
	shtPreinitArray = uint32(elf.SHT_PREINIT_ARRAY)
	shtSymtabShndx  = uint32(elf.SHT_SYMTAB_SHNDX)
	shtX86Unwind    = 0x70000001
	shtLLVMAddrsig  = 0x6fff4c03
	shtGNUVersym    = uint32(elf.SHT_GNU_VERSYM)
	shtGNUVerdef    = uint32(elf.SHT_GNU_VERDEF)
	shtDynsym       = uint32(elf.SHT_DYNSYM)
	shtDynamic      = uint32(elf.SHT_DYNAMIC)

	// Limits on what an input section may ask for: alignments up to 1 GiB
	// (GNU ld's largest in practice is a page) and sizes up to 1 TiB.
	maxAlign       = 1 << 30
	maxSectionSize = 1 << 40

	shnUndef  = 0
	shnAbs    = 0xfff1
	shnCommon = 0xfff2
	shnXindex = 0xffff
)

// objParse is an object file parsed as far as it can be without linker
// state, so that many can be parsed in parallel (see prefetch).
type objParse struct {
	f        *File
	err      string // the object cannot be loaded (one message)
	errs     diags
	groups   []comdatGroup
	warnings []symWarning // .gnu.warning.SYM sections
}

type comdatGroup struct {
	sig     string
	members []byte // the group's section indices (4 bytes each)
}

type symWarning struct{ sym, text string }

func (p *objParse) fail(format string, args ...any) *objParse {
	p.err = fmt.Sprintf(format, args...)
	return p
}

// addObject loads a relocatable object and resolves its symbols.
func (l *Linker) addObject(name string, data []byte, from *archive) {
	p := l.takePrefetched(data)
	if p == nil {
		p = parseObject(name, data, l.cfg.StripDebug)
	} else if p.f != nil {
		p.f.name = name // the same bytes may be reached under another name
	}
	l.installObject(p)
}

// parseObject reads an object's symbol table, groups and sections. It
// touches no linker state.
func parseObject(name string, data []byte, stripDebug bool) *objParse {
	p := &objParse{}
	ef, err := elfio.Parse(data)
	if err != nil {
		return p.fail("%s: %v", name, err)
	}
	f := &File{name: name, data: data, elf: ef}
	p.f = f
	n := ef.NumSections()
	f.sections = make([]*Section, n)

	// The symbol table.
	symtabIdx := -1
	for i := range n {
		if ef.ShType(i) == shtSymtab {
			symtabIdx = i
			break
		}
	}
	if symtabIdx >= 0 {
		sh := ef.Shdr(symtabIdx)
		if sh.Link >= uint32(n) {
			return p.fail("%s: symbol table's string table index %d is out of range", name, sh.Link)
		}
		f.symtab = ef.SectionData(symtabIdx)
		f.strtab = ef.SectionData(int(sh.Link))
		if len(f.symtab)%elfio.SymSize != 0 {
			return p.fail("%s: symbol table size 0x%x is not a multiple of %d", name, len(f.symtab), elfio.SymSize)
		}
		f.firstGlobal = int(sh.Info)
		if f.firstGlobal > len(f.symtab)/elfio.SymSize || f.firstGlobal == 0 && len(f.symtab) > 0 {
			return p.fail("%s: symbol table's first global index %d is out of range", name, sh.Info)
		}
	}

	// GCC's slim LTO objects carry only GIMPLE: there is no code to link.
	const slim = "__gnu_lto_slim\x00" // compared in place: no strlen of every name
	for i := f.firstGlobal; i < len(f.symtab)/elfio.SymSize; i++ {
		if o := uint64(elfio.ReadSym(f.symtab, i).Name); o < uint64(len(f.strtab)) && strings.HasPrefix(unsafe.String(&f.strtab[o], len(f.strtab)-int(o)), slim) {
			return p.fail("%s: GCC LTO object (compiled with -flto) is not supported yet; link without -flto or with -ffat-lto-objects", name)
		}
	}

	// COMDAT groups: installObject decides which copy is kept.
	ngroups := 0
	for i := range n {
		if ef.ShType(i) == shtGroup {
			ngroups++
		}
	}
	p.groups = make([]comdatGroup, 0, ngroups)
	for i := range n {
		if ef.ShType(i) != shtGroup {
			continue
		}
		sh := ef.Shdr(i)
		if sh.Type != shtGroup {
			continue
		}
		g := ef.SectionData(i)
		if len(g) < 4 || len(g)%4 != 0 {
			return p.fail("%s: section %s: malformed group section", name, ef.SectionName(i))
		}
		if elfio.U32(g)&1 == 0 { // not GRP_COMDAT
			continue
		}
		if int(sh.Info) >= len(f.symtab)/elfio.SymSize {
			return p.fail("%s: section %s: group signature symbol %d out of range", name, ef.SectionName(i), sh.Info)
		}
		sig := elfio.CString(f.strtab, elfio.ReadSym(f.symtab, int(sh.Info)).Name)
		if sig == "" {
			// Signature is the section symbol: its section's name.
			s := elfio.ReadSym(f.symtab, int(sh.Info))
			if int(s.Shndx) < n {
				sig = ef.SectionName(int(s.Shndx))
			}
		}
		p.groups = append(p.groups, comdatGroup{sig, g[4:]})
	}

	// Sections, allocated together (one allocation per file instead of
	// one per section; a few slots stay unused when a section is skipped
	// by name).
	nslab := 0
	for i := 1; i < n; i++ {
		if !skippedType(ef.ShType(i)) {
			nslab++
		}
	}
	slab := make([]Section, nslab)
	for i := 1; i < n; i++ {
		sh := ef.Shdr(i)
		secName := ef.SectionName(i)
		switch {
		case skippedType(sh.Type):
			if sh.Type == shtRel {
				p.errs.errorf("%s: section %s: SHT_REL relocations are not supported on x86-64", name, secName)
			}
			continue
		}
		if sh.Flags&shfExclude != 0 {
			continue
		}
		if secName == ".note.GNU-stack" {
			if sh.Flags&shfExec != 0 {
				f.execStack = true
			}
			continue
		}
		if secName == ".note.gnu.property" {
			f.props = ef.SectionData(i)
			f.hasProps = true
			continue
		}
		if strings.HasPrefix(secName, ".gnu.lto_") || secName == ".llvm_addrsig" {
			continue
		}
		if sym, ok := strings.CutPrefix(secName, ".gnu.warning."); ok {
			// GNU ld's link-time warning: printed when SYM is referenced.
			p.warnings = append(p.warnings, symWarning{sym, strings.TrimRight(string(ef.SectionData(i)), "\x00")})
			continue
		}
		if stripDebug && sh.Flags&shfAlloc == 0 && (strings.HasPrefix(secName, ".debug") || strings.HasPrefix(secName, ".zdebug")) {
			continue
		}
		if a := sh.Addralign; a&(a-1) != 0 || a > maxAlign {
			return p.fail("%s: section %s: alignment 0x%x is not a power of two no larger than 0x%x", name, secName, a, uint64(maxAlign))
		}
		if sh.Size > maxSectionSize {
			return p.fail("%s: section %s: size 0x%x is too large", name, secName, sh.Size)
		}
		s := &slab[0]
		slab = slab[1:]
		*s = Section{file: f, idx: uint32(i), name: secName, shdr: newSecHdr(sh), data: ef.SectionData(i), alive: true}
		if s.shdr.Addralign == 0 {
			s.shdr.Addralign = 1
		}
		f.sections[i] = s
	}
	// Relocation sections attach to their targets.
	for i := 1; i < n; i++ {
		if ef.ShType(i) != shtRela {
			continue
		}
		sh := ef.Shdr(i)
		if sh.Type != shtRela {
			continue
		}
		if sh.Info >= uint32(n) || sh.Info == 0 {
			p.errs.errorf("%s: section %s: relocation target index %d out of range", name, ef.SectionName(i), sh.Info)
			continue
		}
		if sh.Size%elfio.RelaSize != 0 {
			p.errs.errorf("%s: section %s: size 0x%x is not a multiple of %d", name, ef.SectionName(i), sh.Size, elfio.RelaSize)
			continue
		}
		if t := f.sections[sh.Info]; t != nil {
			if t.shdr.Type == shtNobits {
				p.errs.errorf("%s: section %s: relocations apply to %s, which has no contents", name, ef.SectionName(i), t.name)
				continue
			}
			t.relas = ef.SectionData(i)
		} else {
			switch ef.ShType(int(sh.Info)) {
			case shtSymtab, shtStrtab, shtRela, shtGroup, shtRel:
				p.errs.errorf("%s: section %s: relocations apply to %s, which cannot be relocated", name, ef.SectionName(i), ef.SectionName(int(sh.Info)))
			}
		}
	}
	for _, s := range f.sections {
		if s != nil && (s.name == ".eh_frame" || s.shdr.Type == shtX86Unwind) {
			f.ehFrames = append(f.ehFrames, s)
		}
	}
	return p
}

// skippedType reports whether sections of type t are not input sections
// (symbol and string tables, relocations, groups, address-significance
// tables).
func skippedType(t uint32) bool {
	switch t {
	case shtSymtab, shtStrtab, shtRela, shtGroup, shtSymtabShndx, shtLLVMAddrsig, shtRel:
		return true
	}
	return false
}

// installObject adds a parsed object to the link: COMDAT groups are
// decided (the first file to define a signature keeps its members; later
// copies are discarded before their symbols count) and its symbols
// resolved.
func (l *Linker) installObject(p *objParse) {
	l.errs = append(l.errs, p.errs...) // found before any fatal error
	if p.err != "" {
		l.errs = append(l.errs, p.err)
		return
	}
	f := p.f
	f.priority = len(l.files)
	for _, w := range p.warnings {
		l.symWarnings[w.sym] = w.text
	}
	for _, g := range p.groups {
		if _, taken := l.comdats[g.sig]; !taken {
			l.comdats[g.sig] = f
			continue
		}
		for j := 0; j < len(g.members); j += 4 {
			if m := elfio.U32(g.members[j:]); m < uint32(len(f.sections)) {
				if s := f.sections[m]; s != nil {
					s.discarded, s.alive = true, false
				}
			}
		}
	}
	if len(p.groups) > 0 && len(f.ehFrames) > 0 {
		live := f.ehFrames[:0]
		for _, s := range f.ehFrames {
			if s.alive {
				live = append(live, s)
			}
		}
		f.ehFrames = live
	}
	l.files = append(l.files, f)
	l.objects = append(l.objects, f)
	l.addObjectSymbols(f)
}

// addObjectSymbols gives every symbol of f an id and resolves the globals.
// Locals get a contiguous range of ids here; initLocals fills them in
// after loading, in parallel.
func (l *Linker) addObjectSymbols(f *File) {
	nsyms := len(f.symtab) / elfio.SymSize
	f.syms = make([]SymID, nsyms)
	nsec := f.elf.NumSections()
	if f.firstGlobal > 0 {
		base := l.syms.reserve(f.firstGlobal)
		for i := range f.firstGlobal {
			f.syms[i] = base + SymID(i)
		}
	}
	for i := f.firstGlobal; i < nsyms; i++ {
		es := elfio.ReadSym(f.symtab, i)
		name := elfio.CString(f.strtab, es.Name)
		if es.Shndx >= uint16(nsec) && es.Shndx != shnAbs && es.Shndx != shnCommon {
			l.badShndx(f, name, es.Shndx)
			f.syms[i] = l.newLocal(name)
			continue
		}
		l.addGlobal(f, i, es, name)
	}
}

func (l *Linker) badShndx(f *File, name string, shndx uint16) {
	if shndx == shnXindex {
		l.errorf("%s: symbol %s uses extended section indices, which are not supported yet", f.name, name)
	} else {
		l.errorf("%s: symbol %s has invalid section index %d", f.name, displayName(name), shndx)
	}
}

// initLocals fills in the local symbols of every object, in parallel;
// a bad section index is reported in file order.
func (l *Linker) initLocals() {
	bad := make([]bool, len(l.objects))
	l.parallelFor("init locals", len(l.objects), func(_, i int) {
		bad[i] = l.initFileLocals(l.objects[i])
	})
	for i, f := range l.objects {
		if !bad[i] {
			continue
		}
		for j := range f.firstGlobal {
			if es := elfio.ReadSym(f.symtab, j); es.Shndx >= uint16(f.elf.NumSections()) && es.Shndx != shnAbs && es.Shndx != shnCommon {
				l.badShndx(f, elfio.CString(f.strtab, es.Name), es.Shndx)
			}
		}
	}
}

func (l *Linker) initFileLocals(f *File) (bad bool) {
	nsec := f.elf.NumSections()
	for i := range f.firstGlobal {
		es := elfio.ReadSym(f.symtab, i)
		s := l.sym(f.syms[i])
		*s = Symbol{Name: elfio.CString(f.strtab, es.Name), gotIdx: -1, pltIdx: -1, gdIdx: -1, ieIdx: -1, descIdx: -1}
		if es.Shndx >= uint16(nsec) && es.Shndx != shnAbs && es.Shndx != shnCommon {
			bad = true
			continue
		}
		s.isLocal = true
		s.file = f
		s.typ = es.Type()
		s.size = es.Size
		s.value = es.Value
		s.vis = es.Visibility()
		s.state = stDefined
		if es.Shndx != shnAbs && es.Shndx != shnUndef {
			s.sec = f.sections[es.Shndx]
			if s.sec == nil && es.Type() != uint8(elf.STT_SECTION) && es.Type() != uint8(elf.STT_FILE) {
				// A local in a section we do not load (e.g. a group
				// section): treat as absolute zero.
				s.state = stUndef
			}
		}
	}
	return bad
}

func (l *Linker) newLocal(name string) SymID {
	return l.syms.add(name)
}

// intern returns the id of the global symbol name, creating it undefined.
func (l *Linker) intern(name string) SymID {
	if id, ok := l.symMap[name]; ok {
		return id
	}
	id := l.newLocal(name)
	l.symMap[name] = id
	l.globals = append(l.globals, id) // ids only grow: the list stays sorted
	return id
}

// displayName is how a symbol is named in messages.
func displayName(name string) string {
	if name == "" {
		return "<unnamed>"
	}
	return name
}

// splitVersion splits "foo@V" / "foo@@V" into name, version and default.
func splitVersion(name string) (base, ver string, isDefault bool) {
	i := strings.IndexByte(name, '@')
	if i < 0 {
		return name, "", false
	}
	if strings.HasPrefix(name[i:], "@@") {
		return name[:i], name[i+2:], true
	}
	return name[:i], name[i+1:], false
}

// addGlobal resolves one global symbol of an object file.
func (l *Linker) addGlobal(f *File, i int, es elfio.Sym, name string) {
	base, ver, isDefault := splitVersion(name)
	key := name
	if ver != "" && isDefault {
		key = base
	}
	if ver != "" && es.Shndx == shnUndef {
		key = name // explicit reference to a version (foo@V): looked up as is
	}
	if es.Shndx == shnUndef {
		key = l.wrapName(key)
	}
	id := l.intern(key)
	f.syms[i] = id
	s := l.sym(id)
	s.usedByReg = true
	if v := es.Visibility(); v != 0 && (s.vis == 0 || visRank(v) < visRank(s.vis)) {
		s.vis = v
	}
	weak := es.Bind() == uint8(elf.STB_WEAK)
	if es.Shndx == shnUndef {
		l.addUndefined(id, weak, false)
		return
	}
	var sec *Section
	if es.Shndx != shnAbs && es.Shndx != shnCommon {
		sec = f.sections[es.Shndx]
		if sec == nil || sec.discarded {
			// Defined in a discarded COMDAT member: the kept copy defines it.
			l.addUndefined(id, true, false)
			return
		}
	}
	if es.Shndx == shnCommon {
		l.addCommon(id, f, es)
		return
	}
	if s.state == stDefined && !s.weak && !weak {
		l.dupErrs = append(l.dupErrs, dupDef{id: id, first: s.file, firstSec: s.sec, firstVal: s.value, second: f, secondSec: sec, secondVal: es.Value})
		return
	}
	if s.state == stDefined && (weak || !s.weak) {
		return // keep the existing (first weak, or strong) definition
	}
	if s.state == stCommon && weak {
		return
	}
	if s.state == stLinker {
		return
	}
	s.state = stDefined
	s.file, s.sec, s.value, s.size = f, sec, es.Value, es.Size
	s.typ, s.weak = es.Type(), weak
	s.lazyAr = nil
	if ver != "" {
		s.Name = base
		l.symVer[id], s.verDefault = ver, isDefault
	}
}

func visRank(v uint8) int {
	switch v {
	case uint8(elf.STV_INTERNAL):
		return 0
	case uint8(elf.STV_HIDDEN):
		return 1
	case uint8(elf.STV_PROTECTED):
		return 2
	}
	return 3
}

// addCommon merges a tentative definition.
func (l *Linker) addCommon(id SymID, f *File, es elfio.Sym) {
	s := l.sym(id)
	if l.cfg.WarnCommon && (s.state == stCommon || s.state == stDefined) {
		what := "common"
		if s.state == stDefined {
			what = "definition"
		}
		l.warnf("%s: common of %s overridden by or merged with %s in %s", f.name, s.Name, what, s.file.name)
	}
	switch s.state {
	case stDefined:
		if !s.weak {
			return
		}
	case stCommon:
		if es.Size > s.size {
			s.size, s.file = es.Size, f
		}
		if es.Value > s.commonAln {
			s.commonAln = es.Value
		}
		return
	case stLinker:
		return
	}
	s.state = stCommon
	s.file, s.sec, s.size, s.commonAln = f, nil, es.Size, es.Value
	s.typ, s.weak = uint8(elf.STT_OBJECT), false
	s.lazyAr = nil
}

// addUndefined records a reference; a strong reference to a lazy symbol
// loads the archive member that defines it.
func (l *Linker) addUndefined(id SymID, weak, fromShared bool) {
	s := l.sym(id)
	if fromShared {
		s.refByShared = true
	} else if !weak {
		s.strongRef = true
	}
	switch s.state {
	case stLazy:
		if !weak {
			l.extractLazy(id)
		}
	case stShared:
		if !weak && !fromShared {
			s.file.needed = true
		}
	}
}

// addLazy records that an archive member defines name.
func (l *Linker) addLazy(name string, ar *archive, idx int) {
	id := l.intern(name)
	s := l.sym(id)
	switch s.state {
	case stUndef:
		if s.strongRef || s.refByShared {
			s.lazyAr, s.lazyIdx = ar, int32(idx)
			s.state = stLazy
			l.extractLazy(id)
			return
		}
		s.state, s.lazyAr, s.lazyIdx = stLazy, ar, int32(idx)
	}
}

// extractLazy loads the member defining a lazy symbol. Loading may resolve
// further lazy symbols; a worklist keeps the recursion shallow.
func (l *Linker) extractLazy(id SymID) {
	s := l.sym(id)
	ar, idx := s.lazyAr, int(s.lazyIdx)
	s.state, s.lazyAr = stUndef, nil
	if ar == nil || ar.extracted[idx] {
		return
	}
	l.pending = append(l.pending, pendingMember{ar, idx})
	if l.extracting {
		return
	}
	l.extracting = true
	for len(l.pending) > 0 {
		p := l.pending[len(l.pending)-1]
		l.pending = l.pending[:len(l.pending)-1]
		l.extractMember(p.ar, p.idx)
	}
	l.extracting = false
}

type pendingMember struct {
	ar  *archive
	idx int
}

type dupDef struct {
	id                  SymID
	first, second       *File
	firstSec, secondSec *Section
	firstVal, secondVal uint64
}
