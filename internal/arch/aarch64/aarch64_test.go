package aarch64

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/rivet-linker/rivet/internal/reloc"
)

// Every expected word below was produced by the GNU toolchain (binutils
// 2.40, Debian): the snippet in the comment was assembled with
// aarch64-linux-gnu-as, linked with aarch64-linux-gnu-ld (-static, the
// section placed with -Ttext/-Tdata/--section-start and the referenced
// symbols made absolute with --defsym unless said otherwise), and the
// words were read back with aarch64-linux-gnu-objdump -d (-s for data).
// "in" is the word in the object file (objdump -d of the .o), "want" the
// word in the linked output. Nothing runs the toolchain at test time.

// Relocation type numbers as GNU as writes them (readelf -r of the .o).
const (
	tABS64           = 257
	tABS32           = 258
	tABS16           = 259
	tPREL32          = 261
	tPREL16          = 262
	tMOVW_UABS_G0    = 263
	tMOVW_UABS_G0_NC = 264
	tMOVW_UABS_G1    = 265
	tMOVW_UABS_G1_NC = 266
	tMOVW_UABS_G2    = 267
	tMOVW_UABS_G2_NC = 268
	tMOVW_UABS_G3    = 269
	tMOVW_SABS_G0    = 270
	tMOVW_SABS_G1    = 271
	tLD_PREL_LO19    = 273
	tADR_PREL_LO21   = 274
	tADR_PG_HI21     = 275
	tADR_PG_HI21_NC  = 276
	tADD_ABS_LO12_NC = 277
	tLDST8_LO12_NC   = 278
	tTSTBR14         = 279
	tCONDBR19        = 280
	tJUMP26          = 282
	tCALL26          = 283
	tLDST16_LO12_NC  = 284
	tLDST32_LO12_NC  = 285
	tLDST64_LO12_NC  = 286
	tMOVW_PREL_G0    = 287
	tMOVW_PREL_G1    = 289
	tLDST128_LO12_NC = 299
	tADR_GOT_PAGE    = 311
	tLD64_GOT_LO12NC = 312
	tLD64_GOTPAGE15  = 313

	tTLSGD_ADR_PAGE21      = 513
	tTLSGD_ADD_LO12_NC     = 514
	tTLSLD_DTPREL_HI12     = 528
	tTLSLD_DTPREL_LO12     = 529
	tTLSLD_DTPREL_LO12_NC  = 530
	tTLSIE_ADR_GOTTPREL    = 541
	tTLSIE_LD64_GOTTPREL   = 542
	tTLSLE_MOVW_TPREL_G1   = 545
	tTLSLE_MOVW_TPREL_G0NC = 548
	tTLSLE_ADD_TPREL_HI12  = 549
	tTLSLE_ADD_TPREL_LO12  = 550
	tTLSLE_ADD_TPREL_LO12N = 551
	tTLSDESC_ADR_PAGE21    = 562
	tTLSDESC_LD64_LO12     = 563
	tTLSDESC_ADD_LO12      = 564
	tTLSDESC_CALL          = 569
)

const (
	aNop   = 0xd503201f // nop
	aMrsTP = 0xd53bd041 // mrs x1, tpidr_el0
	aAddTP = 0x8b000020 // add x0, x1, x0
)

// The site every error must name.
const relSitePrefix = "t.o:(.text+0x"

func relArgs(a *Arch, t uint32, off uint64, tls reloc.TLSAction) *reloc.RelaArgs {
	return &reloc.RelaArgs{Type: t, Offset: off, Info: a.Info(t), Act: reloc.Static, TLS: tls,
		Site: reloc.Site{File: "t.o", Section: ".text", Offset: off}}
}

func le32(ws ...uint32) []byte {
	b := make([]byte, 4*len(ws))
	for i, w := range ws {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return b
}

func wordsOf(b []byte) []uint32 {
	ws := make([]uint32, len(b)/4)
	for i := range ws {
		ws[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return ws
}

func fmtWords(ws []uint32) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = fmt.Sprintf("%08x", w)
	}
	return strings.Join(s, " ")
}

// applyNoPanic runs Apply, turning a panic into a test failure.
func applyNoPanic(t *testing.T, a *Arch, sec []byte, r *reloc.RelaArgs, v *reloc.Values) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Apply panicked: %v", p)
		}
	}()
	return a.Apply(sec, r, v)
}

func checkSiteErr(t *testing.T, err error, off uint64, sub string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Apply succeeded; want an error containing %q", sub)
	}
	msg := err.Error()
	if want := fmt.Sprintf("%s%x)", relSitePrefix, off); !strings.Contains(msg, want) {
		t.Errorf("error %q does not name the site %q", msg, want)
	}
	if !strings.Contains(msg, sub) {
		t.Errorf("error %q does not contain %q", msg, sub)
	}
}

// Data relocations. .data at 0x500000:
//
//	.xword sym64 + 0x10   // 0x00  sym64=0x123456789abcdef0
//	.word  sym32 + 4      // 0x08  sym32=0xfffffff0
//	.word  target - .     // 0x0c  target=0x500100
//	.word  negsym         // 0x10  negsym=0x80000000
//	.hword near - .       // 0x14  near=0x507ffc
//	.word  back - .       // 0x18  back=0x400000
func TestApplyData(t *testing.T) {
	a := New()
	for _, tc := range []struct {
		name string
		typ  uint32
		off  uint64
		v    reloc.Values
		want []byte
	}{
		{"ABS64", tABS64, 0x00, reloc.Values{S: 0x123456789abcdef0, A: 0x10, P: 0x500000},
			[]byte{0x00, 0xdf, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12}},
		{"ABS32", tABS32, 0x08, reloc.Values{S: 0xfffffff0, A: 4, P: 0x500008},
			[]byte{0xf4, 0xff, 0xff, 0xff}},
		{"ABS32 0x80000000", tABS32, 0x10, reloc.Values{S: 0x80000000, P: 0x500010},
			[]byte{0x00, 0x00, 0x00, 0x80}},
		// .word zero + 0xffffffff, zero=0: GNU ld writes ffffffff.
		{"ABS32 max", tABS32, 0x10, reloc.Values{S: 0, A: 0xffffffff, P: 0x500010},
			[]byte{0xff, 0xff, 0xff, 0xff}},
		// .word zero - 0x80000000: the lowest value aaelf64 allows
		// (-2^31 <= X < 2^32). GNU ld 2.40 rejects every negative
		// ABS32 (it checks it as unsigned); lld and aaelf64 accept it.
		{"ABS32 min (aaelf64)", tABS32, 0x10, reloc.Values{S: 0, A: -0x80000000, P: 0x500010},
			[]byte{0x00, 0x00, 0x00, 0x80}},
		{"PREL32 forward", tPREL32, 0x0c, reloc.Values{S: 0x500100, P: 0x50000c},
			[]byte{0xf4, 0x00, 0x00, 0x00}},
		{"PREL32 backward", tPREL32, 0x18, reloc.Values{S: 0x400000, P: 0x500018},
			[]byte{0xe8, 0xff, 0xef, 0xff}},
		{"PREL16", tPREL16, 0x14, reloc.Values{S: 0x507ffc, P: 0x500014},
			[]byte{0xe8, 0x7f}},
		// near=0x4f8014: X = -0x8000.
		{"PREL16 min", tPREL16, 0x14, reloc.Values{S: 0x4f8014, P: 0x500014},
			[]byte{0x00, 0x80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := bytes.Repeat([]byte{0xa5}, int(tc.off)+8)
			want := bytes.Clone(sec)
			copy(want[tc.off:], tc.want)
			v := tc.v
			if err := applyNoPanic(t, a, sec, relArgs(a, tc.typ, tc.off, reloc.Keep), &v); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !bytes.Equal(sec, want) {
				t.Errorf("section = % x, want % x", sec, want)
			}
		})
	}
}

// insnCase is one instruction relocation: the word in the object, the
// values, and the word GNU ld wrote.
type insnCase struct {
	name string
	typ  uint32
	off  uint64
	in   uint32
	v    reloc.Values
	want uint32
	bug  string // known discrepancy: skip, with this reason
}

func runInsnCases(t *testing.T, cases []insnCase) {
	a := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bug != "" {
				t.Skip("BUG: " + tc.bug)
			}
			sec := make([]byte, tc.off+8)
			for i := range sec {
				sec[i] = 0xcc
			}
			binary.LittleEndian.PutUint32(sec[tc.off:], tc.in)
			v := tc.v
			if err := applyNoPanic(t, a, sec, relArgs(a, tc.typ, tc.off, reloc.Keep), &v); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got := binary.LittleEndian.Uint32(sec[tc.off:]); got != tc.want {
				t.Errorf("word = %08x, want %08x (in %08x)", got, tc.want, tc.in)
			}
			for i, b := range sec {
				if (uint64(i) < tc.off || uint64(i) >= tc.off+4) && b != 0xcc {
					t.Fatalf("byte %#x outside the place changed to %#x", i, b)
				}
			}
		})
	}
}

