package link

import (
	"fmt"
	"strings"

	"github.com/rivet-linker/rivet/internal/elfio"
)

// gcSections implements --gc-sections: mark every allocated section
// reachable from the roots through relocations, drop the rest.
func (l *Linker) gcSections() {
	if !l.cfg.GCSections {
		return
	}
	// Everything starts dead; non-allocated sections are kept (debug info
	// referring to dead code resolves to 0) but are not roots.
	for _, f := range l.objects {
		for _, s := range f.sections {
			// .eh_frame stays: its records are kept or dropped one by
			// one, with the code they describe.
			if s != nil && !s.discarded && s.isAlloc() && s.eh == nil {
				s.alive = false
			}
		}
	}
	var work []*Section
	mark := func(s *Section) {
		if s != nil && !s.alive && !s.discarded {
			s.alive = true
			work = append(work, s)
		}
	}
	markSym := func(id SymID) {
		s := l.sym(id)
		if s.state == stDefined && s.sec != nil {
			mark(s.sec)
		}
		if s.state == stLinker {
			if sec, ok := strings.CutPrefix(s.Name, "__start_"); ok {
				l.markNamed(sec, mark)
			} else if sec, ok := strings.CutPrefix(s.Name, "__stop_"); ok {
				l.markNamed(sec, mark)
			}
		}
	}
	// Roots.
	if e := l.entryName(); e != "" {
		if id, ok := l.symMap[e]; ok {
			markSym(id)
		}
	}
	for _, u := range l.cfg.Undefined {
		markSym(l.symMap[u])
	}
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if s.exported || s.refByShared {
			markSym(id)
		}
	}
	if l.cfg.Init != "" {
		if id, ok := l.symMap[l.cfg.Init]; ok {
			markSym(id)
		}
	}
	if l.cfg.Fini != "" {
		if id, ok := l.symMap[l.cfg.Fini]; ok {
			markSym(id)
		}
	}
	for _, f := range l.objects {
		for _, s := range f.sections {
			if s == nil || s.discarded || !s.isAlloc() {
				continue
			}
			if isGCRoot(s) {
				mark(s)
			}
		}
	}
	for _, s := range l.internalSections() {
		mark(s)
	}
	// Propagate.
	for len(work) > 0 {
		s := work[len(work)-1]
		work = work[:len(work)-1]
		l.forEachRelocTarget(s, s.relas, 0, len(s.relas)/elfio.RelaSize, markSym)
		for _, fde := range s.fdes {
			// The FDE's own pc_begin points back at s; its LSDA and
			// personality references keep those alive.
			l.forEachRelocTarget(fde.sec, fde.sec.relas, fde.relLo+1, fde.relHi, markSym)
			cie := fde.cie
			l.forEachRelocTarget(cie.sec, cie.sec.relas, cie.relLo, cie.relHi, markSym)
		}
	}
	if l.cfg.PrintGCSections {
		for _, f := range l.objects {
			for _, s := range f.sections {
				if s != nil && !s.discarded && s.isAlloc() && !s.alive && s.eh == nil {
					fmt.Fprintf(l.stderr, "rivet: removing unused section '%s' in file '%s'\n", s.name, f.name)
				}
			}
		}
	}
}

func (l *Linker) internalSections() []*Section {
	if l.internal == nil {
		return nil
	}
	return l.internal.sections
}

// isGCRoot: sections the program or the loader reach without a relocation.
func isGCRoot(s *Section) bool {
	switch s.shdr.Type {
	case shtInitArray, shtFiniArray, shtPreinitArray, shtNote:
		return true
	}
	if s.shdr.Flags&shfGNURetain != 0 {
		return true
	}
	n := s.name
	for _, p := range []string{".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors", ".init", ".fini", ".note", ".jcr"} {
		if n == p || strings.HasPrefix(n, p+".") {
			return true
		}
	}
	return false
}

func (l *Linker) markNamed(name string, mark func(*Section)) {
	for _, f := range l.objects {
		for _, s := range f.sections {
			if s != nil && s.name == name {
				mark(s)
			}
		}
	}
}

// forEachRelocTarget calls fn for the symbol of each relocation in [lo, hi).
func (l *Linker) forEachRelocTarget(s *Section, relas []byte, lo, hi int, fn func(SymID)) {
	f := s.file
	for i := lo; i < hi; i++ {
		r := elfio.ReadRela(relas, i)
		if int(r.Sym) < len(f.syms) && r.Sym != 0 {
			fn(f.syms[r.Sym])
		}
	}
}
