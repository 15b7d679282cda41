package link

import (
	"debug/elf"
	"fmt"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/output"
)

// -r: relocatable output. Input sections are concatenated by name into an
// ET_REL file that keeps relocations and symbols, so that it can be linked
// again. Sections that belong to a kept COMDAT group (or are SHF_LINK_ORDER)
// stay sections of their own so the group survives; nothing is merged,
// collected, relaxed or given an address.

type relOut struct {
	name    string
	shdr    elfio.Shdr
	members []*Section
	index   int
	off     uint64
	size    uint64
	relas   []byte // built output relocations
	relaIdx int
	relaOff uint64
	group   *relGroup // set for a .group section
}

type relGroup struct {
	file    *File
	secIdx  int    // the input .group section
	sigSym  uint32 // input symbol index of the signature
	members []*Section
}

type relState struct {
	secs      []*relOut
	groups    []*relOut
	symtab    []byte
	strtab    strtab
	shstrtab  strtab
	localIdx  map[SymID]uint32 // emitted local symbols
	globalIdx map[SymID]uint32
	firstGlob int
	outOf     map[*Section]*relOut // input section -> its output section
	groupOut  map[*File]map[int]*relOut
}

// RunRelocatable performs a -r link.
func (l *Linker) RunRelocatable() (err error) {
	defer func() {
		if r := recover(); r != nil {
			if l.outFile != nil {
				l.outFile.Abort()
			}
			fmt.Fprintf(l.stderr, "rivet: error: internal error: %v\n", r)
			err = ErrLink
		}
	}()
	rs := &relState{localIdx: map[SymID]uint32{}, globalIdx: map[SymID]uint32{}, outOf: map[*Section]*relOut{}, groupOut: map[*File]map[int]*relOut{}}
	for _, p := range []struct {
		name string
		fn   func()
	}{
		{"load inputs", l.loadInputs},
		{"resolve symbols", l.resolveRelocatable},
		{"assign sections", func() { l.relAssign(rs) }},
		{"symbol table", func() { l.relSymtab(rs) }},
		{"relocations", func() { l.relRelocs(rs) }},
		{"write output", func() { l.relWrite(rs) }},
	} {
		if !l.pass(p.name, p.fn) {
			return ErrLink
		}
	}
	l.reportTimes()
	return nil
}

func (l *Linker) resolveRelocatable() {
	if len(l.sharedFiles) > 0 {
		l.errorf("%s: a shared object cannot be linked into relocatable output", l.sharedFiles[0].name)
	}
	for _, d := range l.dupErrs {
		s := l.sym(d.id)
		l.errorf("duplicate symbol: %s\n>>> defined at %s\n>>> defined at %s", s.Name,
			defLoc(d.firstSec, d.first, d.firstVal), defLoc(d.secondSec, d.second, d.secondVal))
	}
	for _, id := range l.globalIDs() {
		if s := l.sym(id); s.state == stLazy {
			s.state = stUndef
		}
	}
	l.applyDefsyms()
}