// .text at 0x10000000 (text.s):
//
//	0x00 adrp  x0, fwd                     fwd=0x87654abc
//	0x04 adrp  x1, back                    back=0x12345
//	0x08 adrp  x2, :pg_hi21_nc:far         far=0x300001234
//	0x0c adr   x3, adrtgt                  adrtgt=0x1005432d
//	0x10 add   x4, x4, :lo12:fwd
//	0x14 ldrb  w5, [x5, :lo12:fwd]
//	0x18 ldrh  w6, [x6, :lo12:al16]        al16=0x20000ffe
//	0x1c ldr   w7, [x7, :lo12:al32]        al32=0x20000ab4
//	0x20 ldr   x8, [x8, :lo12:al64]        al64=0x20000ff8
//	0x24 ldr   q9, [x9, :lo12:al128]       al128=0x20000ff0
//	0x28 bl    calltgt                     calltgt=0x18000024 (P + 2^27 - 4)
//	0x2c b     jumptgt                     jumptgt=0x0800002c (P - 2^27)
//	0x30 b.ne  condtgt                     condtgt=0x1010002c (P + 2^20 - 4)
//	0x34 tbz   x10, #33, tbtgt             tbtgt=0x0fff8034 (P - 2^15)
//	0x38 ldr   x11, littgt                 littgt=0x1001237c
//	0x3c cbz   w12, condtgt2               condtgt2=0x0ff0003c (P - 2^20)
//	0x40 adr   x13, adrback                adrback=0x0ff00040 (P - 2^20)
//	0x44 bl    callback                    callback=0x0edcbadc
//	0x48 b     jumpfwd                     jumpfwd=0x1000004c
//	0x4c tbnz  w14, #3, tbfwd              tbfwd=0x10008048 (P + 2^15 - 4)
//	0x50 ldr   w15, litback                litback=0x10000010
//	0x54 str   x16, [sp, :lo12:al64b]      al64b=0x20000008
//	0x58 strb  w17, [x1, :lo12:fwd]
//
// Variants relink the same object with one symbol moved (named in the case).
func TestApplyText(t *testing.T) {
	const base = 0x10000000
	runInsnCases(t, []insnCase{
		{"ADR_PREL_PG_HI21 forward", tADR_PG_HI21, 0x00, 0x90000000, reloc.Values{S: 0x87654abc, P: base}, 0x903bb2a0, ""},
		{"ADR_PREL_PG_HI21 backward", tADR_PG_HI21, 0x04, 0x90000001, reloc.Values{S: 0x12345, P: base + 0x04}, 0xd0f80081, ""},
		// fwd=0x10fffffff: page delta 2^32 - 4 KiB, the largest.
		{"ADR_PREL_PG_HI21 max", tADR_PG_HI21, 0x00, 0x90000000, reloc.Values{S: 0x10fffffff, P: base}, 0xf07fffe0, ""},
		// back=0xffffffff10000000: page delta -2^32, the smallest.
		{"ADR_PREL_PG_HI21 min", tADR_PG_HI21, 0x04, 0x90000001, reloc.Values{S: 0xffffffff10000000, P: base + 0x04}, 0x90800001, ""},
		{"ADR_PREL_PG_HI21 addend", tADR_PG_HI21, 0x00, 0x90000000, reloc.Values{S: 0x87654000, A: 0xabc, P: base}, 0x903bb2a0, ""},
		// Page delta 0x2f0001000, beyond +-4 GiB: truncated, no check.
		{"ADR_PREL_PG_HI21_NC", tADR_PG_HI21_NC, 0x08, 0x90000002, reloc.Values{S: 0x300001234, P: base + 0x08}, 0xb0780002, ""},
		{"ADR_PREL_LO21 forward", tADR_PREL_LO21, 0x0c, 0x10000003, reloc.Values{S: 0x1005432d, P: base + 0x0c}, 0x302a1903, ""},
		// adrtgt=0x1010000b: X = 2^20 - 1.
		{"ADR_PREL_LO21 max", tADR_PREL_LO21, 0x0c, 0x10000003, reloc.Values{S: 0x1010000b, P: base + 0x0c}, 0x707fffe3, ""},
		{"ADR_PREL_LO21 min", tADR_PREL_LO21, 0x40, 0x1000000d, reloc.Values{S: 0x0ff00040, P: base + 0x40}, 0x1080000d, ""},
		{"ADD_ABS_LO12_NC", tADD_ABS_LO12_NC, 0x10, 0x91000084, reloc.Values{S: 0x87654abc, P: base + 0x10}, 0x912af084, ""},
		{"LDST8_ABS_LO12_NC load", tLDST8_LO12_NC, 0x14, 0x394000a5, reloc.Values{S: 0x87654abc, P: base + 0x14}, 0x396af0a5, ""},
		{"LDST8_ABS_LO12_NC store", tLDST8_LO12_NC, 0x58, 0x39000031, reloc.Values{S: 0x87654abc, P: base + 0x58}, 0x392af031, ""},
		{"LDST16_ABS_LO12_NC", tLDST16_LO12_NC, 0x18, 0x794000c6, reloc.Values{S: 0x20000ffe, P: base + 0x18}, 0x795ffcc6, ""},
		{"LDST32_ABS_LO12_NC", tLDST32_LO12_NC, 0x1c, 0xb94000e7, reloc.Values{S: 0x20000ab4, P: base + 0x1c}, 0xb94ab4e7, ""},
		{"LDST64_ABS_LO12_NC load", tLDST64_LO12_NC, 0x20, 0xf9400108, reloc.Values{S: 0x20000ff8, P: base + 0x20}, 0xf947fd08, ""},
		{"LDST64_ABS_LO12_NC store", tLDST64_LO12_NC, 0x54, 0xf90003f0, reloc.Values{S: 0x20000008, P: base + 0x54}, 0xf90007f0, ""},
		{"LDST128_ABS_LO12_NC", tLDST128_LO12_NC, 0x24, 0x3dc00129, reloc.Values{S: 0x20000ff0, P: base + 0x24}, 0x3dc3fd29, ""},
		{"CALL26 forward max", tCALL26, 0x28, 0x94000000, reloc.Values{S: 0x18000024, L: 0x18000024, P: base + 0x28}, 0x95ffffff, ""},
		{"CALL26 backward", tCALL26, 0x44, 0x94000000, reloc.Values{S: 0x0edcbadc, L: 0x0edcbadc, P: base + 0x44}, 0x97b72ea6, ""},
		// calltgt=0x08000028: X = -2^27, the lowest in range (the
		// same word as the JUMP26 below, with the BL opcode).
		{"CALL26 backward min", tCALL26, 0x28, 0x94000000, reloc.Values{S: 0x08000028, L: 0x08000028, P: base + 0x28}, 0x96000000, ""},
		{"JUMP26 backward min", tJUMP26, 0x2c, 0x14000000, reloc.Values{S: 0x0800002c, L: 0x0800002c, P: base + 0x2c}, 0x16000000, ""},
		{"JUMP26 forward", tJUMP26, 0x48, 0x14000000, reloc.Values{S: 0x1000004c, L: 0x1000004c, P: base + 0x48}, 0x14000001, ""},
		{"CONDBR19 forward max", tCONDBR19, 0x30, 0x54000001, reloc.Values{S: 0x1010002c, L: 0x1010002c, P: base + 0x30}, 0x547fffe1, ""},
		{"CONDBR19 cbz backward min", tCONDBR19, 0x3c, 0x3400000c, reloc.Values{S: 0x0ff0003c, L: 0x0ff0003c, P: base + 0x3c}, 0x3480000c, ""},
		// condtgt=0x1010002a (not 4-aligned): GNU ld drops the low
		// bits without complaint (b.ne 0x10100028).
		{"CONDBR19 misaligned truncates", tCONDBR19, 0x30, 0x54000001, reloc.Values{S: 0x1010002a, L: 0x1010002a, P: base + 0x30}, 0x547fffc1, ""},
		{"TSTBR14 backward min", tTSTBR14, 0x34, 0xb608000a, reloc.Values{S: 0x0fff8034, L: 0x0fff8034, P: base + 0x34}, 0xb60c000a, ""},
		{"TSTBR14 forward max", tTSTBR14, 0x4c, 0x3718000e, reloc.Values{S: 0x10008048, L: 0x10008048, P: base + 0x4c}, 0x371bffee, ""},
		// tbtgt=0x0fff8036: X = -0x7ffe, GNU ld writes tbz to 0x0fff8034.
		{"TSTBR14 misaligned truncates", tTSTBR14, 0x34, 0xb608000a, reloc.Values{S: 0x0fff8036, L: 0x0fff8036, P: base + 0x34}, 0xb60c000a, ""},
		{"LD_PREL_LO19 forward", tLD_PREL_LO19, 0x38, 0x5800000b, reloc.Values{S: 0x1001237c, P: base + 0x38}, 0x58091a2b, ""},
		{"LD_PREL_LO19 backward", tLD_PREL_LO19, 0x50, 0x1800000f, reloc.Values{S: 0x10000010, P: base + 0x50}, 0x18fffe0f, ""},
	})
}

// A branch through a PLT entry uses L, not S. From a dynamic executable
// (callf.s: `bl f1` at 0x7ff0000, f1 from a shared object, f1@plt at
// 0x8000020).
func TestApplyBranchToPLT(t *testing.T) {
	runInsnCases(t, []insnCase{
		{"CALL26 via PLT", tCALL26, 0, 0x94000000, reloc.Values{S: 0, L: 0x8000020, P: 0x7ff0000}, 0x94004008, ""},
	})
}

