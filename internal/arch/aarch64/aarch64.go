// Package aarch64 is rivet's knowledge of the AArch64 ELF psABI
// ("ELF for the Arm 64-bit Architecture", aaelf64).
//
// Quirks worth knowing:
//   - Relocations are RELA and most patch an immediate field inside a
//     32-bit instruction; the encodings table below says which field, and
//     whether the value is PC-relative, page-relative (ADRP: Page(X) -
//     Page(P), Page clearing the low 12 bits) or the low 12 bits of an
//     address (ADD/LDR :lo12:, scaled by the access size for loads/stores).
//   - A :lo12: relocation is position-independent when paired with an ADRP
//     (the page delta carries the rest), so it never needs a dynamic
//     relocation: its kind is reloc.PageOff.
//   - B/BL (JUMP26/CALL26) reach +-128 MiB; beyond that the linker inserts
//     range extension thunks (thunk.go).
//   - TLS is variant I: the thread pointer (TPIDR_EL0) points to a 16-byte
//     TCB, and the executable's TLS block follows it at the TCB size rounded
//     up to the block's alignment, so local-exec offsets are positive.
//   - TLS descriptors are the default dialect (adrp/ldr/add/blr, every
//     instruction with its own relocation); gcc -mtls-dialect=trad gives the
//     traditional general-dynamic sequence adrp/add/bl __tls_get_addr/nop.
//   - The lazy PLT is a 32-byte header and 16-byte entries
//     (adrp x16; ldr x17; add x16; br x17); .got.plt reserves three words.
package aarch64

