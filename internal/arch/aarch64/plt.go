package aarch64

import (
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
const (
	insnStpX16X30 = 0xa9bf7bf0
	insnAdrpX16   = 0x90000010
	insnLdrX17X16 = 0xf9400211
	insnAddX16X16 = 0x91000210
	insnBrX17     = 0xd61f0220
)

// PLTHeaderSize implements reloc.Arch.
func (*Arch) PLTHeaderSize() int { return 32 }

// PLTEntrySize implements reloc.Arch.
func (*Arch) PLTEntrySize() int { return 16 }

// WritePLTHeader implements reloc.Arch.
func (*Arch) WritePLTHeader(buf []byte, pltAddr, gotPlt uint64) {
	elfio.Put32(buf, insnStpX16X30)
	writeSlotLoad(buf[4:], pltAddr+4, gotPlt+16)
	for i := 20; i < 32; i += 4 {
		elfio.Put32(buf[i:], insnNop)
	}
}

// WritePLTEntry implements reloc.Arch.
func (*Arch) WritePLTEntry(buf []byte, entryAddr, gotSlot, pltAddr uint64, index uint32) {
	writeSlotLoad(buf, entryAddr, gotSlot)
}

// writeSlotLoad writes adrp/ldr/add/br through the .got.plt slot.
func writeSlotLoad(buf []byte, at, slot uint64) {
	page := int64(slot&^0xfff-at&^0xfff) >> 12
	elfio.Put32(buf, setADRImm(insnAdrpX16, page))
	elfio.Put32(buf[4:], setImm12(insnLdrX17X16, (slot&0xfff)>>3))
	elfio.Put32(buf[8:], setImm12(insnAddX16X16, slot&0xfff))
	elfio.Put32(buf[12:], insnBrX17)
}

// PLTGotInit implements reloc.Arch: a lazy slot points at the PLT header.
func (*Arch) PLTGotInit(entryAddr, pltAddr uint64) uint64 { return pltAddr }