// .text at 0x400000 (movw.s):
//
//	0x00 movz x0, #:abs_g0:v16        v16=0xfedc
//	0x04 movz x1, #:abs_g1:v32        v32=0xfedc1234
//	0x08 movz x2, #:abs_g2:v48        v48=0xba9876543210
//	0x0c movz x3, #:abs_g3:v64        v64=0xfedcba9876543210
//	0x10 movk x4, #:abs_g0_nc:v64
//	0x14 movk x5, #:abs_g1_nc:v64
//	0x18 movk x6, #:abs_g2_nc:v64
//	0x1c movz x7, #:abs_g0_s:neg16    neg16=-0x1235  (GNU ld makes it movn)
//	0x20 movz x8, #:abs_g1_s:neg32    neg32=-0x12345678
//	0x24 movz x9, #:abs_g0_s:v16
//	0x28 movz x10, #:prel_g0:pg0      pg0=0x40125c   (P + 0x1234)
//	0x2c movz x11, #:prel_g1:pg1      pg1=0x567c9ae8 (P + 0x563c9abc)
//	0x30 movn x12, #:abs_g1_s:v32     (GNU ld makes it movz)
//	0x34 movz x13, #:prel_g1:pg1n     pg1n=0x2dcbde  (P - 0x123456)
//	0x38 movz w14, #:abs_g1:v32
func TestApplyMovw(t *testing.T) {
	const base = 0x400000
	const v64 = 0xfedcba9876543210
	runInsnCases(t, []insnCase{
		{"MOVW_UABS_G0", tMOVW_UABS_G0, 0x00, 0xd2800000, reloc.Values{S: 0xfedc, P: base}, 0xd29fdb80, ""},
		{"MOVW_UABS_G0 max", tMOVW_UABS_G0, 0x00, 0xd2800000, reloc.Values{S: 0xffff, P: base}, 0xd29fffe0, ""},
		{"MOVW_UABS_G1", tMOVW_UABS_G1, 0x04, 0xd2a00001, reloc.Values{S: 0xfedc1234, P: base + 0x04}, 0xd2bfdb81, ""},
		{"MOVW_UABS_G1 w-register", tMOVW_UABS_G1, 0x38, 0x52a0000e, reloc.Values{S: 0xfedc1234, P: base + 0x38}, 0x52bfdb8e, ""},
		{"MOVW_UABS_G2", tMOVW_UABS_G2, 0x08, 0xd2c00002, reloc.Values{S: 0xba9876543210, P: base + 0x08}, 0xd2d75302, ""},
		{"MOVW_UABS_G3", tMOVW_UABS_G3, 0x0c, 0xd2e00003, reloc.Values{S: v64, P: base + 0x0c}, 0xd2ffdb83, ""},
		{"MOVW_UABS_G0_NC", tMOVW_UABS_G0_NC, 0x10, 0xf2800004, reloc.Values{S: v64, P: base + 0x10}, 0xf2864204, ""},
		{"MOVW_UABS_G1_NC", tMOVW_UABS_G1_NC, 0x14, 0xf2a00005, reloc.Values{S: v64, P: base + 0x14}, 0xf2aeca85, ""},
		{"MOVW_UABS_G2_NC", tMOVW_UABS_G2_NC, 0x18, 0xf2c00006, reloc.Values{S: v64, P: base + 0x18}, 0xf2d75306, ""},
		{"MOVW_SABS_G0 negative", tMOVW_SABS_G0, 0x1c, 0xd2800007, reloc.Values{S: 0xffffffffffffedcb, P: base + 0x1c}, 0x92824687, ""},
		// neg16=-0x10000: the lowest value (movn x7, #0xffff).
		{"MOVW_SABS_G0 min", tMOVW_SABS_G0, 0x1c, 0xd2800007, reloc.Values{S: 0xffffffffffff0000, P: base + 0x1c}, 0x929fffe7, ""},
		{"MOVW_SABS_G0 positive", tMOVW_SABS_G0, 0x24, 0xd2800009, reloc.Values{S: 0xfedc, P: base + 0x24}, 0xd29fdb89, ""},
		{"MOVW_SABS_G1 negative", tMOVW_SABS_G1, 0x20, 0xd2a00008, reloc.Values{S: 0xffffffffedcba988, P: base + 0x20}, 0x92a24688, ""},
		// neg32=-0x100000000: the lowest value.
		{"MOVW_SABS_G1 min", tMOVW_SABS_G1, 0x20, 0xd2a00008, reloc.Values{S: 0xffffffff00000000, P: base + 0x20}, 0x92bfffe8, ""},
		{"MOVW_SABS_G1 positive from movn", tMOVW_SABS_G1, 0x30, 0x92a0000c, reloc.Values{S: 0xfedc1234, P: base + 0x30}, 0xd2bfdb8c, ""},
		{"MOVW_PREL_G0", tMOVW_PREL_G0, 0x28, 0xd280000a, reloc.Values{S: 0x40125c, P: base + 0x28}, 0xd282468a, ""},
		// pg0=0x3f0028: X = -0x10000 (movn x10, #0xffff).
		{"MOVW_PREL_G0 min", tMOVW_PREL_G0, 0x28, 0xd280000a, reloc.Values{S: 0x3f0028, P: base + 0x28}, 0x929fffea, ""},
		{"MOVW_PREL_G1", tMOVW_PREL_G1, 0x2c, 0xd2a0000b, reloc.Values{S: 0x567c9ae8, P: base + 0x2c}, 0xd2aac78b, ""},
		{"MOVW_PREL_G1 negative", tMOVW_PREL_G1, 0x34, 0xd2a0000d, reloc.Values{S: 0x2dcbde, P: base + 0x34}, 0x92a0024d, ""},
	})
}

// GOT (got.s), .text at 0x400000, .got at 0x20000ff0 (_GLOBAL_OFFSET_TABLE_,
// slot 0 reserved); gv's slot at 0x20000ff8, gv2's at 0x20001000:
//
//	0x00 adrp x0, :got:gv
//	0x04 ldr  x0, [x0, :got_lo12:gv]
//	0x08 ldr  x1, [x2, #:gotpage_lo15:gv2]
//	0x0c ldr  x3, [x4, #:gotpage_lo15:gv]
//	0x10 adrp x5, :got:gv2
//	0x14 ldr  x5, [x5, :got_lo12:gv2]
func TestApplyGOT(t *testing.T) {
	const base, got, g1, g2 = 0x400000, 0x20000ff0, 0x20000ff8, 0x20001000
	runInsnCases(t, []insnCase{
		{"ADR_GOT_PAGE", tADR_GOT_PAGE, 0x00, 0x90000000, reloc.Values{S: 0x600000, P: base, GOT: got, G: g1}, 0x900fe000, ""},
		{"LD64_GOT_LO12_NC", tLD64_GOT_LO12NC, 0x04, 0xf9400000, reloc.Values{S: 0x600000, P: base + 0x04, GOT: got, G: g1}, 0xf947fc00, ""},
		{"LD64_GOTPAGE_LO15 next page", tLD64_GOTPAGE15, 0x08, 0xf9400041, reloc.Values{S: 0x600008, P: base + 0x08, GOT: got, G: g2}, 0xf9480041, ""},
		{"LD64_GOTPAGE_LO15", tLD64_GOTPAGE15, 0x0c, 0xf9400083, reloc.Values{S: 0x600000, P: base + 0x0c, GOT: got, G: g1}, 0xf947fc83, ""},
		{"ADR_GOT_PAGE 2", tADR_GOT_PAGE, 0x10, 0x90000005, reloc.Values{S: 0x600008, P: base + 0x10, GOT: got, G: g2}, 0xb00fe005, ""},
		{"LD64_GOT_LO12_NC 2", tLD64_GOT_LO12NC, 0x14, 0xf94000a5, reloc.Values{S: 0x600008, P: base + 0x14, GOT: got, G: g2}, 0xf94000a5, ""},
	})
}

