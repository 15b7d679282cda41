package link

import (
	"debug/elf"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// gnuPropAArch64Feature1And is GNU_PROPERTY_AARCH64_FEATURE_1_AND.
const gnuPropAArch64Feature1And = 0xc0000000

// pltMarker is implemented by architectures whose PLT entries can carry
// branch-protection instructions (AArch64 BTI and PAC). SetPLTMarks
// chooses the entries' form and returns the dynamic tags that announce it.
type pltMarker interface {
	SetPLTMarks(bti, pac bool) []elf.DynTag
}

// mergeProperties ANDs the feature bits of all inputs (x86: IBT, SHSTK;
// AArch64: BTI, PAC): the output claims a feature only when every object
// has it.
func (l *Linker) mergeProperties() {
	featureAnd := l.arch.Target().PropFeatureAnd
	sy := &l.synth
	first := true
	var and uint32
	for _, f := range l.objects {
		if len(f.sections) == 0 && f.symtab == nil {
			continue
		}
		var v uint32
		if f.hasProps {
			v = readFeature(f.props, featureAnd)
		}
		if l.cfg.ZForceBTI && featureAnd == gnuPropAArch64Feature1And && v&1 == 0 {
			l.warnf("%s: -z force-bti: file does not have GNU_PROPERTY_AARCH64_FEATURE_1_BTI property", f.name)
			v |= 1
		}
		if first {
			and, first = v, false
		} else {
			and &= v
		}
	}
	// The PLT's entries are branch targets too. On AArch64 they get a
	// BTI landing pad when every input has one (and authenticate with
	// -z pac-plt); rivet's x86-64 PLT has no ENDBR64, so an IBT claim
	// would be false there.
	if m, ok := l.arch.(pltMarker); ok {
		l.pltTags = m.SetPLTMarks(and&1 != 0, l.cfg.ZPACPLT)
	} else if len(l.synth.pltSyms)+len(l.synth.ipltSyms) > 0 || l.anyPLTNeeded() {
		and &^= 1
	}
	if !first && and != 0 {
		sy.propAnd, sy.hasProp = and, true
	}
}

func (l *Linker) anyPLTNeeded() bool {
	for i := range l.syms.len() {
		if l.sym(SymID(i)).flags&needPLT != 0 {
			return true
		}
	}
	return false
}

// readFeature finds a property in a .note.gnu.property section.
func readFeature(d []byte, typ uint32) uint32 {
	for len(d) >= 12 {
		namesz, descsz, ntype := elfio.U32(d), elfio.U32(d[4:]), elfio.U32(d[8:])
		nameEnd := 12 + (uint64(namesz)+3)&^3
		descEnd := nameEnd + (uint64(descsz)+7)&^7
		if nameEnd > uint64(len(d)) || nameEnd+uint64(descsz) > uint64(len(d)) {
			return 0
		}
		if ntype == 5 { // NT_GNU_PROPERTY_TYPE_0
			p := d[nameEnd : nameEnd+uint64(descsz)]
			for len(p) >= 8 {
				pt, psz := elfio.U32(p), elfio.U32(p[4:])
				if uint64(psz)+8 > uint64(len(p)) {
					break
				}
				if pt == typ && psz >= 4 {
					return elfio.U32(p[8:])
				}
				step := (8 + uint64(psz) + 7) &^ 7
				if step > uint64(len(p)) {
					break
				}
				p = p[step:]
			}
		}
		if descEnd > uint64(len(d)) {
			return 0
		}
		d = d[descEnd:]
	}
	return 0
}

// allocateCopies reserves .bss space for copy-relocated data and makes
// every alias of the copied symbol in its library point at the copy.
func (l *Linker) allocateCopies() {
	sy := &l.synth
	type key struct {
		f   *File
		val uint64
	}
	done := map[key]*Section{}
	var extra []SymID
	for _, id := range sy.copySyms {
		s := l.sym(id)
		k := key{s.file, s.value}
		if sec, ok := done[k]; ok {
			s.sec = sec
			continue
		}
		// Data the library keeps read-only goes to .data.rel.ro, so that
		// it is read-only here too after relocation (GNU ld does the same).
		sec := &Section{file: l.internalFile(), name: ".bss", alive: true}
		sec.shdr.Type, sec.shdr.Flags = shtNobits, shfAlloc|shfWrite
		if copyReadOnly(s.file, s.value) && l.cfg.ZRelro {
			sec.name, sec.shdr.Type = ".data.rel.ro", shtProgbits
		}
		sec.shdr.Size = s.size
		sec.shdr.Addralign = copyAlign(s.file, s.value)
		l.internal.sections = append(l.internal.sections, sec)
		done[k] = sec
		l.placeInternal(sec)
		s.sec = sec
		// Aliases: other names for the same object in the same library.
		f := s.file
		n := len(f.dynsym) / elfio.SymSize
		for i := 1; i < n; i++ {
			es := elfio.ReadSym(f.dynsym, i)
			if es.Value != s.value || es.Shndx == shnUndef || es.Bind() == uint8(elf.STB_LOCAL) {
				continue
			}
			aid, ok := l.symMap[elfio.CString(f.dynstr, es.Name)]
			if !ok || aid == id {
				continue
			}
			a := l.sym(aid)
			if a.state == stShared && a.file == f && a.flags&needCopy == 0 {
				a.flags |= needCopy | needDynSym
				a.sec = sec
				extra = append(extra, aid)
			}
		}
	}
	_ = extra // aliases get no COPY relocation of their own; they only share the address
}

// copyReadOnly reports whether val lies in a read-only section of f.
func copyReadOnly(f *File, val uint64) bool {
	if f.elf == nil {
		return false
	}
	for i := range f.elf.NumSections() {
		sh := f.elf.Shdr(i)
		if sh.Flags&shfAlloc != 0 && sh.Addr <= val && val < sh.Addr+sh.Size && sh.Type != shtNobits {
			return sh.Flags&shfWrite == 0
		}
	}
	return false
}

// copyAlign: the alignment of the library's section holding the data,
// reduced to what the symbol's address actually has.
func copyAlign(f *File, val uint64) uint64 {
	aln := uint64(1)
	if f.elf != nil {
		for i := range f.elf.NumSections() {
			sh := f.elf.Shdr(i)
			if sh.Flags&shfAlloc != 0 && sh.Addr <= val && val < sh.Addr+sh.Size {
				aln = max(sh.Addralign, 1)
				break
			}
		}
	}
	for aln > 1 && val%aln != 0 {
		aln /= 2
	}
	return aln
}

// placeInternal adds a late internal section to its output section.
func (l *Linker) placeInternal(sec *Section) {
	name := outputName(sec.name, sec.shdr.Flags)
	for _, o := range l.outSecs {
		if o.name == name && o.synth == synNone {
			sec.out = o
			o.members = append(o.members, sec)
			if sec.shdr.Addralign > o.shdr.Addralign {
				o.shdr.Addralign = sec.shdr.Addralign
			}
			return
		}
	}
	o := &OutSection{name: name}
	o.shdr = sec.shdr.elf()
	o.shdr.Size = 0
	o.rank = rankOf(name, o.shdr.Type, o.shdr.Flags)
	o.members = []*Section{sec}
	sec.out = o
	l.outSecs = append(l.outSecs, o)
}

// collectDynSyms decides .dynsym's contents: imports first, then the
// hashed (defined) symbols sorted by GNU hash bucket.
func (l *Linker) collectDynSyms() {
	sy := &l.synth
	var imports, defs []SymID
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		switch {
		case s.exported:
			defs = append(defs, id)
		case s.flags&needDynSym != 0 && (s.flags&(needCopy|needCanonPLT) != 0):
			defs = append(defs, id)
		case s.flags&needDynSym != 0:
			imports = append(imports, id)
		}
	}
	nb := uint32(len(defs)/4) + 1
	sy.gnuBuckets = nb
	sy.gnuBloom = 1
	for sy.gnuBloom*64 < uint32(len(defs))*12/8 {
		sy.gnuBloom *= 2
	}
	sort.SliceStable(defs, func(i, j int) bool {
		return gnuHash(l.sym(defs[i]).Name)%nb < gnuHash(l.sym(defs[j]).Name)%nb
	})
	sy.dynSyms = append(imports, defs...)
	sy.hashed = len(imports) + 1
	for i, id := range sy.dynSyms {
		l.sym(id).dynIdx = int32(i + 1)
		sy.dynstrB.add(l.sym(id).Name)
	}
}

