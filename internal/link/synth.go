package link

import (
	"debug/elf"
	"math"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

type synthKind uint8

const (
	synNone synthKind = iota
	synInterp
	synBuildID
	synProperty
	synHash
	synGnuHash
	synDynsym
	synDynstr
	synVersym
	synVerdef
	synVerneed
	synRelaDyn
	synRelaPlt
	synPlt
	synGot
	synGotPlt
	synDynamic
	synEhFrame
	synEhFrameHdr
	synSymtab
	synStrtab
	synShstrtab
)

// gotEntry is one GOT word and how it gets its value.
type gotKind uint8

const (
	gotAddr     gotKind = iota // the symbol's address
	gotTLSMod                  // TLS module id (GD pair first word)
	gotTLSOff                  // DTP offset (GD pair second word)
	gotTLSTP                   // TP offset (IE)
	gotTLSLDMod                // module id of this module (LD pair)
	gotZero                    // a word that stays 0
	gotTLSDesc                 // TLS descriptor (two words)
)

type gotEntry struct {
	kind gotKind
	sym  SymID
}

type synthetics struct {
	hasEhFrame bool
	interp, buildID, property, hash, gnuHash, dynsym, dynstr, versym,
	verdef, verneed, relaDyn, relaPlt, plt, gotSec, gotPlt, dynamic,
	ehFrame, ehFrameHdr, symtab, strtab, shstrtab *OutSection

	got         []gotEntry
	gotDynRels  int
	pltSyms     []SymID // lazy entries (JUMP_SLOT)
	ipltSyms    []SymID // IFUNC entries (IRELATIVE)
	copySyms    []SymID
	dynSyms     []SymID // .dynsym order (index i+1)
	dynstrB     strtab
	needed      []*File
	verneedIdx  map[*File]map[uint16]uint16
	verneedList []verneedFile
	relaDynN    int
	ldIdx       int32
	ehFDEs      int
	propAnd     uint32 // x86 feature_1 AND
	hasProp     bool
	dynEntries  int
	soname      string
	runpath     string
	buildIDSize int
	pltHeader   bool
	dynRelBase  int // first .rela.dyn slot for section relocations
	copyRelBase int
	hashed      int // first hashed index in .dynsym
	gnuBuckets  uint32
	gnuBloom    uint32
	symtabSyms  []symtabEntry
	symtabLocal int
	symtabIFunc bool // .symtab holds an STT_GNU_IFUNC
	strtabSize  uint64
	shstrtabB   strtab
}

type verneedFile struct {
	file *File
	vers []verneedVer
}

type verneedVer struct {
	name string
	idx  uint16
}

// strtab builds an ELF string table.
type strtab struct {
	buf   []byte
	index map[string]uint32
}

func (t *strtab) add(s string) uint32 {
	if t.buf == nil {
		t.buf = []byte{0}
		t.index = map[string]uint32{"": 0}
	}
	if o, ok := t.index[s]; ok {
		return o
	}
	o := uint32(len(t.buf))
	t.buf = append(t.buf, s...)
	t.buf = append(t.buf, 0)
	t.index[s] = o
	return o
}

func (l *Linker) newSynth(name string, typ uint32, flags, align uint64, kind synthKind) *OutSection {
	o := &OutSection{name: name, synth: kind}
	o.shdr.Type, o.shdr.Flags, o.shdr.Addralign = typ, flags, align
	o.rank = rankOf(name, typ, flags)
	l.outSecs = append(l.outSecs, o)
	return o
}

// createSynthetics assigns GOT/PLT slots and sizes every synthetic section.
func (l *Linker) createSynthetics() {
	sy := &l.synth
	a := uint64(shfAlloc)
	if l.dynamic && !l.isStatic && l.out != reloc.OutShared && !l.cfg.NoDynamicLinker {
		sy.interp = l.newSynth(".interp", shtProgbits, a, 1, synInterp)
		interp := l.cfg.DynamicLinker
		if interp == "" {
			interp = l.arch.Target().DynamicLinker
		}
		sy.interp.size = uint64(len(interp) + 1)
		l.interpPath = interp
	}
	if b := l.cfg.BuildID; b != "" && b != "none" {
		sy.buildIDSize = buildIDLen(b)
		sy.buildID = l.newSynth(".note.gnu.build-id", shtNote, a, 4, synBuildID)
		sy.buildID.size = uint64(16 + sy.buildIDSize)
	}
	l.mergeProperties()
	if sy.hasProp {
		sy.property = l.newSynth(".note.gnu.property", shtNote, a, 8, synProperty)
		sy.property.size = 32
	}

	end := l.span("GOT and PLT")
	l.assignGOTAndPLT()
	l.allocateCopies()
	end()

	// Dynamic symbols.
	if l.dynamic {
		end := l.span("dynamic symbols")
		l.collectDynSyms()
		sy.dynsym = l.newSynth(".dynsym", uint32(elf.SHT_DYNSYM), a, 8, synDynsym)
		sy.dynsym.shdr.Entsize = elfio.SymSize
		sy.dynsym.size = uint64(len(sy.dynSyms)+1) * elfio.SymSize
		sy.dynstr = l.newSynth(".dynstr", shtStrtab, a, 1, synDynstr)
		if l.cfg.HashStyleGNU || !l.cfg.HashStyleSysv {
			sy.gnuHash = l.newSynth(".gnu.hash", uint32(elf.SHT_GNU_HASH), a, 8, synGnuHash)
			sy.gnuHash.size = l.gnuHashSize()
		}
		if l.cfg.HashStyleSysv && !l.staticPIE() {
			sy.hash = l.newSynth(".hash", uint32(elf.SHT_HASH), a, 8, synHash)
			sy.hash.shdr.Entsize = 4
			n := uint64(len(sy.dynSyms) + 1)
			sy.hash.size = 4 * (2 + sysvBuckets(n) + n)
		}
		l.buildVersions()
		if sy.verneed != nil || sy.verdef != nil {
			sy.versym = l.newSynth(".gnu.version", uint32(elf.SHT_GNU_VERSYM), a, 2, synVersym)
			sy.versym.shdr.Entsize = 2
			sy.versym.size = uint64(len(sy.dynSyms)+1) * 2
		}
		l.buildDynamic()
		// At least the empty name: .dynsym and .dynamic link to it
		// (readelf warns about a link to section 0 otherwise).
		sy.dynstrB.add("")
		sy.dynstr.size = uint64(len(sy.dynstrB.buf))
		end()
	}

	// Relocation sections: GOT relocations, copy relocations, then each
	// section's own, in input order.
	n := sy.gotDynRels
	sy.copyRelBase = n
	n += len(sy.copySyms)
	sy.dynRelBase = n
	for _, f := range l.objects {
		for _, s := range f.sections {
			if s != nil && s.alive && s.dynRelCount > 0 {
				if n > math.MaxInt32-int(s.dynRelCount) {
					l.errorf("%s: section %s: more than 2^31 dynamic relocations", f.name, s.name)
					return
				}
				s.dynRelBase = int32(n)
				n += int(s.dynRelCount)
			}
		}
	}
	sy.relaDynN = n
	if n > 0 || (l.dynamic && l.pic && l.out != reloc.OutShared) {
		sy.relaDyn = l.newSynth(".rela.dyn", shtRela, a, 8, synRelaDyn)
		sy.relaDyn.shdr.Entsize = elfio.RelaSize
		sy.relaDyn.size = uint64(n) * elfio.RelaSize
	}
	if np := len(sy.pltSyms) + len(sy.ipltSyms); np > 0 {
		sy.relaPlt = l.newSynth(".rela.plt", shtRela, a|shfInfoLink, 8, synRelaPlt)
		sy.relaPlt.shdr.Entsize = elfio.RelaSize
		sy.relaPlt.size = uint64(np) * elfio.RelaSize
		sy.plt = l.newSynth(".plt", shtProgbits, a|shfExec, 16, synPlt)
		if l.arch.Target().PLTAfterText {
			sy.plt.rank = 34
		}
		sy.pltHeader = len(sy.pltSyms) > 0
		sz := uint64(np * l.arch.PLTEntrySize())
		if sy.pltHeader {
			sz += uint64(l.arch.PLTHeaderSize())
		}
		sy.plt.size = sz
	}
	if l.dynamic || len(sy.ipltSyms) > 0 || l.gotBaseUsed() {
		sy.gotPlt = l.newSynth(".got.plt", shtProgbits, a|shfWrite, 8, synGotPlt)
		sy.gotPlt.size = uint64(l.arch.GOTPLTReserved()+len(sy.pltSyms)+len(sy.ipltSyms)) * 8
		if l.cfg.ZNow {
			sy.gotPlt.rank = 58 // inside RELRO when everything is bound at start-up
		}
	}
	if sy.hasEhFrame {
		end := l.span("eh_frame")
		sz, fdes := l.finishEhFrames()
		sy.ehFDEs = fdes
		sy.ehFrame = l.newSynth(".eh_frame", shtProgbits, a, 8, synEhFrame)
		sy.ehFrame.size = sz
		if l.cfg.EhFrameHdr {
			sy.ehFrameHdr = l.newSynth(".eh_frame_hdr", shtProgbits, a, 4, synEhFrameHdr)
			sy.ehFrameHdr.size = uint64(12 + 8*fdes)
		}
		end()
	}
	// Non-allocated tables come last.
	if !l.cfg.StripAll {
		end := l.span("symbol table")
		l.buildSymtab()
		end()
		sy.symtab = l.newSynth(".symtab", shtSymtab, 0, 8, synSymtab)
		sy.symtab.shdr.Entsize = elfio.SymSize
		sy.symtab.size = uint64(len(sy.symtabSyms)+1) * elfio.SymSize
		sy.strtab = l.newSynth(".strtab", shtStrtab, 0, 1, synStrtab)
		sy.strtab.size = sy.strtabSize
		sy.symtab.rank, sy.strtab.rank = 2000, 2001
	}
	sy.shstrtab = l.newSynth(".shstrtab", shtStrtab, 0, 1, synShstrtab)
	sy.shstrtab.rank = 2002
}

func buildIDLen(style string) int {
	switch style {
	case "md5", "uuid":
		return 16
	case "fast":
		return 8
	case "sha1", "tree":
		return 20
	}
	if len(style) > 2 && style[:2] == "0x" {
		return (len(style) - 2) / 2
	}
	return 20
}

// gotBaseAddr is _GLOBAL_OFFSET_TABLE_: the start of .got.plt on x86-64,
// of .got on AArch64 (GOT-relative offsets there are positive).
func (l *Linker) gotBaseAddr() uint64 {
	sy := &l.synth
	switch {
	case sy.gotSec != nil && (sy.gotPlt == nil || l.arch.Target().GOTBaseIsGOT):
		return sy.gotSec.addr
	case sy.gotPlt != nil:
		return sy.gotPlt.addr
	}
	return l.base
}

func (l *Linker) gotBaseUsed() bool {
	id, ok := l.symMap["_GLOBAL_OFFSET_TABLE_"]
	return ok && l.sym(id).state == stLinker
}

// assignGOTAndPLT reserves GOT words and PLT entries in symbol order.
func (l *Linker) assignGOTAndPLT() {
	sy := &l.synth
	add := func(k gotKind, id SymID) int32 {
		i := int32(len(sy.got))
		sy.got = append(sy.got, gotEntry{k, id})
		return i
	}
	sy.ldIdx = -1
	if l.needTLSLD {
		sy.ldIdx = add(gotTLSLDMod, 0)
		add(gotZero, 0)
	}
	for id := range l.syms.len() {
		s := l.sym(SymID(id))
		if s.flags == 0 {
			continue
		}
		sid := SymID(id)
		if s.flags&needGOT != 0 {
			s.gotIdx = add(gotAddr, sid)
		}
		if s.flags&needTLSGD != 0 {
			s.gdIdx = add(gotTLSMod, sid)
			add(gotTLSOff, sid)
		}
		if s.flags&needTLSIE != 0 {
			s.ieIdx = add(gotTLSTP, sid)
		}
		if s.flags&needTLSDesc != 0 {
			s.descIdx = add(gotTLSDesc, sid)
			add(gotZero, sid)
		}
		if s.flags&(needGOT|needTLSGD|needTLSIE|needTLSDesc) != 0 && s.preemptible {
			s.flags |= needDynSym
		}
		if s.flags&needPLT != 0 {
			if s.ifunc {
				s.pltIdx = int32(len(sy.ipltSyms))
				sy.ipltSyms = append(sy.ipltSyms, sid)
			} else if s.preemptible || s.state == stShared || s.state == stUndef {
				s.pltIdx = int32(len(sy.pltSyms))
				sy.pltSyms = append(sy.pltSyms, sid)
				s.flags |= needDynSym
			}
		}
		if s.flags&needCopy != 0 {
			sy.copySyms = append(sy.copySyms, sid)
			s.flags |= needDynSym
		}
	}
	for _, e := range sy.got {
		if _, _, ok := l.gotDynReloc(e); ok {
			sy.gotDynRels++
		}
	}
	// IPLT entries follow the lazy ones.
	for _, id := range sy.ipltSyms {
		l.sym(id).pltIdx += int32(len(sy.pltSyms))
	}
	if len(sy.got) > 0 {
		sy.gotSec = l.newSynth(".got", shtProgbits, shfAlloc|shfWrite, 8, synGot)
		sy.gotSec.size = uint64(len(sy.got)) * 8
	}
}
