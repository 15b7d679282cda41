package link

import (
	"debug/elf"
	"sort"
	"strconv"
	"strings"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// maxAddress is the top of the x86-64 user address space (47 bits).
const maxAddress = 1 << 47

type segment struct {
	phdr   elfio.Phdr
	class  int
	secs   []*OutSection
	isLoad bool
	start  uint64 // --section-start of its first section
	fixed  bool
}

// Segment classes of allocated sections, in address order.
const (
	clHeaders = iota // read-only: headers, dynamic linking tables
	clText           // executable
	clROData         // read-only data
	clRelro          // writable, read-only after relocation
	clData           // writable
	clLargeRO
	clLargeData
)

func (l *Linker) segClass(o *OutSection) int {
	c := clData
	switch r := o.rank; {
	case r < 30:
		c = clHeaders
	case r < 40:
		c = clText
	case r < 50:
		c = clROData
	case isRelroRank(r):
		c = clRelro
	case r == 80:
		c = clLargeRO
	case r > 80:
		c = clLargeData
	}
	if !l.cfg.ZSeparateCode && (c == clHeaders || c == clROData) {
		c = clText
	}
	if !l.cfg.ZRelro && c == clRelro {
		c = clData
	}
	return c
}

func classFlags(c int) uint32 {
	switch c {
	case clText:
		return uint32(elf.PF_R | elf.PF_X)
	case clHeaders, clROData, clLargeRO:
		return uint32(elf.PF_R)
	}
	return uint32(elf.PF_R | elf.PF_W)
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// layout sizes output sections, orders them, builds segments and assigns
// addresses and file offsets.
func (l *Linker) layout() {
	// Sizes of regular output sections.
	for _, o := range l.outSecs {
		if o.synth != synNone {
			continue
		}
		var off uint64
		si := 0
		for i, m := range o.members {
			off = alignUp(off, m.shdr.Addralign)
			m.off = off
			off += m.shdr.Size
			for ; si < len(o.slots) && o.slots[si].after == i; si++ {
				off = o.slots[si].place(off)
			}
		}
		o.size = off
		if o.name == ".tbss" || (o.shdr.Flags&shfTLS != 0 && o.shdr.Type == shtNobits) {
			o.shdr.Type = shtNobits
		}
	}
	// Drop empty synthetic sections that nothing needs.
	kept := l.outSecs[:0]
	for _, o := range l.outSecs {
		if o.synth != synNone && o.size == 0 && o.synth != synShstrtab && o.synth != synRelaDyn && o.synth != synDynamic {
			continue
		}
		kept = append(kept, o)
	}
	l.outSecs = kept
	sort.SliceStable(l.outSecs, func(i, j int) bool { return l.outSecs[i].rank < l.outSecs[j].rank })

	// Segments.
	var loads []*segment
	var cur *segment
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfAlloc == 0 {
			continue
		}
		c := l.segClass(o)
		if cur == nil && c != clHeaders {
			// The headers always get a read-only segment of their own.
			cur = &segment{class: clHeaders, isLoad: true}
			loads = append(loads, cur)
		}
		start, fixed := l.cfg.SectionStart[o.name]
		if cur == nil || cur.class != c || fixed {
			cur = &segment{class: c, isLoad: true, start: start, fixed: fixed}
			loads = append(loads, cur)
		}
		cur.secs = append(cur.secs, o)
	}
	if len(loads) == 0 {
		loads = append(loads, &segment{class: clHeaders, isLoad: true})
	}
	sy := &l.synth
	hasTLS := false
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfTLS != 0 && o.shdr.Flags&shfAlloc != 0 {
			hasTLS = true
		}
	}
	nph := len(loads) + 1 // + GNU_STACK
	if sy.interp != nil {
		nph += 2 // PHDR, INTERP
	} else if l.dynamic && l.out != reloc.OutShared {
		nph++ // PHDR
	}
	if sy.dynamic != nil {
		nph++
	}
	if hasTLS {
		nph++
	}
	if sy.ehFrameHdr != nil {
		nph++
	}
	if sy.property != nil {
		nph++
	}
	notes := 0
	for _, o := range l.outSecs {
		if o.shdr.Type == shtNote && o.shdr.Flags&shfAlloc != 0 {
			notes++
		}
	}
	nph += notes
	relro := false
	for _, s := range loads {
		if s.class == clRelro {
			relro = true
		}
	}
	if relro {
		nph++
	}

	var firstTLS *OutSection
	tlsAlign := uint64(1)
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfTLS != 0 && o.shdr.Flags&shfAlloc != 0 {
			if firstTLS == nil {
				firstTLS = o
			}
			tlsAlign = max(tlsAlign, o.shdr.Addralign)
		}
	}

	// Addresses.
	page := l.cfg.ZMaxPageSize
	if page == 0 {
		page = l.arch.Target().MaxPageSize
	}
	var base uint64
	if l.out == reloc.OutExec {
		base = l.arch.Target().ExecBase
	}
	hdrSize := uint64(elfio.EhdrSize + nph*elfio.PhdrSize)
	addr, off := base+hdrSize, hdrSize
	for i, seg := range loads {
		if i == 0 {
			seg.phdr.Vaddr, seg.phdr.Offset = base, 0
		} else if seg.fixed {
			// The segment gets pages of its own: sharing the last page of
			// the previous segment would map one over the other.
			if seg.start < alignUp(addr, page) {
				l.errorf("--section-start=%s=0x%x: the address is below the first page after the preceding sections (0x%x)", seg.secs[0].name, seg.start, alignUp(addr, page))
				return
			}
			if a := seg.secs[0].shdr.Addralign; a > 1 && seg.start%a != 0 {
				l.errorf("--section-start=%s=0x%x: the address is not a multiple of the section's alignment (%d)", seg.secs[0].name, seg.start, a)
				return
			}
			// A segment of its own, its file offset congruent to the
			// address modulo the page size.
			addr, off = seg.start, alignUp(off, page)+seg.start%page
			seg.phdr.Vaddr, seg.phdr.Offset = addr, off
		} else {
			addr, off = alignUp(addr, page), alignUp(off, page)
			// The first section's alignment may exceed the page size.
			if len(seg.secs) > 0 && seg.secs[0].shdr.Addralign > page {
				a := seg.secs[0].shdr.Addralign
				addr, off = alignUp(addr, a), alignUp(off, a)
			}
			seg.phdr.Vaddr, seg.phdr.Offset = addr, off
		}
		fileEnd := off
		memEnd := addr
		for _, o := range seg.secs {
			a := max(o.shdr.Addralign, 1)
			if o == firstTLS {
				// The TLS template starts at its largest alignment, so the
				// thread pointer offsets computed below hold at run time.
				a = max(a, tlsAlign)
			}
			start := alignUp(addr, a)
			o.addr = start
			o.off = seg.phdr.Offset + (start - seg.phdr.Vaddr)
			tbss := o.shdr.Type == shtNobits && o.shdr.Flags&shfTLS != 0
			if tbss {
				// .tbss takes no address space in the segment: the
				// sections after it overlay it.
				continue
			}
			addr = start + o.size
			memEnd = addr
			if o.shdr.Type != shtNobits {
				fileEnd = o.off + o.size
			}
		}
		if len(seg.secs) == 0 || i == 0 && fileEnd < hdrSize {
			fileEnd = max(fileEnd, seg.phdr.Offset+hdrSize)
			memEnd = max(memEnd, seg.phdr.Vaddr+hdrSize)
		}
		seg.phdr.Type = uint32(elf.PT_LOAD)
		seg.phdr.Flags = classFlags(seg.class)
		seg.phdr.Paddr = seg.phdr.Vaddr
		seg.phdr.Filesz = fileEnd - seg.phdr.Offset
		seg.phdr.Memsz = memEnd - seg.phdr.Vaddr
		seg.phdr.Align = page
		off = fileEnd
	}
	// Non-allocated sections follow in the file.
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfAlloc != 0 {
			continue
		}
		if o.synth == synShstrtab {
			continue // sized once every name is known
		}
		off = alignUp(off, max(o.shdr.Addralign, 1))
		o.off = off
		o.addr = 0
		if o.shdr.Type != shtNobits {
			off += o.size
		}
	}
	// Section header indexes and names.
	idx := 1
	for _, o := range l.outSecs {
		o.index = idx
		idx++
		sy.shstrtabB.add(o.name)
	}
	sy.shstrtab.size = uint64(len(sy.shstrtabB.buf))
	off = alignUp(off, 1)
	sy.shstrtab.off = off
	off += sy.shstrtab.size
	l.shoff = alignUp(off, 8)
	l.shnum = idx
	l.fileSize = l.shoff + uint64(idx)*elfio.ShdrSize

	// Program headers in GNU ld's order.
	var phdrs []elfio.Phdr
	if sy.interp != nil || (l.dynamic && l.out != reloc.OutShared) {
		phdrs = append(phdrs, elfio.Phdr{Type: uint32(elf.PT_PHDR), Flags: uint32(elf.PF_R),
			Offset: elfio.EhdrSize, Vaddr: base + elfio.EhdrSize, Paddr: base + elfio.EhdrSize,
			Filesz: uint64(nph * elfio.PhdrSize), Memsz: uint64(nph * elfio.PhdrSize), Align: 8})
	}
	if sy.interp != nil {
		phdrs = append(phdrs, secPhdr(elf.PT_INTERP, elf.PF_R, sy.interp, 1))
	}
	for _, s := range loads {
		phdrs = append(phdrs, s.phdr)
	}
	if sy.dynamic != nil {
		phdrs = append(phdrs, secPhdr(elf.PT_DYNAMIC, elf.PF_R|elf.PF_W, sy.dynamic, 8))
	}
	for _, o := range l.outSecs {
		if o.shdr.Type == shtNote && o.shdr.Flags&shfAlloc != 0 {
			phdrs = append(phdrs, secPhdr(elf.PT_NOTE, elf.PF_R, o, o.shdr.Addralign))
		}
	}
	if hasTLS {
		var first, last *OutSection
		var aln uint64 = 1
		for _, o := range l.outSecs {
			if o.shdr.Flags&shfTLS != 0 && o.shdr.Flags&shfAlloc != 0 {
				if first == nil {
					first = o
				}
				last = o
				aln = max(aln, o.shdr.Addralign)
			}
		}
		p := elfio.Phdr{Type: uint32(elf.PT_TLS), Flags: uint32(elf.PF_R), Offset: first.off,
			Vaddr: first.addr, Paddr: first.addr, Align: aln}
		p.Memsz = last.addr + last.size - first.addr
		for _, o := range l.outSecs {
			if o.shdr.Flags&shfTLS != 0 && o.shdr.Type != shtNobits && o.shdr.Flags&shfAlloc != 0 {
				p.Filesz = o.addr + o.size - first.addr
			}
		}
		phdrs = append(phdrs, p)
		l.tlsStart, l.tlsAlign, l.tlsMemsz = first.addr, aln, p.Memsz
		l.tp = l.arch.ThreadPointer(first.addr, p.Memsz, aln)
	}
	if sy.ehFrameHdr != nil {
		phdrs = append(phdrs, secPhdr(elf.PT_GNU_EH_FRAME, elf.PF_R, sy.ehFrameHdr, 4))
	}
	if sy.property != nil {
		phdrs = append(phdrs, secPhdr(elf.PT_GNU_PROPERTY, elf.PF_R, sy.property, 8))
	}
	stackFlags := uint32(elf.PF_R | elf.PF_W)
	if l.execStack() {
		stackFlags |= uint32(elf.PF_X)
	}
	phdrs = append(phdrs, elfio.Phdr{Type: uint32(elf.PT_GNU_STACK), Flags: stackFlags, Align: 16})
	if relro {
		for _, s := range loads {
			if s.class != clRelro {
				continue
			}
			p := s.phdr
			p.Type, p.Flags, p.Align = uint32(elf.PT_GNU_RELRO), uint32(elf.PF_R), 1
			p.Memsz = alignUp(p.Vaddr+p.Memsz, page) - p.Vaddr
			p.Filesz = p.Memsz
			if p.Offset+p.Filesz > l.fileSize {
				p.Filesz = s.phdr.Filesz
			}
			phdrs = append(phdrs, p)
		}
	}
	if len(phdrs) != nph {
		l.errorf("internal error: %d program headers planned, %d built", nph, len(phdrs))
	}
	l.phdrs = phdrs
	l.segments = nil
	for _, s := range loads {
		l.segments = append(l.segments, *s)
	}
	l.base = base
	// Inputs are limited in size and alignment, but many of them together
	// can still exceed what x86-64 user space can map.
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfAlloc != 0 && (o.addr+o.size < o.addr || o.addr+o.size > maxAddress) {
			l.errorf("section %s: address range 0x%x+0x%x exceeds the address space", o.name, o.addr, o.size)
			return
		}
	}
	if l.fileSize > maxAddress {
		l.errorf("output file would be 0x%x bytes; too large", l.fileSize)
		return
	}
	l.finalizeLinkerSymbols()
	l.entryAddr = l.entry()
}

