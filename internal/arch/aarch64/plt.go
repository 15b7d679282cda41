package aarch64

import (
	"debug/elf"

	"github.com/rivet-linker/rivet/internal/elfio"
)

// The lazy PLT (aaelf64 does not fix it; this is what GNU ld and lld emit).
//
// Header, 32 bytes:
//
//	stp  x16, x30, [sp, #-16]!
//	adrp x16, Page(&.got.plt[2])
//	ldr  x17, [x16, Offset(&.got.plt[2])]
//	add  x16, x16, Offset(&.got.plt[2])
//	br   x17
//	nop; nop; nop
//
// Entry, 16 bytes, also used for IFUNC (IPLT) entries:
//
//	adrp x16, Page(&.got.plt[n])
//	ldr  x17, [x16, Offset(&.got.plt[n])]
//	add  x16, x16, Offset(&.got.plt[n])
//	br   x17
//
// When every input is marked BTI-compatible (or -z force-bti), the header
// and each entry start with `bti c`, since a PLT entry is reached by an
// indirect branch when its address was taken; with -z pac-plt the entry
// authenticates the loaded address (autia1716) before branching. Either
// makes the entries 24 bytes (padded with a nop), and the dynamic section
// says so with DT_AARCH64_BTI_PLT / DT_AARCH64_PAC_PLT.
const (
	insnStpX16X30 = 0xa9bf7bf0
	insnAdrpX16   = 0x90000010
	insnLdrX17X16 = 0xf9400211
	insnAddX16X16 = 0x91000210
	insnBrX17     = 0xd61f0220
	insnBTIC      = 0xd503245f
	insnAutia1716 = 0xd503219f

	dtAArch64BTIPLT = 0x70000001
	dtAArch64PACPLT = 0x70000003
)

// SetPLTMarks implements link's pltMarker.
func (a *Arch) SetPLTMarks(bti, pac bool) []elf.DynTag {
	a.bti, a.pac = bti, pac
	var tags []elf.DynTag
	if bti {
		tags = append(tags, dtAArch64BTIPLT)
	}
	if pac {
		tags = append(tags, dtAArch64PACPLT)
	}
	return tags
}

// PLTHeaderSize implements reloc.Arch.
func (*Arch) PLTHeaderSize() int { return 32 }

// PLTEntrySize implements reloc.Arch.
func (a *Arch) PLTEntrySize() int {
	if a.bti || a.pac {
		return 24
	}
	return 16
}

// WritePLTHeader implements reloc.Arch.
func (a *Arch) WritePLTHeader(buf []byte, pltAddr, gotPlt uint64) {
	words := make([]uint32, 0, 8)
	if a.bti {
		words = append(words, insnBTIC)
	}
	words = append(words, insnStpX16X30)
	words = a.slotLoad(words, pltAddr+uint64(4*len(words)), gotPlt+16, false)
	putWords(buf, words, 8)
}

// WritePLTEntry implements reloc.Arch.
func (a *Arch) WritePLTEntry(buf []byte, entryAddr, gotSlot, pltAddr uint64, index uint32) {
	words := make([]uint32, 0, 6)
	if a.bti {
		words = append(words, insnBTIC)
	}
	words = a.slotLoad(words, entryAddr+uint64(4*len(words)), gotSlot, a.pac)
	putWords(buf, words, a.PLTEntrySize()/4)
}

// slotLoad appends adrp/ldr/add[/autia1716]/br through the .got.plt slot,
// the adrp being at address at.
func (a *Arch) slotLoad(words []uint32, at, slot uint64, pac bool) []uint32 {
	page := int64(slot&^0xfff-at&^0xfff) >> 12
	words = append(words, setADRImm(insnAdrpX16, page), setImm12(insnLdrX17X16, (slot&0xfff)>>3),
		setImm12(insnAddX16X16, slot&0xfff))
	if pac {
		words = append(words, insnAutia1716)
	}
	return append(words, insnBrX17)
}

// putWords writes words and pads with nops to n words.
func putWords(buf []byte, words []uint32, n int) {
	for i := 0; i < n; i++ {
		w := uint32(insnNop)
		if i < len(words) {
			w = words[i]
		}
		elfio.Put32(buf[4*i:], w)
	}
}

// PLTGotInit implements reloc.Arch: a lazy slot points at the PLT header.
func (*Arch) PLTGotInit(entryAddr, pltAddr uint64) uint64 { return pltAddr }
