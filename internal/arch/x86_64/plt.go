package x86_64

import "github.com/rivet-linker/rivet/internal/elfio"

// PLTHeaderSize implements reloc.Arch.
func (*Arch) PLTHeaderSize() int { return 16 }

// PLTEntrySize implements reloc.Arch.
func (*Arch) PLTEntrySize() int { return 16 }

// WritePLTHeader writes PLT0:
//
//	ff 35 <GOT+8>   push GOT+8(%rip)
//	ff 25 <GOT+16>  jmp *GOT+16(%rip)
//	0f 1f 40 00     nop
func (*Arch) WritePLTHeader(buf []byte, pltAddr, gotPlt uint64) {
	copy(buf, []byte{0xff, 0x35, 0, 0, 0, 0, 0xff, 0x25, 0, 0, 0, 0, 0x0f, 0x1f, 0x40, 0x00})
	elfio.Put32(buf[2:], uint32(gotPlt+8-(pltAddr+6)))
	elfio.Put32(buf[8:], uint32(gotPlt+16-(pltAddr+12)))
}

// WritePLTEntry writes one lazy entry:
//
//	ff 25 <slot>    jmp *slot(%rip)
//	68 <index>      push $index
//	e9 <PLT0>       jmp PLT0
func (*Arch) WritePLTEntry(buf []byte, entryAddr, gotSlot, pltAddr uint64, index uint32) {
	copy(buf, []byte{0xff, 0x25, 0, 0, 0, 0, 0x68, 0, 0, 0, 0, 0xe9, 0, 0, 0, 0})
	elfio.Put32(buf[2:], uint32(gotSlot-(entryAddr+6)))
	elfio.Put32(buf[7:], index)
	elfio.Put32(buf[12:], uint32(pltAddr-(entryAddr+16)))
}

// PLTGotInit implements reloc.Arch: lazy slots start at the entry's push.
func (*Arch) PLTGotInit(entryAddr, pltAddr uint64) uint64 { return entryAddr + 6 }