// GOT relaxation: the adrp/ldr pairs of got.s, for gv (0x600000) and gv2
// (0x600008), become what GNU as/ld make of the direct form (direct.s,
// same addresses):
//
//	0x00 adrp x0, gv;  0x04 add x0, x0, :lo12:gv
//	0x10 adrp x5, gv2; 0x14 add x5, x5, :lo12:gv2
//
// (GNU ld 2.40 itself keeps the GOT loads; lld relaxes them the same way.)
func TestGOTRelax(t *testing.T) {
	a := New()
	in := []uint32{0x90000000, 0xf9400000, 0xf9400041, 0xf9400083, 0x90000005, 0xf94000a5}
	sec := le32(in...)
	for _, tc := range []struct {
		typ  uint32
		off  uint64
		want bool
	}{
		{tADR_GOT_PAGE, 0x00, true}, {tLD64_GOT_LO12NC, 0x04, true},
		{tADR_GOT_PAGE, 0x10, true}, {tLD64_GOT_LO12NC, 0x14, true},
		{tLD64_GOTPAGE15, 0x08, false},  // not a relaxable type
		{tLD64_GOT_LO12NC, 0x00, false}, // no adrp before it
	} {
		if got := a.CanRelaxGOT(tc.typ, sec, tc.off, 0, true); got != tc.want {
			t.Errorf("CanRelaxGOT(%d, +%#x) = %v, want %v", tc.typ, tc.off, got, tc.want)
		}
	}
	if a.CanRelaxGOT(tADR_GOT_PAGE, sec, 0, 8, true) {
		t.Errorf("CanRelaxGOT with an addend = true")
	}
	// adrp x0; ldr x1, [x0]: the loaded register is not the adrp's.
	if other := le32(0x90000000, 0xf9400001); a.CanRelaxGOT(tADR_GOT_PAGE, other, 0, 0, true) || a.CanRelaxGOT(tLD64_GOT_LO12NC, other, 4, 0, true) {
		t.Errorf("CanRelaxGOT accepted adrp x0 / ldr x1, [x0]")
	}
	for _, rl := range []struct {
		typ uint32
		off uint64
		s   uint64
	}{{tADR_GOT_PAGE, 0x00, 0x600000}, {tLD64_GOT_LO12NC, 0x04, 0x600000}, {tADR_GOT_PAGE, 0x10, 0x600008}, {tLD64_GOT_LO12NC, 0x14, 0x600008}} {
		r := relArgs(a, rl.typ, rl.off, reloc.Keep)
		r.Act = reloc.Relax
		v := reloc.Values{S: rl.s, P: 0x400000 + rl.off, GOT: 0x20000ff0, G: 0x20000ff8}
		if err := applyNoPanic(t, a, sec, r, &v); err != nil {
			t.Fatalf("Apply %s +%#x: %v", r.Info.Name, rl.off, err)
		}
	}
	want := []uint32{0x90001000, 0x91000000, 0xf9400041, 0xf9400083, 0x90001005, 0x910020a5}
	if got := wordsOf(sec); fmtWords(got) != fmtWords(want) {
		t.Errorf("words = %s\nwant    %s", fmtWords(got), fmtWords(want))
	}
}

// Within +-1 MiB of the load, the pair becomes nop; adr (whichever half
// is applied first).
func TestGOTRelaxToADR(t *testing.T) {
	a := New()
	for _, order := range [][]int{{0, 1}, {1, 0}} {
		sec := le32(0x90000003, 0xf9400063) // adrp x3, :got:x; ldr x3, [x3, :got_lo12:x]
		types := []uint32{tADR_GOT_PAGE, tLD64_GOT_LO12NC}
		for _, i := range order {
			off := uint64(4 * i)
			r := relArgs(a, types[i], off, reloc.Keep)
			r.Act = reloc.Relax
			// x at 0x412345, 0x12341 past the ldr at 0x400004.
			v := reloc.Values{S: 0x412345, P: 0x400000 + off, G: 0x500000}
			if err := applyNoPanic(t, a, sec, r, &v); err != nil {
				t.Fatalf("Apply %s: %v", r.Info.Name, err)
			}
		}
		// adr x3, 0x412345 at 0x400004 (aarch64-linux-gnu-as: 0x30091a03).
		got := wordsOf(sec)
		if got[1] != 0x30091a03 || (got[0] != 0xd503201f && got[0] != 0x90000083) {
			t.Errorf("order %v: words = %s, want nop (or the adrp) then adr x3 (30091a03)", order, fmtWords(got))
		}
	}
}

// TLS local exec and local dynamic offsets (tle.s), static, .text at
// 0x400000; .tbss (align 16) holds tsmall at 0 and tv at 0x123450, so
// TP(tv) = 16 + 0x123450 = 0x123460, DTP(tv) = 0x123450, TP(tsmall) = 0x10:
//
//	0x00 add  x0, x0, #:tprel_hi12:tv, lsl #12
//	0x04 add  x0, x0, #:tprel_lo12_nc:tv
//	0x08 add  x1, x0, #:tprel_lo12:tsmall
//	0x0c movz x2, #:tprel_g1:tv
//	0x10 movk x2, #:tprel_g0_nc:tv
//	0x14 add  x3, x0, #:dtprel_hi12:tv, lsl #12
//	0x18 add  x3, x3, #:dtprel_lo12_nc:tv
func TestApplyTLSOffsets(t *testing.T) {
	const base = 0x400000
	tv := reloc.Values{S: 0x123450, TP: 0x123460, DTP: 0x123450}
	at := func(off uint64) reloc.Values { v := tv; v.P = base + off; return v }
	runInsnCases(t, []insnCase{
		{"TLSLE_ADD_TPREL_HI12", tTLSLE_ADD_TPREL_HI12, 0x00, 0x91400000, at(0x00), 0x91448c00, ""},
		// hi12.s: a at TP offset 0xfffff0, the largest below 2^24.
		{"TLSLE_ADD_TPREL_HI12 max", tTLSLE_ADD_TPREL_HI12, 0x00, 0x91400000, reloc.Values{P: base, TP: 0xfffff0}, 0x917ffc00, ""},
		{"TLSLE_ADD_TPREL_LO12_NC", tTLSLE_ADD_TPREL_LO12N, 0x04, 0x91000000, at(0x04), 0x91118000, ""},
		{"TLSLE_ADD_TPREL_LO12", tTLSLE_ADD_TPREL_LO12, 0x08, 0x91000001, reloc.Values{P: base + 0x08, TP: 0x10, DTP: 0}, 0x91004001, ""},
		{"TLSLE_MOVW_TPREL_G1", tTLSLE_MOVW_TPREL_G1, 0x0c, 0xd2a00002, at(0x0c), 0xd2a00242, ""},
		{"TLSLE_MOVW_TPREL_G0_NC", tTLSLE_MOVW_TPREL_G0NC, 0x10, 0xf2800002, at(0x10), 0xf2868c02, ""},
		{"TLSLD_ADD_DTPREL_HI12", tTLSLD_DTPREL_HI12, 0x14, 0x91400003, at(0x14), 0x91448c03, ""},
		{"TLSLD_ADD_DTPREL_LO12_NC", tTLSLD_DTPREL_LO12_NC, 0x18, 0x91000063, at(0x18), 0x91114063, ""},
	})
}