func gnuHash(s string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(s); i++ {
		h = h*33 + uint32(s[i])
	}
	return h
}

func sysvHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = h<<4 + uint32(s[i])
		g := h & 0xf0000000
		if g != 0 {
			h ^= g >> 24
		}
		h &^= g
	}
	return h
}

func sysvBuckets(n uint64) uint64 {
	if n < 3 {
		return 1
	}
	return n/2 + 1
}

func (l *Linker) gnuHashSize() uint64 {
	sy := &l.synth
	ndef := uint64(len(sy.dynSyms) + 1 - sy.hashed)
	return 16 + 8*uint64(sy.gnuBloom) + 4*uint64(sy.gnuBuckets) + 4*ndef
}

// buildVersions prepares .gnu.version_d (from the version script) and
// .gnu.version_r (from the versions of library symbols we import).
func (l *Linker) buildVersions() {
	sy := &l.synth
	a := uint64(shfAlloc)
	if len(l.verDefs) > 0 {
		sy.verdef = l.newSynth(".gnu.version_d", uint32(elf.SHT_GNU_VERDEF), a, 4, synVerdef)
		sy.verdef.size = uint64(len(l.verDefs)+1) * (20 + 8)
		for _, ps := range l.verParents {
			sy.verdef.size += 8 * uint64(len(ps))
			for _, p := range ps {
				sy.dynstrB.add(p)
			}
		}
		base := l.cfg.Soname
		if base == "" {
			base = filepath.Base(l.cfg.Output)
		}
		sy.dynstrB.add(base)
		for _, v := range l.verDefs {
			sy.dynstrB.add(v)
		}
	}
	next := uint16(len(l.verDefs) + 2)
	if len(l.verDefs) == 0 {
		next = 2
	}
	sy.verneedIdx = map[*File]map[uint16]uint16{}
	for _, id := range sy.dynSyms {
		s := l.sym(id)
		if s.state != stShared || s.verIdx <= 1 || int(s.verIdx) >= len(s.file.verNames) {
			continue
		}
		m := sy.verneedIdx[s.file]
		if m == nil {
			m = map[uint16]uint16{}
			sy.verneedIdx[s.file] = m
			sy.verneedList = append(sy.verneedList, verneedFile{file: s.file})
		}
		if _, ok := m[s.verIdx]; !ok {
			m[s.verIdx] = next
			for i := range sy.verneedList {
				if sy.verneedList[i].file == s.file {
					sy.verneedList[i].vers = append(sy.verneedList[i].vers, verneedVer{s.file.verNames[s.verIdx], next})
				}
			}
			next++
		}
	}
	if len(sy.verneedList) > 0 {
		sy.verneed = l.newSynth(".gnu.version_r", uint32(elf.SHT_GNU_VERNEED), a, 4, synVerneed)
		var sz uint64
		for _, vf := range sy.verneedList {
			sy.dynstrB.add(vf.file.soname)
			sz += 16 + 16*uint64(len(vf.vers))
			for _, v := range vf.vers {
				sy.dynstrB.add(v.name)
			}
		}
		sy.verneed.size = sz
	}
}

