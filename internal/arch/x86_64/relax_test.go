package x86_64_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/rivet-linker/rivet/internal/reloc"
)

// All rewrites are tested on a section placed at secAddr, with the
// instruction sequence surrounded by int3 padding that must survive.
const secAddr = 0x401000

const pad = 0xcc

// layout builds pre + code + post padding and returns the section and the
// offset of code within it.
func layout(pre int, code []byte, post int) ([]byte, uint64) {
	sec := bytes.Repeat([]byte{pad}, pre)
	sec = append(sec, code...)
	sec = append(sec, bytes.Repeat([]byte{pad}, post)...)
	return sec, uint64(pre)
}

func checkPadding(t *testing.T, sec []byte, start, end int) {
	t.Helper()
	for i, b := range sec {
		if (i < start || i >= end) && b != pad {
			t.Errorf("byte %d outside the rewritten sequence [%d,%d) changed to %#x", i, start, end, b)
		}
	}
}

func s32(b []byte) int64 { return int64(int32(binary.LittleEndian.Uint32(b))) }

// tlsValues builds Values the way the generic code does (write.go):
// TP = S + A - end of the TLS block, DTP = S + A - start of the block.
func tlsValues(S uint64, A int64, P, G, tlsStart, tlsEnd uint64) reloc.Values {
	return reloc.Values{S: S, A: A, P: P, G: G, TP: int64(S + uint64(A) - tlsEnd), DTP: int64(S + uint64(A) - tlsStart)}
}

// ---- GOTPCRELX

func TestRelaxGOTPCRelX(t *testing.T) {
	const S = 0x405678
	cases := []struct {
		name string
		typ  elf.R_X86_64
		in   []byte // instruction bytes before the 4-byte field
		out  []byte
		insn func(target uint64) []string
		// branch: the target is a relative branch, not a RIP operand
		branch bool
	}{
		{"mov rax", elf.R_X86_64_REX_GOTPCRELX, []byte{0x48, 0x8b, 0x05}, []byte{0x48, 0x8d, 0x05},
			func(d uint64) []string { return []string{"lea rax, [rip+%#x]"} }, false},
		{"mov r11", elf.R_X86_64_REX_GOTPCRELX, []byte{0x4c, 0x8b, 0x1d}, []byte{0x4c, 0x8d, 0x1d},
			func(d uint64) []string { return []string{"lea r11, [rip+%#x]"} }, false},
		{"mov r15", elf.R_X86_64_REX_GOTPCRELX, []byte{0x4c, 0x8b, 0x3d}, []byte{0x4c, 0x8d, 0x3d},
			func(d uint64) []string { return []string{"lea r15, [rip+%#x]"} }, false},
		{"mov rsp", elf.R_X86_64_REX_GOTPCRELX, []byte{0x48, 0x8b, 0x25}, []byte{0x48, 0x8d, 0x25},
			func(d uint64) []string { return []string{"lea rsp, [rip+%#x]"} }, false},
		{"mov eax (no REX)", elf.R_X86_64_GOTPCRELX, []byte{0x8b, 0x05}, []byte{0x8d, 0x05},
			func(d uint64) []string { return []string{"lea eax, [rip+%#x]"} }, false},
		{"call", elf.R_X86_64_GOTPCRELX, []byte{0xff, 0x15}, []byte{0x67, 0xe8},
			func(d uint64) []string { return []string{fmt.Sprintf("addr32 call %#x", d)} }, true},
		{"jmp", elf.R_X86_64_GOTPCRELX, []byte{0xff, 0x25}, []byte{0x90, 0xe9},
			func(d uint64) []string { return []string{"nop", fmt.Sprintf("jmp %#x", d)} }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := append(append([]byte{}, tc.in...), 0, 0, 0, 0)
			if !arch.CanRelaxGOT(uint32(tc.typ), code, uint64(len(tc.in)), -4, true) ||
				!arch.CanRelaxGOT(uint32(tc.typ), code, uint64(len(tc.in)), -4, false) {
				t.Errorf("CanRelaxGOT(% x) = false", tc.in)
			}
			sec, start := layout(5, code, 3)
			off := start + uint64(len(tc.in))
			P := secAddr + off
			v := reloc.Values{S: S, A: -4, P: P, G: 0x409000}
			if err := apply(sec, rela(tc.typ, off, reloc.Relax, reloc.Keep), &v); err != nil {
				t.Fatal(err)
			}
			if got := sec[start:off]; !bytes.Equal(got, tc.out) {
				t.Errorf("instruction bytes % x, want % x", got, tc.out)
			}
			if got, want := s32(sec[off:]), int64(S)-4-int64(P); got != want {
				t.Errorf("field = %#x, want S+A-P = %#x", got, want)
			}
			checkPadding(t, sec, int(start), int(off+4))
			d := decodeAll(t, sec[start:off+4], secAddr+start)
			want := tc.insn(S)
			if !tc.branch {
				disp := int64(S) - int64(P+4)
				want[0] = fmt.Sprintf(want[0], disp)
				if got := d[0].ripTarget(t); got != S {
					t.Errorf("lea refers to %#x, want the symbol %#x", got, uint64(S))
				}
			} else if got := d[len(d)-1].relTarget(t); got != S {
				t.Errorf("branch goes to %#x, want the symbol %#x", got, uint64(S))
			}
			wantInsns(t, d, want...)
		})
	}
}