// Overflow and alignment errors. Each value is one GNU ld rejects with
// "relocation truncated to fit" (relinking the objects above with the
// symbol moved), unless said otherwise.
func TestApplyErrors(t *testing.T) {
	a := New()
	for _, tc := range []struct {
		name string
		typ  uint32
		off  uint64
		in   uint32
		v    reloc.Values
		sub  string
		bug  string
	}{
		// aaelf64: -2^31 <= X < 2^32.
		{"ABS32 2^32", tABS32, 0x10, 0, reloc.Values{S: 0x100000000, P: 0x500010}, "out of range", ""},
		{"ABS32 below -2^31 (aaelf64)", tABS32, 0x10, 0, reloc.Values{S: 0, A: -0x80000001, P: 0x500010}, "out of range", ""},
		// near=0x510014 (X = 0x10000) and 0x4f8013 (X = -0x8001).
		{"PREL16 0x10000", tPREL16, 0x14, 0, reloc.Values{S: 0x510014, P: 0x500014}, "out of range", ""},
		{"PREL16 -0x8001", tPREL16, 0x14, 0, reloc.Values{S: 0x4f8013, P: 0x500014}, "out of range", ""},
		// fwd=0x110000000: page delta 2^32.
		{"ADR_PREL_PG_HI21 +4GiB", tADR_PG_HI21, 0x00, 0x90000000, reloc.Values{S: 0x110000000, P: 0x10000000}, "out of range", ""},
		// back=0xffffffff0ffff000: page delta -2^32 - 4 KiB.
		{"ADR_PREL_PG_HI21 -4GiB", tADR_PG_HI21, 0x04, 0x90000001, reloc.Values{S: 0xffffffff0ffff000, P: 0x10000004}, "out of range", ""},
		{"ADR_PREL_LO21 +1MiB", tADR_PREL_LO21, 0x0c, 0x10000003, reloc.Values{S: 0x1010000c, P: 0x1000000c}, "out of range", ""},
		{"ADR_PREL_LO21 -1MiB-1", tADR_PREL_LO21, 0x40, 0x1000000d, reloc.Values{S: 0x0ff0003f, P: 0x10000040}, "out of range", ""},
		// GNU ld puts a veneer here (calltgt=0x18000028, jumptgt=0x08000028);
		// Apply itself must refuse: thunks are placed before it runs.
		{"CALL26 +128MiB", tCALL26, 0x28, 0x94000000, reloc.Values{S: 0x18000028, L: 0x18000028, P: 0x10000028}, "out of range", ""},
		{"CALL26 -128MiB-4", tCALL26, 0x28, 0x94000000, reloc.Values{S: 0x08000024, L: 0x08000024, P: 0x10000028}, "out of range", ""},
		{"JUMP26 +128MiB", tJUMP26, 0x2c, 0x14000000, reloc.Values{S: 0x1800002c, L: 0x1800002c, P: 0x1000002c}, "out of range", ""},
		{"JUMP26 -128MiB-4", tJUMP26, 0x2c, 0x14000000, reloc.Values{S: 0x08000028, L: 0x08000028, P: 0x1000002c}, "out of range", ""},
		{"CONDBR19 +1MiB", tCONDBR19, 0x30, 0x54000001, reloc.Values{S: 0x10100030, L: 0x10100030, P: 0x10000030}, "out of range", ""},
		{"CONDBR19 -1MiB-4", tCONDBR19, 0x3c, 0x3400000c, reloc.Values{S: 0x0ff00038, L: 0x0ff00038, P: 0x1000003c}, "out of range", ""},
		{"TSTBR14 -32KiB-4", tTSTBR14, 0x34, 0xb608000a, reloc.Values{S: 0x0fff8030, L: 0x0fff8030, P: 0x10000034}, "out of range", ""},
		{"TSTBR14 +32KiB", tTSTBR14, 0x4c, 0x3718000e, reloc.Values{S: 0x1000804c, L: 0x1000804c, P: 0x1000004c}, "out of range", ""},
		{"LD_PREL_LO19 +1MiB", tLD_PREL_LO19, 0x38, 0x5800000b, reloc.Values{S: 0x10100038, P: 0x10000038}, "out of range", ""},
		// littgt=0x1001237e: GNU ld (and lld) reject a literal load
		// of an address that is not a multiple of 4; the instruction
		// cannot express it.
		{"LD_PREL_LO19 misaligned", tLD_PREL_LO19, 0x38, 0x5800000b, reloc.Values{S: 0x1001237e, P: 0x10000038}, "not 4-byte aligned", ""},
		{"LDST16 misaligned", tLDST16_LO12_NC, 0x18, 0x794000c6, reloc.Values{S: 0x20000fff, P: 0x10000018}, "not a multiple", ""},
		{"LDST32 misaligned", tLDST32_LO12_NC, 0x1c, 0xb94000e7, reloc.Values{S: 0x20000ab6, P: 0x1000001c}, "not a multiple", ""},
		{"LDST64 misaligned", tLDST64_LO12_NC, 0x20, 0xf9400108, reloc.Values{S: 0x20000ff4, P: 0x10000020}, "not a multiple", ""},
		{"LDST128 misaligned", tLDST128_LO12_NC, 0x24, 0x3dc00129, reloc.Values{S: 0x20000ff8, P: 0x10000024}, "not a multiple", ""},
		{"MOVW_UABS_G0 2^16", tMOVW_UABS_G0, 0x00, 0xd2800000, reloc.Values{S: 0x10000, P: 0x400000}, "out of range", ""},
		{"MOVW_UABS_G1 2^32", tMOVW_UABS_G1, 0x04, 0xd2a00001, reloc.Values{S: 0x100000000, P: 0x400004}, "out of range", ""},
		{"MOVW_SABS_G0 2^16", tMOVW_SABS_G0, 0x24, 0xd2800009, reloc.Values{S: 0x10000, P: 0x400024}, "out of range", ""},
		{"MOVW_SABS_G0 -2^16-1", tMOVW_SABS_G0, 0x1c, 0xd2800007, reloc.Values{S: 0xfffffffffffeffff, P: 0x40001c}, "out of range", ""},
		{"MOVW_SABS_G1 2^32", tMOVW_SABS_G1, 0x30, 0x92a0000c, reloc.Values{S: 0x100000000, P: 0x400030}, "out of range", ""},
		{"MOVW_PREL_G0 2^16+4", tMOVW_PREL_G0, 0x28, 0xd280000a, reloc.Values{S: 0x41002c, P: 0x400028}, "out of range", ""},
		{"MOVW_PREL_G0 -2^16-1", tMOVW_PREL_G0, 0x28, 0xd280000a, reloc.Values{S: 0x3f0027, P: 0x400028}, "out of range", ""},
		// aaelf64: 0 <= X < 2^15 (not checked against GNU ld).
		{"LD64_GOTPAGE_LO15 2^15", tLD64_GOTPAGE15, 0x08, 0xf9400041, reloc.Values{P: 0x400008, GOT: 0x20000ff0, G: 0x20008000}, "out of range", ""},
		// tle.s: add x4, x0, #:tprel_lo12:tv, TP(tv) = 0x123460.
		{"TLSLE_ADD_TPREL_LO12 0x123460", tTLSLE_ADD_TPREL_LO12, 0x1c, 0x91000004, reloc.Values{P: 0x40001c, TP: 0x123460}, "out of range", ""},
		{"TLSLE_ADD_TPREL_LO12 0x1000", tTLSLE_ADD_TPREL_LO12, 0x1c, 0x91000004, reloc.Values{P: 0x40001c, TP: 0x1000}, "out of range", ""},
		// hi12.s: b at TP offset 0x1000000.
		{"TLSLE_ADD_TPREL_HI12 2^24", tTLSLE_ADD_TPREL_HI12, 0x04, 0x91400000, reloc.Values{P: 0x400004, TP: 0x1000000}, "out of range", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bug != "" {
				t.Skip("BUG: " + tc.bug)
			}
			sec := make([]byte, tc.off+4)
			binary.LittleEndian.PutUint32(sec[tc.off:], tc.in)
			v := tc.v
			err := applyNoPanic(t, a, sec, relArgs(a, tc.typ, tc.off, reloc.Keep), &v)
			checkSiteErr(t, err, tc.off, tc.sub)
			if err != nil && !strings.Contains(err.Error(), a.Info(tc.typ).Name) {
				t.Errorf("error %q does not name the relocation %s", err, a.Info(tc.typ).Name)
			}
		})
	}
}

type seqReloc struct {
	off uint64
	typ uint32
	tls reloc.TLSAction
}

// TLS sequences (tlsrel.s), .text at 0x400000:
//
//	0x00 adrp x0, :tlsdesc:ev
//	0x04 ldr  x2, [x0, #:tlsdesc_lo12:ev]
//	0x08 add  x0, x0, #:tlsdesc_lo12:ev
//	0x0c .tlsdesccall ev; blr x2
//	0x10 adrp x0, :tlsgd:ev             (gcc -mtls-dialect=trad)
//	0x14 add  x0, x0, :tlsgd_lo12:ev
//	0x18 bl   __tls_get_addr
//	0x1c nop
//	0x20 adrp x3, :gottprel:ev
//	0x24 ldr  x3, [x3, #:gottprel_lo12:ev]
//	0x28 the descriptor sequence for lv (ldr x1 / blr x1)
//	0x38 the traditional sequence for lv
//	0x48 adrp x17, :gottprel:lv; ldr x17, [x17, #:gottprel_lo12:lv]
//
// Linked -static with ev.s (ev at 0x56780 in its .tbss): all local exec,
// TP(ev) = 0x68ad8, TP(lv) = 0x12350. Linked as a non-PIE dynamic
// executable against libev.so (.got at 0x20000ff0): ev goes initial exec
// through its R_AARCH64_TLS_TPREL64 slot at 0x20000ff8, lv stays local exec
// with the same words as in the static link. The sequences are those gcc
// emits (objdump -dr of gd.c compiled with and without -mtls-dialect=trad).
func TestTLSRelax(t *testing.T) {
	const base = 0x400000
	desc := []uint32{0x90000000, 0xf9400002, 0x91000000, 0xd63f0040}
	descRelocs := func(tls reloc.TLSAction) []seqReloc {
		return []seqReloc{{0, tTLSDESC_ADR_PAGE21, tls}, {4, tTLSDESC_LD64_LO12, tls}, {8, tTLSDESC_ADD_LO12, tls}, {12, tTLSDESC_CALL, tls}}
	}
	gd := []uint32{0x90000000, 0x91000000, 0x94000000, aNop}
	// The CALL26 at +8 is consumed by the ADD's relaxation
	// (TLSRelaxConsumesNext), so generic code does not apply it.
	gdRelocs := func(tls reloc.TLSAction) []seqReloc {
		return []seqReloc{{0, tTLSGD_ADR_PAGE21, tls}, {4, tTLSGD_ADD_LO12_NC, tls}}
	}
	ieRelocs := func(tls reloc.TLSAction) []seqReloc {
		return []seqReloc{{0, tTLSIE_ADR_GOTTPREL, tls}, {4, tTLSIE_LD64_GOTTPREL, tls}}
	}
	for _, tc := range []struct {
		name   string
		at     uint64 // address of the first word
		in     []uint32
		relocs []seqReloc
		v      reloc.Values
		want   []uint32
	}{
		{"TLSDESC to LE (static, ev)", base, desc, descRelocs(reloc.ToLE), reloc.Values{TP: 0x68ad8},
			[]uint32{0xd2a000c0, 0xf2915b00, aNop, aNop}}, // movz x0, #0x6, lsl #16; movk x0, #0x8ad8
		{"TLSDESC to LE (lv, ldr x1/blr x1)", base + 0x28, []uint32{0x90000000, 0xf9400001, 0x91000000, 0xd63f0020}, descRelocs(reloc.ToLE), reloc.Values{TP: 0x12350},
			[]uint32{0xd2a00020, 0xf2846a00, aNop, aNop}},
		{"TLSDESC to IE (dynamic, ev)", base, desc, descRelocs(reloc.ToIE), reloc.Values{G: 0x20000ff8, GOT: 0x20000ff0},
			[]uint32{0x900fe000, 0xf947fc00, aNop, aNop}}, // adrp x0, 0x20000000; ldr x0, [x0, #4088]
		{"GD trad to LE (static, ev)", base + 0x10, gd, gdRelocs(reloc.ToLE), reloc.Values{TP: 0x68ad8},
			[]uint32{0xd2a000c0, 0xf2915b00, aMrsTP, aAddTP}},
		{"GD trad to LE (lv)", base + 0x38, gd, gdRelocs(reloc.ToLE), reloc.Values{TP: 0x12350},
			[]uint32{0xd2a00020, 0xf2846a00, aMrsTP, aAddTP}},
		{"GD trad to IE (dynamic, ev)", base + 0x10, gd, gdRelocs(reloc.ToIE), reloc.Values{G: 0x20000ff8, GOT: 0x20000ff0},
			[]uint32{0x900fe000, 0xf947fc00, aMrsTP, aAddTP}},
		{"IE to LE x3 (static, ev)", base + 0x20, []uint32{0x90000003, 0xf9400063}, ieRelocs(reloc.ToLE), reloc.Values{TP: 0x68ad8},
			[]uint32{0xd2a000c3, 0xf2915b03}}, // movz x3, #0x6, lsl #16; movk x3, #0x8ad8
		{"IE to LE x17 (lv)", base + 0x48, []uint32{0x90000011, 0xf9400231}, ieRelocs(reloc.ToLE), reloc.Values{TP: 0x12350},
			[]uint32{0xd2a00031, 0xf2846a11}},
		{"IE kept (dynamic, ev)", base + 0x20, []uint32{0x90000003, 0xf9400063}, ieRelocs(reloc.Keep), reloc.Values{G: 0x20000ff8, GOT: 0x20000ff0},
			[]uint32{0x900fe003, 0xf947fc63}}, // adrp x3, 0x20000000; ldr x3, [x3, #4088]
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New()
			sec := le32(tc.in...)
			for _, rl := range tc.relocs {
				v := tc.v
				v.P = tc.at + rl.off
				r := relArgs(a, rl.typ, rl.off, rl.tls)
				if err := applyNoPanic(t, a, sec, r, &v); err != nil {
					t.Fatalf("Apply %s at +%#x: %v", r.Info.Name, rl.off, err)
				}
			}
			if got := wordsOf(sec); fmtWords(got) != fmtWords(tc.want) {
				t.Errorf("words = %s\nwant    %s", fmtWords(got), fmtWords(tc.want))
			}
		})
	}
	a := New()
	if !a.TLSRelaxConsumesNext(tTLSGD_ADD_LO12_NC) {
		t.Errorf("TLSRelaxConsumesNext(TLSGD_ADD_LO12_NC) = false; the relaxed add rewrites the bl after it")
	}
	for _, typ := range []uint32{tTLSGD_ADR_PAGE21, tTLSDESC_ADR_PAGE21, tTLSDESC_LD64_LO12, tTLSDESC_ADD_LO12, tTLSDESC_CALL, tTLSIE_ADR_GOTTPREL, tTLSIE_LD64_GOTTPREL} {
		if a.TLSRelaxConsumesNext(typ) {
			t.Errorf("TLSRelaxConsumesNext(%d) = true", typ)
		}
	}
}

