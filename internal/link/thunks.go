package link

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
	"github.com/rivet-linker/rivet/internal/thunk"
)

// thunker is implemented by architectures whose branches may need range
// extension thunks (AArch64).
type thunker interface {
	// ThunkConfig describes branches and thunks; pic: the output is
	// position-independent.
	ThunkConfig(pic bool) reloc.ThunkConfig
	// ThunkBranch: relocation type t is a branch a thunk can extend.
	ThunkBranch(t uint32) bool
	// WriteThunk writes the thunk at address at that jumps to dest.
	WriteThunk(buf []byte, at, dest uint64, long, pic bool)
	// ThunkName is the local symbol naming a thunk to target.
	ThunkName(target string, long, pic bool) string
	// Erratum843419 lists the offsets in code (placed at addr) of the
	// instructions to move to a veneer (--fix-cortex-a53-843419).
	Erratum843419(code []byte, addr uint64) []int
	// NeedsLandingPad: a thunk's indirect branch cannot land on the
	// instruction target starts with (nil: unknown).
	NeedsLandingPad(target []byte) bool
	// WritePad writes the landing pad at address at that goes to dest; if
	// dest is out of reach it writes a trap instead and says so.
	WritePad(buf []byte, at, dest uint64) error
	// PadName is the local symbol naming a landing pad of target.
	PadName(target string) string
	// WriteVeneer moves the instruction at offset site of the relocated
	// code (at codeAddr) to the veneer at address at, if the sequence is
	// still there, and reports whether it did.
	WriteVeneer(veneer, code []byte, codeAddr uint64, site int, at uint64) (bool, error)
}

// slotPos is a thunk slot's place in an output section: after member
// after, at offset off.
type slotPos struct {
	after int
	off   uint64
	slot  *thunk.Slot
}

// place puts the slot at offset off and returns the offset after it.
func (s *slotPos) place(off uint64) uint64 {
	if s.slot.Size() == 0 {
		s.off = off
		return off
	}
	off = alignUp(off, 8) // long thunks' literals are 8-aligned (thunk.Planner.resize)
	s.off = off
	return off + s.slot.Size()
}

// patchSite is an instruction moved to an erratum veneer.
type patchSite struct {
	sec *Section
	off uint64
	id  uint64
}

// placeThunks runs the loop of address assignment and thunk creation until
// nothing changes (layout has run once already), then names the thunks in
// .symtab.
func (l *Linker) placeThunks() {
	th, ok := l.arch.(thunker)
	if !ok {
		return
	}
	cfg := th.ThunkConfig(l.pic)
	fix := l.cfg.FixA53Erratum843419
	// Slots in every executable output section: after the member where
	// the distance from the previous slot would otherwise exceed the
	// spacing, and after the last member. A branch then always has a slot
	// less than the spacing away, unless a single member is larger.
	spacing := uint64(cfg.Reach) - 2*uint64(cfg.Margin)
	nslots := 0
	for _, o := range l.outSecs {
		if o.synth != synNone || o.shdr.Flags&shfExec == 0 || o.shdr.Flags&shfAlloc == 0 || len(o.members) == 0 {
			continue
		}
		o.slots = nil
		last := uint64(0)
		for i, m := range o.members {
			// An empty slot sits at the end of the member it follows,
			// which is where layout would put it.
			end := m.off + m.shdr.Size
			if i == len(o.members)-1 {
				o.slots = append(o.slots, slotPos{after: i, off: end})
				break
			}
			next := o.members[i+1]
			if next.off+next.shdr.Size-last > spacing {
				o.slots = append(o.slots, slotPos{after: i, off: end})
				last = end
			}
		}
		nslots += len(o.slots)
	}
	if nslots == 0 {
		return
	}
	p := thunk.New(cfg, nslots)
	k := 0
	for _, o := range l.outSecs {
		for i := range o.slots {
			o.slots[i].slot = p.Slots[k]
			k++
		}
	}
	l.thunks = p
	for pass := 1; ; pass++ {
		for _, o := range l.outSecs {
			for i := range o.slots {
				o.slots[i].slot.Addr = o.addr + o.slots[i].off
			}
		}
		branches := l.thunkBranches(th)
		var sites []thunk.PatchSite
		if fix {
			l.patchSites, sites = l.erratumSites(th)
		}
		changed, err := p.Pass(branches, sites)
		if err != nil {
			if ns, ok := err.(*thunk.NoSlotError); ok {
				err = fmt.Errorf("%s: %v (a single input section larger than the branch reach?)", l.branchSite(th, ns.Branch), err)
			}
			l.errorf("range extension thunks: %v", err)
			return
		}
		if !changed {
			l.stats.thunks, l.stats.patches, l.stats.pads = p.NumThunks(), p.NumPatches(), p.NumPads()
			break
		}
		if pass >= thunk.MaxPasses {
			l.errorf("range extension thunks: no fixed point after %d passes of layout and thunk creation", pass)
			return
		}
		// Long thunks' literals must be 8-aligned in memory, not only
		// within the section (set before the layout that places them).
		for _, o := range l.outSecs {
			for _, sp := range o.slots {
				if sp.slot.Size() > 0 {
					o.shdr.Addralign = max(o.shdr.Addralign, 8)
				}
			}
		}
		l.layout()
		if len(l.errs) > 0 {
			return
		}
	}
	if p.NumThunks()+p.NumPatches()+p.NumPads() > 0 && l.synth.symtab != nil {
		l.addThunkSymbols(th)
		// .symtab and .strtab grew; they are not allocated, so no
		// address (and no symbol value set above) moves.
		l.layout()
	}
}

