package link

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rivet-linker/rivet/internal/elfio"
)

// An .eh_frame input section is a sequence of CIE and FDE records. rivet
// keeps the records whose FDE describes a live section, drops duplicate
// CIEs, and lays the survivors out in one output .eh_frame; .eh_frame_hdr
// gets one table entry per surviving FDE.

type ehSection struct {
	records  []ehRecord // allocated at their final number: FDEs point to CIEs, sections to FDEs
	outStart uint64     // where this section's surviving records begin in the output
	outEnd   uint64
}

// addrOf maps an offset in an input .eh_frame to the output: into the
// surviving record that contains it, else to where the section's records
// begin (e.g. crtbegin's __EH_FRAME_BEGIN__ in an empty section) or end.
func (eh *ehSection) addrOf(off uint64) uint64 {
	for i := range eh.records {
		r := &eh.records[i]
		if off >= r.off && off < r.off+r.size && r.hasOut {
			return r.outOff + (off - r.off)
		}
		if off < r.off+r.size {
			break
		}
	}
	if len(eh.records) > 0 && off >= eh.records[len(eh.records)-1].off+eh.records[len(eh.records)-1].size {
		return eh.outEnd
	}
	return eh.outStart
}

type ehRecord struct {
	sec      *Section
	off      uint64    // within the input section
	size     uint64    // including the length field
	cie      *ehRecord // FDE: its CIE; CIE: the canonical copy (itself if unique)
	relLo    int       // relocations [relLo, relHi) fall in this record
	relHi    int
	target   *Section // FDE: the section its pc_begin refers to
	outOff   uint64
	pcBegin  uint64 // FDE, after layout
	cieUsers int32
	isCIE    bool
	alive    bool
	hasOut   bool
}

// countEhRecords counts the records parseEhSection will find in d (it
// stops where parseEhSection stops, at a terminator or a malformed length).
func countEhRecords(d []byte) int {
	n := 0
	for off := uint64(0); uint64(len(d))-off >= 4; n++ {
		length := uint64(elfio.U32(d[off:]))
		if length == 0 || length == 0xffffffff || length < 4 || length+4 > uint64(len(d))-off {
			break
		}
		off += length + 4
	}
	return n
}

// parseEhFrames splits each .eh_frame into records and attaches each FDE
// to the section it describes (for --gc-sections and discarding).
// Files are parsed in parallel; each touches only its own sections, and
// errors are reported in file order.
func (l *Linker) parseEhFrames() {
	errs := make([]diags, len(l.objects))
	l.parallelFor("parse eh_frame", len(l.objects), func(_, i int) {
		for _, s := range l.objects[i].ehFrames {
			l.parseEhSection(l.objects[i], s, &errs[i])
		}
	})
	for _, e := range errs {
		l.errs = append(l.errs, e...)
	}
}

func (l *Linker) parseEhSection(f *File, s *Section, errs *diags) {
	eh := &ehSection{}
	s.eh = eh
	d := s.data
	nrel := len(s.relas) / elfio.RelaSize
	// Relocations must be sorted by offset to be split among records.
	for i := 1; i < nrel; i++ {
		if elfio.ReadRela(s.relas, i).Offset < elfio.ReadRela(s.relas, i-1).Offset {
			errs.errorf("%s: .eh_frame relocations are not sorted by offset", f.name)
			return
		}
	}
	var cies []*ehRecord // a section has one or two: a slice beats a map
	eh.records = make([]ehRecord, 0, countEhRecords(d))
	ri := 0
	for off := uint64(0); off < uint64(len(d)); {
		if uint64(len(d))-off < 4 {
			errs.errorf("%s: truncated record at offset 0x%x", secLoc(s, off), off)
			return
		}
		length := uint64(elfio.U32(d[off:]))
		if length == 0 {
			break // terminator
		}
		if length == 0xffffffff {
			errs.errorf("%s: 64-bit .eh_frame records are not supported", secLoc(s, off))
			return
		}
		size := length + 4
		if size > uint64(len(d))-off || length < 4 {
			errs.errorf("%s: record length 0x%x extends past the end of the section", secLoc(s, off), length)
			return
		}
		id := elfio.U32(d[off+4:])
		if len(eh.records) == cap(eh.records) {
			errs.errorf("%s: internal error: .eh_frame records miscounted", secLoc(s, off))
			return
		}
		eh.records = append(eh.records, ehRecord{sec: s, off: off, size: size, isCIE: id == 0})
		rec := &eh.records[len(eh.records)-1]
		for ri < nrel && elfio.ReadRela(s.relas, ri).Offset < off {
			ri++
		}
		rec.relLo = ri
		for ri < nrel && elfio.ReadRela(s.relas, ri).Offset < off+size {
			ri++
		}
		rec.relHi = ri
		if rec.isCIE {
			rec.cie = rec
			cies = append(cies, rec)
		} else {
			cieOff := off + 4 - uint64(id)
			var cie *ehRecord
			for _, c := range cies {
				if c.off == cieOff {
					cie = c
				}
			}
			ok := cie != nil
			if !ok || uint64(id) > off+4 {
				errs.errorf("%s: FDE points to no CIE", secLoc(s, off))
				return
			}
			rec.cie = cie
			if rec.relLo < rec.relHi {
				r := elfio.ReadRela(s.relas, rec.relLo)
				if r.Offset == off+8 && int(r.Sym) < len(f.syms) {
					sym := l.sym(f.syms[r.Sym])
					if sym.sec != nil && sym.sec.file == f {
						rec.target = sym.sec
						sym.sec.fdes = append(sym.sec.fdes, rec)
					}
				}
			}
		}
		off += size
	}
}