// A relaxation must find the instruction it rewrites; anything else is an
// error at the site (and not a silently corrupted sequence).
func TestTLSRelaxErrors(t *testing.T) {
	a := New()
	for _, tc := range []struct {
		name string
		typ  uint32
		tls  reloc.TLSAction
		sec  []uint32 // the relocation is at word 1 (offset 4)
		v    reloc.Values
		sub  string
	}{
		{"TLSDESC_ADR_PAGE21 on adrp x1", tTLSDESC_ADR_PAGE21, reloc.ToLE, []uint32{aNop, 0x90000001}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSDESC_ADR_PAGE21 on add", tTLSDESC_ADR_PAGE21, reloc.ToIE, []uint32{aNop, 0x91000000}, reloc.Values{G: 0x1000}, "expected"},
		{"TLSDESC_LD64_LO12 on add", tTLSDESC_LD64_LO12, reloc.ToLE, []uint32{aNop, 0x91000000}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSDESC_ADD_LO12 on ldr", tTLSDESC_ADD_LO12, reloc.ToLE, []uint32{aNop, 0xf9400002}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSDESC_CALL on br x2", tTLSDESC_CALL, reloc.ToLE, []uint32{aNop, 0xd61f0040}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSGD_ADR_PAGE21 on movz", tTLSGD_ADR_PAGE21, reloc.ToLE, []uint32{aNop, 0xd2a00000}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSGD_ADD_LO12_NC on ldr", tTLSGD_ADD_LO12_NC, reloc.ToLE, []uint32{aNop, 0xf9400000, 0x94000000, aNop}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSGD_ADD_LO12_NC without bl", tTLSGD_ADD_LO12_NC, reloc.ToLE, []uint32{aNop, 0x91000000, aNop, aNop}, reloc.Values{TP: 0x10}, "__tls_get_addr"},
		{"TLSGD_ADD_LO12_NC without nop", tTLSGD_ADD_LO12_NC, reloc.ToIE, []uint32{aNop, 0x91000000, 0x94000000, 0xd65f03c0}, reloc.Values{G: 0x1000}, "__tls_get_addr"},
		{"TLSGD_ADD_LO12_NC at the section end", tTLSGD_ADD_LO12_NC, reloc.ToLE, []uint32{aNop, 0x91000000, 0x94000000}, reloc.Values{TP: 0x10}, "__tls_get_addr"},
		{"TLSIE_ADR_GOTTPREL on add", tTLSIE_ADR_GOTTPREL, reloc.ToLE, []uint32{aNop, 0x91000063}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSIE_LD64_GOTTPREL on str", tTLSIE_LD64_GOTTPREL, reloc.ToLE, []uint32{aNop, 0xf9000063}, reloc.Values{TP: 0x10}, "expected"},
		{"TLSDESC to LE offset >= 2^32", tTLSDESC_ADR_PAGE21, reloc.ToLE, []uint32{aNop, 0x90000000}, reloc.Values{TP: 1 << 32}, "32 bits"},
		{"IE to LE offset >= 2^32", tTLSIE_LD64_GOTTPREL, reloc.ToLE, []uint32{aNop, 0xf9400063}, reloc.Values{TP: 1 << 32}, "32 bits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := le32(tc.sec...)
			v := tc.v
			v.P = 0x400004
			err := applyNoPanic(t, a, sec, relArgs(a, tc.typ, 4, tc.tls), &v)
			checkSiteErr(t, err, 4, tc.sub)
		})
	}
}

// PLT words from two non-PIE dynamic executables:
//
//	tls_dyn: .plt at 0x400280, .got.plt at 0x2000ffe8, __tls_get_addr@plt
//	         at 0x4002a0 through slot 0x20010000.
//	plt2:    callf.s (bl f1; bl f2; bl f3) against libfns.so with
//	         --section-start=.plt=0x7ffffe0 --section-start=.got.plt=0x1234568:
//	         the header's adrp is in page 0x7fff000, the entries in 0x8000000.
//
// The lazy .got.plt slots hold the PLT header's address (objdump -s).
func TestPLT(t *testing.T) {
	a := New()
	if a.PLTHeaderSize() != 32 || a.PLTEntrySize() != 16 || a.GOTPLTReserved() != 3 {
		t.Fatalf("PLT sizes = %d, %d, reserved %d; want 32, 16, 3", a.PLTHeaderSize(), a.PLTEntrySize(), a.GOTPLTReserved())
	}
	for _, tc := range []struct {
		name           string
		plt, gotPlt    uint64
		header         []uint32
		entries        []uint64 // entry addresses; slot n is gotPlt + 8*(3+n)
		entryWords     [][]uint32
		wantGotPltInit uint64
	}{
		{"tls_dyn", 0x400280, 0x2000ffe8,
			[]uint32{0xa9bf7bf0, 0xf00fe070, 0xf947fe11, 0x913fe210, 0xd61f0220, aNop, aNop, aNop},
			[]uint64{0x4002a0},
			[][]uint32{{0x900fe090, 0xf9400211, 0x91000210, 0xd61f0220}},
			0x400280},
		{"plt2", 0x7ffffe0, 0x1234568,
			[]uint32{0xa9bf7bf0, 0xb0fc91b0, 0xf942be11, 0x9115e210, 0xd61f0220, aNop, aNop, aNop},
			[]uint64{0x8000000, 0x8000010, 0x8000020},
			[][]uint32{
				{0x90fc91b0, 0xf942c211, 0x91160210, 0xd61f0220},
				{0x90fc91b0, 0xf942c611, 0x91162210, 0xd61f0220},
				{0x90fc91b0, 0xf942ca11, 0x91164210, 0xd61f0220},
			},
			0x7ffffe0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := bytes.Repeat([]byte{0xee}, 40)
			a.WritePLTHeader(buf, tc.plt, tc.gotPlt)
			if got := wordsOf(buf[:32]); fmtWords(got) != fmtWords(tc.header) {
				t.Errorf("header = %s\nwant     %s", fmtWords(got), fmtWords(tc.header))
			}
			if !bytes.Equal(buf[32:], bytes.Repeat([]byte{0xee}, 8)) {
				t.Errorf("header wrote past 32 bytes: % x", buf[32:])
			}
			for i, at := range tc.entries {
				buf := bytes.Repeat([]byte{0xee}, 24)
				slot := tc.gotPlt + 8*uint64(3+i)
				a.WritePLTEntry(buf, at, slot, tc.plt, uint32(i))
				if got := wordsOf(buf[:16]); fmtWords(got) != fmtWords(tc.entryWords[i]) {
					t.Errorf("entry %d at %#x = %s\nwant             %s", i, at, fmtWords(got), fmtWords(tc.entryWords[i]))
				}
				if !bytes.Equal(buf[16:], bytes.Repeat([]byte{0xee}, 8)) {
					t.Errorf("entry %d wrote past 16 bytes: % x", i, buf[16:])
				}
				if got := a.PLTGotInit(at, tc.plt); got != tc.wantGotPltInit {
					t.Errorf("PLTGotInit(%#x, %#x) = %#x, want %#x", at, tc.plt, got, tc.wantGotPltInit)
				}
			}
		})
	}
}

// BTI and PAC PLTs: plt2 relinked with -z force-bti, -z pac-plt and both.
// Entries are 24 bytes, at 0x8000000, 0x8000018 and 0x8000030.
func TestPLTMarks(t *testing.T) {
	const plt, gotPlt = 0x7ffffe0, 0x1234568
	const bti, pac, br = 0xd503245f, 0xd503219f, 0xd61f0220
	stdHeader := []uint32{0xa9bf7bf0, 0xb0fc91b0, 0xf942be11, 0x9115e210, br, aNop, aNop, aNop}
	btiHeader := []uint32{bti, 0xa9bf7bf0, 0xb0fc91b0, 0xf942be11, 0x9115e210, br, aNop, aNop}
	loads := [][3]uint32{
		{0x90fc91b0, 0xf942c211, 0x91160210},
		{0x90fc91b0, 0xf942c611, 0x91162210},
		{0x90fc91b0, 0xf942ca11, 0x91164210},
	}
	for _, tc := range []struct {
		name     string
		bti, pac bool
		tags     []elf.DynTag
		header   []uint32
		entry    func(l [3]uint32) []uint32
	}{
		{"force-bti", true, false, []elf.DynTag{0x70000001}, btiHeader,
			func(l [3]uint32) []uint32 { return []uint32{bti, l[0], l[1], l[2], br, aNop} }},
		{"pac-plt", false, true, []elf.DynTag{0x70000003}, stdHeader,
			func(l [3]uint32) []uint32 { return []uint32{l[0], l[1], l[2], pac, br, aNop} }},
		{"force-bti pac-plt", true, true, []elf.DynTag{0x70000001, 0x70000003}, btiHeader,
			func(l [3]uint32) []uint32 { return []uint32{bti, l[0], l[1], l[2], pac, br} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New()
			tags := a.SetPLTMarks(tc.bti, tc.pac)
			if fmt.Sprint(tags) != fmt.Sprint(tc.tags) {
				t.Errorf("SetPLTMarks tags = %v, want %v", tags, tc.tags)
			}
			if a.PLTHeaderSize() != 32 || a.PLTEntrySize() != 24 {
				t.Fatalf("sizes = %d, %d; want 32, 24", a.PLTHeaderSize(), a.PLTEntrySize())
			}
			buf := bytes.Repeat([]byte{0xee}, 40)
			a.WritePLTHeader(buf, plt, gotPlt)
			if got := wordsOf(buf[:32]); fmtWords(got) != fmtWords(tc.header) {
				t.Errorf("header = %s\nwant     %s", fmtWords(got), fmtWords(tc.header))
			}
			for i, l := range loads {
				at := uint64(0x8000000 + 24*i)
				buf := bytes.Repeat([]byte{0xee}, 32)
				a.WritePLTEntry(buf, at, gotPlt+8*uint64(3+i), plt, uint32(i))
				if got, want := wordsOf(buf[:24]), tc.entry(l); fmtWords(got) != fmtWords(want) {
					t.Errorf("entry %d at %#x = %s\nwant             %s", i, at, fmtWords(got), fmtWords(want))
				}
				if !bytes.Equal(buf[24:], bytes.Repeat([]byte{0xee}, 8)) {
					t.Errorf("entry %d wrote past 24 bytes: % x", i, buf[24:])
				}
			}
		})
	}
}

// Range extension thunks. The short form is GNU ld's own veneer: text.s
// relinked with calltgt=0x9abcdef4 and jumptgt=0x01234568 gets
// __calltgt_veneer at 0x10000068 and __jumptgt_veneer at 0x10000078. The
// long form (lld's __AArch64AbsLongThunk_) is long.s:
//
//	ldr x16, .+8; br x16; .xword 0x123456789abcdef0
//
// linked at 0x40100c. The position-independent long form (for PIC
// outputs, which nothing relocates at load time) is, from
// aarch64-linux-gnu-as:
//
//	ldr x16, .+16 (58000090); adr x17, . (10000011);
//	add x16, x16, x17 (8b110210); br x16 (d61f0200); .xword dest - (at + 4)
func TestWriteThunk(t *testing.T) {
	a := New()
	for _, tc := range []struct {
		name     string
		at, dest uint64
		long     bool
		pic      bool
		want     []byte
	}{
		{"short forward", 0x10000068, 0x9abcdef4, false, false, le32(0xb0455e70, 0x913bd210, 0xd61f0200)},
		{"short backward", 0x10000078, 0x01234568, false, false, le32(0x90f891b0, 0x9115a210, 0xd61f0200)},
		{"short pic", 0x10000078, 0x01234568, false, true, le32(0x90f891b0, 0x9115a210, 0xd61f0200)},
		{"long", 0x40100c, 0x123456789abcdef0, true, false, le32(0x58000050, 0xd61f0200, 0x9abcdef0, 0x12345678)},
		// 0x140000000 - (0x1000 + 4) = 0x13fffeffc
		{"long pic", 0x1000, 0x140000000, true, true, le32(0x58000090, 0x10000011, 0x8b110210, 0xd61f0200, 0x3fffeffc, 0x1)},
		// backward: 0x1000 - (0x200000000 + 4) = -0x1fffff004
		{"long pic backward", 0x200000000, 0x1000, true, true, le32(0x58000090, 0x10000011, 0x8b110210, 0xd61f0200, 0x00000ffc, 0xfffffffe)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := a.ThunkConfig(tc.pic)
			size := cfg.ShortSize
			if tc.long {
				size = cfg.LongSize
			}
			if uint64(len(tc.want)) != size {
				t.Fatalf("ThunkConfig size %d, the thunk is %d bytes", size, len(tc.want))
			}
			buf := bytes.Repeat([]byte{0xee}, len(tc.want)+8)
			a.WriteThunk(buf, tc.at, tc.dest, tc.long, tc.pic)
			if !bytes.Equal(buf[:len(tc.want)], tc.want) {
				t.Errorf("thunk = %s\nwant    %s", fmtWords(wordsOf(buf[:len(tc.want)])), fmtWords(wordsOf(tc.want)))
			}
			if !bytes.Equal(buf[len(tc.want):], bytes.Repeat([]byte{0xee}, 8)) {
				t.Errorf("thunk wrote past its %d bytes: % x", len(tc.want), buf[len(tc.want):])
			}
		})
	}
	if !a.ThunkBranch(tCALL26) || !a.ThunkBranch(tJUMP26) || a.ThunkBranch(tCONDBR19) {
		t.Errorf("ThunkBranch: CALL26 %v, JUMP26 %v, CONDBR19 %v; want true, true, false",
			a.ThunkBranch(tCALL26), a.ThunkBranch(tJUMP26), a.ThunkBranch(tCONDBR19))
	}
	for _, tc := range []struct {
		long, pic bool
		want      string
	}{{false, false, "__AArch64ADRPThunk_f"}, {true, false, "__AArch64AbsLongThunk_f"}, {true, true, "__AArch64PCLongThunk_f"}} {
		if got := a.ThunkName("f", tc.long, tc.pic); got != tc.want {
			t.Errorf("ThunkName(long=%v, pic=%v) = %s, want %s", tc.long, tc.pic, got, tc.want)
		}
	}
}

