package aarch64

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Instruction words for the erratum 843419 tests, assembled with
// aarch64-linux-gnu-as 2.40 and linked with aarch64-linux-gnu-ld (so the ADRPs
// carry real e843Page offsets), then read back with aarch64-linux-gnu-objdump -d.
// The same sequences, placed at 0xff8/0xffc and linked with
// --fix-cortex-a53-843419=adrp, are patched by GNU ld wherever the tables
// below expect a sequence (GNU ld also patches the cases marked "lld" below,
// where it does not check for writes to Xn or for a branch as instruction 3).
const (
	wAdrpX0  = 0x90000440 // adrp x0, 0x489000
	wAdrpX0b = 0xd0000420 // adrp x0, 0x489000 (from another e843Page)
	wAdrpX7  = 0xd0000387 // adrp x7, 0x489000
	wAdrpX16 = 0xd0000410 // adrp x16, 0x489000

	wNop      = 0xd503201f // wNop
	wAddX0    = 0x91004000 // add x0, x0, #0x10
	wAddX1    = 0x91000421 // add x1, x1, #0x1
	wMulX3X16 = 0x9b107e03 // mul x3, x16, x16
	wSvc0     = 0xd4000001 // svc #0x0

	// Instruction 2 candidates.
	wLdrX1X1       = 0xf9400021 // ldr x1, [x1]
	wStrX1X2_8     = 0xf9000441 // str x1, [x2, #8]
	wLdrS1X1       = 0xbd400021 // ldr s1, [x1]
	wStrQ0X3_32    = 0x3d800860 // str q0, [x3, #32]
	wStrbW1X2      = 0x39000041 // strb w1, [x2]
	wLdurX1X2      = 0xf85f8041 // ldur x1, [x2, #-8]
	wLdrX1X2X3     = 0xf8636841 // ldr x1, [x2, x3]
	wLdtrX1X2      = 0xf8400841 // ldtr x1, [x2]
	wStpX1X2X3     = 0xa9000861 // stp x1, x2, [x3]
	wStpQ0Q1X3     = 0xad010460 // stp q0, q1, [x3, #32]
	wStnpX1X2X3    = 0xa8000861 // stnp x1, x2, [x3]
	wSt1M1         = 0x4c007020 // st1 {v0.16b}, [x1]
	wSt1M2         = 0x4c00a020 // st1 {v0.16b, v1.16b}, [x1]
	wSt1S          = 0x0d009020 // st1 {v0.s}[1], [x1]
	wLdxrX1X2      = 0xc85f7c41 // ldxr x1, [x2]
	wStxrW3X1X2    = 0xc8037c41 // stxr w3, x1, [x2]
	wLdrX1Lit      = 0x58000201 // ldr x1, .+64
	wLdrD0Lit      = 0x5c000200 // ldr d0, .+64
	wLdrD0X1       = 0xfd400020 // ldr d0, [x1]         (Rt field 0, but a vector register)
	wLdrX1X2Pre    = 0xf8408c41 // ldr x1, [x2, #8]!    (writes back x2)
	wSt1X3PostImm  = 0x4c9f7060 // st1 {v0.16b}, [x3], #16
	wStpX1X2X3Pre  = 0xa9810861 // stp x1, x2, [x3, #16]!
	wLdrX0X1       = 0xf9400020 // ldr x0, [x1]         (writes x0)
	wLdrW0X1_4     = 0xb9400420 // ldr w0, [x1, #4]     (writes w0)
	wLdrX0Lit      = 0x58000200 // ldr x0, .+64         (writes x0)
	wLdxrX0X2      = 0xc85f7c40 // ldxr x0, [x2]        (writes x0)
	wStrX1X0Pre    = 0xf8008c01 // str x1, [x0, #8]!    (writes back x0)
	wLdrX1X0Post   = 0xf8408401 // ldr x1, [x0], #8     (writes back x0)
	wStpX16Pre     = 0xa9810a01 // stp x1, x2, [x16, #16]!
	wStpX16Post    = 0xa8810a01 // stp x1, x2, [x16], #16
	wSt1X16PostReg = 0x4c827200 // st1 {v0.16b}, [x16], x2
	wSt1X16PostImm = 0x4c9f7200 // st1 {v0.16b}, [x16], #16
	wLdpX1X2X3     = 0xa9400861 // ldp x1, x2, [x3]
	wLdnpX1X2X3    = 0xa8400861 // ldnp x1, x2, [x3]
	wSt2M          = 0x4c008020 // st2 {v0.16b, v1.16b}, [x1]
	wLd1Post       = 0x4cc37040 // ld1 {v0.16b}, [x2], x3

	// Instruction 3 branches.
	wBFwd   = 0x14000002 // b .+8
	wBlFwd  = 0x94000002 // bl .+8
	wBrX4   = 0xd61f0080 // br x4
	wBlrX4  = 0xd63f0080 // blr x4
	wRet    = 0xd65f03c0 // wRet
	wCbzX5  = 0xb4000045 // cbz x5, .+8
	wTbnzW5 = 0x37180045 // tbnz w5, #3, .+8
	wBEq    = 0x54000040 // b.eq .+8

	// Final instruction candidates.
	wLdrX0X0_8    = 0xf9400400 // ldr x0, [x0, #8]
	wLdrX2X0_8    = 0xf9400402 // ldr x2, [x0, #8]
	wLdrX2X0_16   = 0xf9400802 // ldr x2, [x0, #16]
	wLdrX13X16_16 = 0xf9400a0d // ldr x13, [x16, #16]
	wLdrX14X16_8  = 0xf940060e // ldr x14, [x16, #8]
	wLdrX10X7_8   = 0xf94004ea // ldr x10, [x7, #8]
	wStrW1X0_4    = 0xb9000401 // str w1, [x0, #4]
	wLdrbW2X16_1  = 0x39400602 // ldrb w2, [x16, #1]
	wLdrQ0X0_16   = 0x3dc00400 // ldr q0, [x0, #16]
	wPrfmX0_64    = 0xf9802000 // prfm pldl1keep, [x0, #64]
	wLdrX2X1_16   = 0xf9400822 // ldr x2, [x1, #16]     (base x1)
	wLdurX2X0     = 0xf85f8002 // ldur x2, [x0, #-8]    (unscaled, not unsigned immediate)
	wLdrX2X0X3    = 0xf8636802 // ldr x2, [x0, x3]      (register offset)
	wLdrX2X0Pre   = 0xf8408c02 // ldr x2, [x0, #8]!     (pre-index)
	wLdrX2Sp8     = 0xf94007e2 // ldr x2, [sp, #8]
)