// Without relaxation the instruction stays and the field addresses the
// GOT slot.
func TestGOTPCRelXNotRelaxed(t *testing.T) {
	code := []byte{0x48, 0x8b, 0x05, 0, 0, 0, 0}
	sec, start := layout(2, code, 2)
	off := start + 3
	P := secAddr + off
	const G = 0x403ff8
	v := reloc.Values{S: 0x405000, A: -4, P: P, G: G}
	if err := apply(sec, rela(elf.R_X86_64_REX_GOTPCRELX, off, reloc.GOT, reloc.Keep), &v); err != nil {
		t.Fatal(err)
	}
	d := decodeAll(t, sec[start:off+4], secAddr+start)
	wantInsns(t, d, fmt.Sprintf("mov rax, [rip+%#x]", int64(G)-int64(P+4)))
	if got := d[0].ripTarget(t); got != G {
		t.Errorf("mov loads from %#x, want the GOT slot %#x", got, uint64(G))
	}
}

func TestRelaxGOTPCRelXRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  elf.R_X86_64
		in   []byte
	}{
		{"add from GOT", elf.R_X86_64_REX_GOTPCRELX, []byte{0x48, 0x03, 0x05}},
		{"push *GOT", elf.R_X86_64_GOTPCRELX, []byte{0xff, 0x35}},
		{"mov with SIB", elf.R_X86_64_REX_GOTPCRELX, []byte{0x48, 0x8b, 0x04}},
		{"store", elf.R_X86_64_REX_GOTPCRELX, []byte{0x48, 0x89, 0x05}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := append(append([]byte{}, tc.in...), 0, 0, 0, 0)
			sec, start := layout(0, code, 0)
			off := start + uint64(len(tc.in))
			v := reloc.Values{S: 0x405000, A: -4, P: secAddr + off}
			err := apply(sec, rela(tc.typ, off, reloc.Relax, reloc.Keep), &v)
			wantSiteErr(t, err, tc.typ.String())
		})
	}
	// No room for the opcode before the field.
	sec := []byte{0x05, 0, 0, 0, 0}
	v := reloc.Values{S: 0x405000, A: -4, P: secAddr + 1}
	wantSiteErr(t, apply(sec, rela(elf.R_X86_64_GOTPCRELX, 1, reloc.Relax, reloc.Keep), &v))
}