// Erratum 843419 veneer, from e843.s (adrp x0 at 0x400ff8; ldr x1, [x1];
// ldr x2, [x0, #:lo12:dat]) linked -Ttext=0x400000 -Tdata=0x12340000
// --fix-cortex-a53-843419: GNU ld replaced the ldr at 0x401000 with
// `b 0x401010` (14000004) and put e843419@0002_00000010_1000 at 0x401010:
// ldr x2, [x0, #24] (f9400c02); b 0x401004 (17fffffc).
func TestWriteVeneer(t *testing.T) {
	a := New()
	// The code from 0x400ff8: adrp x0, 0x12340000 (the relocated word is
	// irrelevant to the check but must be an adrp); ldr x1, [x1];
	// ldr x2, [x0, #24]; ret.
	code := func() []byte { return le32(0x90000000, 0xf9400021, 0xf9400c02, 0xd65f03c0) }
	c := code()
	buf := bytes.Repeat([]byte{0xee}, 16)
	patched, err := a.WriteVeneer(buf[:8], c, 0x400ff8, 8, 0x401010)
	if err != nil || !patched {
		t.Fatalf("WriteVeneer: patched=%v err=%v", patched, err)
	}
	if got := wordsOf(c)[2]; got != 0x14000004 {
		t.Errorf("branch to the veneer = %08x, want 14000004", got)
	}
	want := append(le32(0xf9400c02, 0x17fffffc), bytes.Repeat([]byte{0xee}, 8)...)
	if !bytes.Equal(buf, want) {
		t.Errorf("veneer = % x, want % x", buf, want)
	}
	if a.ThunkConfig(false).PatchSize != 8 {
		t.Errorf("PatchSize = %d, want 8", a.ThunkConfig(false).PatchSize)
	}
	// A relaxation rewrote the final load (IE -> LE: movk): nothing to do.
	c = code()
	c[8], c[9], c[10], c[11] = 0x01, 0x02, 0x80, 0xf2 // movk x1, #0x10
	if patched, err := a.WriteVeneer(make([]byte, 8), c, 0x400ff8, 8, 0x401010); patched || err != nil {
		t.Errorf("WriteVeneer patched a sequence a relaxation removed (patched=%v err=%v)", patched, err)
	}
	// The ADRP is no longer at 0xff8/0xffc: nothing to do.
	if patched, _ := a.WriteVeneer(make([]byte, 8), code(), 0x400ff0, 8, 0x401010); patched {
		t.Errorf("WriteVeneer patched a sequence whose adrp is at page offset 0xff0")
	}
	// Out of B range of the site.
	if _, err := a.WriteVeneer(make([]byte, 8), code(), 0x400ff8, 8, 0x401000+1<<27); err == nil {
		t.Errorf("WriteVeneer accepted a veneer 128 MiB after the site")
	}
}