import (
	"debug/elf"
	"fmt"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// Arch implements reloc.Arch for AArch64. Its state is the PLT's form,
// chosen once per link (SetPLTMarks).
type Arch struct {
	bti, pac bool
}

// New returns the AArch64 architecture.
func New() *Arch { return &Arch{} }

func (*Arch) Machine() elf.Machine { return elf.EM_AARCH64 }
func (*Arch) Emulation() string    { return "aarch64linux" }

// enc says which field of the place a relocation writes and how.
type enc uint8

const (
	encNone       enc = iota
	encData64         // 64-bit word
	encData32         // 32-bit word, in [-2^31, 2^32)
	encData16         // 16-bit word, in [-2^15, 2^16)
	encADRP           // ADRP: (Page(X) - Page(P)) >> 12 in immhi:immlo, +-4 GiB
	encADRPNC         // the same without the range check
	encADR            // ADR: X - P in immhi:immlo, +-1 MiB
	encAdd12          // ADD immediate: X & 0xfff
	encLdst           // load/store unsigned offset: (X & 0xfff) >> shift
	encBranch26       // B/BL: (X - P) >> 2, +-128 MiB
	encImm19          // B.cond, CBZ, LDR literal: (X - P) >> 2, +-1 MiB
	encImm14          // TBZ/TBNZ: (X - P) >> 2, +-32 KiB
	encMovwU          // MOVZ/MOVK: (X >> 16*group) & 0xffff, X unsigned < 2^(16*(group+1))
	encMovwNC         // MOVK: (X >> 16*group) & 0xffff, no check
	encMovwS          // MOVZ/MOVN chosen by sign, signed range check
	encAddHi12        // ADD immediate: (X >> 12) & 0xfff, X < 2^24
	encAddLo12Chk     // ADD immediate: X & 0xfff, X < 2^12
	encLdstChk        // load/store unsigned offset, X < 2^12 (TPREL_LO12)
	encLdst15         // load 64-bit: X >> 3, X < 2^15 (GOTPAGE_LO15/GOTOFF_LO15)
)

// relInfo is the arch's full description of one relocation type.
type relInfo struct {
	enc   enc
	pc    bool  // value is relative to P (Page(P) for ADRP)
	shift uint8 // load/store access size log2, or MOVW group
}

const maxType = 1033

var (
	infos [maxType]reloc.Info
	encs  [maxType]relInfo
)

// Relocation types debug/elf does not name.
const (
	rMovwPrelG0    = 287
	rMovwPrelG0NC  = 288
	rMovwPrelG1    = 289
	rMovwPrelG1NC  = 290
	rMovwPrelG2    = 291
	rMovwPrelG2NC  = 292
	rMovwPrelG3    = 293
	rGotrel64      = 307
	rGotrel32      = 308
	rDTPRelG2      = 523
	rDTPRelG1      = 524
	rDTPRelG1NC    = 525
	rDTPRelG0      = 526
	rDTPRelG0NC    = 527
	rDTPRelHi12    = 528
	rDTPRelLo12    = 529
	rDTPRelLo12NC  = 530
	rDTPRelLdst8   = 531 // TLSLD_LDST8_DTPREL_LO12 ... LDST64_NC = 538: (checked, NC) per size
	rTPRelLdst8    = 552 // TLSLE_LDST8_TPREL_LO12 ... LDST64_NC = 559
	rTLSDescAdrP21 = 562
)

func init() {
	set := func(t uint32, name string, k reloc.Kind, size uint8, e enc, pc bool, shift uint8) {
		infos[t] = reloc.Info{Name: name, Kind: k, Size: size, Signed: true, Valid: true}
		encs[t] = relInfo{enc: e, pc: pc, shift: shift}
	}
	n := func(t elf.R_AARCH64) (uint32, string) { return uint32(t), t.String() }
	s := func(t elf.R_AARCH64, k reloc.Kind, size uint8, e enc, pc bool, shift uint8) {
		typ, name := n(t)
		set(typ, name, k, size, e, pc, shift)
	}
	s(elf.R_AARCH64_NONE, reloc.None, 0, encNone, false, 0)
	set(256, "R_AARCH64_NONE", reloc.None, 0, encNone, false, 0) // R_AARCH64_NULL: GNU as's old none
	s(elf.R_AARCH64_ABS64, reloc.Abs, 8, encData64, false, 0)
	s(elf.R_AARCH64_ABS32, reloc.Abs, 4, encData32, false, 0)
	s(elf.R_AARCH64_ABS16, reloc.Abs, 2, encData16, false, 0)
	s(elf.R_AARCH64_PREL64, reloc.PCRel, 8, encData64, true, 0)
	s(elf.R_AARCH64_PREL32, reloc.PCRel, 4, encData32, true, 0)
	s(elf.R_AARCH64_PREL16, reloc.PCRel, 2, encData16, true, 0)
	for g, t := range []elf.R_AARCH64{elf.R_AARCH64_MOVW_UABS_G0, elf.R_AARCH64_MOVW_UABS_G1, elf.R_AARCH64_MOVW_UABS_G2, elf.R_AARCH64_MOVW_UABS_G3} {
		s(t, reloc.Abs, 4, encMovwU, false, uint8(g))
	}
	for g, t := range []elf.R_AARCH64{elf.R_AARCH64_MOVW_UABS_G0_NC, elf.R_AARCH64_MOVW_UABS_G1_NC, elf.R_AARCH64_MOVW_UABS_G2_NC} {
		s(t, reloc.Abs, 4, encMovwNC, false, uint8(g))
	}
	for g, t := range []elf.R_AARCH64{elf.R_AARCH64_MOVW_SABS_G0, elf.R_AARCH64_MOVW_SABS_G1, elf.R_AARCH64_MOVW_SABS_G2} {
		s(t, reloc.Abs, 4, encMovwS, false, uint8(g))
	}
	for g, t := range []uint32{rMovwPrelG0, rMovwPrelG1, rMovwPrelG2, rMovwPrelG3} {
		set(t, fmt.Sprintf("R_AARCH64_MOVW_PREL_G%d", g), reloc.PCRel, 4, encMovwS, true, uint8(g))
	}
	for g, t := range []uint32{rMovwPrelG0NC, rMovwPrelG1NC, rMovwPrelG2NC} {
		set(t, fmt.Sprintf("R_AARCH64_MOVW_PREL_G%d_NC", g), reloc.PCRel, 4, encMovwNC, true, uint8(g))
	}
	s(elf.R_AARCH64_LD_PREL_LO19, reloc.PCRel, 4, encImm19, true, 0)
	s(elf.R_AARCH64_ADR_PREL_LO21, reloc.PCRel, 4, encADR, true, 0)
	s(elf.R_AARCH64_ADR_PREL_PG_HI21, reloc.PCRel, 4, encADRP, true, 0)
	s(elf.R_AARCH64_ADR_PREL_PG_HI21_NC, reloc.PCRel, 4, encADRPNC, true, 0)
	s(elf.R_AARCH64_ADD_ABS_LO12_NC, reloc.PageOff, 4, encAdd12, false, 0)
	s(elf.R_AARCH64_LDST8_ABS_LO12_NC, reloc.PageOff, 4, encLdst, false, 0)
	s(elf.R_AARCH64_LDST16_ABS_LO12_NC, reloc.PageOff, 4, encLdst, false, 1)
	s(elf.R_AARCH64_LDST32_ABS_LO12_NC, reloc.PageOff, 4, encLdst, false, 2)
	s(elf.R_AARCH64_LDST64_ABS_LO12_NC, reloc.PageOff, 4, encLdst, false, 3)
	s(elf.R_AARCH64_LDST128_ABS_LO12_NC, reloc.PageOff, 4, encLdst, false, 4)
	s(elf.R_AARCH64_TSTBR14, reloc.PLTPCRel, 4, encImm14, true, 0)
	s(elf.R_AARCH64_CONDBR19, reloc.PLTPCRel, 4, encImm19, true, 0)
	s(elf.R_AARCH64_JUMP26, reloc.PLTPCRel, 4, encBranch26, true, 0)
	s(elf.R_AARCH64_CALL26, reloc.PLTPCRel, 4, encBranch26, true, 0)
	set(rGotrel64, "R_AARCH64_GOTREL64", reloc.GOTOff, 8, encData64, false, 0)
	set(rGotrel32, "R_AARCH64_GOTREL32", reloc.GOTOff, 4, encData32, false, 0)
	s(elf.R_AARCH64_GOT_LD_PREL19, reloc.GOTPCRel, 4, encImm19, true, 0)
	s(elf.R_AARCH64_ADR_GOT_PAGE, reloc.GOTPCRelX, 4, encADRP, true, 0)
	s(elf.R_AARCH64_LD64_GOT_LO12_NC, reloc.GOTPCRelX, 4, encLdst, false, 3)
	s(elf.R_AARCH64_LD64_GOTPAGE_LO15, reloc.GOTRel, 4, encLdst15, false, 0)
	s(elf.R_AARCH64_LD64_GOTOFF_LO15, reloc.GOTRel, 4, encLdst15, false, 0)

	// TLS.
	s(elf.R_AARCH64_TLSGD_ADR_PAGE21, reloc.TLSGD, 4, encADRP, true, 0)
	s(elf.R_AARCH64_TLSGD_ADD_LO12_NC, reloc.TLSGD, 4, encAdd12, false, 0)
	s(elf.R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21, reloc.GOTTPOff, 4, encADRP, true, 0)
	s(elf.R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC, reloc.GOTTPOff, 4, encLdst, false, 3)
	s(elf.R_AARCH64_TLSIE_LD_GOTTPREL_PREL19, reloc.GOTTPOff, 4, encImm19, true, 0)
	s(elf.R_AARCH64_TLSLE_MOVW_TPREL_G2, reloc.TPOff, 4, encMovwS, false, 2)
	s(elf.R_AARCH64_TLSLE_MOVW_TPREL_G1, reloc.TPOff, 4, encMovwS, false, 1)
	s(elf.R_AARCH64_TLSLE_MOVW_TPREL_G1_NC, reloc.TPOff, 4, encMovwNC, false, 1)
	s(elf.R_AARCH64_TLSLE_MOVW_TPREL_G0, reloc.TPOff, 4, encMovwS, false, 0)
	s(elf.R_AARCH64_TLSLE_MOVW_TPREL_G0_NC, reloc.TPOff, 4, encMovwNC, false, 0)
	s(elf.R_AARCH64_TLSLE_ADD_TPREL_HI12, reloc.TPOff, 4, encAddHi12, false, 0)
	s(elf.R_AARCH64_TLSLE_ADD_TPREL_LO12, reloc.TPOff, 4, encAddLo12Chk, false, 0)
	s(elf.R_AARCH64_TLSLE_ADD_TPREL_LO12_NC, reloc.TPOff, 4, encAdd12, false, 0)
	s(elf.R_AARCH64_TLSLE_LDST128_TPREL_LO12, reloc.TPOff, 4, encLdstChk, false, 4)
	s(elf.R_AARCH64_TLSLE_LDST128_TPREL_LO12_NC, reloc.TPOff, 4, encLdst, false, 4)
	set(rDTPRelG2, "R_AARCH64_TLSLD_MOVW_DTPREL_G2", reloc.DTPOff, 4, encMovwS, false, 2)
	set(rDTPRelG1, "R_AARCH64_TLSLD_MOVW_DTPREL_G1", reloc.DTPOff, 4, encMovwS, false, 1)
	set(rDTPRelG1NC, "R_AARCH64_TLSLD_MOVW_DTPREL_G1_NC", reloc.DTPOff, 4, encMovwNC, false, 1)
	set(rDTPRelG0, "R_AARCH64_TLSLD_MOVW_DTPREL_G0", reloc.DTPOff, 4, encMovwS, false, 0)
	set(rDTPRelG0NC, "R_AARCH64_TLSLD_MOVW_DTPREL_G0_NC", reloc.DTPOff, 4, encMovwNC, false, 0)
	set(rDTPRelHi12, "R_AARCH64_TLSLD_ADD_DTPREL_HI12", reloc.DTPOff, 4, encAddHi12, false, 0)
	set(rDTPRelLo12, "R_AARCH64_TLSLD_ADD_DTPREL_LO12", reloc.DTPOff, 4, encAddLo12Chk, false, 0)
	set(rDTPRelLo12NC, "R_AARCH64_TLSLD_ADD_DTPREL_LO12_NC", reloc.DTPOff, 4, encAdd12, false, 0)
	s(elf.R_AARCH64_TLSLD_LDST128_DTPREL_LO12, reloc.DTPOff, 4, encLdstChk, false, 4)
	s(elf.R_AARCH64_TLSLD_LDST128_DTPREL_LO12_NC, reloc.DTPOff, 4, encLdst, false, 4)
	for sz := uint32(0); sz < 4; sz++ {
		bits := 8 << sz
		set(rDTPRelLdst8+2*sz, fmt.Sprintf("R_AARCH64_TLSLD_LDST%d_DTPREL_LO12", bits), reloc.DTPOff, 4, encLdstChk, false, uint8(sz))
		set(rDTPRelLdst8+2*sz+1, fmt.Sprintf("R_AARCH64_TLSLD_LDST%d_DTPREL_LO12_NC", bits), reloc.DTPOff, 4, encLdst, false, uint8(sz))
		set(rTPRelLdst8+2*sz, fmt.Sprintf("R_AARCH64_TLSLE_LDST%d_TPREL_LO12", bits), reloc.TPOff, 4, encLdstChk, false, uint8(sz))
		set(rTPRelLdst8+2*sz+1, fmt.Sprintf("R_AARCH64_TLSLE_LDST%d_TPREL_LO12_NC", bits), reloc.TPOff, 4, encLdst, false, uint8(sz))
	}
	s(elf.R_AARCH64_TLSDESC_ADR_PAGE21, reloc.TLSDesc, 4, encADRP, true, 0)
	s(elf.R_AARCH64_TLSDESC_LD64_LO12_NC, reloc.TLSDesc, 4, encLdst, false, 3)
	s(elf.R_AARCH64_TLSDESC_ADD_LO12_NC, reloc.TLSDesc, 4, encAdd12, false, 0)
	s(elf.R_AARCH64_TLSDESC_CALL, reloc.TLSDescCall, 4, encNone, false, 0)
	s(elf.R_AARCH64_TLS_DTPREL64, reloc.DTPOff, 8, encData64, false, 0)
}

// Info implements reloc.Arch.
func (*Arch) Info(t uint32) reloc.Info {
	if t < maxType {
		return infos[t]
	}
	return reloc.Info{}
}

var dynTypes = [reloc.NumDynKinds]uint32{
	reloc.DynRelativeKind: uint32(elf.R_AARCH64_RELATIVE),
	reloc.DynGlobDat:      uint32(elf.R_AARCH64_GLOB_DAT),
	reloc.DynJumpSlot:     uint32(elf.R_AARCH64_JUMP_SLOT),
	reloc.DynCopy:         uint32(elf.R_AARCH64_COPY),
	reloc.DynIRelative:    uint32(elf.R_AARCH64_IRELATIVE),
	reloc.DynWord:         uint32(elf.R_AARCH64_ABS64),
	reloc.DynDTPMod:       uint32(elf.R_AARCH64_TLS_DTPMOD64),
	reloc.DynDTPOff:       uint32(elf.R_AARCH64_TLS_DTPREL64),
	reloc.DynTPOff:        uint32(elf.R_AARCH64_TLS_TPREL64),
	reloc.DynTLSDesc:      uint32(elf.R_AARCH64_TLSDESC),
}

// DynType implements reloc.Arch.
func (*Arch) DynType(k reloc.DynKind) uint32 { return dynTypes[k] }

// GOTPLTReserved implements reloc.Arch.
func (*Arch) GOTPLTReserved() int { return 3 }

// TLSRelaxConsumesNext implements reloc.Arch: a relaxed traditional
// general-dynamic sequence rewrites the `bl __tls_get_addr` after its ADD,
// whose CALL26 relocation is then consumed.
func (*Arch) TLSRelaxConsumesNext(t uint32) bool {
	return t == uint32(elf.R_AARCH64_TLSGD_ADD_LO12_NC)
}

// ThreadPointer implements reloc.Arch: variant I, a 16-byte TCB at the
// thread pointer, then the executable's block at its alignment.
func (*Arch) ThreadPointer(tlsStart, memsz, align uint64) uint64 {
	return tlsStart - alignUp(16, align)
}

// LDRelaxRebasesDTPOff implements reloc.Arch: local-dynamic code goes
// through a TLS descriptor of _TLS_MODULE_BASE_, whose relaxation yields the
// block start, so DTPREL offsets stay module-relative.
func (*Arch) LDRelaxRebasesDTPOff() bool { return false }

// Target implements reloc.Arch.
func (*Arch) Target() reloc.Target {
	return reloc.Target{
		DynamicLinker: "/lib/ld-linux-aarch64.so.1",
		LibDirs: []string{"/usr/local/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
			"/usr/local/lib", "/lib", "/usr/lib", "/usr/aarch64-linux-gnu/lib"},
		ExecBase:       0x400000,
		MaxPageSize:    0x10000,
		GOTBaseIsGOT:   true,
		PLTAfterText:   true,
		PropFeatureAnd: 0xc0000000, // GNU_PROPERTY_AARCH64_FEATURE_1_AND
	}
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// CanRelaxGOT implements reloc.Arch. A GOT load is the pair
//
//	adrp xN, :got:sym          ADR_GOT_PAGE
//	ldr  xN, [xN, :got_lo12:sym] LD64_GOT_LO12_NC
//
// which, for a symbol whose address is known in this output, becomes
//
//	adrp xN, sym
//	add  xN, xN, :lo12:sym
//
// or, when sym is within +-1 MiB of the second instruction,
//
//	nop
//	adr  xN, sym
//
// (the ADR alone computes the address, so whichever half is written last,
// the result is right).
//
// Both relocations answer the same question from the same two adjacent
// instructions (one register throughout, no addend), so the pair is
// relaxed together or not at all.
func (*Arch) CanRelaxGOT(t uint32, data []byte, off uint64, addend int64, nonPIC bool) bool {
	if addend != 0 {
		return false
	}
	adrp := off
	switch elf.R_AARCH64(t) {
	case elf.R_AARCH64_ADR_GOT_PAGE:
	case elf.R_AARCH64_LD64_GOT_LO12_NC:
		if off < 4 {
			return false
		}
		adrp = off - 4
	default:
		return false
	}
	if adrp+8 > uint64(len(data)) || adrp%4 != 0 {
		return false
	}
	return gotPair(elfio.U32(data[adrp:]), elfio.U32(data[adrp+4:]))
}

// GOTPair implements link's gotPairer.
func (*Arch) GOTPair(t uint32) (partner uint32, next bool) {
	if t == uint32(elf.R_AARCH64_ADR_GOT_PAGE) {
		return uint32(elf.R_AARCH64_LD64_GOT_LO12_NC), true
	}
	return uint32(elf.R_AARCH64_ADR_GOT_PAGE), false
}

// gotPair: adrp xN followed by ldr xN, [xN, #imm].
func gotPair(adrp, ldr uint32) bool {
	n := rd(adrp)
	return isADRP(adrp) && isLdr64Imm(ldr) && rd(ldr) == n && (ldr>>5)&0x1f == n
}

// relaxGOT rewrites one half of a GOT load pair to the direct form and
// returns the encoding the value then takes (x is the symbol's address,
// p the place's); done: nothing is left to write.
func relaxGOT(sec []byte, r *reloc.RelaArgs, x, p uint64) (e relInfo, done bool, err error) {
	if elf.R_AARCH64(r.Type) == elf.R_AARCH64_ADR_GOT_PAGE {
		switch w := insnAt(sec, r.Offset); {
		case w == insnNop && r.Offset+8 <= uint64(len(sec)) && insnAt(sec, r.Offset+4)&0x9f000000 == 0x10000000:
			return relInfo{}, true, nil // the ldr half became nop; adr
		case !isADRP(w):
			return relInfo{}, true, siteErr(r, "%s: cannot relax instruction 0x%08x", r.Info.Name, w)
		}
		return relInfo{enc: encADRP, pc: true}, false, nil
	}
	w := insnAt(sec, r.Offset)
	if !isLdr64Imm(w) {
		return relInfo{}, true, siteErr(r, "%s: cannot relax instruction 0x%08x", r.Info.Name, w)
	}
	if d := int64(x - p); d >= -1<<20 && d < 1<<20 && r.Offset >= 4 {
		elfio.Put32(sec[r.Offset-4:], insnNop)
		elfio.Put32(sec[r.Offset:], 0x10000000|rd(w)) // adr xN, #0
		return relInfo{enc: encADR, pc: true}, false, nil
	}
	// add xN, xN, #0
	elfio.Put32(sec[r.Offset:], 0x91000000|(w>>5&0x1f)<<5|rd(w))
	return relInfo{enc: encAdd12}, false, nil
}

// value is the relocation's X: what the field encodes before P is
// subtracted.
func value(r *reloc.RelaArgs, v *reloc.Values) (uint64, error) {
	switch r.Info.Kind {
	case reloc.Abs, reloc.PCRel, reloc.PageOff:
		return v.S + uint64(v.A), nil
	case reloc.PLTPCRel:
		return v.L + uint64(v.A), nil
	case reloc.GOTPCRelX:
		if r.Act == reloc.Relax {
			return v.S + uint64(v.A), nil
		}
		return v.G + uint64(v.A), nil
	case reloc.GOTPCRel, reloc.GOTTPOff, reloc.TLSGD, reloc.TLSDesc:
		return v.G + uint64(v.A), nil
	case reloc.GOTRel:
		if r.Type == uint32(elf.R_AARCH64_LD64_GOTPAGE_LO15) {
			return v.G + uint64(v.A) - v.GOT&^0xfff, nil
		}
		return v.G + uint64(v.A) - v.GOT, nil
	case reloc.GOTOff:
		return v.S + uint64(v.A) - v.GOT, nil
	case reloc.TPOff:
		return uint64(v.TP), nil
	case reloc.DTPOff:
		return uint64(v.DTP), nil
	case reloc.Size:
		return v.Z + uint64(v.A), nil
	}
	return 0, siteErr(r, "relocation %s is not supported", r.Info.Name)
}

// Apply implements reloc.Arch.
func (a *Arch) Apply(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	if r.Type >= maxType || !r.Info.Valid {
		return siteErr(r, "unknown relocation type %d", r.Type)
	}
	off := r.Offset
	if uint64(r.Info.Size) > uint64(len(sec)) || off > uint64(len(sec))-uint64(r.Info.Size) {
		return siteErr(r, "relocation %s at offset 0x%x is outside the section (size 0x%x)", r.Info.Name, off, len(sec))
	}
	if r.Info.Kind.IsTLS() && r.TLS != reloc.Keep {
		if done, err := relaxTLS(sec, r, v); done || err != nil {
			return err
		}
	}
	e := encs[r.Type]
	if e.enc == encNone {
		return nil
	}
	x, err := value(r, v)
	if err != nil {
		return err
	}
	if r.Act == reloc.Relax {
		var done bool
		if e, done, err = relaxGOT(sec, r, x, v.P); done || err != nil {
			return err
		}
	}
	if k := r.Info.Kind; v.Unresolved && e.pc && (k == reloc.PCRel || k == reloc.PLTPCRel) {
		// aaelf64: a PC-relative reference to an undefined weak symbol
		// refers to the place itself; a branch goes to the next
		// instruction (any distance from address 0 would be wrong, and
		// may be out of range).
		x = v.P
		if e.enc == encBranch26 || e.enc == encImm19 || e.enc == encImm14 {
			x = v.P + 4
		}
	}
	return e.write(sec, r, x, v.P)
}

// write encodes x into the place at r.Offset.
func (e relInfo) write(sec []byte, r *reloc.RelaArgs, x, p uint64) error {
	b := sec[r.Offset:]
	if e.pc {
		if e.enc == encADRP || e.enc == encADRPNC {
			x = x&^0xfff - p&^0xfff
		} else {
			x -= p
		}
	}
	sx := int64(x)
	switch e.enc {
	case encData64:
		elfio.Put64(b, x)
		return nil
	case encData32:
		if sx < -1<<31 || sx >= 1<<32 {
			return rangeErr(r, sx, -1<<31, 1<<32-1)
		}
		elfio.Put32(b, uint32(x))
		return nil
	case encData16:
		if sx < -1<<15 || sx >= 1<<16 {
			return rangeErr(r, sx, -1<<15, 1<<16-1)
		}
		elfio.Put16(b, uint16(x))
		return nil
	}
	w := elfio.U32(b)
	switch e.enc {
	case encADRP, encADRPNC:
		if e.enc == encADRP && (sx < -1<<32 || sx >= 1<<32) {
			return rangeErr(r, sx, -1<<32, 1<<32-1)
		}
		w = setADRImm(w, sx>>12)
	case encADR:
		if sx < -1<<20 || sx >= 1<<20 {
			return rangeErr(r, sx, -1<<20, 1<<20-1)
		}
		w = setADRImm(w, sx)
	case encAdd12:
		w = setImm12(w, x&0xfff)
	case encAddLo12Chk:
		if x >= 1<<12 {
			return rangeErr(r, sx, 0, 1<<12-1)
		}
		w = setImm12(w, x)
	case encAddHi12:
		if x >= 1<<24 {
			return rangeErr(r, sx, 0, 1<<24-1)
		}
		w = setImm12(w, x>>12)
	case encLdst, encLdstChk:
		if e.enc == encLdstChk && x >= 1<<12 {
			return rangeErr(r, sx, 0, 1<<12-1)
		}
		lo := x & 0xfff
		if lo&(1<<e.shift-1) != 0 {
			return siteErr(r, "relocation %s: offset 0x%x is not a multiple of the access size %d", r.Info.Name, lo, 1<<e.shift)
		}
		w = setImm12(w, lo>>e.shift)
	case encLdst15:
		if x >= 1<<15 || x&7 != 0 {
			return rangeErr(r, sx, 0, 1<<15-8)
		}
		w = setImm12(w, x>>3)
	case encBranch26:
		if sx < -1<<27 || sx >= 1<<27 {
			return rangeErr(r, sx, -1<<27, 1<<27-1)
		}
		w = w&^0x3ffffff | uint32(sx>>2)&0x3ffffff
	case encImm19:
		if sx < -1<<20 || sx >= 1<<20 {
			return rangeErr(r, sx, -1<<20, 1<<20-1)
		}
		if sx&3 != 0 && r.Type == uint32(elf.R_AARCH64_LD_PREL_LO19) {
			return siteErr(r, "relocation %s: literal at offset %d from the load is not 4-byte aligned", r.Info.Name, sx)
		}
		w = w&^(0x7ffff<<5) | (uint32(sx>>2)&0x7ffff)<<5
	case encImm14:
		if sx < -1<<15 || sx >= 1<<15 {
			return rangeErr(r, sx, -1<<15, 1<<15-1)
		}
		w = w&^(0x3fff<<5) | (uint32(sx>>2)&0x3fff)<<5
	case encMovwU:
		if lim := uint64(16 * (int(e.shift) + 1)); lim < 64 && x>>lim != 0 {
			return rangeErr(r, sx, 0, 1<<lim-1)
		}
		w = setImm16(w, x>>(16*e.shift))
	case encMovwNC:
		w = setImm16(w, x>>(16*e.shift))
	case encMovwS:
		lim := 16 * (int(e.shift) + 1)
		if lim < 64 && (sx < -1<<lim || sx >= 1<<lim) {
			return rangeErr(r, sx, -1<<lim, 1<<lim-1)
		}
		if sx >= 0 {
			w |= 1 << 30 // MOVZ
			w = setImm16(w, x>>(16*e.shift))
		} else {
			w &^= 1 << 30 // MOVN
			w = setImm16(w, ^x>>(16*e.shift))
		}
	default:
		return siteErr(r, "relocation %s is not supported", r.Info.Name)
	}
	elfio.Put32(b, w)
	return nil
}

// setADRImm puts a 21-bit immediate into ADR/ADRP's immlo (bits 29-30) and
// immhi (bits 5-23).
func setADRImm(w uint32, imm int64) uint32 {
	u := uint32(imm)
	return w&^(3<<29|0x7ffff<<5) | (u&3)<<29 | ((u>>2)&0x7ffff)<<5
}

func setImm12(w uint32, imm uint64) uint32 { return w&^(0xfff<<10) | (uint32(imm)&0xfff)<<10 }
func setImm16(w uint32, imm uint64) uint32 { return w&^(0xffff<<5) | (uint32(imm)&0xffff)<<5 }

func rangeErr(r *reloc.RelaArgs, v, lo, hi int64) error { return r.RangeError(v, lo, hi) }

func siteErr(r *reloc.RelaArgs, format string, args ...any) error { return r.Errorf(format, args...) }

// Range extension thunks (thunk.go's Config): B/BL reach +-128 MiB.
//
//	short (position-independent, +-4 GiB):  adrp x16, dest; add x16, x16, :lo12:dest; br x16
//	long, position-dependent output:        ldr x16, .+8; br x16; .xword dest
//	long, PIC output (no load-time fixup):  ldr x16, .+16; adr x17, .; add x16, x16, x17; br x16;
//	                                        .xword dest - (address of the adr)
//
// x16 and x17 (IP0, IP1) are the intra-procedure-call scratch registers
// the AAPCS64 reserves for exactly this.
const (
	insnAddX16Lo12  = 0x91000210 // add x16, x16, #0
	insnBrX16       = 0xd61f0200
	insnLdrX16Lit8  = 0x58000050 // ldr x16, .+8
	insnLdrX16Lit16 = 0x58000090 // ldr x16, .+16
	insnAdrX17      = 0x10000011 // adr x17, .
	insnAddX16X17   = 0x8b110210 // add x16, x16, x17
)

// ThunkConfig implements link's thunker. pic: the output may be loaded
// anywhere, so the long form must be PC-relative.
func (*Arch) ThunkConfig(pic bool) reloc.ThunkConfig {
	long := uint64(16)
	if pic {
		long = 24
	}
	return reloc.ThunkConfig{Reach: 1 << 27, ShortReach: 1 << 32, PageRelative: true,
		ShortSize: 12, LongSize: long, PatchSize: 8, PadSize: 8, Margin: 1 << 20, PIC: pic}
}

// Landing pads. In an output marked BTI, a thunk's `br x16` may only land
// on a BTI-compatible instruction (br x16/x17 is BTYPE 01: bti c, bti j,
// bti jc, or paciasp/pacibsp, which act as bti c). Compilers omit the
// marker on functions only ever called directly (GCC 14, recent clang), so
// such a target gets a pad: `bti c; b target`, placed within reach of it.
const (
	insnBTIJ    = 0xd503249f
	insnBTIJC   = 0xd50324df
	insnPACIASP = 0xd503233f
	insnPACIBSP = 0xd503237f
)

// NeedsLandingPad implements link's thunker: target holds the bytes at
// the branch target (nil: unknown, e.g. in a shared library).
func (a *Arch) NeedsLandingPad(target []byte) bool {
	if !a.bti || len(target) < 4 {
		return false
	}
	switch elfio.U32(target) {
	case insnBTIC, insnBTIJ, insnBTIJC, insnPACIASP, insnPACIBSP:
		return false
	}
	return true
}

// WritePad implements link's thunker: bti c; b dest (brk #0 when dest is
// out of reach: a pad no branch uses any more).
func (*Arch) WritePad(buf []byte, at, dest uint64) error {
	elfio.Put32(buf, insnBTIC)
	b, err := EncodeB(at+4, dest)
	if err != nil {
		b = 0xd4200000 // brk #0
	}
	elfio.Put32(buf[4:], b)
	return err
}

// PadName implements link's thunker (lld's name).
func (*Arch) PadName(target string) string { return "__AArch64BTIThunk_" + target }

// ThunkBranch implements link's thunker.
func (*Arch) ThunkBranch(t uint32) bool {
	return t == uint32(elf.R_AARCH64_CALL26) || t == uint32(elf.R_AARCH64_JUMP26)
}

// WriteThunk implements link's thunker.
func (*Arch) WriteThunk(buf []byte, at, dest uint64, long, pic bool) {
	switch {
	case long && pic:
		elfio.Put32(buf, insnLdrX16Lit16)
		elfio.Put32(buf[4:], insnAdrX17)
		elfio.Put32(buf[8:], insnAddX16X17)
		elfio.Put32(buf[12:], insnBrX16)
		elfio.Put64(buf[16:], dest-(at+4))
		return
	case long:
		elfio.Put32(buf, insnLdrX16Lit8)
		elfio.Put32(buf[4:], insnBrX16)
		elfio.Put64(buf[8:], dest)
		return
	}
	elfio.Put32(buf, setADRImm(insnAdrpX16, int64(dest&^0xfff-at&^0xfff)>>12))
	elfio.Put32(buf[4:], setImm12(insnAddX16Lo12, dest&0xfff))
	elfio.Put32(buf[8:], insnBrX16)
}

// ThunkName implements link's thunker (lld's names; lld has no
// position-independent long form).
func (*Arch) ThunkName(target string, long, pic bool) string {
	switch {
	case long && pic:
		return "__AArch64PCLongThunk_" + target
	case long:
		return "__AArch64AbsLongThunk_" + target
	}
	return "__AArch64ADRPThunk_" + target
}

// WriteVeneer implements link's thunker: if the relocated code (placed at
// codeAddr) still has an erratum 843419 sequence ending at offset site, it
// moves that instruction to the veneer at address at (bytes veneer) and
// branches there. Sites come from the input bytes; a relaxation (TLS, GOT)
// may have rewritten the sequence away, and then nothing is patched.
func (*Arch) WriteVeneer(veneer, code []byte, codeAddr uint64, site int, at uint64) (bool, error) {
	if !still843419(code, codeAddr, site) {
		return false, nil
	}
	v, err := Veneer843419(elfio.U32(code[site:]), at, codeAddr+uint64(site)+4)
	if err != nil {
		return false, err
	}
	b, err := EncodeB(codeAddr+uint64(site), at)
	if err != nil {
		return false, err
	}
	copy(veneer, v)
	elfio.Put32(code[site:], b)
	return true, nil
}

// still843419 reports whether the instruction at offset site of code
// completes an erratum sequence whose ADRP is 2 or 3 instructions earlier.
func still843419(code []byte, addr uint64, site int) bool {
	if site < 0 || site+4 > len(code) {
		return false
	}
	for k := 2; k <= 3; k++ {
		adrp := site - 4*k
		if po := (addr + uint64(adrp)) & 0xfff; adrp < 0 || po != 0xff8 && po != 0xffc {
			continue
		}
		var w [4]uint32
		for i := 0; i <= k; i++ {
			w[i] = elfio.U32(code[adrp+4*i:])
		}
		if f, ok := Is843419Sequence(w[:k+1]); ok && f == k {
			return true
		}
	}
	return false
}

// Erratum843419 implements link's thunker (see erratum.go).
func (*Arch) Erratum843419(code []byte, addr uint64) []int { return Erratum843419(code, addr) }
