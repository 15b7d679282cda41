package reloc

import (
	"fmt"
	"strings"
	"testing"
)

// The expectations below are derived from what each relocation computes
// and what the loader can and cannot do, not copied from the table:
//
//   - A position-dependent executable (exec) is loaded at its link address:
//     every address inside it is a link-time constant.
//   - A PIE or shared object is loaded at an unknown base B: addresses inside
//     it (P, GOT, local symbols) move by B, absolute symbols (SHN_ABS, or an
//     undefined weak resolved to 0) do not.
//   - A preemptible symbol (data, func, or an undefined weak that a shared
//     object may define at run time) has an address known only at run time.
//   - The only dynamic relocations that can patch a place are pointer-sized
//     (R_X86_64_64 / RELATIVE); a narrower field that would need one cannot
//     be linked ("recompile with -fPIC").
//   - A difference of two link-time quantities is a constant iff both move
//     together (both inside the output, or both absolute).

type expectation struct {
	act Action
	why string
}

func want(a Action, why string) expectation { return expectation{a, why} }

// expectAction is the independent model of what the linker must do.
func expectAction(k Kind, o Output, c Class, word bool) expectation {
	pic := o != OutExec // the output moves at load time
	shared := o == OutShared

	// A dynamic relocation is only possible in a pointer-sized field.
	dyn := func(a Action, why string) expectation {
		if !word {
			return want(NeedPIC, why+", but the field is narrower than a pointer, so no dynamic relocation can fill it")
		}
		return want(a, why)
	}

	switch k {
	case None:
		return want(Static, "R_*_NONE writes nothing")
	case Size:
		return want(Static, "Z + A is the symbol size known at link time")
	case GOTPC:
		return want(Static, "GOT + A - P: GOT and P are in the same output and move together")
	case GOTPCRel:
		return want(GOT, "non-relaxable GOT-indirect access always needs the GOT slot")
	case GOTRel:
		return want(GOT, "G + A is the offset of the symbol's GOT slot: the slot must exist")
	case TLSGD, TLSLD, DTPOff, GOTTPOff, TPOff, TLSDesc, TLSDescCall:
		return want(TLS, "TLS kinds are decided by the TLS table")

	case Abs: // S + A
		switch c {
		case ClassAbs:
			return want(Static, "an absolute value does not move with the load base")
		case ClassLocal:
			if !pic {
				return want(Static, "position-dependent: S is the final address")
			}
			return dyn(DynRelative, "S moves with the load base: base-relative dynamic relocation")
		case ClassData:
			if !pic {
				return want(Copy, "exec referencing imported data by absolute address: copy it into .bss so S is a link-time address")
			}
			return dyn(DynSym, "preemptible data in PIC: the loader must fill in the address")
		case ClassFunc:
			if !pic {
				return want(CanonPLT, "exec taking an imported function's address: its PLT entry becomes the canonical address")
			}
			return dyn(DynSym, "preemptible function in PIC: the loader must fill in the address")
		case ClassUndefWeak:
			if !pic {
				return want(Static, "exec: a directly referenced undefined weak resolves to 0 (GNU ld's default)")
			}
			return dyn(DynSym, "undefined weak may be defined by a shared object at run time")
		}

	case PCRel: // S + A - P
		switch c {
		case ClassLocal:
			return want(Static, "S and P are both in this output: the distance is constant")
		case ClassAbs:
			if !pic {
				return want(Static, "exec: S and P are both link-time constants")
			}
			return want(NeedPIC, "S is absolute but P moves with the load base: S - P is not a link-time constant and there is no PC-relative dynamic relocation to fix it (lld: \"relocation R_X86_64_PC32 cannot refer to absolute symbol\")")
		case ClassData:
			if shared {
				return want(NeedPIC, "a shared object cannot use copy relocations and a PC32 cannot be a dynamic relocation")
			}
			return want(Copy, "executable (PDE or PIE): copy the data into this output so it is PC-relative reachable")
		case ClassFunc:
			if shared {
				return want(NeedPIC, "a shared object cannot make a canonical PLT entry")
			}
			return want(CanonPLT, "executable: the PLT entry becomes the function's address for the whole program")
		case ClassUndefWeak:
			if !pic {
				return want(Static, "exec: resolves to 0 and P is known, so 0 - P is constant")
			}
			return want(NeedPIC, "the symbol may be defined at run time (no copy relocation is possible for an undefined symbol) or is 0 while P moves: not representable")
		}

	case PLTPCRel: // L + A - P
		switch c {
		case ClassLocal:
			return want(Static, "call to a non-preemptible function: call it directly, no PLT")
		case ClassAbs:
			return want(Static, "branch to an absolute address / undefined weak resolved to 0: no PLT entry can exist; the call is only reachable behind a null check (lld accepts this too)")
		default:
			return want(PLT, "preemptible target: go through a PLT entry that the loader binds")
		}

	case GOTPCRelX:
		switch c {
		case ClassLocal:
			return want(Relax, "non-preemptible symbol in this output: mov/call/jmp through the GOT can become a direct PC-relative access")
		case ClassAbs:
			if !pic {
				return want(GOT, "exec: S and P are fixed, but an absolute value may lie beyond the ±2 GiB a rip-relative lea reaches; rivet keeps the GOT slot rather than rewrite to mov $imm32")
			}
			return want(GOT, "PIC: S is absolute but P moves, so the direct PC-relative form would be wrong; keep the GOT slot")
		default:
			return want(GOT, "preemptible: the address is only known at run time, so the GOT slot stays")
		}

	case PageOff: // (S + A) & 0xfff, beside an ADRP of Page(S + A) - Page(P)
		switch c {
		case ClassLocal:
			return want(Static, "the low bits of a symbol in this output are the same at any page-aligned load base")
		case ClassAbs:
			return want(Static, "an absolute value's low bits are constant (its ADRP partner is what cannot be PIC)")
		case ClassData:
			if shared {
				return want(NeedPIC, "a shared object cannot copy preemptible data; the code must go through the GOT")
			}
			return want(Copy, "executable: the ADRP+ADD pair addresses the copy in this output")
		case ClassFunc:
			if shared {
				return want(NeedPIC, "a shared object cannot make a canonical PLT entry")
			}
			return want(CanonPLT, "executable: the address taken is the canonical PLT entry")
		case ClassUndefWeak:
			if !pic {
				return want(Static, "exec: resolves to 0, a constant")
			}
			return want(NeedPIC, "may be defined at run time, and no dynamic relocation patches an instruction field")
		}

	case GOTOff: // S + A - GOT
		switch c {
		case ClassLocal:
			return want(Static, "S and the GOT are in the same output")
		case ClassAbs:
			if !pic {
				return want(Static, "exec: S and GOT are both fixed")
			}
			return want(NeedPIC, "S is absolute but GOT moves with the load base: S - GOT is not a link-time constant")
		case ClassUndefWeak:
			if !pic {
				return want(Static, "exec: resolves to 0 and GOT is fixed")
			}
			return want(NeedPIC, "S is 0 or in another module while GOT moves: S - GOT is not a link-time constant")
		default:
			return want(NeedPIC, "preemptible symbol: its distance from this output's GOT is unknown and no dynamic relocation computes it")
		}

	case PLTOff: // L + A - GOT
		switch c {
		case ClassLocal:
			return want(Static, "L = S is in this output, like the GOT")
		case ClassAbs:
			return want(Static, "branch target with no PLT entry (absolute / undefined weak behind a null check), as for PLT32")
		default:
			return want(PLT, "preemptible: the PLT entry is in this output, so L - GOT is constant")
		}
	}
	panic(fmt.Sprintf("no expectation for %v/%v/%v", k, o, c))
}