func TestCanRelaxGOT(t *testing.T) {
	x, rx := uint32(elf.R_X86_64_GOTPCRELX), uint32(elf.R_X86_64_REX_GOTPCRELX)
	field := []byte{0, 0, 0, 0}
	with := func(in ...byte) []byte { return append(append([]byte{}, in...), field...) }
	cases := []struct {
		name string
		typ  uint32
		data []byte
		off  uint64
		want bool
	}{
		{"mov rax (REX)", rx, with(0x48, 0x8b, 0x05), 3, true},
		{"mov r11 (REX.R)", rx, with(0x4c, 0x8b, 0x1d), 3, true},
		{"mov eax", x, with(0x8b, 0x05), 2, true},
		{"call *GOT", x, with(0xff, 0x15), 2, true},
		{"jmp *GOT", x, with(0xff, 0x25), 2, true},
		{"call *GOT with REX_GOTPCRELX", rx, with(0x41, 0xff, 0x15), 3, false},
		{"jmp *GOT with REX_GOTPCRELX", rx, with(0x41, 0xff, 0x25), 3, false},
		{"add from GOT", rx, with(0x48, 0x03, 0x05), 3, false},
		{"test", rx, with(0x48, 0x85, 0x05), 3, false},
		{"push *GOT", x, with(0xff, 0x35), 2, false},
		{"mov not RIP-relative (SIB)", rx, with(0x48, 0x8b, 0x04), 3, false},
		{"mov not RIP-relative (disp8)", rx, with(0x48, 0x8b, 0x45), 3, false},
		{"offset 1: no room for opcode", x, []byte{0x05, 0, 0, 0, 0}, 1, false},
		{"offset 0", x, field, 0, false},
		{"field past the end", rx, []byte{0x48, 0x8b, 0x05, 0, 0}, 3, false},
		{"offset past the end", rx, with(0x48, 0x8b, 0x05), 100, false},
	}
	for _, tc := range cases {
		for _, nonPIC := range []bool{true, false} {
			if got := arch.CanRelaxGOT(tc.typ, tc.data, tc.off, -4, nonPIC); got != tc.want {
				t.Errorf("%s (nonPIC=%v): CanRelaxGOT = %v, want %v", tc.name, nonPIC, got, tc.want)
			}
		}
	}
}

// CanRelaxGOT is only asked about GOTPCRELX types, but a bad type must not
// crash the linker.
func TestCanRelaxGOTUnknownType(t *testing.T) {
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("CanRelaxGOT(200, call *GOT) panicked: %v", p)
		}
	}()
	if arch.CanRelaxGOT(200, []byte{0xff, 0x15, 0, 0, 0, 0}, 2, -4, true) {
		t.Errorf("CanRelaxGOT(200, ...) = true")
	}
}

// ---- General dynamic

var (
	gdSeq = []byte{
		0x66, 0x48, 0x8d, 0x3d, 0, 0, 0, 0, // data16 lea x@tlsgd(%rip), %rdi
		0x66, 0x66, 0x48, 0xe8, 0, 0, 0, 0, // data16 data16 rex.W call __tls_get_addr@PLT
	}
	gdSeqNoPLT = []byte{
		0x66, 0x48, 0x8d, 0x3d, 0, 0, 0, 0, // data16 lea x@tlsgd(%rip), %rdi
		0x66, 0x48, 0xff, 0x15, 0, 0, 0, 0, // data16 call *__tls_get_addr@GOTPCREL(%rip)
	}
)

// TLS block [tlsStart, tlsEnd); x sits 0x10 below its end, so its variant
// II TP offset is -0x10.
const (
	tlsStart = 0x404000
	tlsEnd   = 0x404100
	tlsX     = tlsEnd - 0x10
	ieSlot   = 0x403ff0 // GOT slot holding x's TP offset
)

func TestGDToLE(t *testing.T) {
	for name, seq := range map[string][]byte{"plt": gdSeq, "fno-plt": gdSeqNoPLT} {
		t.Run(name, func(t *testing.T) {
			sec, start := layout(4, seq, 2)
			off := start + 4 // the TLSGD field
			v := tlsValues(tlsX, -4, secAddr+off, 0, tlsStart, tlsEnd)
			if err := apply(sec, rela(elf.R_X86_64_TLSGD, off, reloc.TLS, reloc.ToLE), &v); err != nil {
				t.Fatal(err)
			}
			want := []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80, 0xf0, 0xff, 0xff, 0xff}
			if got := sec[start : start+16]; !bytes.Equal(got, want) {
				t.Errorf("rewritten to % x, want % x", got, want)
			}
			checkPadding(t, sec, int(start), int(start+16))
			if got := s32(sec[off+8:]); got != -0x10 {
				t.Errorf("tpoff = %#x, want x - end of TLS block = -0x10 (the addend -4 is the PC bias of the old field)", got)
			}
			d := decodeAll(t, sec[start:start+16], secAddr+start)
			wantInsns(t, d, "mov rax, fs:[0x0]", "lea rax, [rax-0x10]")
		})
	}
}

