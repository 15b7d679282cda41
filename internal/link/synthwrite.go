package link

import (
	"debug/elf"
	"os"
	"path/filepath"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

func osMode(m uint32) os.FileMode { return os.FileMode(m) }

// writeSynthetic fills one linker-generated section.
func (l *Linker) writeSynthetic(o *OutSection, b []byte, rw *relocWriter) {
	sy := &l.synth
	switch o.synth {
	case synInterp:
		copy(b, l.interpPath)
	case synBuildID:
		elfio.Put32(b, 4)
		elfio.Put32(b[4:], uint32(sy.buildIDSize))
		elfio.Put32(b[8:], 3) // NT_GNU_BUILD_ID
		copy(b[12:], "GNU\x00")
	case synProperty:
		elfio.Put32(b, 4)
		elfio.Put32(b[4:], 16)
		elfio.Put32(b[8:], 5) // NT_GNU_PROPERTY_TYPE_0
		copy(b[12:], "GNU\x00")
		elfio.Put32(b[16:], l.arch.Target().PropFeatureAnd)
		elfio.Put32(b[20:], 4)
		elfio.Put32(b[24:], sy.propAnd)
	case synDynstr:
		copy(b, sy.dynstrB.buf)
	case synDynsym:
		l.writeDynsym(b)
	case synGnuHash:
		l.writeGnuHash(b)
	case synHash:
		l.writeSysvHash(b)
	case synVersym:
		l.writeVersym(b)
	case synVerneed:
		l.writeVerneed(b)
	case synVerdef:
		l.writeVerdef(b)
	case synDynamic:
		for i, e := range l.dynEntries {
			elfio.Put64(b[16*i:], uint64(e.tag))
			elfio.Put64(b[16*i+8:], e.val())
		}
	case synGot:
		l.writeGOT(b, rw)
	case synGotPlt, synPlt, synRelaPlt:
		if o.synth == synGotPlt {
			l.writePLT(rw)
		}
	case synRelaDyn:
		// Filled by the GOT, copy and section writers.
		l.writeCopyRelocs(rw)
	case synEhFrame:
		l.writeEhFrame(b, o.addr, rw)
	case synEhFrameHdr:
		// Needs the FDEs' addresses: writeOutput writes it after .eh_frame.
	case synSymtab:
		l.writeSymtab(b)
	case synStrtab:
		l.writeStrtab(b)
	}
}

// dynSymEntry builds a .dynsym / .symtab entry for a global symbol.
func (l *Linker) elfSym(s *Symbol, name uint32, forDynsym bool) elfio.Sym {
	es := elfio.Sym{Name: name}
	bind := elf.STB_GLOBAL
	if s.weak || (s.state == stUndef && !s.strongRef) {
		bind = elf.STB_WEAK
	}
	if s.isLocal || (!forDynsym && l.symtabLocal(s)) {
		bind = elf.STB_LOCAL
	}
	typ := s.typ
	if s.ifunc && forDynsym {
		typ = uint8(elf.STT_FUNC) // its address is the IPLT entry
	}
	es.Info = uint8(bind)<<4 | typ
	es.Other = s.vis
	if forDynsym && s.vis != uint8(elf.STV_PROTECTED) {
		es.Other = 0
	}
	es.Size = s.size
	switch {
	case s.flags&needCanonPLT != 0 && s.pltIdx >= 0 && (s.state == stShared || s.state == stUndef):
		es.Value = l.pltEntryAddr(s)
		es.Shndx = shnUndef
	case s.state == stShared && s.flags&needCopy != 0 && s.sec != nil:
		es.Value = l.sectionAddr(s.sec, 0)
		es.Shndx = uint16(s.sec.out.index)
	case s.state == stDefined || s.state == stLinker:
		es.Value = l.symAddr(s)
		switch {
		case s.state == stLinker || s.sec == nil:
			es.Shndx = shnAbs
			if o := l.outSecOf(s); o != nil {
				es.Shndx = uint16(o.index)
			}
		case s.sec.merge != nil:
			es.Shndx = uint16(s.sec.merge.merged.out.index)
		case s.sec.out != nil:
			es.Shndx = uint16(s.sec.out.index)
		}
		if s.typ == uint8(elf.STT_TLS) {
			es.Value -= l.tlsStart
		}
		if s.ifunc && s.pltIdx >= 0 && !forDynsym {
			es.Value = l.sectionAddr(s.sec, s.value)
		}
	default:
		es.Shndx = shnUndef
		es.Size = 0 // an import's size is the library's business
	}
	return es
}

// outSecOf finds the output section containing a linker-defined address.
func (l *Linker) outSecOf(s *Symbol) *OutSection {
	if s.state != stLinker || s.absolute {
		return nil
	}
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfAlloc != 0 && s.value >= o.addr && s.value <= o.addr+o.size && o.size > 0 {
			return o
		}
	}
	return nil
}