func TestDecideEveryCell(t *testing.T) {
	for k := Kind(0); k < NumKinds; k++ {
		for o := Output(0); o < NumOutputs; o++ {
			for c := Class(0); c < NumClasses; c++ {
				t.Run(fmt.Sprintf("%v/%v/%v", k, o, c), func(t *testing.T) {
					for _, word := range []bool{true, false} {
						w := expectAction(k, o, c, word)
						if got := Decide(k, o, c, word); got != w.act {
							t.Errorf("Decide(%v, %v, %v, wordSize=%v) = %v, want %v: %s", k, o, c, word, got, w.act, w.why)
						}
					}
				})
			}
		}
	}
}

// Spot checks named in the design, written out so that a failure reads as
// the rule that was broken.
func TestDecideNamedRules(t *testing.T) {
	cases := []struct {
		name string
		k    Kind
		o    Output
		c    Class
		word bool
		want Action
	}{
		{"pcrel to preemptible data from a shared object", PCRel, OutShared, ClassData, false, NeedPIC},
		{"pcrel to preemptible function from a shared object", PCRel, OutShared, ClassFunc, false, NeedPIC},
		{"abs64 to local in PIE is RELATIVE", Abs, OutPIE, ClassLocal, true, DynRelative},
		{"abs32 to local in PIE cannot be relocated", Abs, OutPIE, ClassLocal, false, NeedPIC},
		{"abs64 to local in shared is RELATIVE", Abs, OutShared, ClassLocal, true, DynRelative},
		{"abs64 to imported data in shared is symbolic", Abs, OutShared, ClassData, true, DynSym},
		{"abs32 to imported data in PIE", Abs, OutPIE, ClassData, false, NeedPIC},
		{"abs to imported data in exec copies it", Abs, OutExec, ClassData, false, Copy},
		{"abs to imported function in exec is canonical PLT", Abs, OutExec, ClassFunc, false, CanonPLT},
		{"abs to absolute symbol in PIE needs nothing", Abs, OutPIE, ClassAbs, false, Static},
		{"plt call to local function in exec", PLTPCRel, OutExec, ClassLocal, false, Static},
		{"plt call to local function in PIE", PLTPCRel, OutPIE, ClassLocal, false, Static},
		{"plt call to local function in shared", PLTPCRel, OutShared, ClassLocal, false, Static},
		{"plt call to imported function", PLTPCRel, OutExec, ClassFunc, false, PLT},
		{"gotpcrelx to local in exec", GOTPCRelX, OutExec, ClassLocal, false, Relax},
		{"gotpcrelx to local in PIE", GOTPCRelX, OutPIE, ClassLocal, false, Relax},
		{"gotpcrelx to local in shared", GOTPCRelX, OutShared, ClassLocal, false, Relax},
		{"gotpcrelx to preemptible keeps the GOT", GOTPCRelX, OutShared, ClassFunc, false, GOT},
		{"gotpcrelx to absolute in PIE keeps the GOT", GOTPCRelX, OutPIE, ClassAbs, false, GOT},
		{"plain gotpcrel to local keeps the GOT", GOTPCRel, OutExec, ClassLocal, false, GOT},
		{"pcrel to imported data from PIE copies it", PCRel, OutPIE, ClassData, false, Copy},
		{"pcrel to absolute symbol in PIE", PCRel, OutPIE, ClassAbs, false, NeedPIC},
		{"pcrel to absolute symbol in shared", PCRel, OutShared, ClassAbs, false, NeedPIC},
		{"pcrel to dynamic undefined weak in PIE", PCRel, OutPIE, ClassUndefWeak, false, NeedPIC},
		{"gotoff to absolute symbol in PIE", GOTOff, OutPIE, ClassAbs, true, NeedPIC},
		{"gotoff to absolute symbol in shared", GOTOff, OutShared, ClassAbs, true, NeedPIC},
		{"gotoff to dynamic undefined weak in PIE", GOTOff, OutPIE, ClassUndefWeak, true, NeedPIC},
		{"gotpc is always static", GOTPC, OutShared, ClassData, false, Static},
	}
	for _, tc := range cases {
		if got := Decide(tc.k, tc.o, tc.c, tc.word); got != tc.want {
			t.Errorf("%s: Decide(%v, %v, %v, %v) = %v, want %v", tc.name, tc.k, tc.o, tc.c, tc.word, got, tc.want)
		}
	}
}

