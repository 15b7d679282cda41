package reloc

import "debug/elf"

// DynKind is an arch-neutral dynamic relocation kind.
type DynKind uint8

const (
	DynRelativeKind DynKind = iota // B + A
	DynGlobDat                     // GOT slot = S
	DynJumpSlot                    // PLT GOT slot = S
	DynCopy                        // copy relocation
	DynIRelative                   // call resolver at B + A
	DynWord                        // S + A into a pointer-sized field
	DynDTPMod                      // TLS module id
	DynDTPOff                      // TLS offset within the module
	DynTPOff                       // TLS offset from the thread pointer
	DynTLSDesc                     // TLS descriptor
	NumDynKinds
)

// Values carries everything a relocation's value may be computed from, in
// the psABI's names. The generic code fills it; the arch picks what its
// formula needs.
type Values struct {
	S   uint64 // symbol address (an IPLT/canonical PLT entry where that is the symbol's address)
	A   int64  // addend
	P   uint64 // address of the place
	GOT uint64 // GOT base (_GLOBAL_OFFSET_TABLE_)
	G   uint64 // address of the GOT slot (or first slot of a TLS pair) for this access
	L   uint64 // PLT entry address (S when the symbol has none)
	TP  int64  // S + A relative to the thread pointer (LE value)
	DTP int64  // S + A relative to the TLS block start (DTPOFF value)
	Z   uint64 // symbol size
}

// Site names a relocation's place for error messages.
type Site struct {
	File    string
	Section string
	Offset  uint64
	Symbol  string
}

// Arch is everything generic code needs from an architecture.
type Arch interface {
	Machine() elf.Machine
	// Emulation is the -m name (elf_x86_64).
	Emulation() string
	// Info describes relocation type t (Valid false: unknown type).
	Info(t uint32) Info
	// DynType returns the arch's dynamic relocation type for k.
	DynType(k DynKind) uint32
	// CanRelaxGOT reports whether the instruction around a relaxable GOT
	// access at off in data can be rewritten to a direct access.
	CanRelaxGOT(t uint32, data []byte, off uint64, addend int64, nonPIC bool) bool
	// TLSRelaxConsumesNext reports whether relaxing an access of kind k
	// rewrites the following relocation's instruction too (x86-64: the
	// call to __tls_get_addr after TLSGD/TLSLD).
	TLSRelaxConsumesNext(k Kind) bool
	// Apply writes relocation r (kind info.Kind) into sec, the section's
	// output bytes. act is the decided action (Relax rewrites the
	// instruction); tls is the TLS decision for TLS kinds.
	Apply(sec []byte, r *RelaArgs, v *Values) error
	// PLT layout and code.
	PLTHeaderSize() int
	PLTEntrySize() int
	WritePLTHeader(buf []byte, pltAddr, gotPlt uint64)
	WritePLTEntry(buf []byte, entryAddr, gotSlot, pltAddr uint64, index uint32)
	// PLTGotInit is the initial .got.plt value for a lazy entry (the
	// instruction that pushes its index).
	PLTGotInit(entryAddr uint64) uint64
	// GOTPLTReserved is the number of reserved .got.plt words.
	GOTPLTReserved() int
}

// RelaArgs is one relocation as the arch applies it.
type RelaArgs struct {
	Type   uint32
	Offset uint64 // within the section
	Info   Info
	Act    Action
	TLS    TLSAction
	Site   Site
}