// finishEhFrames decides which records survive and where they go.
func (l *Linker) finishEhFrames() (size uint64, fdes int) {
	cies := map[string]*ehRecord{}
	var key strings.Builder
	for _, f := range l.objects {
		for _, s := range f.ehFrames {
			if s.eh == nil || !s.alive {
				continue
			}
			for ri := range s.eh.records {
				r := &s.eh.records[ri]
				if r.isCIE {
					continue
				}
				r.alive = fdeLive(r)
				if r.alive {
					r.cie.cieUsers++
				}
			}
			for ri := range s.eh.records {
				r := &s.eh.records[ri]
				if !r.isCIE || r.cieUsers == 0 {
					continue
				}
				key.Reset()
				key.Write(s.data[r.off : r.off+r.size])
				for i := r.relLo; i < r.relHi; i++ {
					rel := elfio.ReadRela(s.relas, i)
					sym := f.syms[rel.Sym]
					if l.sym(sym).isLocal {
						key.WriteString("|local")
						key.WriteString(f.name)
					}
					key.WriteString("|")
					key.WriteString(itoa(rel.Offset - r.off))
					key.WriteString(",")
					key.WriteString(itoa(uint64(rel.Type)))
					key.WriteString(",")
					key.WriteString(itoa(uint64(sym)))
					key.WriteString(",")
					key.WriteString(itoa(uint64(rel.Addend)))
				}
				if c, ok := cies[key.String()]; ok {
					r.cie = c
				} else {
					cies[key.String()] = r
					r.alive = true
				}
			}
		}
	}
	// Assign output offsets: per file, per section, records in order.
	var off uint64
	for _, f := range l.objects {
		for _, s := range f.ehFrames {
			if s.eh == nil || !s.alive {
				continue
			}
			s.eh.outStart = off
			for ri := range s.eh.records {
				r := &s.eh.records[ri]
				if !r.alive {
					continue
				}
				if r.isCIE && r.cie != r {
					continue
				}
				r.outOff, r.hasOut = off, true
				off += r.size
				if !r.isCIE {
					fdes++
				}
			}
			s.eh.outEnd = off
		}
	}
	return off + 4, fdes // + the zero terminator
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}

// writeEhFrame copies the surviving records into buf (the output
// .eh_frame), fixing FDE CIE pointers and applying relocations.
func (l *Linker) writeEhFrame(buf []byte, addr uint64, rw *relocWriter) {
	workers := make([]*relocWriter, l.threads())
	for w := range workers {
		workers[w] = rw.fork()
	}
	l.parallelFor("write .eh_frame", len(l.objects), func(w, i int) {
		l.writeFileEhFrame(l.objects[i], buf, addr, workers[w])
	})
	// The terminator is already zero.
}

// writeFileEhFrame copies one file's surviving records and relocates them.
func (l *Linker) writeFileEhFrame(f *File, buf []byte, addr uint64, rw *relocWriter) {
	for _, s := range f.ehFrames {
		if s.eh == nil || !s.alive {
			continue
		}
		for ri := range s.eh.records {
			r := &s.eh.records[ri]
			if !r.hasOut {
				continue
			}
			copy(buf[r.outOff:], s.data[r.off:r.off+r.size])
			if !r.isCIE {
				canon := r.cie.cie
				elfio.Put32(buf[r.outOff+4:], uint32(r.outOff+4-canon.outOff))
			}
			for i := r.relLo; i < r.relHi; i++ {
				rel := elfio.ReadRela(s.relas, i)
				at := r.outOff + (rel.Offset - r.off)
				rw.apply(f, s, i, rel, buf, at, addr+at)
				if !r.isCIE && i == r.relLo && rel.Offset == r.off+8 {
					v := rw.symAddr(f, rel)
					r.pcBegin = v + uint64(rel.Addend)
				}
			}
		}
	}
}

// writeEhFrameHdr builds the binary-search table of .eh_frame_hdr.
func (l *Linker) writeEhFrameHdr(buf []byte, hdrAddr, ehAddr uint64) {
	// The table is sorted by pc. Visiting the code sections in address
	// order and each one's FDEs yields that order (a section's FDEs are in
	// input order, almost always by offset); input order does not when
	// sections are reordered (.text.unlikely, .text.hot). Each entry is
	// packed into an order-preserving uint64, so the rare sort that is
	// still needed has no comparison function and no ties.
	outs := slices.Clone(l.outSecs)
	slices.SortStableFunc(outs, func(a, b *OutSection) int { return cmp.Compare(a.addr, b.addr) })
	var ents []uint64
	for _, o := range outs {
		for _, sec := range o.members {
			for _, r := range sec.fdes {
				if r.hasOut && !r.isCIE {
					ents = append(ents, uint64(uint32(r.pcBegin-hdrAddr)^1<<31)<<32|uint64(uint32(ehAddr+r.outOff-hdrAddr)^1<<31))
				}
			}
		}
	}
	if !slices.IsSorted(ents) {
		slices.Sort(ents)
	}
	buf[0] = 1    // version
	buf[1] = 0x1b // eh_frame_ptr: pcrel | sdata4
	buf[2] = 0x03 // fde_count: udata4
	buf[3] = 0x3b // table: datarel | sdata4
	elfio.Put32(buf[4:], uint32(ehAddr-(hdrAddr+4)))
	elfio.Put32(buf[8:], uint32(len(ents)))
	for i, e := range ents {
		elfio.Put32(buf[12+8*i:], uint32(e>>32)^1<<31)
		elfio.Put32(buf[16+8*i:], uint32(e)^1<<31)
	}
}

// fdeLive: an FDE survives when the code it describes is in the output.
func fdeLive(r *ehRecord) bool {
	return r.target != nil && r.target.alive && r.target.out != nil
}
