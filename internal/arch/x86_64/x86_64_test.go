package x86_64_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"github.com/rivet-linker/rivet/internal/arch/x86_64"
	"github.com/rivet-linker/rivet/internal/reloc"
)

var arch = x86_64.New()

var _ reloc.Arch = arch

// testSite is deliberately different from the offset the relocation is
// applied at, so that the tests can tell the error names the input place.
var testSite = reloc.Site{File: "crt/foo.o", Section: ".text.hot", Offset: 0x1234, Symbol: "sym"}

func rela(typ elf.R_X86_64, off uint64, act reloc.Action, tls reloc.TLSAction) *reloc.RelaArgs {
	return &reloc.RelaArgs{Type: uint32(typ), Offset: off, Info: arch.Info(uint32(typ)), Act: act, TLS: tls, Site: testSite}
}

// apply runs Arch.Apply and turns a panic into an error so that a crash on
// malformed input is reported as a test failure, not a test binary crash.
func apply(sec []byte, r *reloc.RelaArgs, v *reloc.Values) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PANIC (must be an error naming the input place): %v", p)
		}
	}()
	return arch.Apply(sec, r, v)
}

// wantSiteErr checks that err exists and names file, section and offset of
// the relocation (GNU ld style "file:(section+0xoff)"), plus any extra text.
func wantSiteErr(t *testing.T, err error, extra ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one naming %s:(%s+%#x)", testSite.File, testSite.Section, testSite.Offset)
		return
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "PANIC") {
		t.Error(msg)
		return
	}
	for _, s := range append([]string{testSite.File, testSite.Section, fmt.Sprintf("%#x", testSite.Offset)}, extra...) {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q does not mention %q", msg, s)
		}
	}
}

func TestArchBasics(t *testing.T) {
	if arch.Machine() != elf.EM_X86_64 {
		t.Errorf("Machine = %v", arch.Machine())
	}
	if arch.Emulation() != "elf_x86_64" {
		t.Errorf("Emulation = %q", arch.Emulation())
	}
	if arch.GOTPLTReserved() != 3 {
		t.Errorf("GOTPLTReserved = %d, want 3 (_DYNAMIC, link map, resolver)", arch.GOTPLTReserved())
	}
	dyn := map[reloc.DynKind]elf.R_X86_64{
		reloc.DynRelativeKind: elf.R_X86_64_RELATIVE, // 8
		reloc.DynGlobDat:      elf.R_X86_64_GLOB_DAT, // 6
		reloc.DynJumpSlot:     elf.R_X86_64_JMP_SLOT, // 7
		reloc.DynCopy:         elf.R_X86_64_COPY,     // 5
		reloc.DynIRelative:    elf.R_X86_64_IRELATIVE,
		reloc.DynWord:         elf.R_X86_64_64,
		reloc.DynDTPMod:       elf.R_X86_64_DTPMOD64,
		reloc.DynDTPOff:       elf.R_X86_64_DTPOFF64,
		reloc.DynTPOff:        elf.R_X86_64_TPOFF64,
		reloc.DynTLSDesc:      elf.R_X86_64_TLSDESC,
	}
	if len(dyn) != int(reloc.NumDynKinds) {
		t.Fatalf("test covers %d dynamic kinds, reloc has %d", len(dyn), reloc.NumDynKinds)
	}
	nums := map[elf.R_X86_64]uint32{elf.R_X86_64_RELATIVE: 8, elf.R_X86_64_GLOB_DAT: 6, elf.R_X86_64_JMP_SLOT: 7,
		elf.R_X86_64_COPY: 5, elf.R_X86_64_IRELATIVE: 37, elf.R_X86_64_64: 1, elf.R_X86_64_DTPMOD64: 16,
		elf.R_X86_64_DTPOFF64: 17, elf.R_X86_64_TPOFF64: 18, elf.R_X86_64_TLSDESC: 36}
	for k, r := range dyn {
		if got := arch.DynType(k); got != nums[r] {
			t.Errorf("DynType(%d) = %d, want %v (%d)", k, got, r, nums[r])
		}
	}
	for typ := uint32(0); typ < 300; typ++ {
		k := arch.Info(typ).Kind
		want := k == reloc.TLSGD || k == reloc.TLSLD
		if got := arch.TLSRelaxConsumesNext(typ); got != want {
			t.Errorf("TLSRelaxConsumesNext(%d) = %v, want %v", typ, got, want)
		}
	}
}