func TestGDToIE(t *testing.T) {
	for name, seq := range map[string][]byte{"plt": gdSeq, "fno-plt": gdSeqNoPLT} {
		t.Run(name, func(t *testing.T) {
			sec, start := layout(4, seq, 2)
			off := start + 4
			P := secAddr + off
			v := tlsValues(tlsX, -4, P, ieSlot, tlsStart, tlsEnd)
			if err := apply(sec, rela(elf.R_X86_64_TLSGD, off, reloc.TLS, reloc.ToIE), &v); err != nil {
				t.Fatal(err)
			}
			want := []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x03, 0x05}
			if got := sec[start : start+12]; !bytes.Equal(got, want) {
				t.Errorf("rewritten to % x, want % x", got, want)
			}
			checkPadding(t, sec, int(start), int(start+16))
			// The add ends 16 bytes after the sequence start = P + 12.
			disp := int64(ieSlot) - int64(P+12)
			if got := s32(sec[off+8:]); got != disp {
				t.Errorf("disp = %#x, want %#x", got, disp)
			}
			d := decodeAll(t, sec[start:start+16], secAddr+start)
			wantInsns(t, d, "mov rax, fs:[0x0]", fmt.Sprintf("add rax, [rip%s]", signed(disp)))
			if got := d[1].ripTarget(t); got != ieSlot {
				t.Errorf("add reads %#x, want the IE GOT slot %#x", got, uint64(ieSlot))
			}
		})
	}
}

func signed(v int64) string {
	if v < 0 {
		return hexs(v)
	}
	return "+" + hexs(v)
}

func TestGDRejects(t *testing.T) {
	bad := func(mod func([]byte)) []byte {
		b := append([]byte{}, gdSeq...)
		mod(b)
		return b
	}
	cases := []struct {
		name  string
		code  []byte
		extra string
	}{
		{"lea without data16", bad(func(b []byte) { b[0] = 0x90 }), "TLSGD"},
		{"lea into rsi", bad(func(b []byte) { b[3] = 0x35 }), "TLSGD"},
		{"not followed by call", bad(func(b []byte) { b[11] = 0x90 }), "TLSGD not followed by call"},
		{"call without prefixes", bad(func(b []byte) { b[8], b[9], b[10] = 0x90, 0x90, 0x90 }), "TLSGD not followed by call"},
		{"indirect call through rax", bad(func(b []byte) { copy(b[8:], []byte{0x66, 0x48, 0xff, 0xd0}) }), "TLSGD not followed by call"},
		{"section ends after the lea", gdSeq[:8], "TLSGD not followed by call"},
		// The call opcode is there but its 4-byte target is cut off.
		{"section ends inside the call", gdSeq[:14], "TLSGD"},
		{"section ends right after the call opcode", gdSeq[:12], "TLSGD"},
	}
	for _, tc := range cases {
		for _, to := range []reloc.TLSAction{reloc.ToLE, reloc.ToIE} {
			t.Run(tc.name+"/"+to.String(), func(t *testing.T) {
				sec := append([]byte{}, tc.code...)
				off := uint64(4)
				v := tlsValues(tlsX, -4, secAddr+off, ieSlot, tlsStart, tlsEnd)
				wantSiteErr(t, apply(sec, rela(elf.R_X86_64_TLSGD, off, reloc.TLS, to), &v), tc.extra)
			})
		}
	}
	// The lea must start 4 bytes before the field.
	v := tlsValues(tlsX, -4, secAddr+2, ieSlot, tlsStart, tlsEnd)
	wantSiteErr(t, apply(append([]byte{}, gdSeq[2:]...), rela(elf.R_X86_64_TLSGD, 2, reloc.TLS, reloc.ToLE), &v), "TLSGD")
}

// ---- Local dynamic

var (
	ldSeq = []byte{
		0x48, 0x8d, 0x3d, 0, 0, 0, 0, // lea x@tlsld(%rip), %rdi
		0xe8, 0, 0, 0, 0, // call __tls_get_addr@PLT
	}
	ldSeqNoPLT = []byte{
		0x48, 0x8d, 0x3d, 0, 0, 0, 0, // lea x@tlsld(%rip), %rdi
		0xff, 0x15, 0, 0, 0, 0, // call *__tls_get_addr@GOTPCREL(%rip)
	}
)

