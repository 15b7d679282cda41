package aarch64

import (
	"encoding/binary"
	"fmt"
)

// Cortex-A53 erratum 843419 (ARM-EPM-048406, "Cortex-A53 MPCore Software
// Developers Errata Notice"): on affected revisions an ADRP at page offset
// 0xff8 or 0xffc can hand a wrong address to a later load or store that uses
// the ADRP's result as its base. The sequence (sequence 1 of the notice, the
// one GNU ld, gold and lld scan for) is:
//
//  1. ADRP Xn, at an address whose low 12 bits are 0xff8 or 0xffc.
//  2. A load or store that does not write Xn: a single-register load or store
//     (integer or vector register), a store pair (STP, STNP), an Advanced SIMD
//     ST1, a load/store exclusive or a literal load.
//  3. Optionally one more instruction, which must not be a branch.
//  4. A load or store of the "load/store register (unsigned immediate)" class
//     whose base register is Xn.
//
// The linker breaks the sequence by moving instruction 4 to a veneer (the
// instruction followed by a branch back) and putting a branch to the veneer in
// its place. The checks here follow lld (AArch64ErrataFix.cpp). GNU ld
// (_bfd_aarch64_erratum_843419_p) is looser: it patches even when instruction
// 2 writes Xn, when instruction 2 is any Advanced SIMD structure load or store
// (LD1, ST2, ...), and when instruction 3 is a branch. An extra patch costs a
// veneer; a missing one can corrupt a load, so where lld's decoding misses a
// sequence (see e843Writes) this one reports it.

// Field and class tests below follow the A64 encoding tables of the Arm
// Architecture Reference Manual (C4.1, "A64 instruction set encoding"). Rt
// (bits 4:0) is a load/store's transfer register and an ADRP's destination,
// Rn (bits 9:5) a load/store's base register.

// e843IsADRP: op=1, bits 28:24 = 10000.
func e843IsADRP(w uint32) bool { return w&0x9f000000 == 0x90000000 }

// e843IsUImm reports the "load/store register (unsigned immediate)" class
// (LDR/STR/LDRB/.../PRFM Rt, [Rn, #imm12], integer or vector).
func e843IsUImm(w uint32) bool { return w&0x3b000000 == 0x39000000 }

// Single-register immediate forms: bits 11:10 give the addressing mode when
// bits 24 and 21 are clear; bit 21 set with bits 11:10 = 10 is register offset.
const (
	e843RegMask  = 0x3b200c00
	e843Unscaled = 0x38000000
	e843Post     = 0x38000400
	e843Unpriv   = 0x38000800
	e843Pre      = 0x38000c00
	e843RegOff   = 0x38200800
)

// Load/store pair: bits 24:23 give no-allocate (STNP/LDNP), post-index, signed
// offset or pre-index.
const (
	e843PairMask = 0x3b800000
	e843PairNA   = 0x28000000
	e843PairPost = 0x28800000
	e843PairOff  = 0x29000000
	e843PairPre  = 0x29800000
)

// e843IsSingle reports the single-register (non-structure) load/store classes:
// unscaled, post-index, unprivileged, pre-index, register offset and unsigned
// immediate. Bit 21 is part of the mask, so the Armv8.1 atomics (not
// implemented by the Cortex-A53) are not included.
func e843IsSingle(w uint32) bool {
	switch w & e843RegMask {
	case e843Unscaled, e843Post, e843Unpriv, e843Pre, e843RegOff:
		return true
	}
	return e843IsUImm(w)
}

func e843IsExclusive(w uint32) bool { return w&0x3f000000 == 0x08000000 }
func e843IsLiteral(w uint32) bool   { return w&0x3b000000 == 0x18000000 }

// e843IsStorePair reports STP (post-index, offset, pre-index) and STNP,
// integer or vector: L (bit 22) clear. LDP and LDNP are not in the sequence.
func e843IsStorePair(w uint32) bool {
	if w&(1<<22) != 0 {
		return false
	}
	switch w & e843PairMask {
	case e843PairNA, e843PairPost, e843PairOff, e843PairPre:
		return true
	}
	return false
}