func (l *Linker) writeDynsym(b []byte) {
	sy := &l.synth
	for i, id := range sy.dynSyms {
		s := l.sym(id)
		es := l.elfSym(s, sy.dynstrB.index[s.Name], true)
		elfio.PutSym(b[(i+1)*elfio.SymSize:], es)
	}
}

// symtabChunk is how many .symtab entries one parallel work item writes.
const symtabChunk = 4096

func (l *Linker) writeSymtab(b []byte) {
	syms := l.synth.symtabSyms
	l.parallelFor("write .symtab", (len(syms)+symtabChunk-1)/symtabChunk, func(_, c int) {
		for i := c * symtabChunk; i < min(len(syms), (c+1)*symtabChunk); i++ {
			e := syms[i]
			s := l.sym(e.id)
			es := l.elfSym(s, e.name, false)
			if s.isLocal && s.sec != nil && s.sec.out == nil && s.sec.merge == nil {
				es.Shndx = shnAbs
			}
			elfio.PutSym(b[(i+1)*elfio.SymSize:], es)
		}
	})
}

// writeStrtab writes the names at the offsets buildSymtab chose.
func (l *Linker) writeStrtab(b []byte) {
	syms := l.synth.symtabSyms
	l.parallelFor("write .strtab", (len(syms)+symtabChunk-1)/symtabChunk, func(_, c int) {
		for _, e := range syms[c*symtabChunk : min(len(syms), (c+1)*symtabChunk)] {
			s := l.sym(e.id)
			name := l.strtabName(s)
			b[e.name+uint32(copy(b[e.name:], name))] = 0
		}
	})
}

func (l *Linker) writeGnuHash(b []byte) {
	sy := &l.synth
	nb := sy.gnuBuckets
	const shift = 26
	elfio.Put32(b, nb)
	elfio.Put32(b[4:], uint32(sy.hashed))
	elfio.Put32(b[8:], sy.gnuBloom)
	elfio.Put32(b[12:], shift)
	bloom := b[16 : 16+8*sy.gnuBloom]
	buckets := b[16+8*sy.gnuBloom:]
	chains := buckets[4*nb:]
	defs := sy.dynSyms[sy.hashed-1:]
	for i, id := range defs {
		h := gnuHash(l.sym(id).Name)
		w := (h / 64) % sy.gnuBloom
		v := elfio.U64(bloom[8*w:])
		v |= 1<<(h%64) | 1<<((h>>shift)%64)
		elfio.Put64(bloom[8*w:], v)
		bk := h % nb
		if elfio.U32(buckets[4*bk:]) == 0 {
			elfio.Put32(buckets[4*bk:], uint32(sy.hashed+i))
		}
		last := i == len(defs)-1 || gnuHash(l.sym(defs[i+1]).Name)%nb != bk
		c := h &^ 1
		if last {
			c |= 1
		}
		elfio.Put32(chains[4*i:], c)
	}
}

func (l *Linker) writeSysvHash(b []byte) {
	sy := &l.synth
	n := uint32(len(sy.dynSyms) + 1)
	nb := uint32(sysvBuckets(uint64(n)))
	elfio.Put32(b, nb)
	elfio.Put32(b[4:], n)
	buckets := b[8:]
	chains := b[8+4*nb:]
	for i := n - 1; i >= 1; i-- {
		h := sysvHash(l.sym(sy.dynSyms[i-1]).Name) % nb
		elfio.Put32(chains[4*i:], elfio.U32(buckets[4*h:]))
		elfio.Put32(buckets[4*h:], i)
	}
}