func secPhdr(t elf.ProgType, fl elf.ProgFlag, o *OutSection, align uint64) elfio.Phdr {
	return elfio.Phdr{Type: uint32(t), Flags: uint32(fl), Offset: o.off, Vaddr: o.addr, Paddr: o.addr,
		Filesz: o.size, Memsz: o.size, Align: align}
}

// finalizeLinkerSymbols gives linker-defined symbols their addresses.
func (l *Linker) finalizeLinkerSymbols() {
	sy := &l.synth
	var textEnd, dataEnd, bssStart, end uint64
	for _, o := range l.outSecs {
		if o.shdr.Flags&shfAlloc == 0 {
			continue
		}
		e := o.addr + o.size
		if o.shdr.Flags&shfTLS != 0 && o.shdr.Type == shtNobits {
			e = o.addr
		}
		if o.shdr.Flags&shfExec != 0 {
			textEnd = max(textEnd, e)
		}
		if o.shdr.Type != shtNobits {
			dataEnd = max(dataEnd, e)
		} else if bssStart == 0 && o.shdr.Flags&shfTLS == 0 {
			bssStart = o.addr
		}
		end = max(end, e)
	}
	if bssStart == 0 {
		bssStart = dataEnd
	}
	// Linker-defined symbols are addresses in the image: they move with
	// the load base, so they are not absolute.
	set := func(id SymID, v uint64) {
		s := l.sym(id)
		s.value = v
	}
	for _, id := range l.linkerSyms {
		s := l.sym(id)
		n := s.Name
		switch n {
		case "__ehdr_start", "__executable_start", "__dso_handle":
			set(id, l.base)
		case "_end", "end":
			set(id, end)
		case "_etext", "etext", "__etext":
			set(id, textEnd)
		case "_edata", "edata":
			set(id, dataEnd)
		case "__bss_start":
			set(id, bssStart)
		case "_GLOBAL_OFFSET_TABLE_":
			set(id, l.gotBaseAddr())
		case "_DYNAMIC":
			if sy.dynamic != nil {
				set(id, sy.dynamic.addr)
			}
		case "__rela_iplt_start", "__rela_iplt_end":
			var v uint64
			if sy.relaPlt != nil {
				v = sy.relaPlt.addr
				if n == "__rela_iplt_end" {
					v += sy.relaPlt.size
				}
			}
			set(id, v)
		case "__GNU_EH_FRAME_HDR":
			if sy.ehFrameHdr != nil {
				set(id, sy.ehFrameHdr.addr)
			}
		case "_TLS_MODULE_BASE_":
			// Local-dynamic code adds x@dtpoff to the module base. Where
			// LD relaxes to LE those offsets become TP-relative (x86-64),
			// so the base must be the thread pointer itself (TP offset 0).
			if l.ldRelaxed() && l.arch.LDRelaxRebasesDTPOff() {
				set(id, l.tp)
			} else {
				set(id, l.tlsStart)
			}
			s.typ = uint8(elf.STT_TLS)
		default:
			var secName string
			isEnd := strings.HasSuffix(n, "_end")
			switch {
			case strings.HasPrefix(n, "__start_"):
				secName = n[len("__start_"):]
			case strings.HasPrefix(n, "__stop_"):
				secName, isEnd = n[len("__stop_"):], true
			case strings.HasPrefix(n, "__init_array_"), strings.HasPrefix(n, "__fini_array_"), strings.HasPrefix(n, "__preinit_array_"):
				secName = "." + n[2:strings.LastIndexByte(n, '_')]
			default:
				continue
			}
			o := l.findOut(secName)
			if o == nil {
				set(id, l.base)
				continue
			}
			v := o.addr
			if isEnd {
				v += o.size
			}
			set(id, v)
		}
	}
	for i, id := range l.defsyms {
		d := l.cfg.Defsym[i]
		v, ok := l.evalDefsym(d.Expr)
		if !ok {
			l.errorf("--defsym %s=%s: cannot evaluate expression", d.Name, d.Expr)
			continue
		}
		set(id, v)
		if ref := defsymRef(d.Expr); ref != "" {
			r := l.sym(l.symMap[ref])
			s := l.sym(id)
			s.typ, s.size = r.typ, r.size
		}
	}
}

