package aarch64

import (
	"debug/elf"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// TLS relaxations. Each relocation of a sequence rewrites its own
// instruction, after checking that it is the instruction the psABI's
// sequence has there; only the traditional general-dynamic ADD also
// rewrites the `bl __tls_get_addr; nop` that follows it.
//
// Descriptor sequence (registers fixed by the ABI):
//
//	adrp x0, :tlsdesc:v           TLSDESC_ADR_PAGE21
//	ldr  x1, [x0, :tlsdesc_lo12:v] TLSDESC_LD64_LO12
//	add  x0, x0, :tlsdesc_lo12:v  TLSDESC_ADD_LO12
//	blr  x1                       TLSDESC_CALL
//
// to local exec: movz x0, #:tprel_g1:v; movk x0, #:tprel_g0_nc:v; nop; nop
// to initial exec: adrp x0, :gottprel:v; ldr x0, [x0, :gottprel_lo12:v]; nop; nop
//
// Traditional general dynamic:
//
//	adrp x0, :tlsgd:v; add x0, x0, :tlsgd_lo12:v; bl __tls_get_addr; nop
//
// to local exec: movz x0, #:tprel_g1:v; movk x0, #:tprel_g0_nc:v;
// mrs x1, tpidr_el0; add x0, x1, x0 (to initial exec: adrp/ldr of the
// GOT slot instead of movz/movk).
//
// Initial exec to local exec: adrp xN, :gottprel:v -> movz xN, #:tprel_g1:v
// and ldr xN, [xM, :gottprel_lo12:v] -> movk xN, #:tprel_g0_nc:v.

const (
	insnNop    = 0xd503201f
	insnMovzX0 = 0xd2a00000 // movz x0, #0, lsl #16
	insnMovkX0 = 0xf2800000 // movk x0, #0
	insnAdrpX0 = 0x90000000
	insnLdrX0  = 0xf9400000 // ldr x0, [x0, #0]
	insnMrsTP  = 0xd53bd041 // mrs x1, tpidr_el0
	insnAddX0  = 0x8b000020 // add x0, x1, x0
)

func isLdr64Imm(w uint32) bool             { return w&0xffc00000 == 0xf9400000 }
func isAddImm64(w uint32) bool             { return w&0xff800000 == 0x91000000 }
func isBL(w uint32) bool                   { return w&0xfc000000 == 0x94000000 }
func isBLR(w uint32) bool                  { return w&0xfffffc1f == 0xd63f0000 }
func isADRP(w uint32) bool                 { return w&0x9f000000 == 0x90000000 }
func rd(w uint32) uint32                   { return w & 0x1f }
func insnAt(sec []byte, off uint64) uint32 { return elfio.U32(sec[off:]) }

// CanRelaxToLE implements link's tlsLimiter: the tiny model's
// `ldr xN, :gottprel:v` (a literal load of the GOT slot) has no second
// instruction to build a 32-bit offset in, so it keeps the slot, as GNU
// ld does.
func (*Arch) CanRelaxToLE(t uint32) bool {
	return t != uint32(elf.R_AARCH64_TLSIE_LD_GOTTPREL_PREL19)
}

// tpMovw checks that a local-exec offset fits the movz/movk pair. Offsets
// are positive in variant I; a negative one comes from an undefined weak
// TLS symbol (static glibc's _nl_current_LC_*), whose value code checks
// before use, and is written truncated as GNU ld does.
func tpMovw(r *reloc.RelaArgs, tp int64) error {
	if tp >= 1<<32 {
		return siteErr(r, "%s: TLS offset 0x%x does not fit in 32 bits for the local-exec rewrite", r.Info.Name, tp)
	}
	return nil
}

// relaxTLS rewrites one relocation of a relaxed TLS sequence. done says
// the relocation is fully handled; otherwise the normal encoding follows
// with the (possibly rewritten) instruction.
func relaxTLS(sec []byte, r *reloc.RelaArgs, v *reloc.Values) (done bool, err error) {
	off := r.Offset
	w := insnAt(sec, off)
	tp := v.TP
	bad := func(what string) (bool, error) {
		return true, siteErr(r, "%s: expected %s, found instruction 0x%08x", r.Info.Name, what, w)
	}
	switch elf.R_AARCH64(r.Type) {
	case elf.R_AARCH64_TLSDESC_ADR_PAGE21, elf.R_AARCH64_TLSGD_ADR_PAGE21:
		if !isADRP(w) || rd(w) != 0 {
			return bad("adrp x0")
		}
		if r.TLS == reloc.ToLE {
			if err := tpMovw(r, tp); err != nil {
				return true, err
			}
			elfio.Put32(sec[off:], insnMovzX0|uint32(tp>>16&0xffff)<<5)
			return true, nil
		}
		// ToIE: the same ADRP, now of the GOT slot holding the TP offset.
		return true, (relInfo{enc: encADRP, pc: true}).write(sec, r, v.G, v.P)
	case elf.R_AARCH64_TLSDESC_LD64_LO12_NC:
		if !isLdr64Imm(w) {
			return bad("ldr x1, [x0, #lo12]")
		}
		if r.TLS == reloc.ToLE {
			if err := tpMovw(r, tp); err != nil {
				return true, err
			}
			elfio.Put32(sec[off:], insnMovkX0|uint32(tp&0xffff)<<5)
			return true, nil
		}
		elfio.Put32(sec[off:], insnLdrX0)
		return true, (relInfo{enc: encLdst, shift: 3}).write(sec, r, v.G, v.P)
	case elf.R_AARCH64_TLSDESC_ADD_LO12_NC:
		if !isAddImm64(w) {
			return bad("add x0, x0, #lo12")
		}
		elfio.Put32(sec[off:], insnNop)
		return true, nil
	case elf.R_AARCH64_TLSDESC_CALL:
		if !isBLR(w) {
			return bad("blr")
		}
		elfio.Put32(sec[off:], insnNop)
		return true, nil
	case elf.R_AARCH64_TLSGD_ADD_LO12_NC:
		if !isAddImm64(w) || rd(w) != 0 {
			return bad("add x0, x0, #lo12")
		}
		if off+12 > uint64(len(sec)) || !isBL(insnAt(sec, off+4)) || insnAt(sec, off+8) != insnNop {
			return true, siteErr(r, "%s: expected bl __tls_get_addr; nop after the add", r.Info.Name)
		}
		if r.TLS == reloc.ToLE {
			if err := tpMovw(r, tp); err != nil {
				return true, err
			}
			elfio.Put32(sec[off:], insnMovkX0|uint32(tp&0xffff)<<5)
		} else {
			elfio.Put32(sec[off:], insnLdrX0)
			if err := (relInfo{enc: encLdst, shift: 3}).write(sec, r, v.G, v.P); err != nil {
				return true, err
			}
		}
		elfio.Put32(sec[off+4:], insnMrsTP)
		elfio.Put32(sec[off+8:], insnAddX0)
		return true, nil
	case elf.R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21:
		if !isADRP(w) {
			return bad("adrp")
		}
		if err := tpMovw(r, tp); err != nil {
			return true, err
		}
		elfio.Put32(sec[off:], insnMovzX0|rd(w)|uint32(tp>>16&0xffff)<<5)
		return true, nil
	case elf.R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC:
		if !isLdr64Imm(w) {
			return bad("ldr xN, [xM, #lo12]")
		}
		if err := tpMovw(r, tp); err != nil {
			return true, err
		}
		elfio.Put32(sec[off:], insnMovkX0|rd(w)|uint32(tp&0xffff)<<5)
		return true, nil
	}
	if r.Info.Kind == reloc.DTPOff || r.Info.Kind == reloc.TPOff {
		return false, nil // the value is what changes, not the instruction
	}
	return true, siteErr(r, "relocation %s cannot be relaxed (%s)", r.Info.Name, r.TLS)
}