func TestErratum843419Sequence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		insns []uint32
		want  int // index of the final load/store, -1 for no sequence
	}{
		// Three- and four-instruction forms.
		{"3/ldr", []uint32{wAdrpX0, wLdrX1X1, wLdrX0X0_8}, 2},
		{"3/ldr+trailing", []uint32{wAdrpX0, wLdrX1X1, wLdrX0X0_8, wRet}, 2},
		{"4/str,wNop", []uint32{wAdrpX0, wStrX1X2_8, wNop, wLdrX2X0_16}, 3},
		{"4/stp,mul", []uint32{wAdrpX16, wStpX1X2X3, wMulX3X16, wLdrX13X16_16}, 3},
		{"4/stnp,wNop", []uint32{wAdrpX7, wStnpX1X2X3, wNop, wLdrX10X7_8}, 3},
		{"4/svc", []uint32{wAdrpX7, wStnpX1X2X3, wSvc0, wLdrX10X7_8}, 3},
		// Instruction 3 may read and, as in lld and GNU ld, even write Xn.
		{"4/insn3 writes Xn", []uint32{wAdrpX0, wStrX1X2_8, wAddX0, wLdrX2X0_16}, 3},

		// Instruction 2 classes.
		{"2/ldr s", []uint32{wAdrpX0b, wLdrS1X1, wLdrX2X0_8}, 2},
		{"2/str q", []uint32{wAdrpX0b, wStrQ0X3_32, wLdrX2X0_8}, 2},
		{"2/strb", []uint32{wAdrpX0b, wStrbW1X2, wLdrX2X0_8}, 2},
		{"2/ldur", []uint32{wAdrpX0b, wLdurX1X2, wLdrX2X0_8}, 2},
		{"2/ldr register offset", []uint32{wAdrpX0b, wLdrX1X2X3, wLdrX2X0_8}, 2},
		{"2/ldtr", []uint32{wAdrpX0b, wLdtrX1X2, wLdrX2X0_8}, 2},
		{"2/stp q", []uint32{wAdrpX0b, wStpQ0Q1X3, wLdrX2X0_8}, 2},
		{"2/st1 one register", []uint32{wAdrpX0b, wSt1M1, wLdrX2X0_8}, 2},
		{"2/st1 two registers", []uint32{wAdrpX0b, wSt1M2, wLdrX2X0_8}, 2},
		{"2/st1 single element", []uint32{wAdrpX0b, wSt1S, wLdrX2X0_8}, 2},
		{"2/ldxr", []uint32{wAdrpX0b, wLdxrX1X2, wLdrX2X0_8}, 2},
		{"2/stxr", []uint32{wAdrpX0b, wStxrW3X1X2, wLdrX2X0_8}, 2},
		{"2/ldr literal", []uint32{wAdrpX0b, wLdrX1Lit, wLdrX2X0_8}, 2},
		{"2/ldr d literal", []uint32{wAdrpX0b, wLdrD0Lit, wLdrX2X0_8}, 2},
		{"2/ldr d0 (vector Rt=0)", []uint32{wAdrpX0b, wLdrD0X1, wLdrX2X0_8}, 2},
		{"2/writeback to another register", []uint32{wAdrpX0b, wLdrX1X2Pre, wLdrX2X0_8}, 2},
		{"2/st1 post-index another register", []uint32{wAdrpX16, wSt1X3PostImm, wLdrX13X16_16}, 2},
		{"2/stp pre-index another register", []uint32{wAdrpX16, wStpX1X2X3Pre, wLdrX13X16_16}, 2},

		// Final instruction classes.
		{"final/str w", []uint32{wAdrpX0, wLdrX1X1, wStrW1X0_4}, 2},
		{"final/ldrb", []uint32{wAdrpX16, wLdrX1X1, wLdrbW2X16_1}, 2},
		{"final/ldr q", []uint32{wAdrpX0, wLdrX1X1, wLdrQ0X0_16}, 2},
		{"final/prfm", []uint32{wAdrpX0, wLdrX1X1, wPrfmX0_64}, 2},

		// Not a sequence: the final instruction.
		{"no/different base", []uint32{wAdrpX0, wLdrX1X1, wLdrX2X1_16}, -1},
		{"no/different base 4", []uint32{wAdrpX0, wLdrX1X1, wNop, wLdrX2X1_16}, -1},
		{"no/base sp", []uint32{wAdrpX0, wLdrX1X1, wLdrX2Sp8}, -1},
		{"no/final ldur", []uint32{wAdrpX0, wLdrX1X1, wLdurX2X0}, -1},
		{"no/final register offset", []uint32{wAdrpX0, wLdrX1X1, wLdrX2X0X3}, -1},
		{"no/final pre-index", []uint32{wAdrpX0, wLdrX1X1, wLdrX2X0Pre}, -1},
		{"no/first not adrp", []uint32{wNop, wLdrX1X1, wLdrX0X0_8}, -1},
		// Not a sequence: instruction 2 writes Xn (lld; GNU ld patches these).
		{"no/ldr writes Xn", []uint32{wAdrpX0, wLdrX0X1, wLdrX0X0_8}, -1},
		{"no/ldr w writes Xn", []uint32{wAdrpX0, wLdrW0X1_4, wLdrX0X0_8}, -1},
		{"no/ldr literal writes Xn", []uint32{wAdrpX0, wLdrX0Lit, wLdrX0X0_8}, -1},
		{"no/ldxr writes Xn", []uint32{wAdrpX0, wLdxrX0X2, wLdrX0X0_8}, -1},
		{"no/str pre-index writes back Xn", []uint32{wAdrpX0, wStrX1X0Pre, wLdrX0X0_8}, -1},
		{"no/ldr post-index writes back Xn", []uint32{wAdrpX0, wLdrX1X0Post, wLdrX0X0_8}, -1},
		{"no/stp pre-index writes back Xn", []uint32{wAdrpX16, wStpX16Pre, wMulX3X16, wLdrX14X16_8}, -1},
		{"no/stp post-index writes back Xn", []uint32{wAdrpX16, wStpX16Post, wMulX3X16, wLdrX14X16_8}, -1},
		{"no/st1 post-index register writes back Xn", []uint32{wAdrpX16, wSt1X16PostReg, wLdrX13X16_16}, -1},
		{"no/st1 post-index immediate writes back Xn", []uint32{wAdrpX16, wSt1X16PostImm, wLdrX13X16_16}, -1},
		// Not a sequence: instruction 2 of another class.
		{"no/ldp", []uint32{wAdrpX16, wLdpX1X2X3, wLdrX13X16_16}, -1},
		{"no/ldnp", []uint32{wAdrpX7, wLdnpX1X2X3, wNop, wLdrX10X7_8}, -1},
		{"no/st2", []uint32{wAdrpX16, wSt2M, wLdrX13X16_16}, -1},
		{"no/ld1", []uint32{wAdrpX16, wLd1Post, wLdrX13X16_16}, -1},
		{"no/wNop", []uint32{wAdrpX0, wNop, wLdrX0X0_8}, -1},
		{"no/add", []uint32{wAdrpX0, wAddX1, wLdrX0X0_8}, -1},
		// Not a sequence: instruction 3 is a branch (lld; GNU ld patches these).
		{"no/b", []uint32{wAdrpX7, wStnpX1X2X3, wBFwd, wLdrX10X7_8}, -1},
		{"no/bl", []uint32{wAdrpX7, wStnpX1X2X3, wBlFwd, wLdrX10X7_8}, -1},
		{"no/br", []uint32{wAdrpX7, wStnpX1X2X3, wBrX4, wLdrX10X7_8}, -1},
		{"no/blr", []uint32{wAdrpX7, wStnpX1X2X3, wBlrX4, wLdrX10X7_8}, -1},
		{"no/wRet", []uint32{wAdrpX7, wStnpX1X2X3, wRet, wLdrX10X7_8}, -1},
		{"no/cbz", []uint32{wAdrpX7, wStnpX1X2X3, wCbzX5, wLdrX10X7_8}, -1},
		{"no/tbnz", []uint32{wAdrpX7, wStnpX1X2X3, wTbnzW5, wLdrX10X7_8}, -1},
		{"no/b.eq", []uint32{wAdrpX7, wStnpX1X2X3, wBEq, wLdrX10X7_8}, -1},
		// Too short.
		{"no/two words", []uint32{wAdrpX0, wLdrX1X1}, -1},
		{"no/four-form cut to three", []uint32{wAdrpX0, wStrX1X2_8, wNop}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := Is843419Sequence(tc.insns)
			got := -1
			if ok {
				got = f
			}
			if got != tc.want {
				t.Errorf("Is843419Sequence(%08x) = %d, %v; want final index %d", tc.insns, f, ok, tc.want)
			}
		})
	}
}