// dynEntry is one .dynamic entry; val is computed after layout.
type dynEntry struct {
	tag int64
	val func() uint64
}

func (l *Linker) buildDynamic() {
	sy := &l.synth
	var ents []dynEntry
	add := func(tag elf.DynTag, val func() uint64) { ents = append(ents, dynEntry{int64(tag), val}) }
	constant := func(v uint64) func() uint64 { return func() uint64 { return v } }
	if !l.isStatic {
		for _, f := range l.sharedFiles {
			if f.needed {
				off := uint64(sy.dynstrB.add(f.soname))
				add(elf.DT_NEEDED, constant(off))
				sy.needed = append(sy.needed, f)
			}
		}
	}
	if l.cfg.Soname != "" {
		add(elf.DT_SONAME, constant(uint64(sy.dynstrB.add(l.cfg.Soname))))
	}
	if len(l.cfg.Rpath) > 0 {
		rp := uint64(sy.dynstrB.add(strings.Join(l.cfg.Rpath, ":")))
		if l.cfg.EnableNewDtags {
			add(elf.DT_RUNPATH, constant(rp))
		} else {
			add(elf.DT_RPATH, constant(rp))
		}
	}
	if id, ok := l.symMap[l.cfg.Init]; ok && l.cfg.Init != "" && l.sym(id).state == stDefined {
		add(elf.DT_INIT, func() uint64 { return l.symAddr(l.sym(id)) })
	}
	if id, ok := l.symMap[l.cfg.Fini]; ok && l.cfg.Fini != "" && l.sym(id).state == stDefined {
		add(elf.DT_FINI, func() uint64 { return l.symAddr(l.sym(id)) })
	}
	for _, p := range []struct {
		name      string
		tag, size elf.DynTag
	}{{".preinit_array", elf.DT_PREINIT_ARRAY, elf.DT_PREINIT_ARRAYSZ}, {".init_array", elf.DT_INIT_ARRAY, elf.DT_INIT_ARRAYSZ}, {".fini_array", elf.DT_FINI_ARRAY, elf.DT_FINI_ARRAYSZ}} {
		o := l.findOut(p.name)
		if o == nil || (p.name == ".preinit_array" && l.out == reloc.OutShared) {
			continue
		}
		add(p.tag, func() uint64 { return o.addr })
		add(p.size, func() uint64 { return o.size })
	}
	secAddr := func(o **OutSection) func() uint64 { return func() uint64 { return (*o).addr } }
	secSize := func(o **OutSection) func() uint64 { return func() uint64 { return (*o).size } }
	if sy.hash != nil {
		add(elf.DT_HASH, secAddr(&sy.hash))
	}
	if sy.gnuHash != nil {
		add(elf.DT_GNU_HASH, secAddr(&sy.gnuHash))
	}
	add(elf.DT_STRTAB, secAddr(&sy.dynstr))
	add(elf.DT_SYMTAB, secAddr(&sy.dynsym))
	add(elf.DT_STRSZ, secSize(&sy.dynstr))
	add(elf.DT_SYMENT, constant(elfio.SymSize))
	if l.out != reloc.OutShared && !l.isStatic {
		add(elf.DT_DEBUG, constant(0))
	}
	if len(sy.pltSyms)+len(sy.ipltSyms) > 0 {
		add(elf.DT_PLTGOT, secAddr(&sy.gotPlt))
		add(elf.DT_PLTRELSZ, func() uint64 { return sy.relaPlt.size })
		add(elf.DT_PLTREL, constant(uint64(elf.DT_RELA)))
		add(elf.DT_JMPREL, func() uint64 { return sy.relaPlt.addr })
	}
	relaIdx := len(ents)
	_ = relaIdx
	add(elf.DT_RELA, func() uint64 {
		if sy.relaDyn == nil {
			return 0
		}
		return sy.relaDyn.addr
	})
	add(elf.DT_RELASZ, func() uint64 {
		if sy.relaDyn == nil {
			return 0
		}
		return sy.relaDyn.size
	})
	add(elf.DT_RELAENT, constant(elfio.RelaSize))
	if l.synth.verdef != nil {
		add(elf.DT_VERDEF, secAddr(&sy.verdef))
		add(elf.DT_VERDEFNUM, constant(uint64(len(l.verDefs)+1)))
	}
	if len(sy.verneedList) > 0 {
		add(elf.DT_VERNEED, secAddr(&sy.verneed))
		add(elf.DT_VERNEEDNUM, constant(uint64(len(sy.verneedList))))
	}
	if sy.verneed != nil || sy.verdef != nil {
		add(elf.DT_VERSYM, secAddr(&sy.versym))
	}
	var flags, flags1 uint64
	if l.cfg.ZNow {
		flags |= uint64(elf.DF_BIND_NOW)
		flags1 |= uint64(elf.DF_1_NOW)
	}
	if l.staticTLS {
		flags |= uint64(elf.DF_STATIC_TLS)
	}
	if l.textRel {
		flags |= uint64(elf.DF_TEXTREL)
		add(elf.DT_TEXTREL, constant(0))
	}
	if l.cfg.Bsymbolic && l.out == reloc.OutShared {
		flags |= uint64(elf.DF_SYMBOLIC)
	}
	if l.cfg.ZOrigin {
		flags |= uint64(elf.DF_ORIGIN)
		flags1 |= uint64(elf.DF_1_ORIGIN)
	}
	if l.out == reloc.OutPIE {
		flags1 |= uint64(elf.DF_1_PIE)
	}
	if l.cfg.ZNodelete {
		flags1 |= uint64(elf.DF_1_NODELETE)
	}
	if l.cfg.ZInitfirst {
		flags1 |= uint64(elf.DF_1_INITFIRST)
	}
	if l.cfg.ZNodlopen {
		flags1 |= uint64(elf.DF_1_NOOPEN)
	}
	if l.cfg.ZInterpose {
		flags1 |= uint64(elf.DF_1_INTERPOSE)
	}
	if flags != 0 {
		add(elf.DT_FLAGS, constant(flags))
	}
	if flags1 != 0 {
		add(elf.DT_FLAGS_1, constant(flags1))
	}
	if len(sy.pltSyms)+len(sy.ipltSyms) > 0 {
		for _, tag := range l.pltTags {
			add(tag, constant(0))
		}
	}
	add(elf.DT_NULL, constant(0))
	l.dynEntries = ents
	sy.dynamic = l.newSynth(".dynamic", shtDynamic, shfAlloc|shfWrite, 8, synDynamic)
	sy.dynamic.shdr.Entsize = 16
	sy.dynamic.size = uint64(len(ents)) * 16
}