// Decide never invents a dynamic relocation for a narrow field, and the
// pointer-size flag only matters for dynamic-relocation cells.
func TestDecideWordSizeOnlyAffectsDynamicCells(t *testing.T) {
	for k := Kind(0); k < NumKinds; k++ {
		for o := Output(0); o < NumOutputs; o++ {
			for c := Class(0); c < NumClasses; c++ {
				wide, narrow := Decide(k, o, c, true), Decide(k, o, c, false)
				if narrow == DynSym || narrow == DynRelative {
					t.Errorf("%v/%v/%v: narrow field got %v", k, o, c, narrow)
				}
				if wide != narrow && !(narrow == NeedPIC && (wide == DynSym || wide == DynRelative)) {
					t.Errorf("%v/%v/%v: wordSize changed %v to %v", k, o, c, wide, narrow)
				}
				if o == OutExec && (wide == DynSym || wide == DynRelative) {
					t.Errorf("%v/exec/%v: a position-dependent executable needs no dynamic relocation for a link-time address, got %v", k, c, wide)
				}
				if o == OutShared && (wide == Copy || wide == CanonPLT) {
					t.Errorf("%v/shared/%v: a shared object cannot use %v", k, c, wide)
				}
				if k.IsTLS() != (wide == TLS) {
					t.Errorf("%v/%v/%v: IsTLS=%v but action %v", k, o, c, k.IsTLS(), wide)
				}
			}
		}
	}
}