func TestLDToLE(t *testing.T) {
	cases := []struct {
		name  string
		seq   []byte
		want  []byte
		insns []string
	}{
		{"plt", ldSeq, []byte{0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0},
			[]string{"mov rax, fs:[0x0]"}},
		{"fno-plt", ldSeqNoPLT, []byte{0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x90},
			[]string{"mov rax, fs:[0x0]", "nop"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sec, start := layout(1, tc.seq, 1)
			off := start + 3
			v := tlsValues(tlsX, -4, secAddr+off, 0, tlsStart, tlsEnd)
			if err := apply(sec, rela(elf.R_X86_64_TLSLD, off, reloc.TLS, reloc.ToLE), &v); err != nil {
				t.Fatal(err)
			}
			end := start + uint64(len(tc.seq))
			if got := sec[start:end]; !bytes.Equal(got, tc.want) {
				t.Errorf("rewritten to % x, want % x", got, tc.want)
			}
			checkPadding(t, sec, int(start), int(end))
			d := decodeAll(t, sec[start:end], secAddr+start)
			wantInsns(t, d, tc.insns...)
			if d[0].inst.Len != 12 {
				t.Errorf("mov is %d bytes, want 12 (three data16 prefixes)", d[0].inst.Len)
			}
		})
	}
}

// After LD->LE the DTPOFF32 in "lea x@dtpoff(%rax), %rcx" becomes x's TP
// offset, since %rax now holds the thread pointer.
func TestLDToLEThenDTPOff(t *testing.T) {
	code := append(append([]byte{}, ldSeq...), 0x48, 0x8d, 0x88, 0, 0, 0, 0) // lea x@dtpoff(%rax), %rcx
	sec, start := layout(0, code, 0)
	ldOff, dtpOff := start+3, start+15
	v := tlsValues(tlsX, -4, secAddr+ldOff, 0, tlsStart, tlsEnd)
	if err := apply(sec, rela(elf.R_X86_64_TLSLD, ldOff, reloc.TLS, reloc.ToLE), &v); err != nil {
		t.Fatal(err)
	}
	v = tlsValues(tlsX, 0, secAddr+dtpOff, 0, tlsStart, tlsEnd)
	if err := apply(sec, rela(elf.R_X86_64_DTPOFF32, dtpOff, reloc.TLS, reloc.ToLE), &v); err != nil {
		t.Fatal(err)
	}
	d := decodeAll(t, sec, secAddr)
	wantInsns(t, d, "mov rax, fs:[0x0]", "lea rcx, [rax-0x10]")
}

func TestLDRejects(t *testing.T) {
	bad := func(seq []byte, mod func([]byte)) []byte {
		b := append([]byte{}, seq...)
		mod(b)
		return b
	}
	cases := []struct {
		name  string
		code  []byte
		extra string
	}{
		{"lea into rsi", bad(ldSeq, func(b []byte) { b[2] = 0x35 }), "TLSLD"},
		{"no REX.W", bad(ldSeq, func(b []byte) { b[0] = 0x90 }), "TLSLD"},
		{"not followed by call", bad(ldSeq, func(b []byte) { b[7] = 0x90 }), "TLSLD not followed by call"},
		{"ff but not call *rip", bad(ldSeqNoPLT, func(b []byte) { b[8] = 0x25 }), "TLSLD not followed by call"},
		{"section ends after the lea", ldSeq[:7], "TLSLD"},
		// The call's opcode is there but its operand is cut off: the
		// sequence is incomplete and must not be half rewritten.
		{"section ends after e8", ldSeq[:8], "TLSLD"},
		{"section ends inside the call", ldSeq[:10], "TLSLD"},
		{"fno-plt: section ends after ff 15", ldSeqNoPLT[:9], "TLSLD"},
		{"fno-plt: section ends inside the call", ldSeqNoPLT[:12], "TLSLD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sec := append([]byte{}, tc.code...)
			v := tlsValues(tlsX, -4, secAddr+3, 0, tlsStart, tlsEnd)
			wantSiteErr(t, apply(sec, rela(elf.R_X86_64_TLSLD, 3, reloc.TLS, reloc.ToLE), &v), tc.extra)
		})
	}
}