// psABI (x86-64 System V ABI, "Relocation Types") with the numeric type,
// the field width and how the value must be range-checked.
var psABIRelocs = []struct {
	num    uint32
	typ    elf.R_X86_64
	kind   reloc.Kind
	size   uint8
	signed bool // only meaningful for fields narrower than 8 bytes
}{
	{0, elf.R_X86_64_NONE, reloc.None, 0, false},
	{1, elf.R_X86_64_64, reloc.Abs, 8, false},                  // word64 S + A
	{2, elf.R_X86_64_PC32, reloc.PCRel, 4, true},               // word32 S + A - P
	{3, elf.R_X86_64_GOT32, reloc.GOTRel, 4, true},             // word32 G + A
	{4, elf.R_X86_64_PLT32, reloc.PLTPCRel, 4, true},           // word32 L + A - P
	{9, elf.R_X86_64_GOTPCREL, reloc.GOTPCRel, 4, true},        // word32 G + GOT + A - P
	{10, elf.R_X86_64_32, reloc.Abs, 4, false},                 // word32 S + A, zero-extends
	{11, elf.R_X86_64_32S, reloc.Abs, 4, true},                 // word32 S + A, sign-extends
	{12, elf.R_X86_64_16, reloc.Abs, 2, false},                 // word16 S + A
	{13, elf.R_X86_64_PC16, reloc.PCRel, 2, true},              // word16 S + A - P
	{14, elf.R_X86_64_8, reloc.Abs, 1, false},                  // word8 S + A
	{15, elf.R_X86_64_PC8, reloc.PCRel, 1, true},               // word8 S + A - P
	{17, elf.R_X86_64_DTPOFF64, reloc.DTPOff, 8, false},        // word64
	{19, elf.R_X86_64_TLSGD, reloc.TLSGD, 4, true},             // word32, PC-relative GOT pair
	{20, elf.R_X86_64_TLSLD, reloc.TLSLD, 4, true},             // word32, PC-relative GOT pair
	{21, elf.R_X86_64_DTPOFF32, reloc.DTPOff, 4, true},         // word32
	{22, elf.R_X86_64_GOTTPOFF, reloc.GOTTPOff, 4, true},       // word32, PC-relative GOT slot
	{23, elf.R_X86_64_TPOFF32, reloc.TPOff, 4, true},           // word32, negative in variant II
	{18, elf.R_X86_64_TPOFF64, reloc.TPOff, 8, false},          // word64
	{24, elf.R_X86_64_PC64, reloc.PCRel, 8, true},              // word64 S + A - P
	{25, elf.R_X86_64_GOTOFF64, reloc.GOTOff, 8, true},         // word64 S + A - GOT
	{26, elf.R_X86_64_GOTPC32, reloc.GOTPC, 4, true},           // word32 GOT + A - P
	{27, elf.R_X86_64_GOT64, reloc.GOTRel, 8, true},            // word64 G + A
	{28, elf.R_X86_64_GOTPCREL64, reloc.GOTPCRel, 8, true},     // word64 G + GOT - P + A
	{29, elf.R_X86_64_GOTPC64, reloc.GOTPC, 8, true},           // word64 GOT - P + A
	{30, elf.R_X86_64_GOTPLT64, reloc.GOTRel, 8, true},         // word64 G + A
	{31, elf.R_X86_64_PLTOFF64, reloc.PLTOff, 8, true},         // word64 L - GOT + A
	{32, elf.R_X86_64_SIZE32, reloc.Size, 4, false},            // word32 Z + A
	{33, elf.R_X86_64_SIZE64, reloc.Size, 8, false},            // word64 Z + A
	{34, elf.R_X86_64_GOTPC32_TLSDESC, reloc.TLSDesc, 4, true}, // word32
	{35, elf.R_X86_64_TLSDESC_CALL, reloc.TLSDescCall, 0, false},
	{41, elf.R_X86_64_GOTPCRELX, reloc.GOTPCRelX, 4, true},     // word32 G + GOT + A - P
	{42, elf.R_X86_64_REX_GOTPCRELX, reloc.GOTPCRelX, 4, true}, // word32 G + GOT + A - P
}

