package link

import (
	"debug/elf"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// decision is what the tables say about one relocation.
type decision struct {
	info  reloc.Info
	class reloc.Class
	act   reloc.Action
	tls   reloc.TLSAction
}

// symClass classifies the symbol a relocation refers to.
func (l *Linker) symClass(s *Symbol) reloc.Class {
	switch s.state {
	case stUndef:
		if !l.dynamic || l.isStatic {
			return reloc.ClassAbs
		}
		if s.strongRef || l.out == reloc.OutShared {
			return reloc.ClassData
		}
		return reloc.ClassUndefWeak
	case stShared:
		if s.typ == uint8(elf.STT_FUNC) || s.typ == uint8(elf.STT_GNU_IFUNC) {
			return reloc.ClassFunc
		}
		return reloc.ClassData
	}
	if s.preemptible {
		if s.typ == uint8(elf.STT_FUNC) || s.typ == uint8(elf.STT_GNU_IFUNC) {
			return reloc.ClassFunc
		}
		return reloc.ClassData
	}
	if s.isAbsolute() {
		return reloc.ClassAbs
	}
	return reloc.ClassLocal
}

// isAbsolute: defined with no section (SHN_ABS) and not linker-relative.
func (s *Symbol) isAbsolute() bool {
	return s.state == stDefined && s.sec == nil || s.state == stLinker && s.absolute
}

// gotPairer is implemented by architectures whose relaxable GOT access
// is two relocations (AArch64: ADR_GOT_PAGE, then LD64_GOT_LO12_NC on the
// next instruction). GOTPair gives the partner's type and whether it is the
// next relocation (else the previous one).
type gotPairer interface {
	GOTPair(t uint32) (partner uint32, next bool)
}

// gotPairOK checks, for an arch with paired GOT relocations, that
// relocation i's partner is there: the adjacent relocation, of the
// partner type, on the adjacent instruction, for the same symbol, with no
// addend. Both halves ask the same question, so the pair is relaxed
// together or not at all.
func (l *Linker) gotPairOK(sec *Section, i int, r *elfio.Rela) bool {
	if l.pairer == nil {
		return true // x86-64: one relocation per relaxable access
	}
	partner, next := l.pairer.GOTPair(r.Type)
	j, off := i-1, r.Offset-4
	if next {
		j, off = i+1, r.Offset+4
	}
	if j < 0 || j >= len(sec.relas)/elfio.RelaSize {
		return false
	}
	q := elfio.ReadRela(sec.relas, j)
	return q.Type == partner && q.Offset == off && q.Sym == r.Sym && q.Addend == 0 && r.Addend == 0
}

// tlsLimiter is implemented by architectures with an initial-exec
// relocation that cannot be rewritten to local exec (AArch64's tiny code
// model: a single literal load); such an access keeps its GOT slot.
type tlsLimiter interface {
	CanRelaxToLE(t uint32) bool
}

// decide runs the tables for relocation r of section sec.
func (l *Linker) decide(f *File, sec *Section, r *elfio.Rela, data []byte) decision {
	d := decision{info: l.arch.Info(r.Type)}
	s := l.sym(f.syms[r.Sym])
	d.class = l.symClass(s)
	k := d.info.Kind
	if k.IsTLS() {
		d.act = reloc.TLS
		tc := reloc.TLSLocal
		if s.preemptible {
			tc = reloc.TLSPreemptible
		}
		switch k {
		case reloc.TLSGD, reloc.TLSLD, reloc.TLSDesc, reloc.GOTTPOff:
			d.tls = l.decideTLS(k, tc)
			if lim, ok := l.arch.(tlsLimiter); ok && k == reloc.GOTTPOff && d.tls == reloc.ToLE && !lim.CanRelaxToLE(r.Type) {
				d.tls = reloc.Keep // a GOT slot holding the offset, filled at link time
			}
		case reloc.TLSDescCall:
			d.tls = l.decideTLS(reloc.TLSDesc, tc)
		case reloc.DTPOff:
			// After LD->LE the offsets in the code sequence are
			// TP-relative; offsets stored as data (and debug info) stay
			// module-relative, to be added to a block start.
			if sec.shdr.Flags&shfExec != 0 && l.ldRelaxed() && l.arch.LDRelaxRebasesDTPOff() {
				d.tls = reloc.ToLE
			}
		}
		return d
	}
	if !sec.isAlloc() {
		d.act = reloc.Static
		return d
	}
	d.act = l.decideAct(d.class, d.info, r, data)
	return d
}

// decideAct is the table's action for a non-TLS relocation in an allocated
// section, with a GOT relaxation checked against the instruction.
func (l *Linker) decideAct(c reloc.Class, info reloc.Info, r *elfio.Rela, data []byte) reloc.Action {
	act := reloc.Decide(info.Kind, l.out, c, info.Size == 8)
	if act == reloc.Relax {
		if l.cfg.NoRelax || !l.arch.CanRelaxGOT(r.Type, data, r.Offset, r.Addend, l.out == reloc.OutExec) {
			act = reloc.GOT
		}
	}
	return act
}

// clsSlow marks, in a symbol's class byte, a symbol whose references the
// scan must look at one by one: undefined, TLS, IFUNC, or with a
// .gnu.warning. The low bits are its reloc.Class.
const clsSlow = 0x80

// classifySymbols fills l.symCls, one byte per symbol id, so the scan of
// the common relocation reads a dense byte array instead of the symbol.
func (l *Linker) classifySymbols() {
	n := l.syms.len()
	l.symCls = make([]uint8, n)
	const batch = 16 << 10
	l.parallelFor("classify symbols", (n+batch-1)/batch, func(_, b int) {
		for id := b * batch; id < min(n, (b+1)*batch); id++ {
			s := l.sym(SymID(id))
			c := uint8(l.symClass(s))
			if s.state == stUndef && !s.isLocal || s.typ == uint8(elf.STT_TLS) || s.ifunc {
				c |= clsSlow
			} else if len(l.symWarnings) > 0 && !s.isLocal {
				if _, ok := l.symWarnings[s.Name]; ok {
					c |= clsSlow
				}
			}
			l.symCls[id] = c
		}
	})
}

type undefRef struct {
	id   SymID
	refs []string
	more int
}

// fileScan is what scanning one file's relocations found that the link as
// a whole must see, merged in file order so messages are deterministic.
type fileScan struct {
	errs      diags
	undefs    []undefSite // references to undefined symbols that are errors
	symWarns  []undefSite // references to symbols with a .gnu.warning
	textRel   string      // the first DT_TEXTREL warning
	needTLSLD bool
	staticTLS bool
}

type undefSite struct {
	id  SymID
	sec *Section
	off uint64
}

// scanRelocations decides, for every relocation of every live allocated
// section, what the output must provide (GOT, PLT, copy, dynamic
// relocations) and reports relocations that cannot be linked. Files are
// scanned in parallel: symbol flags are set with atomic ORs, everything
// else goes to the file's own fileScan.
func (l *Linker) scanRelocations() {
	l.classifySymbols()
	scans := make([]fileScan, len(l.objects))
	workerStats := make([]stats, l.threads())
	l.parallelFor("scan relocations", len(l.objects), func(w, i int) {
		l.scanFile(l.objects[i], &scans[i], &workerStats[w])
	})
	l.symCls = nil
	for w := range workerStats {
		l.stats.add(&workerStats[w])
	}
	undefs := map[SymID]*undefRef{}
	var undefOrder []SymID
	for i := range scans {
		fs := &scans[i]
		l.errs = append(l.errs, fs.errs...)
		if fs.textRel != "" && !l.textRel {
			l.warnf("%s", fs.textRel)
			l.textRel = true
		}
		l.needTLSLD = l.needTLSLD || fs.needTLSLD
		l.staticTLS = l.staticTLS || fs.staticTLS
		for _, w := range fs.symWarns {
			l.symbolWarning(w.id, w.sec.file, w.sec, w.off)
		}
		for _, u := range fs.undefs {
			r := undefs[u.id]
			if r == nil {
				r = &undefRef{id: u.id}
				undefs[u.id] = r
				undefOrder = append(undefOrder, u.id)
			}
			if len(r.refs) < 3 {
				r.refs = append(r.refs, l.refSite(u.sec.file, u.sec, u.off))
			} else {
				r.more++
			}
		}
	}
	for _, id := range undefOrder {
		u := undefs[id]
		msg := "undefined symbol: " + displayName(l.sym(id).Name)
		for _, r := range u.refs {
			msg += "\n>>> referenced by " + r
		}
		if u.more > 0 {
			msg += fmt.Sprintf("\n>>> referenced %d more times", u.more)
		}
		if l.cfg.NoinhibitExec {
			l.warnf("%s", msg) // --noinhibit-exec: write the output anyway
			continue
		}
		l.errorf("%s", msg)
	}
}

// packDecision stores a relocation's decision in a byte for the write pass
// (0: not decided); the write pass then skips the tables.
func packDecision(a reloc.Action, t reloc.TLSAction) uint8 {
	return 1 + uint8(a) + uint8(t)<<4
}

func unpackDecision(b uint8) (reloc.Action, reloc.TLSAction) {
	return reloc.Action((b - 1) & 15), reloc.TLSAction((b - 1) >> 4)
}

// Both must fit: fails to compile when an action is added beyond 14.
var _ = [1]struct{}{}[int(reloc.NumActions)/15+int(reloc.NumTLSActions)/16]

// setFlags ORs f into s.flags; files are scanned concurrently.
func setFlags(s *Symbol, f uint32) {
	if atomic.LoadUint32(&s.flags)&f != f {
		atomic.OrUint32(&s.flags, f)
	}
}

// scanFile scans the relocations of one object file.
func (l *Linker) scanFile(f *File, fs *fileScan, st *stats) {
	for _, sec := range f.sections {
		if sec == nil || !sec.alive || sec.relas == nil {
			continue
		}
		n := len(sec.relas) / elfio.RelaSize
		deadEh := deadFDERelocs(sec)
		alloc := sec.isAlloc()
		if alloc && sec.acts == nil {
			sec.acts = make([]uint8, n)
		}
		for i := 0; i < n; i++ {
			if deadEh != nil && deadEh[i] {
				continue // an FDE of discarded code: dropped with it
			}
			r := elfio.ReadRela(sec.relas, i)
			loc := func() string {
				return secLoc(sec, r.Offset)
			}
			info := l.arch.Info(r.Type)
			if !info.Valid {
				fs.errs.errorf("%s: unknown relocation type %d", loc(), r.Type)
				continue
			}
			if int(r.Sym) >= len(f.syms) {
				fs.errs.errorf("%s: relocation refers to symbol index %d, but the symbol table has %d entries", loc(), r.Sym, len(f.syms))
				continue
			}
			if sec.shdr.Type != shtNobits && (r.Offset > sec.shdr.Size || uint64(info.Size) > sec.shdr.Size-r.Offset) {
				fs.errs.errorf("%s: relocation %s is outside the section (size 0x%x)", loc(), info.Name, sec.shdr.Size)
				continue
			}
			id := f.syms[r.Sym]
			// The common case from the symbol's class byte alone: a
			// symbol with nothing to check, a non-TLS access that needs
			// nothing but the value (or a GOT relaxation).
			if c := l.symCls[id]; c&clsSlow == 0 && !info.Kind.IsTLS() {
				if !alloc {
					continue
				}
				act := l.decideAct(reloc.Class(c), info, &r, sec.data)
				if act == reloc.Static || act == reloc.Relax && l.gotPairOK(sec, i, &r) {
					sec.acts[i] = packDecision(act, reloc.Keep)
					st.byKind[info.Kind][act]++
					continue
				}
			}
			s := l.sym(id)
			if len(l.symWarnings) > 0 && !s.isLocal && s.file != f {
				if _, ok := l.symWarnings[s.Name]; ok {
					fs.symWarns = append(fs.symWarns, undefSite{id, sec, r.Offset})
				}
			}
			if s.state == stUndef && !s.isLocal && l.undefIsError(s) && (sec.isAlloc() || sec.eh != nil) {
				fs.undefs = append(fs.undefs, undefSite{id, sec, r.Offset})
			}
			if !sec.isAlloc() {
				continue
			}
			d := l.decide(f, sec, &r, sec.data)
			if d.act == reloc.Relax && !l.gotPairOK(sec, i, &r) {
				d.act = reloc.GOT
			}
			sec.acts[i] = packDecision(d.act, d.tls)
			if sec.eh != nil && (d.act == reloc.DynSym || d.act == reloc.DynRelative) {
				// .eh_frame is rewritten record by record; compilers
				// never need load-time relocations in it.
				fs.errs.errorf("%s: relocation %s against %s in .eh_frame needs a dynamic relocation; recompile with -fPIC", loc(), info.Name, displayName(s.Name))
				continue
			}
			if info.Kind.IsTLS() && s.typ != uint8(elf.STT_TLS) && s.state != stUndef && r.Sym != 0 {
				fs.errs.errorf("%s: TLS relocation %s against non-TLS symbol %s", loc(), info.Name, displayName(s.Name))
				continue
			}
			if !info.Kind.IsTLS() && info.Kind != reloc.None && s.typ == uint8(elf.STT_TLS) && sec.isAlloc() {
				fs.errs.errorf("%s: relocation %s against TLS symbol %s is not a TLS access", loc(), info.Name, displayName(s.Name))
				continue
			}
			if s.ifunc {
				setFlags(s, needPLT)
			}
			switch d.act {
			case reloc.GOT:
				setFlags(s, needGOT)
			case reloc.PLT:
				if s.preemptible || s.state == stShared || s.state == stUndef {
					setFlags(s, needPLT)
				}
			case reloc.CanonPLT:
				setFlags(s, needPLT|needCanonPLT)
			case reloc.Copy:
				if l.cfg.ZNocopyreloc {
					fs.errs.errorf("%s: relocation %s against %s needs a copy relocation, but -z nocopyreloc was given; recompile with -fPIC", loc(), info.Name, s.Name)
					continue
				}
				if s.state != stShared {
					fs.errs.errorf("%s: relocation %s against undefined symbol %s can not be used in an executable; recompile with -fPIE", loc(), info.Name, s.Name)
					continue
				}
				setFlags(s, needCopy)
			case reloc.DynSym, reloc.DynRelative:
				if sec.shdr.Flags&shfWrite == 0 {
					if l.cfg.ZText {
						fs.errs.errorf("%s: relocation %s against %s in read-only section %s; recompile with -fPIC", loc(), info.Name, displayName(s.Name), sec.name)
						continue
					}
					if fs.textRel == "" {
						fs.textRel = fmt.Sprintf("%s: relocation %s in read-only section %s; creating DT_TEXTREL", loc(), info.Name, sec.name)
					}
				}
				if d.act == reloc.DynSym {
					setFlags(s, needDynSym)
				}
				sec.dynRelCount++
			case reloc.NeedPIC:
				fs.errs.errorf("%s: relocation %s against %s can not be used when making a %s; recompile with -fPIC",
					loc(), info.Name, displayName(s.Name), l.outputNoun())
			case reloc.TLS:
				l.scanTLS(fs, sec, s, d, loc)
				if d.tls != reloc.Keep && l.arch.TLSRelaxConsumesNext(r.Type) {
					i++ // the __tls_get_addr call is part of the rewrite
				}
			}
			st.count(info.Kind, d)
		}
	}
}

func (l *Linker) outputNoun() string {
	switch l.out {
	case reloc.OutShared:
		return "shared object"
	case reloc.OutPIE:
		return "PIE object"
	}
	return "executable"
}

// undefIsError says whether a reference to an undefined symbol is an error.
func (l *Linker) undefIsError(s *Symbol) bool {
	if !s.strongRef {
		return false // weak references may stay unresolved
	}
	switch l.cfg.UnresolvedSymbols {
	case "ignore-all", "ignore-in-object-files":
		return false
	}
	if l.out == reloc.OutShared && !l.cfg.NoUndefined {
		return false
	}
	return true
}

// refSite names a reference for "undefined symbol" messages, with the
// enclosing function when one is known.
func (l *Linker) refSite(f *File, sec *Section, off uint64) string {
	site := secLoc(sec, off)
	nsyms := len(f.symtab) / elfio.SymSize
	best := ""
	var bestVal uint64
	for i := 1; i < nsyms; i++ {
		es := elfio.ReadSym(f.symtab, i)
		if uint32(es.Shndx) != sec.idx || es.Type() != uint8(elf.STT_FUNC) {
			continue
		}
		if es.Value <= off && off < es.Value+max(es.Size, 1) && (best == "" || es.Value >= bestVal) {
			best, bestVal = elfio.CString(f.strtab, es.Name), es.Value
		}
	}
	if best != "" {
		return site + " in function " + best
	}
	return site
}

func (l *Linker) scanTLS(fs *fileScan, sec *Section, s *Symbol, d decision, loc func() string) {
	switch d.info.Kind {
	case reloc.TLSGD:
		switch d.tls {
		case reloc.Keep:
			setFlags(s, needTLSGD)
		case reloc.ToIE:
			setFlags(s, needTLSIE)
		}
	case reloc.TLSLD:
		if d.tls == reloc.Keep {
			fs.needTLSLD = true
		}
	case reloc.TLSDesc:
		switch d.tls {
		case reloc.Keep:
			setFlags(s, needTLSDesc)
		case reloc.ToIE:
			setFlags(s, needTLSIE)
		}
	case reloc.GOTTPOff:
		if d.tls == reloc.Keep {
			setFlags(s, needTLSIE)
			if l.out == reloc.OutShared {
				fs.staticTLS = true
			}
		}
	case reloc.DTPOff:
		// A module-relative offset is only known for this output's own
		// variables (GNU ld: "unresolvable relocation").
		if s.preemptible && l.out != reloc.OutShared && sec.isAlloc() {
			fs.errs.errorf("%s: unresolvable %s relocation against symbol %s defined in %s", loc(), d.info.Name, displayName(s.Name), defFile(s))
		}
	case reloc.TPOff:
		if l.out == reloc.OutShared {
			fs.errs.errorf("%s: relocation %s against %s cannot be used with -shared; recompile with -fPIC", loc(), d.info.Name, displayName(s.Name))
		}
	}
}

// stats counts, per relocation kind, what the tables decided (--stats).
type stats struct {
	byKind  [reloc.NumKinds][reloc.NumActions]int
	tls     [reloc.NumKinds][reloc.NumTLSActions]int
	thunks  int // range extension thunks
	patches int // erratum 843419 veneers
	pads    int // BTI landing pads
}

func (st *stats) add(o *stats) {
	for k := range st.byKind {
		for a := range st.byKind[k] {
			st.byKind[k][a] += o.byKind[k][a]
		}
		for a := range st.tls[k] {
			st.tls[k][a] += o.tls[k][a]
		}
	}
}

func (st *stats) count(k reloc.Kind, d decision) {
	if d.act == reloc.TLS {
		st.tls[k][d.tls]++
		return
	}
	st.byKind[k][d.act]++
}

func (l *Linker) printStats() {
	var b strings.Builder
	nsec, nlocal := 0, 0
	for _, f := range l.objects {
		for _, s := range f.sections {
			if s != nil {
				nsec++
			}
		}
		nlocal += f.firstGlobal
	}
	fmt.Fprintf(&b, "inputs: %d objects, %d shared, %d archives; %d sections; %d symbols (%d local, %d global)\n",
		len(l.objects), len(l.sharedFiles), len(l.archives), nsec, l.syms.len(), nlocal, len(l.symMap))
	b.WriteString("relocations by kind and action:\n")
	for k := reloc.Kind(0); k < reloc.NumKinds; k++ {
		for a := reloc.Action(0); a < reloc.NumActions; a++ {
			if n := l.stats.byKind[k][a]; n > 0 {
				fmt.Fprintf(&b, "  %-22s %-14s %d\n", k, a, n)
			}
		}
		for a := reloc.TLSAction(0); a < reloc.NumTLSActions; a++ {
			if n := l.stats.tls[k][a]; n > 0 {
				fmt.Fprintf(&b, "  %-22s tls:%-10s %d\n", k, a, n)
			}
		}
	}
	if _, ok := l.arch.(thunker); ok {
		fmt.Fprintf(&b, "thunks: %d\n", l.stats.thunks)
		if l.stats.pads > 0 {
			fmt.Fprintf(&b, "BTI landing pads: %d\n", l.stats.pads)
		}
		if l.cfg.FixA53Erratum843419 {
			fmt.Fprintf(&b, "erratum 843419 veneers: %d\n", l.stats.patches)
		}
	}
	fmt.Fprint(l.stderr, b.String())
}

// symbolWarning prints a .gnu.warning.SYM text once, at the first reference.
func (l *Linker) symbolWarning(id SymID, f *File, sec *Section, off uint64) {
	s := l.sym(id)
	w, ok := l.symWarnings[s.Name]
	if !ok || l.warned[id] {
		return
	}
	if l.warned == nil {
		l.warned = map[SymID]bool{}
	}
	l.warned[id] = true
	l.warnf("%s: %s", l.refSite(f, sec, off), w)
}

// decideTLS consults the TLS table. --no-tls-relax keeps every access as
// written in dynamically linked outputs; a static link must relax, since
// static glibc has neither __tls_get_addr nor a TLS descriptor resolver.
func (l *Linker) decideTLS(k reloc.Kind, c reloc.TLSClass) reloc.TLSAction {
	if l.cfg.NoTLSRelax && !l.isStatic {
		return reloc.Keep
	}
	return reloc.DecideTLS(k, l.out, c)
}

// ldRelaxed reports whether local-dynamic accesses become local exec, which
// makes DTPOFF values in code TP-relative (and puts _TLS_MODULE_BASE_ at
// the thread pointer).
func (l *Linker) ldRelaxed() bool {
	return l.decideTLS(reloc.TLSLD, reloc.TLSLocal) == reloc.ToLE
}

// defFile names where a symbol is defined, for messages.
func defFile(s *Symbol) string {
	if s.file != nil {
		return s.file.name
	}
	return "no input (undefined)"
}

// deadFDERelocs marks the relocations of .eh_frame records that describe
// discarded or collected code; those records are dropped from the output
// (finishEhFrames), so their relocations need nothing.
func deadFDERelocs(sec *Section) []bool {
	if sec.eh == nil {
		return nil
	}
	var dead []bool
	for ri := range sec.eh.records {
		r := &sec.eh.records[ri]
		if r.isCIE || r.relLo >= r.relHi || fdeLive(r) {
			continue
		}
		if dead == nil {
			dead = make([]bool, len(sec.relas)/elfio.RelaSize)
		}
		for i := r.relLo; i < r.relHi; i++ {
			dead[i] = true
		}
	}
	return dead
}