// e843Page is a test e843Page address; the scan tests lay code out from it.
const e843Page = 0x40_0000

// e843Layout returns size bytes of NOPs with the given words placed at offsets.
func e843Layout(size int, at map[int][]uint32) []byte {
	code := make([]byte, size)
	for off := 0; off+4 <= size; off += 4 {
		binary.LittleEndian.PutUint32(code[off:], wNop)
	}
	for off, ws := range at {
		for i, w := range ws {
			binary.LittleEndian.PutUint32(code[off+4*i:], w)
		}
	}
	return code
}

var (
	e843Seq3 = []uint32{wAdrpX0, wLdrX1X1, wLdrX0X0_8}                  // final at +8
	e843Seq4 = []uint32{wAdrpX16, wStpX1X2X3, wMulX3X16, wLdrX13X16_16} // final at +12
)

func TestErratum843419Scan(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr uint64
		code []byte
		want []int
	}{
		{"3 at 0xff8", e843Page, e843Layout(0x2000, map[int][]uint32{0xff8: e843Seq3}), []int{0x1000}},
		{"3 at 0xffc", e843Page, e843Layout(0x2000, map[int][]uint32{0xffc: e843Seq3}), []int{0x1004}},
		{"4 at 0xff8", e843Page, e843Layout(0x2000, map[int][]uint32{0xff8: e843Seq4}), []int{0x1004}},
		{"4 at 0xffc", e843Page, e843Layout(0x2000, map[int][]uint32{0xffc: e843Seq4}), []int{0x1008}},
		{"3 at 0x1ffc (second e843Page)", e843Page, e843Layout(0x3000, map[int][]uint32{0x1ffc: e843Seq3}), []int{0x2004}},
		{"adrp at 0xff4", e843Page, e843Layout(0x2000, map[int][]uint32{0xff4: e843Seq3}), nil},
		{"adrp at 0xff0", e843Page, e843Layout(0x2000, map[int][]uint32{0xff0: e843Seq4}), nil},
		{"adrp at 0x1000, just past the boundary", e843Page, e843Layout(0x2000, map[int][]uint32{0x1000: e843Seq3}), nil},
		{"adrp at 0x000 of the first page", e843Page, e843Layout(0x2000, map[int][]uint32{0: e843Seq3}), nil},
		{"different base", e843Page, e843Layout(0x2000, map[int][]uint32{0xff8: {wAdrpX0, wLdrX1X1, wLdrX2X1_16}}), nil},
		{"insn2 writes Xn", e843Page, e843Layout(0x2000, map[int][]uint32{0xffc: {wAdrpX0, wLdrX0X1, wLdrX0X0_8}}), nil},
		{"insn2 writes back Xn (pre-index)", e843Page, e843Layout(0x2000, map[int][]uint32{0xff8: {wAdrpX0, wStrX1X0Pre, wLdrX0X0_8}}), nil},
		{"insn2 writes back Xn (post-index)", e843Page, e843Layout(0x2000, map[int][]uint32{0xffc: {wAdrpX0, wLdrX1X0Post, wLdrX0X0_8}}), nil},
		{"insn3 a branch", e843Page, e843Layout(0x2000, map[int][]uint32{0xffc: {wAdrpX7, wStnpX1X2X3, wBFwd, wLdrX10X7_8}}), nil},

		// code ends mid-sequence, or exactly after it.
		{"ends at the e843Page boundary after insn2", e843Page, e843Layout(0x1000, map[int][]uint32{0xff8: e843Seq3[:2]}), nil},
		{"ends after insn2 of 0xffc", e843Page, e843Layout(0x1004, map[int][]uint32{0xffc: e843Seq3[:2]}), nil},
		{"ends right after the 3-form", e843Page, e843Layout(0x1004, map[int][]uint32{0xff8: e843Seq3}), []int{0x1000}},
		{"ends before the 4-form's final", e843Page, e843Layout(0x1004, map[int][]uint32{0xff8: e843Seq4[:3]}), nil},
		{"ends right after the 4-form", e843Page, e843Layout(0x1008, map[int][]uint32{0xff8: e843Seq4}), []int{0x1004}},
		{"ends after 4-form from 0xffc", e843Page, e843Layout(0x100c, map[int][]uint32{0xffc: e843Seq4}), []int{0x1008}},
		{"trailing partial word", e843Page, append(e843Layout(0x1004, map[int][]uint32{0xff8: e843Seq4[:3]}), 0x0d, 0x0a, 0x40), nil},

		// code that does not start on a e843Page boundary.
		{"starts at 0xff8", e843Page + 0xff8, e843Layout(0x10, map[int][]uint32{0: e843Seq3}), []int{8}},
		{"starts at 0xffc", e843Page + 0xffc, e843Layout(0x10, map[int][]uint32{0: e843Seq4}), []int{12}},
		{"starts at 0xffc, adrp at the next page's 0x000", e843Page + 0xffc, e843Layout(0x10, map[int][]uint32{4: e843Seq3}), nil},
		{"starts at 0x004", e843Page + 4, e843Layout(0x1000, map[int][]uint32{0xff4: e843Seq3}), []int{0xffc}},
		{"starts at 0xff0", e843Page + 0xff0, e843Layout(0x1018, map[int][]uint32{8: e843Seq3, 0x100c: e843Seq3}), []int{0x10, 0x1014}},
		{"high address", 0xffff_ffff_fffe_0ff0, e843Layout(0x20, map[int][]uint32{0xc: e843Seq4}), []int{0x18}},
		{"misaligned address", e843Page + 2, e843Layout(0x2000, map[int][]uint32{0xff6: e843Seq3}), nil},
		{"empty", e843Page + 0xff8, nil, nil},

		{"several pages", e843Page, e843Layout(0x5008, map[int][]uint32{
			0x0ff8: e843Seq3,
			0x2ffc: e843Seq4,
			0x3ff8: e843Seq4,
			0x4ffc: e843Seq3, // ends the code exactly
		}), []int{0x1000, 0x3008, 0x4004, 0x5004}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Erratum843419(tc.code, tc.addr)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Erratum843419(%d bytes at %#x) = %#x, want %#x", len(tc.code), tc.addr, got, tc.want)
			}
		})
	}
}