func (l *Linker) relAssign(rs *relState) {
	byName := map[string]*relOut{}
	inGroup := map[*Section]*relGroup{}
	// Kept COMDAT groups (the first definition of each signature).
	for _, f := range l.objects {
		for i := range f.elf.NumSections() {
			sh := f.elf.Shdr(i)
			if sh.Type != shtGroup || int(sh.Info) >= len(f.syms) {
				continue
			}
			g := f.elf.SectionData(i)
			if len(g) < 4 || elfio.U32(g)&1 == 0 {
				continue
			}
			grp := &relGroup{file: f, secIdx: i, sigSym: sh.Info}
			for j := 4; j+4 <= len(g); j += 4 {
				if m := elfio.U32(g[j:]); m < uint32(len(f.sections)) && f.sections[m] != nil && !f.sections[m].discarded {
					grp.members = append(grp.members, f.sections[m])
				}
			}
			if len(grp.members) == 0 {
				continue // lost to an earlier copy
			}
			for _, m := range grp.members {
				inGroup[m] = grp
			}
			gout := &relOut{name: ".group", group: grp}
			gout.shdr.Type, gout.shdr.Addralign, gout.shdr.Entsize = shtGroup, 4, 4
			rs.groups = append(rs.groups, gout)
			if rs.groupOut[f] == nil {
				rs.groupOut[f] = map[int]*relOut{}
			}
			rs.groupOut[f][i] = gout
		}
	}
	for _, f := range l.objects {
		for _, s := range f.sections {
			if s == nil || s.discarded {
				continue
			}
			var o *relOut
			if inGroup[s] == nil && s.shdr.Flags&0x80 == 0 { // not grouped, not SHF_LINK_ORDER
				o = byName[s.name]
			}
			if o == nil {
				o = &relOut{name: s.name, shdr: s.shdr.elf()}
				o.shdr.Size, o.shdr.Addr, o.shdr.Addralign = 0, 0, 1
				if inGroup[s] == nil {
					o.shdr.Flags &^= shfGroup
					if s.shdr.Flags&0x80 == 0 {
						byName[s.name] = o
					}
				}
				rs.secs = append(rs.secs, o)
			}
			o.shdr.Flags |= s.shdr.Flags & (shfWrite | shfAlloc | shfExec | shfTLS)
			o.shdr.Addralign = max(o.shdr.Addralign, s.shdr.Addralign)
			o.size = alignUp(o.size, s.shdr.Addralign)
			s.off = o.size
			o.size += s.shdr.Size
			o.members = append(o.members, s)
			s.out = nil
			rs.outOf[s] = o
		}
	}
	// GNU-stack note: executable only if an input asked for it.
	note := &relOut{name: ".note.GNU-stack"}
	note.shdr.Type, note.shdr.Addralign = shtProgbits, 1
	if l.execStack() {
		note.shdr.Flags = shfExec
	}
	rs.secs = append(rs.secs, note)
	// Section indexes: groups first (they must precede their members).
	idx := 1
	for _, g := range rs.groups {
		g.index = idx
		idx++
	}
	for _, o := range rs.secs {
		o.index = idx
		idx++
	}
	// A group lists its sections and their relocation sections.
	for _, g := range rs.groups {
		n := 1 + len(g.group.members)
		for _, m := range g.group.members {
			if len(m.relas) > 0 {
				n++
			}
		}
		g.size = 4 * uint64(n)
	}
}

func (l *Linker) relSymtab(rs *relState) {
	var syms []elfio.Sym
	add := func(es elfio.Sym) uint32 {
		syms = append(syms, es)
		return uint32(len(syms))
	}
	for _, o := range rs.secs {
		add(elfio.Sym{Info: uint8(elf.STT_SECTION), Shndx: uint16(o.index)})
	}
	// Locals of kept sections (and absolute/file ones).
	for _, f := range l.objects {
		for i := 1; i < f.firstGlobal && i < len(f.syms); i++ {
			id := f.syms[i]
			s := l.sym(id)
			inGroupSec := rs.groupOut[f][int(elfio.ReadSym(f.symtab, i).Shndx)] != nil
			if s.typ == uint8(elf.STT_SECTION) || s.state != stDefined && !inGroupSec {
				continue
			}
			es := elfio.Sym{Name: rs.strtab.add(s.Name), Info: s.typ, Other: s.vis, Size: s.size, Value: s.value}
			raw := elfio.ReadSym(f.symtab, i)
			switch {
			case rs.groupOut[f][int(raw.Shndx)] != nil:
				// gcc names some groups (C5/D5 constructor variants) with
				// a local symbol defined in the .group section itself.
				es.Shndx = uint16(rs.groupOut[f][int(raw.Shndx)].index)
			case s.typ == uint8(elf.STT_FILE) || s.sec == nil:
				es.Shndx = shnAbs
			case rs.outOf[s.sec] != nil:
				es.Shndx = uint16(rs.outOf[s.sec].index)
				es.Value += s.sec.off
			default:
				continue // in a discarded section
			}
			rs.localIdx[id] = add(es)
		}
	}
	rs.firstGlob = len(syms) + 1
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if !s.usedByReg && s.state != stLinker {
			continue
		}
		name := s.Name
		if ver := l.symVer[id]; ver != "" {
			if s.verDefault {
				name += "@@" + ver
			} else {
				name += "@" + ver
			}
		}
		bind := elf.STB_GLOBAL
		if s.weak || s.state == stUndef && !s.strongRef {
			bind = elf.STB_WEAK
		}
		es := elfio.Sym{Name: rs.strtab.add(name), Info: uint8(bind)<<4 | s.typ, Other: s.vis, Size: s.size}
		switch s.state {
		case stDefined:
			if s.sec == nil {
				es.Shndx, es.Value = shnAbs, s.value
			} else if o := rs.outOf[s.sec]; o != nil {
				es.Shndx, es.Value = uint16(o.index), s.sec.off+s.value
			} else {
				es.Info = uint8(bind) << 4 // its section was discarded: undefined
			}
		case stCommon:
			es.Shndx, es.Value = shnCommon, max(s.commonAln, 1)
		case stLinker:
			es.Shndx = shnAbs
			es.Value, _ = l.evalDefsym(l.defsymExpr(id))
		}
		rs.globalIdx[id] = add(es)
	}
	rs.symtab = make([]byte, (len(syms)+1)*elfio.SymSize)
	for i, es := range syms {
		elfio.PutSym(rs.symtab[(i+1)*elfio.SymSize:], es)
	}
	rs.strtab.add("")
}