// ---- Initial exec -> local exec

func TestIEToLEAllRegisters(t *testing.T) {
	for _, op := range []struct {
		name     string
		in, out  byte
		mnemonic string
	}{
		{"mov", 0x8b, 0xc7, "mov"}, // mov x@gottpoff(%rip), %reg -> mov $x@tpoff, %reg
		{"add", 0x03, 0x81, "add"}, // add x@gottpoff(%rip), %reg -> add $x@tpoff, %reg
	} {
		for reg := 0; reg < 16; reg++ {
			t.Run(fmt.Sprintf("%s/%s", op.name, regNames[reg]), func(t *testing.T) {
				rex := byte(0x48)
				if reg >= 8 {
					rex |= 0x04 // REX.R: register in ModRM.reg
				}
				in := []byte{rex, op.in, 0x05 | byte(reg&7)<<3, 0, 0, 0, 0}
				// Check the input really is what the compiler emits.
				din := decodeAll(t, in, 0)
				wantInsns(t, din, fmt.Sprintf("%s %s, [rip]", op.mnemonic, regNames[reg]))

				sec, start := layout(2, in, 2)
				off := start + 3
				v := tlsValues(tlsX, -4, secAddr+off, 0, tlsStart, tlsEnd)
				if err := apply(sec, rela(elf.R_X86_64_GOTTPOFF, off, reloc.TLS, reloc.ToLE), &v); err != nil {
					t.Fatal(err)
				}
				wantRex := byte(0x48)
				if reg >= 8 {
					wantRex |= 0x01 // REX.B: register moved to ModRM.rm
				}
				want := []byte{wantRex, op.out, 0xc0 | byte(reg&7), 0xf0, 0xff, 0xff, 0xff}
				if got := sec[start : off+4]; !bytes.Equal(got, want) {
					t.Errorf("rewritten to % x, want % x", got, want)
				}
				checkPadding(t, sec, int(start), int(off+4))
				d := decodeAll(t, sec[start:off+4], secAddr+start)
				wantInsns(t, d, fmt.Sprintf("%s %s, -0x10", op.mnemonic, regNames[reg]))
			})
		}
	}
}

// The two registers whose encodings are special elsewhere, spelled out.
func TestIEToLESpecialRegisters(t *testing.T) {
	cases := []struct{ in, out []byte }{
		{[]byte{0x48, 0x8b, 0x25}, []byte{0x48, 0xc7, 0xc4}}, // mov ..., %rsp
		{[]byte{0x48, 0x03, 0x25}, []byte{0x48, 0x81, 0xc4}}, // add ..., %rsp
		{[]byte{0x4c, 0x8b, 0x25}, []byte{0x49, 0xc7, 0xc4}}, // mov ..., %r12
		{[]byte{0x4c, 0x03, 0x25}, []byte{0x49, 0x81, 0xc4}}, // add ..., %r12
	}
	for _, tc := range cases {
		sec := append(append([]byte{}, tc.in...), 0, 0, 0, 0)
		v := tlsValues(tlsX, -4, secAddr+3, 0, tlsStart, tlsEnd)
		if err := apply(sec, rela(elf.R_X86_64_GOTTPOFF, 3, reloc.TLS, reloc.ToLE), &v); err != nil {
			t.Errorf("% x: %v", tc.in, err)
			continue
		}
		if !bytes.Equal(sec[:3], tc.out) || s32(sec[3:]) != -0x10 {
			t.Errorf("% x -> % x, want % x with imm -0x10", tc.in, sec, tc.out)
		}
	}
}

func TestIEKeep(t *testing.T) {
	in := []byte{0x48, 0x8b, 0x05, 0, 0, 0, 0}
	sec := append([]byte{}, in...)
	v := tlsValues(tlsX, -4, secAddr+3, ieSlot, tlsStart, tlsEnd)
	if err := apply(sec, rela(elf.R_X86_64_GOTTPOFF, 3, reloc.TLS, reloc.Keep), &v); err != nil {
		t.Fatal(err)
	}
	d := decodeAll(t, sec, secAddr)
	if d[0].inst.Op.String() != "MOV" || d[0].ripTarget(t) != ieSlot {
		t.Errorf("got %q loading %#x, want mov from the IE slot %#x", d[0].text, d[0].ripTarget(t), uint64(ieSlot))
	}
}