func (l *Linker) findOut(name string) *OutSection {
	for _, o := range l.outSecs {
		if o.name == name {
			return o
		}
	}
	return nil
}

type symtabEntry struct {
	id   SymID
	name uint32
}

// buildSymtab lists the symbols of .symtab: locals of live sections, then
// globals, and gives each its .strtab offset. Files pick their locals in
// parallel. .strtab is not deduplicated (as in lld): a hash lookup per
// name costs more than the bytes it saves; writeStrtab fills it in parallel.
func (l *Linker) buildSymtab() {
	sy := &l.synth
	// The table is built from parts in their final order: each object's
	// locals, then the globals that become locals (in chunks of ids), then
	// the other globals. Parts are listed in parallel, with name offsets
	// relative to the part; a serial prefix sum places them; they are
	// copied into place in parallel.
	var nloc int
	if !l.cfg.DiscardAll {
		nloc = len(l.objects)
	}
	globals := l.globalIDs()
	const chunk = 4 << 10
	nchunks := (len(globals) + chunk - 1) / chunk
	parts := make([]symtabPart, nloc+2*nchunks)
	// Global chunks first: they are the larger items, and the pool hands
	// out items in order.
	l.parallelFor("symbol table", nloc+nchunks, func(_, i int) {
		if i >= nchunks {
			i -= nchunks
			f := l.objects[i]
			for j := 1; j < f.firstGlobal && j < len(f.syms); j++ {
				if s := l.sym(f.syms[j]); l.localInSymtab(s) {
					parts[i].add(f.syms[j], s, s.Name)
				}
			}
			return
		}
		c := i
		hidden, visible := &parts[nloc+c], &parts[nloc+nchunks+c]
		for _, id := range globals[c*chunk : min(len(globals), (c+1)*chunk)] {
			s := l.sym(id)
			if !l.inSymtab(s) {
				continue
			}
			if l.symtabLocal(s) {
				hidden.add(id, s, l.strtabName(s))
			} else {
				visible.add(id, s, l.strtabName(s))
			}
		}
	})
	n, local := 0, 0
	off := uint32(1)
	starts := make([]int, len(parts))
	offs := make([]uint32, len(parts))
	sy.symtabIFunc = false
	for i := range parts {
		sy.symtabIFunc = sy.symtabIFunc || parts[i].ifunc
		if i == nloc+nchunks {
			local = n
		}
		starts[i], offs[i] = n, off
		n += len(parts[i].ents)
		off += parts[i].bytes
	}
	if len(parts) == nloc+nchunks {
		local = n
	}
	sy.symtabLocal = local + 1
	sy.symtabSyms = make([]symtabEntry, n)
	l.parallelFor("symbol table entries", len(parts), func(_, i int) {
		dst := sy.symtabSyms[starts[i]:]
		for k, e := range parts[i].ents {
			dst[k] = symtabEntry{e.id, offs[i] + e.name}
		}
	})
	sy.strtabSize = uint64(off)
}