func (l *Linker) writeVersym(b []byte) {
	sy := &l.synth
	for i, id := range sy.dynSyms {
		s := l.sym(id)
		v := uint16(1)
		switch {
		case s.state == stShared:
			if m := sy.verneedIdx[s.file]; m != nil {
				if x, ok := m[s.verIdx]; ok {
					v = x
				}
			}
		case s.state == stDefined || s.state == stLinker:
			if s.verOut != 0 {
				v = s.verOut
			}
		}
		elfio.Put16(b[2*(i+1):], v)
	}
}

func (l *Linker) writeVerneed(b []byte) {
	sy := &l.synth
	off := 0
	for fi, vf := range sy.verneedList {
		elfio.Put16(b[off:], 1)
		elfio.Put16(b[off+2:], uint16(len(vf.vers)))
		elfio.Put32(b[off+4:], sy.dynstrB.index[vf.file.soname])
		elfio.Put32(b[off+8:], 16)
		next := uint32(16 + 16*len(vf.vers))
		if fi == len(sy.verneedList)-1 {
			next = 0
		}
		elfio.Put32(b[off+12:], next)
		a := off + 16
		for vi, v := range vf.vers {
			elfio.Put32(b[a:], sysvHash(v.name))
			elfio.Put16(b[a+4:], 0)
			elfio.Put16(b[a+6:], v.idx)
			elfio.Put32(b[a+8:], sy.dynstrB.index[v.name])
			n := uint32(16)
			if vi == len(vf.vers)-1 {
				n = 0
			}
			elfio.Put32(b[a+12:], n)
			a += 16
		}
		off = a
	}
}

func (l *Linker) writeVerdef(b []byte) {
	sy := &l.synth
	base := l.cfg.Soname
	if base == "" {
		base = filepath.Base(l.cfg.Output)
	}
	names := append([]string{base}, l.verDefs...)
	off := 0
	for i, n := range names {
		var parents []string
		if i > 0 {
			parents = l.verParents[i-1]
		}
		size := 20 + 8*(1+len(parents))
		elfio.Put16(b[off:], 1)
		var flags uint16
		if i == 0 {
			flags = 1 // VER_FLG_BASE
		}
		elfio.Put16(b[off+2:], flags)
		elfio.Put16(b[off+4:], uint16(i+1))
		elfio.Put16(b[off+6:], uint16(1+len(parents)))
		elfio.Put32(b[off+8:], sysvHash(n))
		elfio.Put32(b[off+12:], 20)
		next := uint32(size)
		if i == len(names)-1 {
			next = 0
		}
		elfio.Put32(b[off+16:], next)
		// Verdaux: the version's own name, then its parents.
		auxNames := append([]string{n}, parents...)
		for j, an := range auxNames {
			a := off + 20 + 8*j
			elfio.Put32(b[a:], sy.dynstrB.index[an])
			an := uint32(8)
			if j == len(auxNames)-1 {
				an = 0
			}
			elfio.Put32(b[a+4:], an)
		}
		off += size
	}
}

// gotDynReloc says whether GOT entry e needs a dynamic relocation, and
// which (kind, with a symbol or not). Sizing and writing both ask here.
func (l *Linker) gotDynReloc(e gotEntry) (kind reloc.DynKind, withSym bool, ok bool) {
	s := l.sym(e.sym)
	shared := l.out == reloc.OutShared
	switch e.kind {
	case gotAddr:
		if s.preemptible {
			return reloc.DynGlobDat, true, true
		}
		if s.state == stUndef || !l.pic || s.isAbsolute() {
			return 0, false, false
		}
		return reloc.DynRelativeKind, false, true
	case gotTLSMod:
		if s.preemptible {
			return reloc.DynDTPMod, true, true
		}
		return reloc.DynDTPMod, false, shared
	case gotTLSOff:
		return reloc.DynDTPOff, true, s.preemptible
	case gotTLSTP:
		if s.preemptible {
			return reloc.DynTPOff, true, true
		}
		return reloc.DynTPOff, false, shared
	case gotTLSLDMod:
		return reloc.DynDTPMod, false, shared
	case gotTLSDesc:
		return reloc.DynTLSDesc, s.preemptible, true
	}
	return 0, false, false
}