func TestIEToLERejects(t *testing.T) {
	cases := []struct {
		name string
		sec  []byte
		off  uint64
	}{
		{"sub", []byte{0x48, 0x2b, 0x05, 0, 0, 0, 0}, 3},
		{"store", []byte{0x48, 0x89, 0x05, 0, 0, 0, 0}, 3},
		{"SIB, not RIP-relative", []byte{0x48, 0x8b, 0x04, 0, 0, 0, 0}, 3},
		{"32-bit mov (no REX.W)", []byte{0x90, 0x8b, 0x05, 0, 0, 0, 0}, 3},
		{"REX.B set", []byte{0x49, 0x8b, 0x05, 0, 0, 0, 0}, 3},
		{"no room for the instruction", []byte{0x8b, 0x05, 0, 0, 0, 0}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tlsValues(tlsX, -4, secAddr+tc.off, 0, tlsStart, tlsEnd)
			wantSiteErr(t, apply(append([]byte{}, tc.sec...), rela(elf.R_X86_64_GOTTPOFF, tc.off, reloc.TLS, reloc.ToLE), &v), "GOTTPOFF")
		})
	}
}

// ---- TLS descriptors

var descSeq = []byte{
	0x48, 0x8d, 0x05, 0, 0, 0, 0, // lea x@tlsdesc(%rip), %rax
	0xff, 0x10, // call *x@tlscall(%rax)
}

func applyDesc(t *testing.T, to reloc.TLSAction) ([]byte, uint64) {
	t.Helper()
	sec, start := layout(3, descSeq, 3)
	off := start + 3
	v := tlsValues(tlsX, -4, secAddr+off, ieSlot, tlsStart, tlsEnd)
	if to == reloc.Keep {
		v.G = 0x403fc0 // the descriptor pair
	}
	if err := apply(sec, rela(elf.R_X86_64_GOTPC32_TLSDESC, off, reloc.TLS, to), &v); err != nil {
		t.Fatal(err)
	}
	v = tlsValues(tlsX, 0, secAddr+off+4, ieSlot, tlsStart, tlsEnd)
	if err := apply(sec, rela(elf.R_X86_64_TLSDESC_CALL, off+4, reloc.TLS, to), &v); err != nil {
		t.Fatal(err)
	}
	checkPadding(t, sec, int(start), int(start)+len(descSeq))
	return sec[start : start+uint64(len(descSeq))], secAddr + start
}

func TestTLSDescToLE(t *testing.T) {
	code, pc := applyDesc(t, reloc.ToLE)
	want := []byte{0x48, 0xc7, 0xc0, 0xf0, 0xff, 0xff, 0xff, 0x66, 0x90}
	if !bytes.Equal(code, want) {
		t.Errorf("rewritten to % x, want % x", code, want)
	}
	wantInsns(t, decodeAll(t, code, pc), "mov rax, -0x10", "nop")
}

func TestTLSDescToIE(t *testing.T) {
	code, pc := applyDesc(t, reloc.ToIE)
	if !bytes.Equal(code[:3], []byte{0x48, 0x8b, 0x05}) || !bytes.Equal(code[7:], []byte{0x66, 0x90}) {
		t.Errorf("rewritten to % x, want 48 8b 05 <disp> 66 90", code)
	}
	d := decodeAll(t, code, pc)
	disp := int64(ieSlot) - int64(pc+7)
	wantInsns(t, d, fmt.Sprintf("mov rax, [rip%s]", signed(disp)), "nop")
	if got := d[0].ripTarget(t); got != ieSlot {
		t.Errorf("mov loads %#x, want the IE GOT slot %#x", got, uint64(ieSlot))
	}
}

