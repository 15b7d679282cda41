package reloc

import (
	"debug/elf"
	"fmt"
)

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
	// Unresolved: the symbol is an undefined weak resolved to zero at
	// link time (AArch64 turns PC-relative references to it into
	// references to the place, and branches into branches to the next
	// instruction, as the psABI says).
	Unresolved bool
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
	// TLSRelaxConsumesNext reports whether relaxing a TLS access of
	// relocation type t rewrites the following relocation's instruction
	// too (x86-64: the call to __tls_get_addr after TLSGD/TLSLD).
	TLSRelaxConsumesNext(t uint32) bool
	// ThreadPointer is the thread pointer's address in the executable's
	// TLS image, given the TLS segment's start, size and alignment.
	ThreadPointer(tlsStart, memsz, align uint64) uint64
	// LDRelaxRebasesDTPOff reports whether relaxing local dynamic to local
	// exec makes the DTPOFF values in code TP-relative (x86-64), rather
	// than leaving them relative to _TLS_MODULE_BASE_ (AArch64).
	LDRelaxRebasesDTPOff() bool
	// Target is the arch's platform defaults.
	Target() Target
	// Apply writes relocation r (kind info.Kind) into sec, the section's
	// output bytes. act is the decided action (Relax rewrites the
	// instruction); tls is the TLS decision for TLS kinds.
	Apply(sec []byte, r *RelaArgs, v *Values) error
	// PLT layout and code.
	PLTHeaderSize() int
	PLTEntrySize() int
	WritePLTHeader(buf []byte, pltAddr, gotPlt uint64)
	WritePLTEntry(buf []byte, entryAddr, gotSlot, pltAddr uint64, index uint32)
	// PLTGotInit is the initial .got.plt value for a lazy entry (x86-64:
	// the instruction that pushes its index; AArch64: the PLT header).
	PLTGotInit(entryAddr, pltAddr uint64) uint64
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

// Target is what a Linux platform fixes for an architecture.
type Target struct {
	DynamicLinker string   // default PT_INTERP
	LibDirs       []string // GNU ld's built-in search directories on Debian
	ExecBase      uint64   // first address of a position-dependent executable
	MaxPageSize   uint64   // segment alignment
	GOTBaseIsGOT  bool     // _GLOBAL_OFFSET_TABLE_ is .got (else .got.plt)
	// PLTAfterText places .plt after .text (as lld does) rather than
	// before it: in a static executable the IFUNC entries are then next
	// to the libc code calling them, not across a large program.
	PLTAfterText bool
	// PropFeatureAnd is the .note.gnu.property type ANDed over all inputs
	// (GNU_PROPERTY_X86_FEATURE_1_AND, GNU_PROPERTY_AARCH64_FEATURE_1_AND).
	// Bit 0 (IBT, BTI) says indirect branches land on marker
	// instructions, which rivet's PLT entries lack.
	PropFeatureAnd uint32
}

// ThunkConfig is what an architecture says about its branches and range
// extension thunks (package thunk places them).
type ThunkConfig struct {
	// Reach: a branch at P reaches P+d for -Reach <= d < Reach.
	Reach int64
	// ShortReach: a short thunk at T reaches T+d for -ShortReach <= d <
	// ShortReach (page-relative: both ends are rounded down to a 4 KiB
	// page first when PageRelative is set).
	ShortReach   int64
	PageRelative bool
	// Sizes of the two thunk forms, of a patch veneer and of a landing pad.
	ShortSize, LongSize, PatchSize, PadSize uint64
	// Margin is kept between a branch and a newly chosen slot's end, so
	// that later growth of the slots in between does not at once push it
	// out of reach again.
	Margin int64
	// PIC: the output is position-independent (the long form is then
	// PC-relative too).
	PIC bool
}

// InRange reports whether a branch at from reaches to.
func (c *ThunkConfig) InRange(from, to uint64) bool {
	d := int64(to - from)
	return d >= -c.Reach && d < c.Reach
}

// ShortReaches reports whether a short thunk at t reaches dest.
func (c *ThunkConfig) ShortReaches(t, dest uint64) bool {
	if c.PageRelative {
		t, dest = t&^0xfff, dest&^0xfff
	}
	d := int64(dest - t)
	return d >= -c.ShortReach && d < c.ShortReach
}

// Errorf returns an error at the relocation's site: file, section and
// offset, and the symbol it references.
func (r *RelaArgs) Errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if r.Site.Symbol != "" {
		msg += "; references " + r.Site.Symbol
	}
	return fmt.Errorf("%s:(%s+0x%x): %s", r.Site.File, r.Site.Section, r.Site.Offset, msg)
}

// RangeError says the relocation's value v is outside [lo, hi].
func (r *RelaArgs) RangeError(v, lo, hi int64) error {
	return r.Errorf("relocation %s out of range: %d is not in [%d, %d]", r.Info.Name, v, lo, hi)
}