func (l *Linker) defsymExpr(id SymID) string {
	for i, d := range l.defsyms {
		if d == id {
			return l.cfg.Defsym[i].Expr
		}
	}
	return "0"
}

// relSymIndex maps an input relocation's symbol to the output symtab,
// adjusting the addend when a section symbol is redirected.
func (l *Linker) relSymIndex(rs *relState, f *File, symIdx uint32, addend int64) (uint32, int64) {
	if symIdx == 0 || int(symIdx) >= len(f.syms) {
		return 0, addend
	}
	id := f.syms[symIdx]
	s := l.sym(id)
	if s.isLocal {
		if s.typ == uint8(elf.STT_SECTION) {
			if s.sec == nil || rs.outOf[s.sec] == nil {
				return 0, addend
			}
			o := rs.outOf[s.sec]
			return uint32(o.index - len(rs.groups)), addend + int64(s.sec.off)
		}
		return rs.localIdx[id], addend
	}
	return rs.globalIdx[id], addend
}

func (l *Linker) relRelocs(rs *relState) {
	for _, o := range rs.secs {
		var n int
		for _, m := range o.members {
			n += len(m.relas) / elfio.RelaSize
		}
		if n == 0 {
			continue
		}
		o.relas = make([]byte, 0, n*elfio.RelaSize)
		for _, m := range o.members {
			f := m.file
			cnt := len(m.relas) / elfio.RelaSize
			for i := 0; i < cnt; i++ {
				r := elfio.ReadRela(m.relas, i)
				if !l.arch.Info(r.Type).Valid {
					l.errorf("%s: unknown relocation type %d", secLoc(m, r.Offset), r.Type)
					continue
				}
				sym, addend := l.relSymIndex(rs, f, r.Sym, r.Addend)
				typ := r.Type
				if sym == 0 && r.Sym != 0 {
					// Its target was discarded (a duplicate COMDAT's
					// FDE): R_*_NONE (0 on every arch), as GNU ld writes.
					typ, addend = 0, 0
				}
				var b [elfio.RelaSize]byte
				elfio.PutRela(b[:], m.off+r.Offset, typ, sym, addend)
				o.relas = append(o.relas, b[:]...)
			}
		}
	}
}