// branchDest is where a branch to s+addend goes: its PLT entry if it has
// one.
func (l *Linker) branchDest(s *Symbol, addend int64) uint64 {
	if s.pltIdx >= 0 && l.synth.plt != nil {
		return l.pltEntryAddr(s) + uint64(addend)
	}
	return l.symAddr(s) + uint64(addend)
}

// thunkBranches lists every branch in live executable sections that a
// thunk could extend, at the current addresses.
func (l *Linker) thunkBranches(th thunker) []thunk.Branch {
	parts := make([][]thunk.Branch, len(l.objects))
	l.parallelFor("thunk branches", len(l.objects), func(_, i int) {
		l.fileBranches(th, l.objects[i], func(sec *Section, r elfio.Rela, s *Symbol) {
			id := sec.file.syms[r.Sym]
			parts[i] = append(parts[i], thunk.Branch{P: sec.out.addr + sec.off + r.Offset,
				Key: thunk.Key{Sym: uint32(id), Addend: r.Addend}, Dest: l.branchDest(s, r.Addend),
				NeedPad: s.pltIdx < 0 && th.NeedsLandingPad(targetBytes(s, r.Addend))})
		})
	})
	var out []thunk.Branch
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// targetBytes returns the input bytes at s+addend (nil when they are not
// in an input section of this link).
func targetBytes(s *Symbol, addend int64) []byte {
	if s.state != stDefined || s.sec == nil || s.sec.shdr.Type == shtNobits || s.sec.merge != nil {
		return nil
	}
	off := s.value + uint64(addend)
	if off >= uint64(len(s.sec.data)) {
		return nil
	}
	return s.sec.data[off:]
}

// walkBranches calls fn for every branch relocation a thunk could extend,
// in the order thunkBranches lists them.
func (l *Linker) walkBranches(th thunker, fn func(sec *Section, r elfio.Rela, s *Symbol)) {
	for _, f := range l.objects {
		l.fileBranches(th, f, fn)
	}
}

// fileBranches calls fn for the branches of one file, in order.
func (l *Linker) fileBranches(th thunker, f *File, fn func(sec *Section, r elfio.Rela, s *Symbol)) {
	for _, sec := range f.sections {
		if sec == nil || !sec.alive || sec.out == nil || sec.relas == nil || sec.shdr.Flags&shfExec == 0 {
			continue
		}
		n := len(sec.relas) / elfio.RelaSize
		for i := 0; i < n; i++ {
			r := elfio.ReadRela(sec.relas, i)
			if i < len(sec.acts) && sec.acts[i] != 0 {
				if act, tls := unpackDecision(sec.acts[i]); act == reloc.TLS {
					if tls != reloc.Keep && l.arch.TLSRelaxConsumesNext(r.Type) {
						i++ // the bl __tls_get_addr the rewrite replaced
					}
					continue
				}
			}
			if !th.ThunkBranch(r.Type) || int(r.Sym) >= len(f.syms) {
				continue
			}
			s := l.sym(f.syms[r.Sym])
			if l.symClass(s) == reloc.ClassAbs {
				continue // absolute or undefined weak: no thunk makes it reachable
			}
			fn(sec, r, s)
		}
	}
}

// branchSite names the k-th branch thunkBranches lists.
func (l *Linker) branchSite(th thunker, k int) string {
	site := "?"
	l.walkBranches(th, func(sec *Section, r elfio.Rela, s *Symbol) {
		if k == 0 {
			site = secLoc(sec, r.Offset) + " (to " + displayName(s.Name) + ")"
		}
		k--
	})
	return site
}

// erratumSites lists the instructions completing an erratum 843419
// sequence at the current addresses.
// A site's identity is its section's position among all input sections
// and its offset, stable across passes.
func (l *Linker) erratumSites(th thunker) ([]patchSite, []thunk.PatchSite) {
	base := make([]uint64, len(l.objects))
	n := uint64(0)
	for i, f := range l.objects {
		base[i] = n
		n += uint64(len(f.sections))
	}
	parts := make([][]patchSite, len(l.objects))
	l.parallelFor("erratum 843419 scan", len(l.objects), func(_, i int) {
		f := l.objects[i]
		var maps map[uint32][]mapSym
		for j, sec := range f.sections {
			if sec == nil || !sec.alive || sec.out == nil || sec.shdr.Flags&shfExec == 0 || sec.shdr.Type == shtNobits {
				continue
			}
			sites := th.Erratum843419(sec.data, sec.out.addr+sec.off)
			if len(sites) > 0 && maps == nil {
				maps = mappingSymbols(f)
			}
			for _, off := range sites {
				// The word to move must be code ($d marks data in a
				// code section); moving a real load/store that did
				// not need it is harmless.
				if !isCode(maps[uint32(j)], uint64(off), uint64(off)) {
					continue
				}
				parts[i] = append(parts[i], patchSite{sec: sec, off: uint64(off), id: (base[i]+uint64(j))<<32 | uint64(off)})
			}
		}
	})
	var sites []patchSite
	var ps []thunk.PatchSite
	for _, part := range parts {
		for _, s := range part {
			sites = append(sites, s)
			ps = append(ps, thunk.PatchSite{Site: s.id, P: s.sec.out.addr + s.sec.off + s.off})
		}
	}
	return sites, ps
}

// thunkFor returns the thunk a branch at p to s+addend must go through, or
// false when it reaches its target directly (or there are no thunks).
func (l *Linker) thunkFor(typ uint32, id SymID, addend int64, p, dest uint64) (uint64, bool) {
	if l.thunks == nil || l.thunks.Cfg.InRange(p, dest) {
		return 0, false
	}
	if th, ok := l.arch.(thunker); !ok || !th.ThunkBranch(typ) {
		return 0, false
	}
	t := l.thunks.Find(p, thunk.Key{Sym: uint32(id), Addend: addend})
	if t == nil {
		return 0, false
	}
	return t.Addr(), true
}

// thunkTargetName names a thunk's target: its symbol, or the section of a
// section symbol, plus the addend.
func (l *Linker) thunkTargetName(k thunk.Key) string {
	target := l.sym(SymID(k.Sym))
	name := target.Name
	if target.typ == uint8(elf.STT_SECTION) && target.sec != nil {
		name = target.sec.name
	}
	if k.Addend != 0 {
		name += fmt.Sprintf("+0x%x", k.Addend)
	}
	return name
}

// addThunkSymbols names every thunk and erratum veneer in .symtab (as
// local symbols after the input files' locals), so that disassembly shows
// where branches go.
func (l *Linker) addThunkSymbols(th thunker) {
	sy := &l.synth
	var ents []symtabEntry
	off := uint32(sy.strtabSize)
	for _, o := range l.outSecs {
		for _, sp := range o.slots {
			for _, t := range sp.slot.Thunks {
				id := l.syms.add(th.ThunkName(l.thunkTargetName(t.Key), t.Long, l.thunks.Cfg.PIC))
				s := l.sym(id)
				s.state, s.isLocal, s.typ = stLinker, true, uint8(elf.STT_FUNC)
				s.pltIdx, s.gotIdx = -1, -1
				s.value = o.addr + sp.off + t.Off
				s.size = l.thunks.Cfg.ShortSize
				if t.Long {
					s.size = l.thunks.Cfg.LongSize
				}
				ents = append(ents, symtabEntry{id, off})
				off += uint32(len(s.Name)) + 1
			}
			for _, pd := range sp.slot.Pads {
				id := l.syms.add(th.PadName(l.thunkTargetName(pd.Key)))
				s := l.sym(id)
				s.state, s.isLocal, s.typ = stLinker, true, uint8(elf.STT_FUNC)
				s.pltIdx, s.gotIdx = -1, -1
				s.value, s.size = o.addr+sp.off+pd.Off, l.thunks.Cfg.PadSize
				ents = append(ents, symtabEntry{id, off})
				off += uint32(len(s.Name)) + 1
			}
		}
	}
	for _, ps := range l.patchSites {
		pt := l.thunks.PatchFor(ps.id)
		if pt == nil {
			continue
		}
		site := ps.sec.out.addr + ps.sec.off + ps.off
		id := l.syms.add(fmt.Sprintf("__CortexA53843419_%x", site))
		s := l.sym(id)
		s.state, s.isLocal, s.typ = stLinker, true, uint8(elf.STT_FUNC)
		s.pltIdx, s.gotIdx = -1, -1
		s.value, s.size = pt.Addr(), l.thunks.Cfg.PatchSize
		ents = append(ents, symtabEntry{id, off})
		off += uint32(len(s.Name)) + 1
	}
	at := sy.symtabLocal - 1
	syms := make([]symtabEntry, 0, len(sy.symtabSyms)+len(ents))
	syms = append(syms, sy.symtabSyms[:at]...)
	syms = append(syms, ents...)
	syms = append(syms, sy.symtabSyms[at:]...)
	sy.symtabSyms = syms
	sy.symtabLocal += len(ents)
	sy.strtabSize = uint64(off)
	sy.symtab.size = uint64(len(syms)+1) * elfio.SymSize
	sy.strtab.size = sy.strtabSize
}

// writeThunks writes every thunk and erratum veneer into the image, after
// the input sections (a veneer copies its relocated instruction).
func (l *Linker) writeThunks(buf []byte, rw *relocWriter) {
	th, ok := l.arch.(thunker)
	if !ok || l.thunks == nil {
		return
	}
	for _, o := range l.outSecs {
		for _, sp := range o.slots {
			base := o.off + sp.off
			for _, t := range sp.slot.Thunks {
				th.WriteThunk(buf[base+t.Off:], t.Addr(), t.Dest, t.Long, l.thunks.Cfg.PIC)
			}
			for _, pd := range sp.slot.Pads {
				// The final pass checked every pad a branch uses against
				// its target's address; a pad no branch uses any more
				// may be out of reach: it gets a trap instead.
				dest := l.branchDest(l.sym(SymID(pd.Key.Sym)), pd.Key.Addend)
				_ = th.WritePad(buf[base+pd.Off:], pd.Addr(), dest)
			}
		}
	}
	slotOff := map[*thunk.Slot]uint64{}
	for _, o := range l.outSecs {
		for _, sp := range o.slots {
			slotOff[sp.slot] = o.off + sp.off
		}
	}
	for _, ps := range l.patchSites {
		pt := l.thunks.PatchFor(ps.id)
		if pt == nil {
			continue
		}
		o, sec := ps.sec.out, ps.sec
		code := buf[o.off+sec.off : o.off+sec.off+sec.shdr.Size]
		vOff := slotOff[pt.Slot] + pt.Off
		if _, err := th.WriteVeneer(buf[vOff:vOff+l.thunks.Cfg.PatchSize], code, o.addr+sec.off, int(ps.off), pt.Addr()); err != nil {
			rw.errorf("%s: erratum 843419 veneer: %v", secLoc(ps.sec, ps.off), err)
		}
	}
}

// mapSym is an ELF mapping symbol ($x: code follows, $d: data follows) at
// an offset of its section.
type mapSym struct {
	off  uint64
	data bool
}

// mappingSymbols collects a file's mapping symbols per section index,
// in offset order.
func mappingSymbols(f *File) map[uint32][]mapSym {
	m := map[uint32][]mapSym{}
	for i := 1; i < f.firstGlobal && i < len(f.symtab)/elfio.SymSize; i++ {
		es := elfio.ReadSym(f.symtab, i)
		name := elfio.CString(f.strtab, es.Name)
		if len(name) < 2 || name[0] != '$' || name[1] != 'x' && name[1] != 'd' || len(name) > 2 && name[2] != '.' {
			continue
		}
		sec := uint32(es.Shndx)
		m[sec] = append(m[sec], mapSym{off: es.Value, data: name[1] == 'd'})
	}
	for sec, ms := range m {
		slices.SortStableFunc(ms, func(a, b mapSym) int { return cmp.Compare(a.off, b.off) })
		// Of several at one offset, the last one holds.
		out := ms[:0]
		for i, x := range ms {
			if i+1 < len(ms) && ms[i+1].off == x.off {
				continue
			}
			out = append(out, x)
		}
		m[sec] = out
	}
	return m
}

// isCode reports whether [lo, hi] is code by the mapping symbols ms (a
// section without any is code).
func isCode(ms []mapSym, lo, hi uint64) bool {
	atLo := true
	for _, m := range ms {
		if m.off > hi {
			break
		}
		if m.off <= lo {
			atLo = !m.data
		} else if m.data {
			return false // data starts inside the range
		}
	}
	return atLo
}