// symtabPart is a run of .symtab entries with name offsets from its start.
type symtabPart struct {
	ents  []symtabEntry
	bytes uint32
	ifunc bool // holds an STT_GNU_IFUNC (the ELF header's OS/ABI says GNU)
}

func (p *symtabPart) add(id SymID, s *Symbol, name string) {
	p.ents = append(p.ents, symtabEntry{id, p.bytes})
	p.bytes += uint32(len(name)) + 1
	p.ifunc = p.ifunc || s.typ == uint8(elf.STT_GNU_IFUNC)
}

// localInSymtab says whether a local symbol of an object goes to .symtab.
func (l *Linker) localInSymtab(s *Symbol) bool {
	if s.typ == uint8(elf.STT_SECTION) || s.typ == uint8(elf.STT_FILE) || s.Name == "" || s.state != stDefined {
		return false
	}
	if s.sec != nil && (!s.sec.alive || (s.sec.out == nil && s.sec.merge == nil)) {
		return false
	}
	return !strings.HasPrefix(s.Name, ".L") // assembler-local labels (--discard-locals drops them too)
}

// strtabName is the name .strtab holds for s: buildSymtab sizes .strtab
// with it and writeStrtab writes it, so the two always agree.
func (l *Linker) strtabName(s *Symbol) string {
	return s.Name
}

func (l *Linker) inSymtab(s *Symbol) bool {
	switch s.state {
	case stDefined:
		return s.sec == nil || (s.sec.alive && (s.sec.out != nil || s.sec.merge != nil))
	case stLinker:
		return true
	case stUndef, stShared:
		return s.usedByReg || s.dynIdx > 0
	}
	return false
}

func (l *Linker) symtabLocal(s *Symbol) bool {
	if s.state != stDefined && s.state != stLinker {
		return false
	}
	return s.vis == uint8(elf.STV_HIDDEN) || s.vis == uint8(elf.STV_INTERNAL) || s.verLocal
}
