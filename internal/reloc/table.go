package reloc

import (
	"fmt"
	"strings"
)

// Output is the output kind as the decision tables see it.
type Output uint8

const (
	OutExec   Output = iota // position-dependent executable (static or dynamic)
	OutPIE                  // position-independent executable (static-pie included)
	OutShared               // shared object
	NumOutputs
)

var outputNames = [...]string{"exec", "pie", "shared"}

func (o Output) String() string { return outputNames[o] }

// Class is what the relocation's symbol is, as far as the tables care.
type Class uint8

const (
	// ClassAbs: an absolute symbol (SHN_ABS, or an undefined weak resolved
	// to zero in an output without dynamic linking). Not moved by the loader.
	ClassAbs Class = iota
	// ClassLocal: defined in this output and not preemptible. A
	// non-preemptible IFUNC is local too: its address is its IPLT entry.
	ClassLocal
	// ClassData: preemptible, not a function (imported or, in a shared
	// object, exported default-visibility data).
	ClassData
	// ClassFunc: preemptible function.
	ClassFunc
	// ClassUndefWeak: undefined weak in an output that is dynamically
	// linked: it may be resolved by a shared object at run time.
	ClassUndefWeak
	NumClasses
)

var classNames = [...]string{"abs", "local", "data", "func", "undefweak"}

func (c Class) String() string { return classNames[c] }

// Action is what the linker does for one relocation.
type Action uint8

const (
	// Static: the value is known at link time.
	Static Action = iota
	// GOT: reserve a GOT slot for the symbol; the place refers to it.
	GOT
	// PLT: reserve a PLT entry; the place refers to it.
	PLT
	// CanonPLT: the symbol's address in the whole program becomes its PLT
	// entry (position-dependent reference to an imported function).
	CanonPLT
	// Copy: copy the imported data into this output (copy relocation).
	Copy
	// DynSym: emit a symbolic dynamic relocation at the place.
	DynSym
	// DynRelative: emit a base-relative dynamic relocation at the place.
	DynRelative
	// Relax: GOT-indirect access to a non-preemptible symbol; rewrite the
	// instruction to a direct one and reserve no GOT slot (when the arch
	// confirms the instruction can be relaxed; otherwise GOT).
	Relax
	// NeedPIC: the reference cannot be used in this output; recompile with -fPIC.
	NeedPIC
	// TLS: decided by the TLS table instead.
	TLS
	NumActions
)

var actionNames = [...]string{"static", "got", "plt", "canon-plt", "copy", "dyn-sym", "dyn-relative", "relax", "error", "tls"}

func (a Action) String() string { return actionNames[a] }

// Short names for the table literal.
const (
	st = Static
	gt = GOT
	pl = PLT
	cp = CanonPLT
	cy = Copy
	ds = DynSym
	dr = DynRelative
	rx = Relax
	ER = NeedPIC
	tl = TLS
)

// actions is the whole non-TLS relocation policy: kind x output x class.
//
// The rows are kinds; within a row, one group per output kind, and within a
// group one column per class:
//
//	abs  local data  func  undefweak
var actions = [NumKinds][NumOutputs][NumClasses]Action{
	//                 exec                  pie                   shared
	None:        {{st, st, st, st, st}, {st, st, st, st, st}, {st, st, st, st, st}},
	Abs:         {{st, st, cy, cp, st}, {st, dr, ds, ds, ds}, {st, dr, ds, ds, ds}},
	PCRel:       {{st, st, cy, cp, st}, {ER, st, cy, cp, ER}, {ER, st, ER, ER, ER}},
	PLTPCRel:    {{st, st, pl, pl, pl}, {st, st, pl, pl, pl}, {st, st, pl, pl, pl}},
	GOTPCRel:    {{gt, gt, gt, gt, gt}, {gt, gt, gt, gt, gt}, {gt, gt, gt, gt, gt}},
	GOTPCRelX:   {{gt, rx, gt, gt, gt}, {gt, rx, gt, gt, gt}, {gt, rx, gt, gt, gt}},
	GOTRel:      {{gt, gt, gt, gt, gt}, {gt, gt, gt, gt, gt}, {gt, gt, gt, gt, gt}},
	GOTOff:      {{st, st, ER, ER, st}, {ER, st, ER, ER, ER}, {ER, st, ER, ER, ER}},
	GOTPC:       {{st, st, st, st, st}, {st, st, st, st, st}, {st, st, st, st, st}},
	PLTOff:      {{st, st, pl, pl, pl}, {st, st, pl, pl, pl}, {st, st, pl, pl, pl}},
	TLSGD:       {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	TLSLD:       {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	DTPOff:      {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	GOTTPOff:    {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	TPOff:       {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	TLSDesc:     {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	TLSDescCall: {{tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}, {tl, tl, tl, tl, tl}},
	Size:        {{st, st, st, st, st}, {st, st, st, st, st}, {st, st, st, st, st}},
	PageOff:     {{st, st, cy, cp, st}, {st, st, cy, cp, ER}, {st, st, ER, ER, ER}},
}

// Decide returns the action for a relocation of kind k against a symbol of
// class c in output o. wordSize says whether the field is pointer-sized: a
// dynamic relocation can only be emitted for a pointer-sized field, so a
// narrower one that would need it cannot be linked into this output.
func Decide(k Kind, o Output, c Class, wordSize bool) Action {
	a := actions[k][o][c]
	if (a == DynSym || a == DynRelative) && !wordSize {
		return NeedPIC
	}
	return a
}

// PrintTable renders the non-TLS table for --print-reloc-table.
func PrintTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %-8s", "kind", "output")
	for c := Class(0); c < NumClasses; c++ {
		fmt.Fprintf(&b, " %-12s", c)
	}
	b.WriteString("\n")
	for k := Kind(1); k < NumKinds; k++ {
		if k.IsTLS() {
			continue
		}
		for o := Output(0); o < NumOutputs; o++ {
			fmt.Fprintf(&b, "%-20s %-8s", k, o)
			for c := Class(0); c < NumClasses; c++ {
				fmt.Fprintf(&b, " %-12s", actions[k][o][c])
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