// TestErratum843419ScanReference compares the page-stepping scan with a
// word-by-word one over code made of sequence fragments, at every e843Page offset
// of its start.
func TestErratum843419ScanReference(t *testing.T) {
	words := []uint32{
		wAdrpX0, wAdrpX16, wAdrpX7, wLdrX1X1, wStrX1X2_8, wStpX1X2X3, wStnpX1X2X3,
		wLdrX0X1, wStrX1X0Pre, wNop, wMulX3X16, wBFwd, wLdrX0X0_8, wLdrX13X16_16,
		wLdrX10X7_8, wLdrX2X1_16,
	}
	rng := rand.New(rand.NewPCG(843419, 1))
	code := make([]byte, 0x6000+12)
	for off := 0; off+4 <= len(code); off += 4 {
		binary.LittleEndian.PutUint32(code[off:], words[rng.IntN(len(words))])
	}
	reference := func(code []byte, addr uint64) []int {
		var out []int
		for off := 0; off+12 <= len(code); off += 4 {
			if po := (addr + uint64(off)) & 0xfff; po != 0xff8 && po != 0xffc {
				continue
			}
			var ws []uint32
			for i := off; i+4 <= len(code) && len(ws) < 4; i += 4 {
				ws = append(ws, binary.LittleEndian.Uint32(code[i:]))
			}
			if f, ok := Is843419Sequence(ws); ok {
				out = append(out, off+4*f)
			}
		}
		return out
	}
	total := 0
	for start := uint64(0); start < 0x1000; start += 4 {
		for _, n := range []int{len(code), len(code) - 4, len(code) - 8} {
			want := reference(code[:n], e843Page+start)
			total += len(want)
			if got := Erratum843419(code[:n], e843Page+start); !slices.Equal(got, want) {
				t.Fatalf("code of %d bytes at %#x: got %#x, want %#x", n, e843Page+start, got, want)
			}
		}
	}
	if total == 0 {
		t.Fatal("the random code has no sequences; the comparison proves nothing")
	}
}

