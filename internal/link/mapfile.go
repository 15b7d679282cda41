package link

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"sort"

	"github.com/rivet-linker/rivet/internal/elfio"
)

// traceSymbols implements -y: for each named symbol, every file that
// defines or references it, in load order (GNU ld prints these as it reads).
func (l *Linker) traceSymbols() {
	if len(l.cfg.TraceSymbols) == 0 {
		return
	}
	want := map[string]bool{}
	for _, n := range l.cfg.TraceSymbols {
		want[n] = true
	}
	for _, f := range l.files {
		if f.shared {
			n := len(f.dynsym) / elfio.SymSize
			for i := 1; i < n; i++ {
				es := elfio.ReadSym(f.dynsym, i)
				name := elfio.CString(f.dynstr, es.Name)
				if want[name] {
					fmt.Fprintf(l.stderr, "rivet: %s: %s %s\n", f.name, traceVerb(es), name)
				}
			}
			continue
		}
		n := len(f.symtab) / elfio.SymSize
		for i := f.firstGlobal; i < n; i++ {
			es := elfio.ReadSym(f.symtab, i)
			name := elfio.CString(f.strtab, es.Name)
			if want[name] {
				fmt.Fprintf(l.stderr, "rivet: %s: %s %s\n", f.name, traceVerb(es), name)
			}
		}
	}
}

func traceVerb(es elfio.Sym) string {
	switch {
	case es.Shndx == shnUndef:
		return "reference to"
	case es.Shndx == shnCommon:
		return "common of"
	}
	return "definition of"
}

// writeMap implements -Map: output sections, the input sections in them,
// and the global symbols they define.
func (l *Linker) writeMap() {
	if l.cfg.MapFile == "" {
		return
	}
	f, err := os.Create(l.cfg.MapFile)
	if err != nil {
		l.errorf("cannot write map file %s: %v", l.cfg.MapFile, unwrapPathErr(err))
		return
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	bySec := map[*Section][]SymID{}
	for _, id := range l.globalIDs() {
		s := l.sym(id)
		if s.state == stDefined && s.sec != nil && s.sec.out != nil {
			bySec[s.sec] = append(bySec[s.sec], id)
		}
	}
	fmt.Fprintf(w, "%-18s %-18s %-10s %s\n", "Address", "Size", "Align", "Out / In / Symbol")
	for _, o := range l.outSecs {
		fmt.Fprintf(w, "0x%016x 0x%016x %-10d %s\n", o.addr, o.size, o.shdr.Addralign, o.name)
		for _, m := range o.members {
			fmt.Fprintf(w, "0x%016x 0x%016x %-10d         %s:(%s)\n", o.addr+m.off, m.shdr.Size, m.shdr.Addralign, m.file.name, m.name)
			ids := bySec[m]
			sort.Slice(ids, func(i, j int) bool { return l.sym(ids[i]).value < l.sym(ids[j]).value })
			for _, id := range ids {
				s := l.sym(id)
				kind := ""
				if s.typ == uint8(elf.STT_FUNC) {
					kind = " (function)"
				}
				fmt.Fprintf(w, "0x%016x 0x%016x %-10s                 %s%s\n", l.symAddr(s), s.size, "", s.Name, kind)
			}
		}
	}
}
