package reloc

import (
	"fmt"
	"strings"
)

// TLSAction is what becomes of one TLS access.
type TLSAction uint8

const (
	// Keep: the access stays as the compiler wrote it (GOT entries and
	// dynamic relocations as the model requires).
	Keep TLSAction = iota
	// ToIE: rewrite to initial exec (a GOT slot holding the TP offset).
	ToIE
	// ToLE: rewrite to local exec (the TP offset is a link-time constant).
	ToLE
	NumTLSActions
)

var tlsActionNames = [...]string{"keep", "to-ie", "to-le"}

func (a TLSAction) String() string { return tlsActionNames[a] }

// TLSClass is whether the TLS symbol's offset is known in this output.
type TLSClass uint8

const (
	// TLSLocal: defined in this output and not preemptible.
	TLSLocal TLSClass = iota
	// TLSPreemptible: imported or preemptible.
	TLSPreemptible
	NumTLSClasses
)

var tlsClassNames = [...]string{"local", "preemptible"}

func (c TLSClass) String() string { return tlsClassNames[c] }

// The access kinds the TLS table covers, in table order.
var tlsKinds = [...]Kind{TLSGD, TLSLD, TLSDesc, GOTTPOff}

// tlsActions: access kind x output x class. In an executable the module is
// always the first one, so a locally defined variable's TP offset is known
// at link time (LE) and an imported one's is fixed at load time (IE). A
// shared object may be dlopen'ed, so nothing is relaxed there.
//
//	local  preemptible
var tlsActions = [NumKinds][NumOutputs][NumTLSClasses]TLSAction{
	//               exec            pie             shared
	TLSGD:    {{ToLE, ToIE}, {ToLE, ToIE}, {Keep, Keep}},
	TLSLD:    {{ToLE, ToLE}, {ToLE, ToLE}, {Keep, Keep}},
	TLSDesc:  {{ToLE, ToIE}, {ToLE, ToIE}, {Keep, Keep}},
	GOTTPOff: {{ToLE, Keep}, {ToLE, Keep}, {Keep, Keep}},
}

// DecideTLS returns what becomes of a TLS access of kind k.
func DecideTLS(k Kind, o Output, c TLSClass) TLSAction {
	return tlsActions[k][o][c]
}

// PrintTLSTable renders the TLS table for --print-tls-table.
func PrintTLSTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %-8s %-8s %-12s\n", "access", "output", "local", "preemptible")
	for _, k := range tlsKinds {
		for o := Output(0); o < NumOutputs; o++ {
			fmt.Fprintf(&b, "%-12s %-8s %-8s %-12s\n", k, o, tlsActions[k][o][TLSLocal], tlsActions[k][o][TLSPreemptible])
		}
	}
	return b.String()
}