func TestErratum843419EncodeB(t *testing.T) {
	for _, tc := range []struct {
		from, to uint64
		want     uint32 // from aarch64-linux-gnu-as
		err      string
	}{
		{from: 0x1000, to: 0x1000, want: 0x14000000},                   // b .
		{from: 0x1000, to: 0x1004, want: 0x14000001},                   // b .+4
		{from: 0x1000, to: 0x0ffc, want: 0x17ffffff},                   // b .-4
		{from: 0x1000, to: 0x2000, want: 0x14000400},                   // b .+0x1000
		{from: 0x8001000, to: 0x1000, want: 0x16000000},                // b .-0x8000000
		{from: 0x1000, to: 0x1000 + 0x7fffffc, want: 0x15ffffff},       // b .+0x7fffffc
		{from: 0x402014, to: 0x402004, want: 0x17fffffc},               // GNU ld's 843419 veneer branch
		{from: 0x10, to: 0xffff_ffff_ffff_fff0, want: 0x17fffff8},      // b .-0x20 across zero
		{from: 0xffff_ffff_ffff_fff0, to: 0x10, want: 0x14000008},      // b .+0x20 across the top
		{from: 0x1000, to: 0x1000 + 0x8000000, err: "out of range"},    // one word too far forward
		{from: 0x8001004, to: 0x1000, err: "out of range"},             // one word too far back
		{from: 0x1000, to: 0x1_0000_1000, err: "out of range"},         // 4 GiB
		{from: 0x1000, to: 0x1002, err: "not 4-byte aligned"},          // misaligned target
		{from: 0x1001, to: 0x1000, err: "not 4-byte aligned"},          // misaligned source
		{from: 0x1000, to: 0xffff_ffff_0000_1000, err: "out of range"}, // -4 GiB
	} {
		t.Run(fmt.Sprintf("%#x->%#x", tc.from, tc.to), func(t *testing.T) {
			got, err := EncodeB(tc.from, tc.to)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("EncodeB = %#08x, %v; want an error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("EncodeB = %#08x, %v; want %#08x", got, err, tc.want)
			}
		})
	}
}