func (l *Linker) relWrite(rs *relState) {
	// Names and layout.
	all := append(append([]*relOut{}, rs.groups...), rs.secs...)
	for _, o := range all {
		rs.shstrtab.add(o.name)
		if len(o.relas) > 0 {
			rs.shstrtab.add(".rela" + o.name)
		}
	}
	for _, n := range []string{".symtab", ".strtab", ".shstrtab"} {
		rs.shstrtab.add(n)
	}
	nsec := 1 + len(all)
	for _, o := range all {
		if len(o.relas) > 0 {
			o.relaIdx = nsec
			nsec++
		}
	}
	symtabIdx, strtabIdx, shstrIdx := nsec, nsec+1, nsec+2
	nsec += 3
	off := uint64(elfio.EhdrSize)
	for _, o := range all {
		off = alignUp(off, max(o.shdr.Addralign, 1))
		o.off = off
		if o.shdr.Type != shtNobits {
			off += o.size
		}
	}
	for _, o := range all {
		if len(o.relas) > 0 {
			off = alignUp(off, 8)
			o.relaOff = off
			off += uint64(len(o.relas))
		}
	}
	off = alignUp(off, 8)
	symOff := off
	off += uint64(len(rs.symtab))
	strOff := off
	off += uint64(len(rs.strtab.buf))
	shstrOff := off
	off += uint64(len(rs.shstrtab.buf))
	shoff := alignUp(off, 8)
	size := shoff + uint64(nsec)*elfio.ShdrSize

	of, err := output.Create(l.cfg.Output, size)
	if err != nil {
		l.errorf("%v", err)
		return
	}
	l.outFile = of
	buf := of.Buf
	copy(buf, []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)})
	elfio.Put16(buf[16:], uint16(elf.ET_REL))
	elfio.Put16(buf[18:], uint16(l.arch.Machine()))
	elfio.Put32(buf[20:], 1)
	elfio.Put64(buf[40:], shoff)
	elfio.Put16(buf[52:], elfio.EhdrSize)
	elfio.Put16(buf[58:], elfio.ShdrSize)
	elfio.Put16(buf[60:], uint16(nsec))
	elfio.Put16(buf[62:], uint16(shstrIdx))
	put := func(i int, sh elfio.Shdr) { elfio.PutShdr(buf[shoff+uint64(i)*elfio.ShdrSize:], sh) }
	for _, o := range all {
		sh := o.shdr
		sh.Name, sh.Offset, sh.Size, sh.Addr = rs.shstrtab.index[o.name], o.off, o.size, 0
		if g := o.group; g != nil {
			sh.Link = uint32(symtabIdx)
			sh.Info, _ = l.relSymIndex(rs, g.file, g.sigSym, 0)
			b := buf[o.off:]
			elfio.Put32(b, 1) // GRP_COMDAT
			j := 4
			for _, m := range g.members {
				mo := rs.outOf[m]
				elfio.Put32(b[j:], uint32(mo.index))
				j += 4
				if len(mo.relas) > 0 {
					elfio.Put32(b[j:], uint32(mo.relaIdx))
					j += 4
				}
			}
		} else {
			if sh.Flags&0x80 != 0 && len(o.members) > 0 { // SHF_LINK_ORDER
				if t := o.members[0].file.sections; int(o.members[0].shdr.Link) < len(t) && t[o.members[0].shdr.Link] != nil {
					if lo := rs.outOf[t[o.members[0].shdr.Link]]; lo != nil {
						sh.Link = uint32(lo.index)
					}
				}
			} else {
				sh.Link = 0
			}
			sh.Info = 0
			for _, m := range o.members {
				if m.shdr.Type != shtNobits {
					copy(buf[o.off+m.off:], m.data)
				}
			}
		}
		put(o.index, sh)
		if len(o.relas) > 0 {
			copy(buf[o.relaOff:], o.relas)
			put(o.relaIdx, elfio.Shdr{Name: rs.shstrtab.index[".rela"+o.name], Type: shtRela, Flags: shfInfoLink | o.shdr.Flags&shfGroup,
				Offset: o.relaOff, Size: uint64(len(o.relas)), Link: uint32(symtabIdx), Info: uint32(o.index), Addralign: 8, Entsize: elfio.RelaSize})
		}
	}
	copy(buf[symOff:], rs.symtab)
	copy(buf[strOff:], rs.strtab.buf)
	copy(buf[shstrOff:], rs.shstrtab.buf)
	put(symtabIdx, elfio.Shdr{Name: rs.shstrtab.index[".symtab"], Type: shtSymtab, Offset: symOff, Size: uint64(len(rs.symtab)),
		Link: uint32(strtabIdx), Info: uint32(rs.firstGlob), Addralign: 8, Entsize: elfio.SymSize})
	put(strtabIdx, elfio.Shdr{Name: rs.shstrtab.index[".strtab"], Type: shtStrtab, Offset: strOff, Size: uint64(len(rs.strtab.buf)), Addralign: 1})
	put(shstrIdx, elfio.Shdr{Name: rs.shstrtab.index[".shstrtab"], Type: shtStrtab, Offset: shstrOff, Size: uint64(len(rs.shstrtab.buf)), Addralign: 1})
	l.outFile = nil
	if err := of.Commit(0o666); err != nil {
		l.errorf("%v", err)
	}
}
