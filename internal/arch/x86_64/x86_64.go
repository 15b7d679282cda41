// Package x86_64 is rivet's knowledge of the x86-64 psABI.
//
// Quirks worth knowing:
//   - Relocations always carry explicit addends (RELA); PC-relative ones are
//     relative to the address of the 4-byte field, hence the usual -4.
//   - GOT-indirect loads come as GOTPCRELX / REX_GOTPCRELX when the
//     assembler allows the linker to rewrite them (mov -> lea, call/jmp *mem
//     -> direct); plain GOTPCREL must keep its GOT slot.
//   - TLS is variant II: the thread pointer (%fs:0) points just past the
//     executable's TLS block, so local-exec offsets are negative. GD/LD
//     sequences are fixed-length instruction patterns (psABI "Thread-Local
//     Storage" and Drepper's "ELF Handling For Thread-Local Storage") that
//     the linker overwrites in place; the call to __tls_get_addr is part of
//     the pattern and its relocation is consumed by the rewrite.
//   - The lazy PLT is 16-byte entries: jmp *slot(%rip); push $index; jmp PLT0.
//     .got.plt starts with three reserved words (_DYNAMIC, and two for ld.so).
package x86_64

import (
	"debug/elf"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// Arch implements reloc.Arch for x86-64.
type Arch struct{}

// New returns the x86-64 architecture.
func New() *Arch { return &Arch{} }

func (*Arch) Machine() elf.Machine { return elf.EM_X86_64 }
func (*Arch) Emulation() string    { return "elf_x86_64" }

// relocs is the relocation table: type -> arch-neutral description.
var relocs = func() []reloc.Info {
	t := make([]reloc.Info, 64)
	set := func(typ elf.R_X86_64, k reloc.Kind, size uint8, signed bool) {
		t[typ] = reloc.Info{Name: typ.String(), Kind: k, Size: size, Signed: signed, Valid: true}
	}
	set(elf.R_X86_64_NONE, reloc.None, 0, false)
	set(elf.R_X86_64_64, reloc.Abs, 8, false)
	set(elf.R_X86_64_PC32, reloc.PCRel, 4, true)
	set(elf.R_X86_64_GOT32, reloc.GOTRel, 4, true)
	set(elf.R_X86_64_PLT32, reloc.PLTPCRel, 4, true)
	set(elf.R_X86_64_GOTPCREL, reloc.GOTPCRel, 4, true)
	set(elf.R_X86_64_32, reloc.Abs, 4, false)
	set(elf.R_X86_64_32S, reloc.Abs, 4, true)
	set(elf.R_X86_64_16, reloc.Abs, 2, false)
	set(elf.R_X86_64_PC16, reloc.PCRel, 2, true)
	set(elf.R_X86_64_8, reloc.Abs, 1, false)
	set(elf.R_X86_64_PC8, reloc.PCRel, 1, true)
	set(elf.R_X86_64_DTPOFF64, reloc.DTPOff, 8, false)
	set(elf.R_X86_64_TLSGD, reloc.TLSGD, 4, true)
	set(elf.R_X86_64_TLSLD, reloc.TLSLD, 4, true)
	set(elf.R_X86_64_DTPOFF32, reloc.DTPOff, 4, true)
	set(elf.R_X86_64_GOTTPOFF, reloc.GOTTPOff, 4, true)
	set(elf.R_X86_64_TPOFF32, reloc.TPOff, 4, true)
	set(elf.R_X86_64_TPOFF64, reloc.TPOff, 8, false)
	set(elf.R_X86_64_PC64, reloc.PCRel, 8, false)
	set(elf.R_X86_64_GOTOFF64, reloc.GOTOff, 8, false)
	set(elf.R_X86_64_GOTPC32, reloc.GOTPC, 4, true)
	set(elf.R_X86_64_GOT64, reloc.GOTRel, 8, false)
	set(elf.R_X86_64_GOTPCREL64, reloc.GOTPCRel, 8, false)
	set(elf.R_X86_64_GOTPC64, reloc.GOTPC, 8, false)
	set(elf.R_X86_64_GOTPLT64, reloc.GOTRel, 8, false)
	set(elf.R_X86_64_PLTOFF64, reloc.PLTOff, 8, false)
	set(elf.R_X86_64_SIZE32, reloc.Size, 4, false)
	set(elf.R_X86_64_SIZE64, reloc.Size, 8, false)
	set(elf.R_X86_64_GOTPC32_TLSDESC, reloc.TLSDesc, 4, true)
	set(elf.R_X86_64_TLSDESC_CALL, reloc.TLSDescCall, 0, false)
	set(elf.R_X86_64_GOTPCRELX, reloc.GOTPCRelX, 4, true)
	set(elf.R_X86_64_REX_GOTPCRELX, reloc.GOTPCRelX, 4, true)
	return t
}()

// Info implements reloc.Arch.
func (*Arch) Info(t uint32) reloc.Info {
	if int(t) < len(relocs) {
		return relocs[t]
	}
	return reloc.Info{}
}

var dynTypes = [reloc.NumDynKinds]uint32{
	reloc.DynRelativeKind: uint32(elf.R_X86_64_RELATIVE),
	reloc.DynGlobDat:      uint32(elf.R_X86_64_GLOB_DAT),
	reloc.DynJumpSlot:     uint32(elf.R_X86_64_JMP_SLOT),
	reloc.DynCopy:         uint32(elf.R_X86_64_COPY),
	reloc.DynIRelative:    uint32(elf.R_X86_64_IRELATIVE),
	reloc.DynWord:         uint32(elf.R_X86_64_64),
	reloc.DynDTPMod:       uint32(elf.R_X86_64_DTPMOD64),
	reloc.DynDTPOff:       uint32(elf.R_X86_64_DTPOFF64),
	reloc.DynTPOff:        uint32(elf.R_X86_64_TPOFF64),
	reloc.DynTLSDesc:      uint32(elf.R_X86_64_TLSDESC),
}

// DynType implements reloc.Arch.
func (*Arch) DynType(k reloc.DynKind) uint32 { return dynTypes[k] }

// GOTPLTReserved implements reloc.Arch.
func (*Arch) GOTPLTReserved() int { return 3 }

// TLSRelaxConsumesNext implements reloc.Arch: the GD and LD sequences end
// with a call to __tls_get_addr whose relocation the rewrite replaces.
func (*Arch) TLSRelaxConsumesNext(t uint32) bool {
	if t >= uint32(len(relocs)) {
		return false
	}
	k := relocs[t].Kind
	return k == reloc.TLSGD || k == reloc.TLSLD
}

// ThreadPointer implements reloc.Arch: variant II, %fs:0 is the end of the
// executable's TLS block, rounded up to its alignment.
func (*Arch) ThreadPointer(tlsStart, memsz, align uint64) uint64 {
	return tlsStart + alignUp(memsz, align)
}

// LDRelaxRebasesDTPOff implements reloc.Arch: after LD->LE the code has
// the thread pointer where it had the module's block, so x@dtpoff must be
// TP-relative.
func (*Arch) LDRelaxRebasesDTPOff() bool { return true }

// Target implements reloc.Arch.
func (*Arch) Target() reloc.Target {
	return reloc.Target{
		DynamicLinker: "/lib64/ld-linux-x86-64.so.2",
		LibDirs: []string{"/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
			"/usr/lib/x86_64-linux-gnu64", "/usr/local/lib64", "/lib64", "/usr/lib64",
			"/usr/local/lib", "/lib", "/usr/lib"},
		ExecBase:       0x400000,
		MaxPageSize:    0x1000,
		PropFeatureAnd: 0xc0000002, // GNU_PROPERTY_X86_FEATURE_1_AND
	}
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// Apply implements reloc.Arch.
func (a *Arch) Apply(sec []byte, r *reloc.RelaArgs, v *reloc.Values) error {
	k := r.Info.Kind
	off := r.Offset
	if uint64(r.Info.Size) > uint64(len(sec)) || off > uint64(len(sec))-uint64(r.Info.Size) {
		return siteErr(r, "relocation %s at offset 0x%x is outside the section (size 0x%x)", r.Info.Name, off, len(sec))
	}
	var val uint64
	switch k {
	case reloc.None, reloc.TLSDescCall:
		// TLSDESC_CALL is rewritten together with its GOTPC32_TLSDESC.
		if k == reloc.TLSDescCall && r.TLS != reloc.Keep {
			return relaxTLSDescCall(sec, r)
		}
		return nil
	case reloc.Abs:
		val = v.S + uint64(v.A)
	case reloc.PCRel:
		val = v.S + uint64(v.A) - v.P
	case reloc.PLTPCRel:
		val = v.L + uint64(v.A) - v.P
	case reloc.GOTPCRel:
		val = v.G + uint64(v.A) - v.P
	case reloc.GOTPCRelX:
		if r.Act == reloc.Relax {
			if err := relaxGOTPCRelX(sec, r); err != nil {
				return err
			}
			val = v.S + uint64(v.A) - v.P
		} else {
			val = v.G + uint64(v.A) - v.P
		}
	case reloc.GOTRel:
		val = v.G + uint64(v.A) - v.GOT
	case reloc.GOTOff:
		val = v.S + uint64(v.A) - v.GOT
	case reloc.GOTPC:
		val = v.GOT + uint64(v.A) - v.P
	case reloc.PLTOff:
		val = v.L + uint64(v.A) - v.GOT
	case reloc.Size:
		val = v.Z + uint64(v.A)
	case reloc.TPOff:
		val = uint64(v.TP)
	case reloc.DTPOff:
		if r.TLS == reloc.ToLE {
			val = uint64(v.TP)
		} else {
			val = uint64(v.DTP)
		}
	case reloc.TLSGD:
		switch r.TLS {
		case reloc.ToLE:
			return relaxGDToLE(sec, r, v)
		case reloc.ToIE:
			return relaxGDToIE(sec, r, v)
		}
		val = v.G + uint64(v.A) - v.P
	case reloc.TLSLD:
		if r.TLS == reloc.ToLE {
			return relaxLDToLE(sec, r)
		}
		val = v.G + uint64(v.A) - v.P
	case reloc.GOTTPOff:
		if r.TLS == reloc.ToLE {
			return relaxIEToLE(sec, r, v)
		}
		val = v.G + uint64(v.A) - v.P
	case reloc.TLSDesc:
		switch r.TLS {
		case reloc.ToLE:
			return relaxTLSDescToLE(sec, r, v)
		case reloc.ToIE:
			return relaxTLSDescToIE(sec, r, v)
		}
		val = v.G + uint64(v.A) - v.P
	default:
		return siteErr(r, "relocation %s is not supported", r.Info.Name)
	}
	return write(sec, r, val)
}

// write stores val in the relocation's field after checking that it fits.
func write(sec []byte, r *reloc.RelaArgs, val uint64) error {
	b := sec[r.Offset:]
	switch r.Info.Size {
	case 8:
		elfio.Put64(b, val)
		return nil
	case 4:
		if r.Info.Signed {
			if int64(val) != int64(int32(val)) {
				return rangeErr(r, int64(val), -1<<31, 1<<31-1)
			}
		} else if val>>32 != 0 {
			return rangeErr(r, int64(val), 0, 1<<32-1)
		}
		elfio.Put32(b, uint32(val))
	case 2:
		lo, hi := int64(-1<<15), int64(1<<16-1)
		if r.Info.Signed {
			hi = 1<<15 - 1
		}
		if int64(val) < lo || int64(val) > hi {
			return rangeErr(r, int64(val), lo, hi)
		}
		elfio.Put16(b, uint16(val))
	case 1:
		lo, hi := int64(-1<<7), int64(1<<8-1)
		if r.Info.Signed {
			hi = 1<<7 - 1
		}
		if int64(val) < lo || int64(val) > hi {
			return rangeErr(r, int64(val), lo, hi)
		}
		b[0] = byte(val)
	}
	return nil
}

func rangeErr(r *reloc.RelaArgs, v, lo, hi int64) error { return r.RangeError(v, lo, hi) }

func siteErr(r *reloc.RelaArgs, format string, args ...any) error { return r.Errorf(format, args...) }