// expectTLS: in an executable the module is always the first one, so a
// local variable's TP offset is a link-time constant (LE) and an imported
// one's is fixed when the program starts (IE, one GOT slot with TPOFF64).
// A shared object may be dlopen'ed, so nothing is relaxed there.
func expectTLS(k Kind, o Output, c TLSClass) (TLSAction, string) {
	if o == OutShared {
		return Keep, "a shared object may be dlopen'ed: its TLS block and module id are dynamic"
	}
	local := c == TLSLocal
	switch k {
	case TLSGD, TLSDesc:
		if local {
			return ToLE, "executable, local variable: TP offset known at link time"
		}
		return ToIE, "executable, imported variable: in an initially loaded module, so its TP offset is fixed at start-up"
	case TLSLD:
		return ToLE, "executable: the LD module is always the executable itself, whatever symbol the relocation names (GNU ld and lld decide LD->LE on the output kind alone; scan.go also relaxes the sequence's DTPOFF32 on that basis)"
	case GOTTPOff:
		if local {
			return ToLE, "executable, local variable: the IE GOT load becomes an immediate"
		}
		return Keep, "imported variable: IE is already the best model"
	}
	return Keep, "not a TLS access kind"
}

var tlsAccessKinds = []Kind{TLSGD, TLSLD, TLSDesc, GOTTPOff}

func TestDecideTLSEveryCell(t *testing.T) {
	for _, k := range tlsAccessKinds {
		for o := Output(0); o < NumOutputs; o++ {
			for c := TLSClass(0); c < NumTLSClasses; c++ {
				t.Run(fmt.Sprintf("%v/%v/%v", k, o, c), func(t *testing.T) {
					w, why := expectTLS(k, o, c)
					if got := DecideTLS(k, o, c); got != w {
						t.Errorf("DecideTLS(%v, %v, %v) = %v, want %v: %s", k, o, c, got, w, why)
					}
				})
			}
		}
	}
}

func TestDecideTLSNonAccessKindsKeep(t *testing.T) {
	for k := Kind(0); k < NumKinds; k++ {
		if k == TLSGD || k == TLSLD || k == TLSDesc || k == GOTTPOff {
			continue
		}
		for o := Output(0); o < NumOutputs; o++ {
			for c := TLSClass(0); c < NumTLSClasses; c++ {
				if got := DecideTLS(k, o, c); got != Keep {
					t.Errorf("DecideTLS(%v, %v, %v) = %v, want keep", k, o, c, got)
				}
			}
		}
	}
}

func TestIsTLS(t *testing.T) {
	tls := map[Kind]bool{TLSGD: true, TLSLD: true, DTPOff: true, GOTTPOff: true, TPOff: true, TLSDesc: true, TLSDescCall: true}
	for k := Kind(0); k < NumKinds; k++ {
		if k.IsTLS() != tls[k] {
			t.Errorf("%v.IsTLS() = %v, want %v", k, k.IsTLS(), tls[k])
		}
	}
}