// Advanced SIMD stores of multiple structures (L=0; no offset: bits 23 and
// 21:16 clear; post-index: bit 23 set, bit 21 clear) and of a single structure
// (the same with R, bit 21, clear).
func e843SIMDMulti(w uint32) bool {
	return w&0xbfff0000 == 0x0c000000 || w&0xbfe00000 == 0x0c800000
}
func e843SIMDSingle(w uint32) bool {
	return w&0xbfff0000 == 0x0d000000 || w&0xbfe00000 == 0x0d800000
}
func e843SIMDPost(w uint32) bool { return w&0xbf800000 == 0x0c800000 || w&0xbf800000 == 0x0d800000 }

// e843IsST1 reports ST1. Multiple structures: opcode (bits 15:12) 0010, 0110,
// 0111 or 1010 store four, three, one or two registers (ST2, ST3 and ST4 use
// other opcodes). Single structure with R=0: opcode (bits 15:13) 000, 010 or
// 100 stores an 8-, 16-, 32- or 64-bit element (odd opcodes are ST3).
func e843IsST1(w uint32) bool {
	if e843SIMDMulti(w) {
		switch w >> 12 & 0xf {
		case 0b0010, 0b0110, 0b0111, 0b1010:
			return true
		}
	}
	if e843SIMDSingle(w) {
		switch w >> 13 & 0x7 {
		case 0b000, 0b010, 0b100:
			return true
		}
	}
	return false
}

// e843IsInsn2 reports the load/store kinds that can be instruction 2.
func e843IsInsn2(w uint32) bool {
	return e843IsExclusive(w) || e843IsLiteral(w) || e843IsSingle(w) ||
		e843IsStorePair(w) || e843IsST1(w)
}

// e843Writes reports whether instruction 2 (one for which e843IsInsn2 holds)
// writes general register x: a load into x, or writeback of base register x.
// Like lld, it does not count the status register of a store-exclusive or the
// second register of a load-exclusive pair, so such instructions still count
// as a sequence (a harmless extra patch). Loads into vector registers (V, bit
// 26, set) and prefetches write no general register; lld counts those as
// writing Rt and so misses such sequences.
func e843Writes(w, x uint32) bool {
	v := w >> 26 & 1
	var load bool
	switch {
	case e843IsExclusive(w):
		load = w&(1<<22) != 0 // L
	case e843IsLiteral(w):
		load = v == 0 && w>>30 != 0b11 // opc 11 is PRFM (literal)
	case e843IsSingle(w):
		size, opc := w>>30, w>>22&3
		// opc 00 stores; size 11 opc 10 is PRFM.
		load = v == 0 && opc != 0 && !(size == 0b11 && opc == 0b10)
	}
	if load && w&0x1f == x {
		return true
	}
	wback := false
	switch {
	case e843IsSingle(w):
		m := w & e843RegMask
		wback = m == e843Post || m == e843Pre
	case e843IsStorePair(w):
		m := w & e843PairMask
		wback = m == e843PairPost || m == e843PairPre
	case e843IsST1(w):
		wback = e843SIMDPost(w)
	}
	return wback && w>>5&0x1f == x
}

// e843IsBranch reports the branches that may not be instruction 3: B, BL,
// CBZ, CBNZ, TBZ, TBNZ, B.cond and the unconditional branch (register) group
// (BR, BLR, RET, ERET, ...).
func e843IsBranch(w uint32) bool {
	return w&0x7c000000 == 0x14000000 || // B, BL
		w&0x7c000000 == 0x34000000 || // CBZ, CBNZ, TBZ, TBNZ
		w&0xfe000000 == 0x54000000 || // B.cond
		w&0xfe000000 == 0xd6000000 // BR, BLR, RET, ...
}

// e843Match reports whether adrp, insn2 and final form the erratum pattern,
// whatever lies between insn2 and final and wherever the ADRP is.
func e843Match(adrp, insn2, final uint32) bool {
	if !e843IsADRP(adrp) || !e843IsInsn2(insn2) {
		return false
	}
	x := adrp & 0x1f
	return !e843Writes(insn2, x) && e843IsUImm(final) && final>>5&0x1f == x
}