func TestInfo(t *testing.T) {
	a := New()
	for _, tc := range []struct {
		typ  uint32
		name string
		kind reloc.Kind
		size uint8
	}{
		{tABS64, "R_AARCH64_ABS64", reloc.Abs, 8},
		{tABS32, "R_AARCH64_ABS32", reloc.Abs, 4},
		{tABS16, "R_AARCH64_ABS16", reloc.Abs, 2},
		{tPREL32, "R_AARCH64_PREL32", reloc.PCRel, 4},
		{tPREL16, "R_AARCH64_PREL16", reloc.PCRel, 2},
		{tADR_PG_HI21, "R_AARCH64_ADR_PREL_PG_HI21", reloc.PCRel, 4},
		{tADD_ABS_LO12_NC, "R_AARCH64_ADD_ABS_LO12_NC", reloc.PageOff, 4},
		{tLDST64_LO12_NC, "R_AARCH64_LDST64_ABS_LO12_NC", reloc.PageOff, 4},
		{tCALL26, "R_AARCH64_CALL26", reloc.PLTPCRel, 4},
		{tJUMP26, "R_AARCH64_JUMP26", reloc.PLTPCRel, 4},
		{tMOVW_PREL_G0, "R_AARCH64_MOVW_PREL_G0", reloc.PCRel, 4},
		{tADR_GOT_PAGE, "R_AARCH64_ADR_GOT_PAGE", reloc.GOTPCRelX, 4},
		{tLD64_GOT_LO12NC, "R_AARCH64_LD64_GOT_LO12_NC", reloc.GOTPCRelX, 4},
		{tLD64_GOTPAGE15, "R_AARCH64_LD64_GOTPAGE_LO15", reloc.GOTRel, 4},
		{tTLSGD_ADR_PAGE21, "R_AARCH64_TLSGD_ADR_PAGE21", reloc.TLSGD, 4},
		{tTLSIE_ADR_GOTTPREL, "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21", reloc.GOTTPOff, 4},
		{tTLSLE_ADD_TPREL_HI12, "R_AARCH64_TLSLE_ADD_TPREL_HI12", reloc.TPOff, 4},
		{tTLSDESC_ADR_PAGE21, "R_AARCH64_TLSDESC_ADR_PAGE21", reloc.TLSDesc, 4},
		{tTLSDESC_CALL, "R_AARCH64_TLSDESC_CALL", reloc.TLSDescCall, 4},
		{uint32(elf.R_AARCH64_TLS_DTPREL64), "R_AARCH64_TLS_DTPREL64", reloc.DTPOff, 8},
	} {
		in := a.Info(tc.typ)
		if !in.Valid || in.Name != tc.name || in.Kind != tc.kind || in.Size != tc.size {
			t.Errorf("Info(%d) = %+v, want %s kind %v size %d", tc.typ, in, tc.name, tc.kind, tc.size)
		}
	}
	for _, typ := range []uint32{3, 255, 1000, 1032, 1033, 1100, 0xffff, 0xffffffff} {
		if in := a.Info(typ); in.Valid {
			t.Errorf("Info(%d) = %+v, want not Valid", typ, in)
		}
	}
}

// The TLS relocation numbers 523-559, named as GNU readelf names them in
// ldnum.o (one instruction per :dtprel_*:, :gottprel_g*:, :tprel_lo12*:
// operator). A type rivet does not support may be invalid, but a valid one
// must carry its own name.
func TestTLSRelocNumbering(t *testing.T) {
	a := New()
	for _, tc := range []struct {
		typ  uint32
		name string
	}{
		{523, "R_AARCH64_TLSLD_MOVW_DTPREL_G2"},
		{524, "R_AARCH64_TLSLD_MOVW_DTPREL_G1"},
		{525, "R_AARCH64_TLSLD_MOVW_DTPREL_G1_NC"},
		{526, "R_AARCH64_TLSLD_MOVW_DTPREL_G0"},
		{527, "R_AARCH64_TLSLD_MOVW_DTPREL_G0_NC"},
		{528, "R_AARCH64_TLSLD_ADD_DTPREL_HI12"},
		{529, "R_AARCH64_TLSLD_ADD_DTPREL_LO12"},
		{530, "R_AARCH64_TLSLD_ADD_DTPREL_LO12_NC"},
		{531, "R_AARCH64_TLSLD_LDST8_DTPREL_LO12"},
		{532, "R_AARCH64_TLSLD_LDST8_DTPREL_LO12_NC"},
		{533, "R_AARCH64_TLSLD_LDST16_DTPREL_LO12"},
		{534, "R_AARCH64_TLSLD_LDST16_DTPREL_LO12_NC"},
		{535, "R_AARCH64_TLSLD_LDST32_DTPREL_LO12"},
		{536, "R_AARCH64_TLSLD_LDST32_DTPREL_LO12_NC"},
		{537, "R_AARCH64_TLSLD_LDST64_DTPREL_LO12"},
		{538, "R_AARCH64_TLSLD_LDST64_DTPREL_LO12_NC"},
		{539, "R_AARCH64_TLSIE_MOVW_GOTTPREL_G1"},
		{540, "R_AARCH64_TLSIE_MOVW_GOTTPREL_G0_NC"},
		{545, "R_AARCH64_TLSLE_MOVW_TPREL_G1"},
		{548, "R_AARCH64_TLSLE_MOVW_TPREL_G0_NC"},
		{549, "R_AARCH64_TLSLE_ADD_TPREL_HI12"},
		{550, "R_AARCH64_TLSLE_ADD_TPREL_LO12"},
		{551, "R_AARCH64_TLSLE_ADD_TPREL_LO12_NC"},
		{552, "R_AARCH64_TLSLE_LDST8_TPREL_LO12"},
		{559, "R_AARCH64_TLSLE_LDST64_TPREL_LO12_NC"},
	} {
		t.Run(fmt.Sprint(tc.typ), func(t *testing.T) {
			if in := a.Info(tc.typ); in.Valid && in.Name != tc.name {
				t.Errorf("Info(%d).Name = %s, want %s", tc.typ, in.Name, tc.name)
			}
		})
	}
}

// An unknown type, or a place outside the section, is an error at the
// site, never a panic.
func TestApplyBadInput(t *testing.T) {
	a := New()
	for _, typ := range []uint32{3, 1000, 1033, 1100, 0xffffffff} {
		t.Run(fmt.Sprint("type ", typ), func(t *testing.T) {
			sec := le32(0x94000000, aNop)
			err := applyNoPanic(t, a, sec, relArgs(a, typ, 4, reloc.Keep), &reloc.Values{S: 0x1000, L: 0x1000, P: 0x2000})
			checkSiteErr(t, err, 4, "unknown relocation type")
			if !bytes.Equal(sec, le32(0x94000000, aNop)) {
				t.Errorf("section changed: % x", sec)
			}
		})
	}
	for _, tc := range []struct {
		name string
		typ  uint32
		off  uint64
		tls  reloc.TLSAction
	}{
		{"CALL26 at the end", tCALL26, 8, reloc.Keep},
		{"CALL26 straddling the end", tCALL26, 6, reloc.Keep},
		{"ABS64 straddling the end", tABS64, 4, reloc.Keep},
		{"PREL16 at the end", tPREL16, 8, reloc.Keep},
		{"ADR_PREL_PG_HI21 at 2^64-1", tADR_PG_HI21, ^uint64(0), reloc.Keep},
		{"ABS64 at 2^64-4", tABS64, ^uint64(3), reloc.Keep},
		{"TLSDESC_CALL relaxed at the end", tTLSDESC_CALL, 8, reloc.ToLE},
		{"TLSGD_ADD_LO12_NC relaxed at the end", tTLSGD_ADD_LO12_NC, 8, reloc.ToLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := le32(0x94000000, aNop)
			v := reloc.Values{S: 0x1000, L: 0x1000, P: 0x2000, G: 0x3000, TP: 0x10}
			err := applyNoPanic(t, a, sec, relArgs(a, tc.typ, tc.off, tc.tls), &v)
			checkSiteErr(t, err, tc.off, "outside the section")
			if !bytes.Equal(sec, le32(0x94000000, aNop)) {
				t.Errorf("section changed: % x", sec)
			}
		})
	}
}