func TestNamesDistinct(t *testing.T) {
	check := func(what string, n int, name func(int) string) {
		seen := map[string]int{}
		for i := 0; i < n; i++ {
			s := name(i)
			if s == "" || s == "?" {
				t.Errorf("%s %d has no name", what, i)
			}
			if j, dup := seen[s]; dup {
				t.Errorf("%s %d and %d are both named %q", what, j, i, s)
			}
			seen[s] = i
		}
	}
	check("kind", int(NumKinds), func(i int) string { return Kind(i).String() })
	check("output", int(NumOutputs), func(i int) string { return Output(i).String() })
	check("class", int(NumClasses), func(i int) string { return Class(i).String() })
	check("action", int(NumActions), func(i int) string { return Action(i).String() })
	check("tls action", int(NumTLSActions), func(i int) string { return TLSAction(i).String() })
	check("tls class", int(NumTLSClasses), func(i int) string { return TLSClass(i).String() })
	if s := NumKinds.String(); s != "?" {
		t.Errorf("out-of-range kind prints %q, want ?", s)
	}
}

// tableRows parses a rendered table into rows of fields keyed by the first
// two columns.
func tableRows(t *testing.T, s string) (header []string, rows map[string][]string, order []string) {
	t.Helper()
	if !strings.HasSuffix(s, "\n") {
		t.Errorf("table does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	header = strings.Fields(lines[0])
	rows = map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 2 {
			t.Errorf("short row %q", l)
			continue
		}
		key := f[0] + " " + f[1]
		if _, dup := rows[key]; dup {
			t.Errorf("row %q printed twice", key)
		}
		rows[key] = f[2:]
		order = append(order, key)
	}
	return header, rows, order
}

func TestPrintTable(t *testing.T) {
	header, rows, order := tableRows(t, PrintTable())
	wantHeader := []string{"kind", "output"}
	for c := Class(0); c < NumClasses; c++ {
		wantHeader = append(wantHeader, c.String())
	}
	if strings.Join(header, " ") != strings.Join(wantHeader, " ") {
		t.Errorf("header = %q, want %q", header, wantHeader)
	}
	var wantOrder []string
	for k := Kind(1); k < NumKinds; k++ { // None has nothing to decide
		if k.IsTLS() {
			if _, ok := rows[k.String()+" exec"]; ok {
				t.Errorf("TLS kind %v is printed in the non-TLS table", k)
			}
			continue
		}
		for o := Output(0); o < NumOutputs; o++ {
			key := k.String() + " " + o.String()
			wantOrder = append(wantOrder, key)
			got, ok := rows[key]
			if !ok {
				t.Errorf("no row for %s", key)
				continue
			}
			var w []string
			for c := Class(0); c < NumClasses; c++ {
				w = append(w, Decide(k, o, c, true).String())
			}
			if strings.Join(got, " ") != strings.Join(w, " ") {
				t.Errorf("row %s = %q, want %q (what Decide returns for a pointer-sized field)", key, got, w)
			}
		}
	}
	if strings.Join(order, "|") != strings.Join(wantOrder, "|") {
		t.Errorf("rows are\n%q\nwant\n%q", order, wantOrder)
	}
}

func TestPrintTLSTable(t *testing.T) {
	header, rows, order := tableRows(t, PrintTLSTable())
	if strings.Join(header, " ") != "access output local preemptible" {
		t.Errorf("header = %q", header)
	}
	var wantOrder []string
	for _, k := range tlsAccessKinds {
		for o := Output(0); o < NumOutputs; o++ {
			key := k.String() + " " + o.String()
			wantOrder = append(wantOrder, key)
			got, ok := rows[key]
			if !ok {
				t.Errorf("no row for %s", key)
				continue
			}
			w := []string{DecideTLS(k, o, TLSLocal).String(), DecideTLS(k, o, TLSPreemptible).String()}
			if strings.Join(got, " ") != strings.Join(w, " ") {
				t.Errorf("row %s = %q, want %q", key, got, w)
			}
		}
	}
	if strings.Join(order, "|") != strings.Join(wantOrder, "|") {
		t.Errorf("rows are\n%q\nwant\n%q", order, wantOrder)
	}
}