// Is843419Sequence reports whether insns, instruction words in program order
// starting with a candidate ADRP, begin an erratum 843419 sequence, and if so
// the index in insns of the load/store that completes it: 2 for the
// three-instruction form (ADRP, insn2, final), 3 for the four-instruction form
// (ADRP, insn2, insn3, final). The three-instruction form is tried first;
// the four-instruction form needs len(insns) >= 4. The ADRP's address is not
// checked here (see Erratum843419).
func Is843419Sequence(insns []uint32) (final int, ok bool) {
	if len(insns) < 3 {
		return 0, false
	}
	if e843Match(insns[0], insns[1], insns[2]) {
		return 2, true
	}
	if len(insns) >= 4 && !e843IsBranch(insns[2]) && e843Match(insns[0], insns[1], insns[3]) {
		return 3, true
	}
	return 0, false
}

// Erratum843419 reports, for code that will be placed at address addr
// (4-byte aligned), the byte offsets (within code) of the load/store
// instructions that complete an erratum 843419 sequence and so must be moved
// to a veneer. Only ADRPs whose address has page offset 0xff8 or 0xffc are
// candidates. The result is sorted ascending. code may end mid-sequence: a
// sequence needs all of its words inside code. Trailing bytes short of a word
// are ignored, and if addr is not 4-byte aligned no word can be at 0xff8 or
// 0xffc and the result is empty.
func Erratum843419(code []byte, addr uint64) []int {
	if addr%4 != 0 {
		return nil
	}
	n := len(code) &^ 3
	var out []int
	// first is the offset of the first word at page offset 0xff8; the word at
	// 0xffc of the page before may precede it at offset first-0x1000+4 >= 0.
	first := int((0xff8 - addr) & 0xfff)
	var w [4]uint32
	for page := first - 0x1000; page < n; page += 0x1000 {
		for _, off := range [2]int{page, page + 4} {
			if off < 0 || off+12 > n || !e843IsADRP(binary.LittleEndian.Uint32(code[off:])) {
				continue
			}
			k := min((n-off)/4, 4)
			for i := range k {
				w[i] = binary.LittleEndian.Uint32(code[off+4*i:])
			}
			if f, ok := Is843419Sequence(w[:k]); ok {
				out = append(out, off+4*f)
			}
		}
	}
	return out
}

// e843BRange is the reach of B: a signed 26-bit word offset, ±128 MiB.
const e843BRange = 1 << 27

// EncodeB returns the B instruction word at address from to address to. Both
// must be 4-byte aligned and to-from within [-128 MiB, 128 MiB).
func EncodeB(from, to uint64) (uint32, error) {
	if from%4 != 0 || to%4 != 0 {
		return 0, fmt.Errorf("B from %#x to %#x: address not 4-byte aligned", from, to)
	}
	d := int64(to - from)
	if d < -e843BRange || d >= e843BRange {
		return 0, fmt.Errorf("B from %#x to %#x: displacement %d out of range (±128 MiB)", from, to, d)
	}
	return 0x14000000 | uint32(d>>2)&0x03ffffff, nil
}

// Veneer843419 returns the 8-byte veneer for a patched instruction: the
// original load/store word insn (already relocated) followed by a B back to
// retAddr (normally the address just after the patched instruction), for a
// veneer placed at veneerAddr. It returns an error if retAddr is not in B
// range (±128 MiB) of the veneer's branch, if an address is misaligned, or if
// insn is not a load/store (unsigned immediate): only that class completes a
// sequence, and it is the one that may be moved without changing its meaning.
func Veneer843419(insn uint32, veneerAddr, retAddr uint64) ([]byte, error) {
	if !e843IsUImm(insn) {
		return nil, fmt.Errorf("erratum 843419 veneer at %#x: instruction %#08x is not a load/store (unsigned immediate)", veneerAddr, insn)
	}
	b, err := EncodeB(veneerAddr+4, retAddr)
	if err != nil {
		return nil, fmt.Errorf("erratum 843419 veneer at %#x: %w", veneerAddr, err)
	}
	buf := make([]byte, 8)
	binary.LittleEndian.PutUint32(buf, insn)
	binary.LittleEndian.PutUint32(buf[4:], b)
	return buf, nil
}