// writeGOT fills .got and emits its dynamic relocations first in .rela.dyn.
func (l *Linker) writeGOT(b []byte, rw *relocWriter) {
	sy := &l.synth
	cursor := 0
	for i, e := range sy.got {
		addr := sy.gotSec.addr + uint64(8*i)
		s := l.sym(e.sym)
		// The value the word holds when no dynamic relocation sets it
		// (or the addend of a RELATIVE one).
		var val uint64
		var addend int64
		switch e.kind {
		case gotAddr:
			val = l.symAddr(s)
			addend = int64(val)
		case gotTLSMod, gotTLSLDMod:
			val = 1 // the executable is module 1
		case gotTLSOff:
			val = l.symAddr(s) - l.tlsStart
		case gotTLSTP:
			val = l.symAddr(s) - l.tp
			addend = int64(l.symAddr(s) - l.tlsStart)
		case gotTLSDesc:
			addend = int64(l.symAddr(s) - l.tlsStart)
		}
		kind, withSym, dyn := l.gotDynReloc(e)
		if !dyn {
			elfio.Put64(b[8*i:], val)
			continue
		}
		var symIdx uint32
		if withSym {
			symIdx, addend = uint32(s.dynIdx), 0
		}
		if kind == reloc.DynRelativeKind {
			elfio.Put64(b[8*i:], val)
		}
		if kind == reloc.DynDTPMod {
			addend = 0
		}
		rw.putDyn(&cursor, addr, l.arch.DynType(kind), symIdx, addend)
	}
	if cursor != sy.gotDynRels {
		rw.errorf("internal error: %d GOT dynamic relocations planned, %d written", sy.gotDynRels, cursor)
	}
}

func (l *Linker) writeCopyRelocs(rw *relocWriter) {
	sy := &l.synth
	cursor := sy.copyRelBase
	for _, id := range sy.copySyms {
		s := l.sym(id)
		rw.putDyn(&cursor, l.sectionAddr(s.sec, 0), l.arch.DynType(reloc.DynCopy), uint32(s.dynIdx), 0)
	}
}

// writePLT fills .plt, .got.plt and .rela.plt together.
func (l *Linker) writePLT(rw *relocWriter) {
	sy := &l.synth
	buf := rw.fullBuf
	gp := buf[sy.gotPlt.off : sy.gotPlt.off+sy.gotPlt.size]
	if sy.dynamic != nil {
		elfio.Put64(gp, sy.dynamic.addr)
	}
	if sy.plt == nil {
		return
	}
	pb := buf[sy.plt.off : sy.plt.off+sy.plt.size]
	rp := buf[sy.relaPlt.off : sy.relaPlt.off+sy.relaPlt.size]
	res := uint64(l.arch.GOTPLTReserved())
	if sy.pltHeader {
		l.arch.WritePLTHeader(pb, sy.plt.addr, sy.gotPlt.addr)
	}
	all := append(append([]SymID{}, sy.pltSyms...), sy.ipltSyms...)
	for i, id := range all {
		s := l.sym(id)
		entry := l.pltEntryAddr(s)
		slot := sy.gotPlt.addr + 8*(res+uint64(i))
		eoff := entry - sy.plt.addr
		l.arch.WritePLTEntry(pb[eoff:], entry, slot, sy.plt.addr, uint32(i))
		if s.ifunc {
			resolver := l.sectionAddr(s.sec, s.value)
			elfio.Put64(gp[8*(res+uint64(i)):], resolver)
			elfio.PutRela(rp[i*elfio.RelaSize:], slot, l.arch.DynType(reloc.DynIRelative), 0, int64(resolver))
		} else {
			elfio.Put64(gp[8*(res+uint64(i)):], l.arch.PLTGotInit(entry, sy.plt.addr))
			elfio.PutRela(rp[i*elfio.RelaSize:], slot, l.arch.DynType(reloc.DynJumpSlot), uint32(s.dynIdx), 0)
		}
	}
}