// evalDefsym evaluates "NUMBER", "SYMBOL", "SYMBOL + NUMBER", "SYMBOL - NUMBER".
func (l *Linker) evalDefsym(expr string) (uint64, bool) {
	e := strings.TrimSpace(expr)
	var base uint64
	rest := ""
	if i := strings.IndexAny(e, "+-"); i > 0 {
		rest = e[i:]
		e = strings.TrimSpace(e[:i])
	}
	if v, err := strconv.ParseUint(e, 0, 64); err == nil {
		base = v
	} else {
		id, ok := l.symMap[e]
		if !ok {
			return 0, false
		}
		base = l.symAddr(l.sym(id))
	}
	if rest != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(rest[1:]), 0, 64)
		if err != nil {
			return 0, false
		}
		if rest[0] == '+' {
			base += n
		} else {
			base -= n
		}
	}
	return base, true
}

// entry returns the entry point address.
func (l *Linker) entry() uint64 {
	e := l.entryName()
	if e == "" {
		return 0
	}
	if id, ok := l.symMap[e]; ok {
		s := l.sym(id)
		if s.state == stDefined || s.state == stLinker {
			return l.symAddr(s)
		}
	}
	if v, err := strconv.ParseUint(e, 0, 64); err == nil {
		return v
	}
	if l.cfg.Entry != "" || l.out != reloc.OutShared {
		l.warnf("cannot find entry symbol %s; not setting start address", e)
	}
	return 0
}

