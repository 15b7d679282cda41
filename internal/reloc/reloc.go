// Package reloc is rivet's arch-neutral model of relocations.
//
// Each architecture maps its relocation types to an Info whose Kind is one of
// the arch-neutral kinds below. Generic code switches on Kind, never on an
// architecture's relocation numbers. What a relocation needs from the linker
// (GOT slot, PLT entry, copy relocation, dynamic relocation, or an error) is
// decided by the tables in table.go; what a TLS access is relaxed to is
// decided by the TLS table in tls.go.
package reloc

// Kind classifies a relocation by what its value is computed from.
type Kind uint8

const (
	None        Kind = iota
	Abs              // S + A
	PCRel            // S + A - P
	PLTPCRel         // L + A - P (branch; may go through a PLT entry)
	GOTPCRel         // G + GOT + A - P (GOT slot address, PC-relative)
	GOTPCRelX        // as GOTPCRel, but the instruction may be relaxed to a direct access
	GOTRel           // G + A (GOT slot offset from the GOT base)
	GOTOff           // S + A - GOT
	GOTPC            // GOT + A - P
	PLTOff           // L + A - GOT
	TLSGD            // general dynamic: GOT pair (module, offset), PC-relative
	TLSLD            // local dynamic: module GOT pair, PC-relative
	DTPOff           // offset within the module's TLS block
	GOTTPOff         // initial exec: GOT slot holding the TP offset, PC-relative
	TPOff            // local exec: offset from the thread pointer
	TLSDesc          // TLS descriptor GOT pair, PC-relative
	TLSDescCall      // marks the call through a TLS descriptor
	Size             // Z + A (symbol size)
	PageOff          // low bits of S + A (AArch64 :lo12:): position-independent beside a page-relative ADRP
	NumKinds
)

var kindNames = [...]string{
	None: "none", Abs: "abs", PCRel: "pcrel", PLTPCRel: "plt-pcrel",
	GOTPCRel: "got-pcrel", GOTPCRelX: "got-pcrel-relaxable", GOTRel: "got-rel",
	GOTOff: "got-off", GOTPC: "gotpc", PLTOff: "plt-off", TLSGD: "tls-gd",
	TLSLD: "tls-ld", DTPOff: "dtp-off", GOTTPOff: "gottp-off", TPOff: "tp-off",
	TLSDesc: "tls-desc", TLSDescCall: "tls-desc-call", Size: "size", PageOff: "page-off",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

// Info is what an architecture says about one relocation type.
type Info struct {
	Name   string
	Kind   Kind
	Size   uint8 // bytes written: 1, 2, 4 or 8
	Signed bool  // value checked as signed (else unsigned) when Size < 8
	// Pair: the relocation is the second half of a sequence whose first half
	// already rewrote its bytes after a relaxation (e.g. the PLT32 to
	// __tls_get_addr after a TLSGD); the arch decides when to skip it.
	Valid bool
}

// IsTLS reports whether the kind is a TLS access.
func (k Kind) IsTLS() bool {
	switch k {
	case TLSGD, TLSLD, DTPOff, GOTTPOff, TPOff, TLSDesc, TLSDescCall:
		return true
	}
	return false
}
