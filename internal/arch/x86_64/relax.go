package x86_64

import (
	"bytes"
	"debug/elf"
	"encoding/hex"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// Each rewrite here checks the bytes it expects before it changes anything,
// and names the place when the compiler emitted something else. Offsets are
// those of the relocated field; instruction bytes precede it.

// expect checks that sec[start:start+len(want)] equals want.
func expect(sec []byte, r *reloc.RelaArgs, start int64, want []byte, what string) error {
	if start < 0 || start+int64(len(want)) > int64(len(sec)) ||
		!bytes.Equal(sec[start:start+int64(len(want))], want) {
		if start < 0 || start >= int64(len(sec)) {
			return siteErr(r, "%s: expected instruction bytes %s, but the sequence would start outside the section", what, hex.EncodeToString(want))
		}
		end := min(start+int64(len(want)), int64(len(sec)))
		return siteErr(r, "%s: expected instruction bytes %s, found %s", what, hex.EncodeToString(want), hex.EncodeToString(sec[start:end]))
	}
	return nil
}

// CanRelaxGOT implements reloc.Arch. GOTPCRELX allows mov -> lea and
// call/jmp *mem -> direct; REX_GOTPCRELX the mov form.
func (*Arch) CanRelaxGOT(t uint32, data []byte, off uint64, addend int64, nonPIC bool) bool {
	// With another addend the instruction reads from inside the GOT slot;
	// it is not a plain load of the symbol's address.
	if addend != -4 || off < 2 || off+4 > uint64(len(data)) {
		return false
	}
	op, modrm := data[off-2], data[off-1]
	if op == 0x8b && modrm&0xc7 == 0x05 {
		return true // mov foo@GOTPCREL(%rip), %reg
	}
	if t == uint32(elf.R_X86_64_GOTPCRELX) && op == 0xff && (modrm == 0x15 || modrm == 0x25) {
		return true // call/jmp *foo@GOTPCREL(%rip)
	}
	return false
}

// relaxGOTPCRelX rewrites a GOT load to a direct reference (psABI B.2):
//
//	mov foo@GOTPCREL(%rip), %reg  ->  lea foo(%rip), %reg
//	call *foo@GOTPCREL(%rip)      ->  addr32 call foo
//	jmp *foo@GOTPCREL(%rip)       ->  nop; jmp foo
//
// The 32-bit field stays where it was, so the caller writes S + A - P.
func relaxGOTPCRelX(sec []byte, r *reloc.RelaArgs) error {
	off := int64(r.Offset)
	if off < 2 {
		return siteErr(r, "%s: no room for the instruction before the relocation", r.Info.Name)
	}
	op, modrm := sec[off-2], sec[off-1]
	switch {
	case op == 0x8b && modrm&0xc7 == 0x05:
		sec[off-2] = 0x8d
	case op == 0xff && modrm == 0x15:
		sec[off-2], sec[off-1] = 0x67, 0xe8
	case op == 0xff && modrm == 0x25:
		sec[off-2], sec[off-1] = 0x90, 0xe9
	default:
		return siteErr(r, "%s: cannot relax instruction %02x %02x", r.Info.Name, op, modrm)
	}
	return nil
}

// The general-dynamic sequence (16 bytes from off-4):
//
//	66 48 8d 3d <x@tlsgd>     data16 lea x@tlsgd(%rip), %rdi
//	66 66 48 e8 <__tls_get_addr@plt>  data16 data16 rex.W call __tls_get_addr
//
// or, with -fno-plt, the call is `66 48 ff 15 <GOTPCRELX>` (also 16 bytes).
var gdLea = []byte{0x66, 0x48, 0x8d, 0x3d}

func checkGDCall(sec []byte, r *reloc.RelaArgs) error {
	off := int64(r.Offset)
	if off+12 <= int64(len(sec)) {
		c := sec[off+4 : off+8]
		if bytes.Equal(c, []byte{0x66, 0x66, 0x48, 0xe8}) || bytes.Equal(c, []byte{0x66, 0x48, 0xff, 0x15}) {
			return nil
		}
	}
	// Report against the whole call instruction (opcode and operand), so
	// that a sequence cut short at the section end is rejected too.
	return expect(sec, r, off+4, []byte{0x66, 0x66, 0x48, 0xe8, 0, 0, 0, 0}, "TLSGD not followed by call __tls_get_addr")
}

// GCC's -mcmodel=large general- and local-dynamic sequences (22 bytes from
// off-3) call __tls_get_addr through a 64-bit PLT offset:
//
//	48 8d 3d <x@tlsgd>        lea x@tlsgd(%rip), %rdi   (x@tlsld for LD)
//	48 b8 <imm64>             movabs $__tls_get_addr@pltoff, %rax
//	48 01 d8                  add %rbx, %rax            (the GOT register; 4c 01 f8 for %r15)
//	ff d0                     call *%rax
const largeSeqLen = 22

// isLargeTLSSeq reports whether a large-model sequence starts at off-3.
func isLargeTLSSeq(sec []byte, off int64) bool {
	if off < 3 || off-3+largeSeqLen > int64(len(sec)) {
		return false
	}
	b := sec[off-3:]
	return b[0] == 0x48 && b[1] == 0x8d && b[2] == 0x3d &&
		b[7] == 0x48 && b[8] == 0xb8 &&
		(b[17] == 0x48 || b[17] == 0x4c) && b[18] == 0x01 && b[19]&0xc7 == 0xc0 &&
		b[20] == 0xff && b[21] == 0xd0
}

// Multi-byte nops (Intel SDM "Recommended Multi-Byte Sequence of NOP").
var (
	nop6  = []byte{0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00}
	nop10 = []byte{0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00}
)

// gdStart finds the start of a general-dynamic sequence and checks its
// call: the 16-byte small-model form (with call or -fno-plt call *GOT) at
// off-4, or the 22-byte large-model form at off-3.
func gdStart(sec []byte, r *reloc.RelaArgs) (start int64, large bool, err error) {
	off := int64(r.Offset)
	if isLargeTLSSeq(sec, off) && !(off >= 4 && sec[off-4] == 0x66) {
		return off - 3, true, nil
	}
	if err := expect(sec, r, off-4, gdLea, "TLSGD"); err != nil {
		return 0, false, err
	}
	return off - 4, false, checkGDCall(sec, r)
}

// relaxGDToLE: the variable is in the executable's own TLS block.
//
//	mov %fs:0, %rax; lea x@tpoff(%rax), %rax   (+ a 6-byte nop in the large model)
func relaxGDToLE(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	start, large, err := gdStart(sec, r)
	if err != nil {
		return err
	}
	copy(sec[start:], []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80, 0, 0, 0, 0})
	if large {
		copy(sec[start+16:], nop6)
	}
	// A is the PC-relative bias (-4) of the original field, not part of
	// the variable's offset.
	return putS32(sec, r, start+12, v.TP+4)
}