// symAddr is the address of a symbol in the output.
func (l *Linker) symAddr(s *Symbol) uint64 {
	if s.pltIdx >= 0 && (s.ifunc || s.flags&needCanonPLT != 0) {
		return l.pltEntryAddr(s)
	}
	switch s.state {
	case stDefined:
		if s.sec == nil {
			return s.value
		}
		return l.sectionAddr(s.sec, s.value)
	case stLinker:
		return s.value
	case stShared:
		if s.flags&needCopy != 0 && s.sec != nil {
			return l.sectionAddr(s.sec, 0)
		}
	}
	return 0
}

// sectionAddr is the output address of offset off in input section sec.
func (l *Linker) sectionAddr(sec *Section, off uint64) uint64 {
	if sec.merge != nil {
		m := sec.merge.merged
		return m.out.addr + m.off + sec.merge.translate(off)
	}
	if sec.eh != nil && l.synth.ehFrame != nil {
		return l.synth.ehFrame.addr + sec.eh.addrOf(off)
	}
	if sec.out == nil {
		return 0
	}
	return sec.out.addr + sec.off + off
}

func (l *Linker) pltEntryAddr(s *Symbol) uint64 {
	sy := &l.synth
	a := sy.plt.addr + uint64(s.pltIdx)*uint64(l.arch.PLTEntrySize())
	if sy.pltHeader {
		a += uint64(l.arch.PLTHeaderSize())
	}
	return a
}

func (l *Linker) gotSlotAddr(idx int32) uint64 {
	return l.synth.gotSec.addr + uint64(idx)*8
}

// execStack: -z execstack, or an object that asked for an executable stack
// with an executable .note.GNU-stack (unless -z noexecstack overrides).
// Objects without the note are taken to need no executable stack, as lld
// does; GNU ld would make the stack executable for them.
func (l *Linker) execStack() bool {
	if l.cfg.ZExecStack {
		return true
	}
	if l.cfg.ZNoExecStackSet {
		return false
	}
	for _, f := range l.objects {
		if f.execStack {
			return true
		}
	}
	return false
}