func TestInfo(t *testing.T) {
	for _, tc := range psABIRelocs {
		if uint32(tc.typ) != tc.num {
			t.Fatalf("%v is %d in debug/elf, psABI says %d", tc.typ, uint32(tc.typ), tc.num)
		}
		got := arch.Info(tc.num)
		if !got.Valid {
			t.Errorf("Info(%v) not valid", tc.typ)
			continue
		}
		if got.Name != tc.typ.String() {
			t.Errorf("Info(%d).Name = %q, want %q", tc.num, got.Name, tc.typ.String())
		}
		if got.Kind != tc.kind {
			t.Errorf("Info(%v).Kind = %v, want %v", tc.typ, got.Kind, tc.kind)
		}
		if got.Size != tc.size {
			t.Errorf("Info(%v).Size = %d, want %d", tc.typ, got.Size, tc.size)
		}
		if tc.size < 8 && tc.size > 0 && got.Signed != tc.signed {
			t.Errorf("Info(%v).Signed = %v, want %v", tc.typ, got.Signed, tc.signed)
		}
	}
}

func TestInfoUnknown(t *testing.T) {
	known := map[uint32]bool{}
	for _, tc := range psABIRelocs {
		known[tc.num] = true
	}
	// Dynamic-only types are not valid in relocatable input, nor are
	// unassigned numbers.
	for _, n := range []uint32{5, 6, 7, 8, 16, 36, 37, 38, 39, 40, 63, 64, 200, 1 << 20, ^uint32(0)} {
		if got := arch.Info(n); got.Valid {
			t.Errorf("Info(%d) = %+v, want not valid", n, got)
		}
	}
	for n := uint32(0); n < 256; n++ {
		if got := arch.Info(n); got.Valid != known[n] {
			t.Errorf("Info(%d).Valid = %v, want %v", n, got.Valid, known[n])
		}
	}
}

// Standard values for the formula tests: every quantity distinct so that a
// formula using the wrong one shows.
const (
	vS   = 0x401000
	vA   = 0x10
	vP   = 0x402000
	vGOT = 0x404000
	vG   = 0x404018 // address of the symbol's GOT slot
	vL   = 0x401500 // PLT entry
	vTP  = -0x30
	vDTP = 0x20
	vZ   = 0x40
)

func stdValues() reloc.Values {
	return reloc.Values{S: vS, A: vA, P: vP, GOT: vGOT, G: vG, L: vL, TP: vTP, DTP: vDTP, Z: vZ}
}

