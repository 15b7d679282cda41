package x86_64_test

import (
	"fmt"
	"testing"
)

func TestPLTSizes(t *testing.T) {
	if arch.PLTHeaderSize() != 16 || arch.PLTEntrySize() != 16 {
		t.Errorf("PLT sizes %d/%d, want 16/16", arch.PLTHeaderSize(), arch.PLTEntrySize())
	}
}

// PLT0: push GOT+8 (link map) and jump through GOT+16 (the resolver).
func TestPLTHeader(t *testing.T) {
	for _, tc := range []struct{ plt, gotPlt uint64 }{
		{0x401020, 0x404000}, // .got.plt above .plt (the usual layout)
		{0x401020, 0x200000}, // .got.plt below .plt: negative displacements
		{0x7fff_0000_1000, 0x7fff_0000_0000},
	} {
		t.Run(fmt.Sprintf("plt=%#x/gotplt=%#x", tc.plt, tc.gotPlt), func(t *testing.T) {
			buf := make([]byte, arch.PLTHeaderSize())
			arch.WritePLTHeader(buf, tc.plt, tc.gotPlt)
			d := decodeAll(t, buf, tc.plt)
			if len(d) != 3 {
				t.Fatalf("decoded %d instructions, want push, jmp, nop", len(d))
			}
			wantInsns(t, d[:2],
				fmt.Sprintf("push [rip%s]", signed(int64(tc.gotPlt+8)-int64(d[0].next()))),
				fmt.Sprintf("jmp [rip%s]", signed(int64(tc.gotPlt+16)-int64(d[1].next()))))
			if got := d[0].ripTarget(t); got != tc.gotPlt+8 {
				t.Errorf("push reads %#x, want GOT+8 = %#x", got, tc.gotPlt+8)
			}
			if got := d[1].ripTarget(t); got != tc.gotPlt+16 {
				t.Errorf("jmp reads %#x, want GOT+16 = %#x", got, tc.gotPlt+16)
			}
			if d[0].inst.MemBytes != 8 || d[1].inst.MemBytes != 8 {
				t.Errorf("memory operands are %d/%d bytes, want qword", d[0].inst.MemBytes, d[1].inst.MemBytes)
			}
			if d[2].inst.Op.String() != "NOP" {
				t.Errorf("padding decodes to %q, want a nop", d[2].text)
			}
		})
	}
}

// Lazy entry i: jmp *slot(%rip); push $i; jmp PLT0. The slot initially
// points at the push (PLTGotInit).
func TestPLTEntries(t *testing.T) {
	for _, tc := range []struct{ plt, gotPlt uint64 }{
		{0x401020, 0x404000},
		{0x401020, 0x200000},
	} {
		for _, index := range []uint32{0, 1, 2, 255, 1000, 70000} {
			t.Run(fmt.Sprintf("gotplt=%#x/%d", tc.gotPlt, index), func(t *testing.T) {
				entry := tc.plt + uint64(arch.PLTHeaderSize()) + uint64(index)*uint64(arch.PLTEntrySize())
				slot := tc.gotPlt + 8*uint64(arch.GOTPLTReserved()) + 8*uint64(index)
				buf := make([]byte, arch.PLTEntrySize())
				arch.WritePLTEntry(buf, entry, slot, tc.plt, index)
				d := decodeAll(t, buf, entry)
				wantInsns(t, d,
					fmt.Sprintf("jmp [rip%s]", signed(int64(slot)-int64(entry+6))),
					fmt.Sprintf("push %#x", index),
					fmt.Sprintf("jmp %#x", tc.plt))
				if len(d) != 3 {
					return
				}
				if got := d[0].ripTarget(t); got != slot {
					t.Errorf("jmp reads %#x, want the .got.plt slot %#x", got, slot)
				}
				if d[0].inst.MemBytes != 8 {
					t.Errorf("jmp operand is %d bytes, want qword", d[0].inst.MemBytes)
				}
				if got := d[2].relTarget(t); got != tc.plt {
					t.Errorf("jmp goes to %#x, want PLT0 %#x", got, tc.plt)
				}
				if got := arch.PLTGotInit(entry, 0); got != d[1].pc {
					t.Errorf("PLTGotInit = %#x, want the push at %#x", got, d[1].pc)
				}
				if d[2].next() != entry+uint64(arch.PLTEntrySize()) {
					t.Errorf("entry code ends at %#x, want %#x", d[2].next(), entry+uint64(arch.PLTEntrySize()))
				}
			})
		}
	}
}