func TestErratum843419Veneer(t *testing.T) {
	le := func(ws ...uint32) []byte {
		var b []byte
		for _, w := range ws {
			b = binary.LittleEndian.AppendUint32(b, w)
		}
		return b
	}
	for _, tc := range []struct {
		name               string
		insn               uint32
		veneerAddr, retAdr uint64
		want               []byte
		err                string
	}{
		// The veneers GNU ld (--fix-cortex-a53-843419=adrp) wrote for the
		// 3-form at 0x401ff8 and the 4-form at 0x40affc.
		{"gnu ld 3-form", wLdrX0X0_8, 0x402010, 0x402004, le(wLdrX0X0_8, 0x17fffffc), ""},
		{"gnu ld 4-form", wLdrX13X16_16, 0x40b018, 0x40b00c, le(wLdrX13X16_16, 0x17fffffc), ""},
		{"forward", wStrW1X0_4, 0x1000, 0x3000, le(wStrW1X0_4, 0x140007ff), ""},
		{"farthest back", wLdrQ0X0_16, 0x8001000, 0x1004, le(wLdrQ0X0_16, 0x16000000), ""},
		{"farthest forward", wLdrX0X0_8, 0x1000, 0x1004 + 0x7fffffc, le(wLdrX0X0_8, 0x15ffffff), ""},
		{"too far back", wLdrX0X0_8, 0x8001004, 0x1004, nil, "out of range"},
		{"too far forward", wLdrX0X0_8, 0x1000, 0x1004 + 0x8000000, nil, "out of range"},
		{"misaligned veneer", wLdrX0X0_8, 0x1002, 0x1008, nil, "not 4-byte aligned"},
		{"not a load/store", wBFwd, 0x1000, 0x2000, nil, "not a load/store"},
		{"register-offset load", wLdrX2X0X3, 0x1000, 0x2000, nil, "not a load/store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Veneer843419(tc.insn, tc.veneerAddr, tc.retAdr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Veneer843419 = % x, %v; want an error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("Veneer843419 = % x, %v; want % x", got, err, tc.want)
			}
		})
	}
}

// A scan of 64 MiB of code (16384 pages) touches only two words per page.
func BenchmarkErratum843419(b *testing.B) {
	code := e843Layout(64<<20, map[int][]uint32{0xff8: e843Seq3})
	b.SetBytes(int64(len(code)))
	for b.Loop() {
		if got := Erratum843419(code, e843Page); len(got) != 1 {
			b.Fatal(got)
		}
	}
}