// field reads the relocated field back.
func field(b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	case 8:
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func trunc(v int64, size int) uint64 {
	if size == 8 {
		return uint64(v)
	}
	return uint64(v) & (1<<(8*size) - 1)
}

func TestApplyFormulas(t *testing.T) {
	S, A, P, GOT, G, L, Z := int64(vS), int64(vA), int64(vP), int64(vGOT), int64(vG), int64(vL), int64(vZ)
	Goff := G - GOT // psABI's G: offset of the slot in the GOT
	cases := []struct {
		typ  elf.R_X86_64
		act  reloc.Action
		tls  reloc.TLSAction
		want int64
	}{
		{elf.R_X86_64_64, reloc.Static, reloc.Keep, S + A},
		{elf.R_X86_64_PC32, reloc.Static, reloc.Keep, S + A - P},
		{elf.R_X86_64_GOT32, reloc.GOT, reloc.Keep, Goff + A},
		{elf.R_X86_64_PLT32, reloc.PLT, reloc.Keep, L + A - P},
		{elf.R_X86_64_GOTPCREL, reloc.GOT, reloc.Keep, Goff + GOT + A - P},
		{elf.R_X86_64_32, reloc.Static, reloc.Keep, S + A},
		{elf.R_X86_64_32S, reloc.Static, reloc.Keep, S + A},
		{elf.R_X86_64_DTPOFF64, reloc.TLS, reloc.Keep, vDTP},
		{elf.R_X86_64_DTPOFF64, reloc.TLS, reloc.ToLE, vTP},
		{elf.R_X86_64_TLSGD, reloc.TLS, reloc.Keep, Goff + GOT + A - P},
		{elf.R_X86_64_TLSLD, reloc.TLS, reloc.Keep, Goff + GOT + A - P},
		{elf.R_X86_64_DTPOFF32, reloc.TLS, reloc.Keep, vDTP},
		{elf.R_X86_64_DTPOFF32, reloc.TLS, reloc.ToLE, vTP}, // after LD->LE, %rax is the TP
		{elf.R_X86_64_GOTTPOFF, reloc.TLS, reloc.Keep, Goff + GOT + A - P},
		{elf.R_X86_64_TPOFF32, reloc.TLS, reloc.Keep, vTP},
		{elf.R_X86_64_TPOFF64, reloc.TLS, reloc.Keep, vTP},
		{elf.R_X86_64_PC64, reloc.Static, reloc.Keep, S + A - P},
		{elf.R_X86_64_GOTOFF64, reloc.Static, reloc.Keep, S + A - GOT},
		{elf.R_X86_64_GOTPC32, reloc.Static, reloc.Keep, GOT + A - P},
		{elf.R_X86_64_GOT64, reloc.GOT, reloc.Keep, Goff + A},
		{elf.R_X86_64_GOTPCREL64, reloc.GOT, reloc.Keep, Goff + GOT - P + A},
		{elf.R_X86_64_GOTPC64, reloc.Static, reloc.Keep, GOT - P + A},
		{elf.R_X86_64_GOTPLT64, reloc.GOT, reloc.Keep, Goff + A},
		{elf.R_X86_64_PLTOFF64, reloc.PLT, reloc.Keep, L - GOT + A},
		{elf.R_X86_64_SIZE32, reloc.Static, reloc.Keep, Z + A},
		{elf.R_X86_64_SIZE64, reloc.Static, reloc.Keep, Z + A},
		{elf.R_X86_64_GOTPC32_TLSDESC, reloc.TLS, reloc.Keep, Goff + GOT + A - P},
		{elf.R_X86_64_GOTPCRELX, reloc.GOT, reloc.Keep, Goff + GOT + A - P},
		{elf.R_X86_64_REX_GOTPCRELX, reloc.GOT, reloc.Keep, Goff + GOT + A - P},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/%v/%v", tc.typ, tc.act, tc.tls), func(t *testing.T) {
			size := int(arch.Info(uint32(tc.typ)).Size)
			sec := bytes.Repeat([]byte{0xaa}, 32)
			const off = 8
			v := stdValues()
			if err := apply(sec, rela(tc.typ, off, tc.act, tc.tls), &v); err != nil {
				t.Fatal(err)
			}
			if got, want := field(sec[off:], size), trunc(tc.want, size); got != want {
				t.Errorf("field = %#x, want %#x", got, want)
			}
			for i, b := range sec {
				if (i < off || i >= off+size) && b != 0xaa {
					t.Errorf("byte %d outside the %d-byte field changed to %#x", i, size, b)
				}
			}
		})
	}
}

func TestApplyNarrow(t *testing.T) {
	// 16- and 8-bit fields with values computed from small addresses.
	cases := []struct {
		typ  elf.R_X86_64
		v    reloc.Values
		want uint64
	}{
		{elf.R_X86_64_16, reloc.Values{S: 0x1234, A: 1}, 0x1235},
		{elf.R_X86_64_PC16, reloc.Values{S: 0x1000, A: -2, P: 0x1100}, 0xfefe}, // -0x102
		{elf.R_X86_64_8, reloc.Values{S: 0x7f}, 0x7f},
		{elf.R_X86_64_PC8, reloc.Values{S: 0x1000, A: -1, P: 0x1010}, 0xef}, // -0x11
	}
	for _, tc := range cases {
		sec := make([]byte, 4)
		v := tc.v
		if err := apply(sec, rela(tc.typ, 1, reloc.Static, reloc.Keep), &v); err != nil {
			t.Errorf("%v: %v", tc.typ, err)
			continue
		}
		size := int(arch.Info(uint32(tc.typ)).Size)
		if got := field(sec[1:], size); got != tc.want {
			t.Errorf("%v: field = %#x, want %#x", tc.typ, got, tc.want)
		}
	}
}