// relaxGDToIE: the variable lives in another module loaded at start-up.
//
//	mov %fs:0, %rax; add x@gottpoff(%rip), %rax   (+ a 6-byte nop in the large model)
func relaxGDToIE(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	start, large, err := gdStart(sec, r)
	if err != nil {
		return err
	}
	copy(sec[start:], []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x03, 0x05, 0, 0, 0, 0})
	if large {
		copy(sec[start+16:], nop6)
	}
	// The new field is at start+12 and is relative to the end of the add.
	field := v.P + uint64(start+12-int64(r.Offset))
	return putS32(sec, r, start+12, int64(v.G-(field+4)))
}

// relaxLDToLE: the module is the executable.
//
//	48 8d 3d <x@tlsld>; e8 <call>       (12 bytes from off-3)
//	-> 66 66 66 64 48 8b 04 25 00 00 00 00   mov %fs:0, %rax
//
// with -fno-plt the call is ff 15 <GOTPCRELX> (13 bytes): one more nop;
// the large-model form (22 bytes, see isLargeTLSSeq) gets a 10-byte nop.
func relaxLDToLE(sec []byte, r *reloc.RelaArgs) error {
	off := int64(r.Offset)
	if err := expect(sec, r, off-3, []byte{0x48, 0x8d, 0x3d}, "TLSLD"); err != nil {
		return err
	}
	le := []byte{0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0}
	switch {
	case isLargeTLSSeq(sec, off):
		copy(sec[off-3:], le)
		copy(sec[off+9:], nop10)
	case off+9 <= int64(len(sec)) && sec[off+4] == 0xe8:
		copy(sec[off-3:], le)
	case off+10 <= int64(len(sec)) && sec[off+4] == 0xff && sec[off+5] == 0x15:
		copy(sec[off-3:], le)
		sec[off+9] = 0x90
	default:
		// Not a call, or the call is cut off by the end of the section.
		return siteErr(r, "TLSLD not followed by call __tls_get_addr (12- or 13-byte sequence expected)")
	}
	return nil
}