// gcc hoists the descriptor address into another register (seen: %r13)
// and copies it to %rax before the call; ld.bfd relaxes such leas too.
func TestTLSDescOtherRegisters(t *testing.T) {
	cases := []struct {
		name     string
		lea      []byte
		le, ie   []byte
		leI, ieI string
	}{
		{"rcx", []byte{0x48, 0x8d, 0x0d}, []byte{0x48, 0xc7, 0xc1}, []byte{0x48, 0x8b, 0x0d}, "mov rcx, -0x10", "mov rcx, [rip"},
		{"r13", []byte{0x4c, 0x8d, 0x2d}, []byte{0x49, 0xc7, 0xc5}, []byte{0x4c, 0x8b, 0x2d}, "mov r13, -0x10", "mov r13, [rip"},
	}
	for _, tc := range cases {
		for _, to := range []reloc.TLSAction{reloc.ToLE, reloc.ToIE} {
			t.Run(tc.name+"/"+to.String(), func(t *testing.T) {
				code := append(append([]byte{}, tc.lea...), 0, 0, 0, 0)
				sec, start := layout(3, code, 3)
				off := start + 3
				v := tlsValues(tlsX, -4, secAddr+off, ieSlot, tlsStart, tlsEnd)
				if err := apply(sec, rela(elf.R_X86_64_GOTPC32_TLSDESC, off, reloc.TLS, to), &v); err != nil {
					t.Fatal(err)
				}
				got := sec[start : start+7]
				want, insn := tc.le, tc.leI
				if to == reloc.ToIE {
					want, insn = tc.ie, tc.ieI
				}
				if !bytes.Equal(got[:3], want) {
					t.Errorf("rewritten to % x, want % x ...", got, want)
				}
				d := decodeAll(t, got, secAddr+start)
				if len(d) != 1 || !strings.HasPrefix(d[0].text, insn) {
					t.Errorf("decodes to %v, want %q...", d, insn)
				}
			})
		}
	}
}

func TestTLSDescKeep(t *testing.T) {
	code, pc := applyDesc(t, reloc.Keep)
	d := decodeAll(t, code, pc)
	wantInsns(t, d, fmt.Sprintf("lea rax, [rip%s]", signed(int64(0x403fc0)-int64(pc+7))), "call [rax]")
	if got := d[0].ripTarget(t); got != 0x403fc0 {
		t.Errorf("lea addresses %#x, want the descriptor %#x", got, 0x403fc0)
	}
}

func TestTLSDescRejects(t *testing.T) {
	for _, to := range []reloc.TLSAction{reloc.ToLE, reloc.ToIE} {
		for _, tc := range []struct {
			name string
			code []byte
		}{
			{"already a mov", []byte{0x48, 0x8b, 0x05, 0, 0, 0, 0}},
			{"not rip-relative", []byte{0x48, 0x8d, 0x41, 0, 0, 0, 0}},
			{"no room", []byte{0x8d, 0x05, 0, 0, 0, 0}},
		} {
			off := uint64(len(tc.code) - 4)
			v := tlsValues(tlsX, -4, secAddr+off, ieSlot, tlsStart, tlsEnd)
			t.Run(tc.name+"/"+to.String(), func(t *testing.T) {
				wantSiteErr(t, apply(append([]byte{}, tc.code...), rela(elf.R_X86_64_GOTPC32_TLSDESC, off, reloc.TLS, to), &v), "GOTPC32_TLSDESC")
			})
		}
		for _, tc := range []struct {
			name string
			code []byte
		}{
			{"call through rcx", []byte{0xff, 0x11}},
			{"jmp", []byte{0xff, 0x20}},
			{"cut off", []byte{0xff}},
			{"empty", []byte{}},
		} {
			v := reloc.Values{}
			t.Run("call "+tc.name+"/"+to.String(), func(t *testing.T) {
				wantSiteErr(t, apply(append([]byte{}, tc.code...), rela(elf.R_X86_64_TLSDESC_CALL, 0, reloc.TLS, to), &v), "TLSDESC_CALL")
			})
		}
	}
}

// A GOT load with an addend other than the PC bias (-4) reads from inside
// the slot: it is not a load of the symbol's address and must keep the GOT.
func TestCanRelaxGOTAddend(t *testing.T) {
	code := []byte{0x48, 0x8b, 0x05, 0, 0, 0, 0}
	if !arch.CanRelaxGOT(uint32(elf.R_X86_64_REX_GOTPCRELX), code, 3, -4, false) {
		t.Errorf("addend -4: CanRelaxGOT = false, want true")
	}
	if arch.CanRelaxGOT(uint32(elf.R_X86_64_REX_GOTPCRELX), code, 3, 0, false) {
		t.Errorf("addend 0: CanRelaxGOT = true, want false")
	}
}