func TestApplyNoneAndDescCallKeep(t *testing.T) {
	for _, typ := range []elf.R_X86_64{elf.R_X86_64_NONE, elf.R_X86_64_TLSDESC_CALL} {
		sec := []byte{0xff, 0x10, 0xaa, 0xaa}
		v := stdValues()
		if err := apply(sec, rela(typ, 0, reloc.Static, reloc.Keep), &v); err != nil {
			t.Errorf("%v: %v", typ, err)
		}
		if !bytes.Equal(sec, []byte{0xff, 0x10, 0xaa, 0xaa}) {
			t.Errorf("%v changed the section: % x", typ, sec)
		}
	}
}

// Range checks: a value that does not survive the CPU's (or loader's)
// zero/sign extension of the field must be an error naming the place.
func TestApplyRange(t *testing.T) {
	cases := []struct {
		name string
		typ  elf.R_X86_64
		v    reloc.Values
		ok   bool
	}{
		// PC32: signed 32-bit displacement.
		{"pc32 +2GiB-1", elf.R_X86_64_PC32, reloc.Values{S: 0x1000 + 1<<31 - 1, P: 0x1000}, true},
		{"pc32 -2GiB", elf.R_X86_64_PC32, reloc.Values{S: 0x1000, P: 0x1000 + 1<<31}, true},
		{"pc32 +2GiB", elf.R_X86_64_PC32, reloc.Values{S: 0x1000 + 1<<31, P: 0x1000}, false},
		{"pc32 -2GiB-1", elf.R_X86_64_PC32, reloc.Values{S: 0x1000, P: 0x1001 + 1<<31}, false},
		{"pc32 far above", elf.R_X86_64_PC32, reloc.Values{S: 0x1_0000_2000, A: -4, P: 0x1000}, false},
		{"plt32 far", elf.R_X86_64_PLT32, reloc.Values{L: 0x7fff_0000_0000, A: -4, P: 0x401000}, false},
		{"gotpcrel far", elf.R_X86_64_GOTPCREL, reloc.Values{G: 0x1_8000_0000, A: -4, P: 0x1000}, false},
		// 32: the value must zero-extend to the 64-bit address.
		{"32 max", elf.R_X86_64_32, reloc.Values{S: 0xffff_ffff}, true},
		{"32 2^32", elf.R_X86_64_32, reloc.Values{S: 0xffff_ffff, A: 1}, false},
		{"32 negative", elf.R_X86_64_32, reloc.Values{S: 0, A: -1}, false},
		// 32S: the value must sign-extend.
		{"32s negative", elf.R_X86_64_32S, reloc.Values{S: 0, A: -8}, true},
		{"32s kernel address", elf.R_X86_64_32S, reloc.Values{S: 0xffff_ffff_8000_0000}, true},
		{"32s 2^31", elf.R_X86_64_32S, reloc.Values{S: 0x8000_0000}, false},
		{"32s 2^32-1", elf.R_X86_64_32S, reloc.Values{S: 0xffff_ffff}, false},
		// 16 and 8 (absolute): GNU ld's bitfield check, [-2^(n-1), 2^n).
		{"16 max", elf.R_X86_64_16, reloc.Values{S: 0xffff}, true},
		{"16 min", elf.R_X86_64_16, reloc.Values{S: 0, A: -0x8000}, true},
		{"16 over", elf.R_X86_64_16, reloc.Values{S: 0x10000}, false},
		{"16 under", elf.R_X86_64_16, reloc.Values{S: 0, A: -0x8001}, false},
		{"8 max", elf.R_X86_64_8, reloc.Values{S: 0xff}, true},
		{"8 min", elf.R_X86_64_8, reloc.Values{S: 0, A: -0x80}, true},
		{"8 over", elf.R_X86_64_8, reloc.Values{S: 0x100}, false},
		{"8 under", elf.R_X86_64_8, reloc.Values{S: 0, A: -0x81}, false},
		// PC16 / PC8 hold a signed displacement: the consumer sign-extends
		// it, so +0x8000 / +0x80 would land 64KiB / 256 bytes backwards.
		{"pc16 max", elf.R_X86_64_PC16, reloc.Values{S: 0x7fff + 0x100, P: 0x100}, true},
		{"pc16 min", elf.R_X86_64_PC16, reloc.Values{S: 0x100, P: 0x8100}, true},
		{"pc16 +0x8000", elf.R_X86_64_PC16, reloc.Values{S: 0x8100, P: 0x100}, false},
		{"pc16 +40000", elf.R_X86_64_PC16, reloc.Values{S: 40000 + 0x100, P: 0x100}, false},
		{"pc16 -0x8001", elf.R_X86_64_PC16, reloc.Values{S: 0x100, P: 0x8101}, false},
		{"pc8 max", elf.R_X86_64_PC8, reloc.Values{S: 0x17f, P: 0x100}, true},
		{"pc8 min", elf.R_X86_64_PC8, reloc.Values{S: 0x100, P: 0x180}, true},
		{"pc8 +0x80", elf.R_X86_64_PC8, reloc.Values{S: 0x180, P: 0x100}, false},
		{"pc8 +200", elf.R_X86_64_PC8, reloc.Values{S: 0x100 + 200, P: 0x100}, false},
		{"pc8 -0x81", elf.R_X86_64_PC8, reloc.Values{S: 0x100, P: 0x181}, false},
		// TLS offsets are signed 32-bit.
		{"tpoff32 negative", elf.R_X86_64_TPOFF32, reloc.Values{TP: -0x7fff_ffff}, true},
		{"tpoff32 too negative", elf.R_X86_64_TPOFF32, reloc.Values{TP: -0x8000_0001}, false},
		{"dtpoff32 too large", elf.R_X86_64_DTPOFF32, reloc.Values{DTP: 0x8000_0000}, false},
		// SIZE32 is an unsigned size.
		{"size32 4GiB", elf.R_X86_64_SIZE32, reloc.Values{Z: 1 << 32}, false},
		// 64-bit fields never overflow.
		{"64 anything", elf.R_X86_64_64, reloc.Values{S: ^uint64(0), A: 5}, true},
		{"pc64 anything", elf.R_X86_64_PC64, reloc.Values{S: 0, P: ^uint64(0)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sec := make([]byte, 16)
			v := tc.v
			act, tls := reloc.Static, reloc.Keep
			if arch.Info(uint32(tc.typ)).Kind.IsTLS() {
				act = reloc.TLS
			}
			err := apply(sec, rela(tc.typ, 4, act, tls), &v)
			if tc.ok {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			wantSiteErr(t, err, tc.typ.String(), "out of range")
		})
	}
}

func TestApplyOutsideSection(t *testing.T) {
	for _, tc := range []struct {
		typ elf.R_X86_64
		off uint64
	}{
		{elf.R_X86_64_PC32, 13},
		{elf.R_X86_64_64, 9},
		{elf.R_X86_64_16, 15},
		{elf.R_X86_64_8, 16},
		{elf.R_X86_64_PC32, 1 << 62},
		{elf.R_X86_64_64, ^uint64(0) - 3},
	} {
		sec := make([]byte, 16)
		v := stdValues()
		err := apply(sec, rela(tc.typ, tc.off, reloc.Static, reloc.Keep), &v)
		wantSiteErr(t, err, "outside the section")
	}
}

// ---- instruction decoding helpers (shared with relax_test.go, plt_test.go)

var regNames = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

type decoded struct {
	text string // canonical Intel-like text, RIP-relative shown as [rip±disp]
	pc   uint64 // address of the instruction
	inst x86asm.Inst
}

// next is the address of the following instruction.
func (d decoded) next() uint64 { return d.pc + uint64(d.inst.Len) }

// ripTarget is the address a RIP-relative memory operand refers to.
func (d decoded) ripTarget(t *testing.T) uint64 {
	t.Helper()
	for _, a := range d.inst.Args {
		if m, ok := a.(x86asm.Mem); ok && m.Base == x86asm.RIP {
			return d.next() + uint64(int64(int32(m.Disp)))
		}
	}
	t.Fatalf("%q has no RIP-relative operand", d.text)
	return 0
}

// relTarget is the destination of a relative branch.
func (d decoded) relTarget(t *testing.T) uint64 {
	t.Helper()
	if r, ok := d.inst.Args[0].(x86asm.Rel); ok {
		return d.next() + uint64(int64(r))
	}
	t.Fatalf("%q is not a relative branch", d.text)
	return 0
}

func hexs(v int64) string {
	if v < 0 {
		return fmt.Sprintf("-%#x", -v)
	}
	return fmt.Sprintf("%#x", v)
}

// canon renders an instruction in a fixed, decoder-quirk-free form:
// "mov rax, fs:[0x0]", "lea rax, [rax-0x10]", "add rax, [rip+0x2ff4]",
// "addr32 call 0x401000", "push 0x3".
func canon(inst x86asm.Inst, pc uint64) string {
	var b strings.Builder
	for _, p := range inst.Prefix {
		if p == 0 {
			break
		}
		if p&0xff == x86asm.PrefixAddrSize && p&x86asm.PrefixImplicit == 0 {
			b.WriteString("addr32 ")
		}
	}
	b.WriteString(strings.ToLower(inst.Op.String()))
	for i, a := range inst.Args {
		if a == nil {
			break
		}
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		switch a := a.(type) {
		case x86asm.Reg:
			b.WriteString(strings.ToLower(a.String()))
		case x86asm.Imm:
			b.WriteString(hexs(int64(a)))
		case x86asm.Rel:
			fmt.Fprintf(&b, "%#x", pc+uint64(inst.Len)+uint64(int64(a)))
		case x86asm.Mem:
			if a.Segment != 0 {
				b.WriteString(strings.ToLower(a.Segment.String()) + ":")
			}
			var parts []string
			if a.Base != 0 {
				parts = append(parts, strings.ToLower(a.Base.String()))
			}
			if a.Index != 0 {
				parts = append(parts, fmt.Sprintf("%s*%d", strings.ToLower(a.Index.String()), a.Scale))
			}
			d := int64(int32(a.Disp)) // x86asm does not sign-extend disp32
			body := strings.Join(parts, "+")
			switch {
			case body == "":
				body = hexs(d)
			case d > 0:
				body += "+" + hexs(d)
			case d < 0:
				body += hexs(d)
			}
			b.WriteString("[" + body + "]")
		default:
			b.WriteString(a.String())
		}
	}
	return b.String()
}

// decodeAll decodes code (at address pc) completely; it fails the test if
// any byte does not decode or the last instruction runs past the end.
func decodeAll(t *testing.T, code []byte, pc uint64) []decoded {
	t.Helper()
	var out []decoded
	for len(code) > 0 {
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			t.Fatalf("bytes % x at %#x do not decode: %v", code, pc, err)
		}
		out = append(out, decoded{canon(inst, pc), pc, inst})
		code = code[inst.Len:]
		pc += uint64(inst.Len)
	}
	return out
}