// relaxIEToLE rewrites an initial-exec load to an immediate:
//
//	mov x@gottpoff(%rip), %reg  ->  mov $x@tpoff, %reg
//	add x@gottpoff(%rip), %reg  ->  add $x@tpoff, %reg
//
// REX.R (the register's high bit, 0x4c) moves to REX.B (0x49) because the
// register moves from ModRM.reg to ModRM.rm.
func relaxIEToLE(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	off := int64(r.Offset)
	if off < 3 {
		return siteErr(r, "GOTTPOFF: no room for the instruction before the relocation")
	}
	rex, op, modrm := sec[off-3], sec[off-2], sec[off-1]
	if rex&0xfb != 0x48 || modrm&0xc7 != 0x05 || (op != 0x8b && op != 0x03) {
		return siteErr(r, "GOTTPOFF: expected a 64-bit mov or add from x@gottpoff(%%rip) (REX.W 8b/03 modrm), found bytes %02x %02x %02x before the field", rex, op, modrm)
	}
	reg := (modrm >> 3) & 7
	if rex&0x04 != 0 {
		sec[off-3] = 0x49
	} else {
		sec[off-3] = 0x48
	}
	if op == 0x8b {
		sec[off-2] = 0xc7
	} else {
		sec[off-2] = 0x81
	}
	sec[off-1] = 0xc0 | reg
	return putS32(sec, r, off, v.TP+4)
}

// checkTLSDescLea checks `lea x@tlsdesc(%rip), %reg` before the field and
// returns the REX prefix and the register. The ABI passes the descriptor in
// %rax, but compilers may compute it into another register first (gcc
// hoists it out of loops) and copy it to %rax before the call.
func checkTLSDescLea(sec []byte, r *reloc.RelaArgs) (rex, reg byte, err error) {
	off := int64(r.Offset)
	if off < 3 {
		return 0, 0, siteErr(r, "GOTPC32_TLSDESC: no room for the instruction before the relocation")
	}
	rex, op, modrm := sec[off-3], sec[off-2], sec[off-1]
	if rex&0xfb != 0x48 || op != 0x8d || modrm&0xc7 != 0x05 {
		return 0, 0, siteErr(r, "GOTPC32_TLSDESC: expected lea x@tlsdesc(%%rip), %%reg, found %02x %02x %02x", rex, op, modrm)
	}
	return rex, (modrm >> 3) & 7, nil
}

// relaxTLSDescToLE: lea x@tlsdesc(%rip), %reg -> mov $x@tpoff, %reg.
// The register moves from ModRM.reg to ModRM.rm, so REX.R becomes REX.B.
func relaxTLSDescToLE(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	rex, reg, err := checkTLSDescLea(sec, r)
	if err != nil {
		return err
	}
	off := int64(r.Offset)
	if rex&0x04 != 0 {
		sec[off-3] = 0x49
	}
	sec[off-2], sec[off-1] = 0xc7, 0xc0|reg
	return putS32(sec, r, off, v.TP+4)
}

// relaxTLSDescToIE: lea x@tlsdesc(%rip), %reg -> mov x@gottpoff(%rip), %reg.
func relaxTLSDescToIE(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	if _, _, err := checkTLSDescLea(sec, r); err != nil {
		return err
	}
	off := int64(r.Offset)
	sec[off-2] = 0x8b
	return putS32(sec, r, off, int64(v.G+uint64(v.A)-v.P))
}

// relaxTLSDescCall: call *x@tlscall(%rax) -> xchg %ax, %ax (2-byte nop).
func relaxTLSDescCall(sec []byte, r *reloc.RelaArgs) error {
	off := int64(r.Offset)
	if err := expect(sec, r, off, []byte{0xff, 0x10}, "TLSDESC_CALL"); err != nil {
		return err
	}
	sec[off], sec[off+1] = 0x66, 0x90
	return nil
}

func putS32(sec []byte, r *reloc.RelaArgs, at int64, v int64) error {
	if v != int64(int32(v)) {
		return rangeErr(r, v, -1<<31, 1<<31-1)
	}
	elfio.Put32(sec[at:], uint32(int32(v)))
	return nil
}