// wantInsns checks the canonical texts of the decoded instructions.
func wantInsns(t *testing.T, got []decoded, want ...string) {
	t.Helper()
	var g []string
	for _, d := range got {
		g = append(g, d.text)
	}
	if strings.Join(g, "; ") != strings.Join(want, "; ") {
		t.Errorf("decoded\n\t%s\nwant\n\t%s", strings.Join(g, "; "), strings.Join(want, "; "))
	}
}

// Self-test of the helpers against encodings whose meaning is fixed.
func TestDecodeHelper(t *testing.T) {
	d := decodeAll(t, []byte{
		0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, // mov %fs:0,%rax
		0x48, 0x8d, 0x80, 0xf0, 0xff, 0xff, 0xff, // lea -0x10(%rax),%rax
		0x48, 0x03, 0x05, 0x10, 0, 0, 0, // add 0x10(%rip),%rax
		0x67, 0xe8, 0xfb, 0xff, 0xff, 0xff, // addr32 call .-0
		0x49, 0xc7, 0xc4, 0xf0, 0xff, 0xff, 0xff, // mov $-0x10,%r12
	}, 0x1000)
	wantInsns(t, d, "mov rax, fs:[0x0]", "lea rax, [rax-0x10]", "add rax, [rip+0x10]", "addr32 call 0x1018", "mov r12, -0x10")
	if got := d[2].ripTarget(t); got != 0x1017+0x10 {
		t.Errorf("ripTarget = %#x", got)
	}
}
