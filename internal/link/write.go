package link

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"slices"
	"sync"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/output"
	"github.com/rivet-linker/rivet/internal/reloc"
)

// relocWriter applies relocations into the output image.
// Each worker has its own (fork); they share the error list.
type relocWriter struct {
	l       *Linker
	relDyn  []byte // the output .rela.dyn
	fullBuf []byte // the whole output image
	errs    *errList
	gotBase uint64 // _GLOBAL_OFFSET_TABLE_
	// Scratch for one relocation: arch.Apply takes pointers through an
	// interface, so locals would escape and allocate per relocation.
	args reloc.RelaArgs
	v    reloc.Values
}

type errList struct {
	mu   sync.Mutex
	msgs []string
}

// fork returns a writer for another worker.
func (rw *relocWriter) fork() *relocWriter {
	return &relocWriter{l: rw.l, relDyn: rw.relDyn, fullBuf: rw.fullBuf, errs: rw.errs, gotBase: rw.gotBase}
}

// vaFast lists the kinds whose static value needs only S, A, P and the GOT
// base (L is S for a symbol without a PLT entry).
var vaFast = [reloc.NumKinds]bool{
	reloc.Abs: true, reloc.PCRel: true, reloc.PLTPCRel: true,
	reloc.GOTOff: true, reloc.GOTPC: true, reloc.PLTOff: true,
}

// Bits of symVAFlags: the symbol's relocations take the general path.
const (
	vaMergeSection = 1 << iota // a merge section's section symbol: S depends on the addend
	vaPLT                      // has a PLT entry: L is not S
	vaUndef                    // undefined: the arch may treat the reference specially (reloc.Values.Unresolved)
)

// computeSymVA fills l.symVA with every symbol's address, in parallel, so
// that applying a relocation reads one dense array instead of following
// the symbol to its section and output section.
func (l *Linker) computeSymVA() {
	n := l.syms.len()
	l.symVA = make([]uint64, n)
	l.symVAFlags = make([]uint8, n)
	const batch = 16 << 10
	l.parallelFor("symbol addresses", (n+batch-1)/batch, func(_, b int) {
		for id := b * batch; id < min(n, (b+1)*batch); id++ {
			s := l.sym(SymID(id))
			l.symVA[id] = l.symAddr(s)
			var fl uint8
			if s.typ == uint8(elf.STT_SECTION) && s.sec != nil && s.sec.merge != nil {
				fl |= vaMergeSection
			}
			if s.pltIdx >= 0 {
				fl |= vaPLT
			}
			if s.state == stUndef {
				fl |= vaUndef
			}
			l.symVAFlags[id] = fl
		}
	})
}

func (rw *relocWriter) errorf(format string, args ...any) {
	rw.errs.mu.Lock()
	rw.errs.msgs = append(rw.errs.msgs, fmt.Sprintf(format, args...))
	rw.errs.mu.Unlock()
}

// symAddr is S for relocation r of file f (merge sections translated).
func (rw *relocWriter) symAddr(f *File, r elfio.Rela) uint64 {
	s := rw.l.sym(f.syms[r.Sym])
	return rw.l.symAddr(s)
}

// apply computes and writes relocation i of sec. buf is the output bytes
// the relocation's offset at refers to; p is the place's address. cursor
// is the next .rela.dyn slot of this section.
func (rw *relocWriter) apply(f *File, sec *Section, i int, r elfio.Rela, buf []byte, at uint64, p uint64) {
	rw.applyDyn(f, sec, i, r, buf, at, p, nil)
}

func (rw *relocWriter) applyDyn(f *File, sec *Section, i int, r elfio.Rela, buf []byte, at uint64, p uint64, cursor *int) reloc.TLSAction {
	l := rw.l
	if int(r.Sym) >= len(f.syms) {
		return reloc.Keep
	}
	id := f.syms[r.Sym]
	if i < len(sec.acts) && sec.acts[i] != 0 && l.symVA != nil && l.symVAFlags[id] == 0 {
		// The common case: a value known at link time from the symbol's
		// address alone (vaFast), without reading the symbol.
		if act, tls := unpackDecision(sec.acts[i]); act == reloc.Static || act == reloc.DynRelative && cursor != nil {
			info := l.arch.Info(r.Type)
			if vaFast[info.Kind] {
				sv := l.symVA[id]
				if act == reloc.DynRelative {
					rw.putDyn(cursor, p, l.arch.DynType(reloc.DynRelativeKind), 0, int64(sv)+r.Addend)
				}
				rw.v = reloc.Values{S: sv, A: r.Addend, P: p, L: sv, GOT: rw.gotBase}
				rw.args = reloc.RelaArgs{Type: r.Type, Offset: at, Info: info, Act: act, TLS: tls,
					Site: reloc.Site{File: f.name, Section: sec.name, Offset: r.Offset}}
				if l.arch.Apply(buf, &rw.args, &rw.v) == nil {
					return tls
				}
				// An error: apply it again below, for a message that
				// names the symbol (nothing was written).
				if act == reloc.DynRelative {
					*cursor--
				}
			}
		}
	}
	s := l.sym(id)
	var d decision
	if i < len(sec.acts) && sec.acts[i] != 0 {
		d = decision{info: l.arch.Info(r.Type)} // the scan's decision
		d.act, d.tls = unpackDecision(sec.acts[i])
	} else {
		d = l.decide(f, sec, &r, sec.data)
	}
	if !d.info.Valid || d.info.Kind == reloc.None {
		return reloc.Keep
	}
	v := &rw.v
	*v = reloc.Values{A: r.Addend, P: p, Z: s.size}
	if s.typ == uint8(elf.STT_SECTION) && s.sec != nil && s.sec.merge != nil {
		v.S = l.sectionAddr(s.sec, s.value+uint64(r.Addend))
		v.A = 0
	} else {
		v.S = l.symAddr(s)
	}
	v.L = v.S
	if s.pltIdx >= 0 && l.synth.plt != nil {
		v.L = l.pltEntryAddr(s)
	}
	if d.info.Kind == reloc.PLTPCRel && l.thunks != nil {
		if t, ok := l.thunkFor(r.Type, id, r.Addend, p, v.L+uint64(v.A)); ok {
			v.L, v.A = t, 0 // through the range extension thunk
		}
	}
	v.GOT = rw.gotBase
	v.Unresolved = s.state == stUndef && l.symClass(s) == reloc.ClassAbs
	v.TP = int64(v.S + uint64(v.A) - l.tp)
	v.DTP = int64(v.S + uint64(v.A) - l.tlsStart)
	switch d.info.Kind {
	case reloc.GOTPCRel, reloc.GOTPCRelX, reloc.GOTRel:
		if s.gotIdx >= 0 {
			v.G = l.gotSlotAddr(s.gotIdx)
		}
	case reloc.TLSGD:
		if d.tls == reloc.ToIE {
			v.G = l.gotSlotAddr(s.ieIdx)
		} else if d.tls == reloc.Keep {
			v.G = l.gotSlotAddr(s.gdIdx)
		}
	case reloc.TLSLD:
		if d.tls == reloc.Keep {
			v.G = l.gotSlotAddr(l.synth.ldIdx)
		}
	case reloc.GOTTPOff:
		if d.tls == reloc.Keep {
			v.G = l.gotSlotAddr(s.ieIdx)
		}
	case reloc.TLSDesc:
		if d.tls == reloc.ToIE {
			v.G = l.gotSlotAddr(s.ieIdx)
		} else if d.tls == reloc.Keep {
			v.G = l.gotSlotAddr(s.descIdx)
		}
	}
	args := &rw.args
	*args = reloc.RelaArgs{Type: r.Type, Offset: at, Info: d.info, Act: d.act, TLS: d.tls,
		Site: reloc.Site{File: f.name, Section: sec.name, Offset: r.Offset, Symbol: s.Name}}
	switch d.act {
	case reloc.DynSym:
		if cursor != nil {
			rw.putDyn(cursor, p, l.arch.DynType(reloc.DynWord), uint32(s.dynIdx), r.Addend)
		}
		v.S, v.A = 0, r.Addend
		elfio.Put64(buf[at:], uint64(r.Addend))
		return d.tls
	case reloc.DynRelative:
		if cursor != nil {
			rw.putDyn(cursor, p, l.arch.DynType(reloc.DynRelativeKind), 0, int64(v.S)+v.A)
		}
	case reloc.NeedPIC:
		return d.tls
	}
	if err := l.arch.Apply(buf, args, v); err != nil {
		rw.errorf("%v", err)
	}
	return d.tls
}

func (rw *relocWriter) putDyn(cursor *int, off uint64, typ uint32, sym uint32, addend int64) {
	i := *cursor
	*cursor = i + 1
	if (i+1)*elfio.RelaSize > len(rw.relDyn) {
		rw.errorf("internal error: .rela.dyn overflow")
		return
	}
	elfio.PutRela(rw.relDyn[i*elfio.RelaSize:], off, typ, sym, addend)
}

// writeSection copies an input section and applies its relocations.
func (rw *relocWriter) writeSection(sec *Section, out []byte) {
	if sec.shdr.Type == shtNobits {
		return
	}
	dst := out[sec.off : sec.off+sec.shdr.Size]
	copy(dst, sec.data)
	if sec.relas == nil || sec.file == nil || sec.file.syms == nil {
		return
	}
	l := rw.l
	cursor := int(sec.dynRelBase)
	base := sec.out.addr + sec.off
	n := len(sec.relas) / elfio.RelaSize
	for i := 0; i < n; i++ {
		r := elfio.ReadRela(sec.relas, i)
		info := l.arch.Info(r.Type)
		if !info.Valid {
			continue
		}
		tls := rw.applyDyn(sec.file, sec, i, r, dst, r.Offset, base+r.Offset, &cursor)
		if info.Kind.IsTLS() && tls != reloc.Keep && sec.isAlloc() && l.arch.TLSRelaxConsumesNext(r.Type) {
			i++
		}
	}
	if cursor != int(sec.dynRelBase+sec.dynRelCount) {
		rw.errorf("internal error: %s: %d dynamic relocations planned, %d written", secLoc(sec, 0), sec.dynRelCount, cursor-int(sec.dynRelBase))
	}
}

// writeOutput builds the image and renames it into place.
func (l *Linker) writeOutput() {
	end := l.span("create output file")
	of, err := output.Create(l.cfg.Output, l.fileSize)
	end()
	if err != nil {
		l.errorf("%v", err)
		return
	}
	l.outFile = of
	buf := of.Buf
	rw := &relocWriter{l: l, fullBuf: buf, errs: &errList{}}
	rw.gotBase = l.gotBaseAddr()
	if l.synth.relaDyn != nil {
		rw.relDyn = buf[l.synth.relaDyn.off : l.synth.relaDyn.off+l.synth.relaDyn.size]
	}
	l.writeHeaders(buf)

	// Input sections, in parallel.
	end = l.span("input sections")
	l.computeSymVA()
	var jobs []*Section
	n := 0
	for _, o := range l.outSecs {
		if o.synth == synNone && o.shdr.Type != shtNobits {
			n += len(o.members)
		}
	}
	jobs = make([]*Section, 0, n)
	for _, o := range l.outSecs {
		if o.synth == synNone && o.shdr.Type != shtNobits {
			jobs = append(jobs, o.members...)
		}
	}
	workers := make([]*relocWriter, l.threads())
	for w := range workers {
		workers[w] = rw.fork()
	}
	l.parallelFor("write sections", len(jobs), func(w, i int) {
		o := jobs[i].out
		workers[w].writeSectionSafe(jobs[i], buf[o.off:o.off+o.size])
	})
	l.writeThunks(buf, rw)
	end()

	// Synthetic sections.
	end = l.span("synthetic sections")
	for _, o := range l.outSecs {
		if o.synth == synNone || o.size == 0 {
			continue
		}
		end := l.span(o.name)
		l.writeSynthetic(o, buf[o.off:o.off+o.size], rw)
		end()
	}
	if h := l.synth.ehFrameHdr; h != nil {
		end := l.span(h.name)
		l.writeEhFrameHdr(buf[h.off:h.off+h.size], h.addr, l.synth.ehFrame.addr)
		end()
	}
	l.writeSectionHeaders(buf)
	end()
	if l.synth.buildID != nil {
		end := l.span("build-id")
		l.writeBuildID(buf)
		end()
	}
	// Workers report in whatever order they run: sort for stable messages.
	slices.Sort(rw.errs.msgs)
	l.errs = append(rw.errs.msgs, l.errs...)
	l.outFile = nil
	if len(l.errs) > 0 {
		of.Abort()
		return
	}
	mode := uint32(0o777)
	end = l.span("commit")
	if err := of.Commit(osMode(mode)); err != nil {
		l.errorf("%v", err)
	}
	end()
}

func (l *Linker) writeHeaders(buf []byte) {
	copy(buf, []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)})
	if l.hasIFunc() {
		buf[elf.EI_OSABI] = byte(elf.ELFOSABI_LINUX) // GNU: STT_GNU_IFUNC is an OS-specific type
	}
	typ := elf.ET_DYN
	if l.out == reloc.OutExec {
		typ = elf.ET_EXEC
	}
	elfio.Put16(buf[16:], uint16(typ))
	elfio.Put16(buf[18:], uint16(l.arch.Machine()))
	elfio.Put32(buf[20:], 1)
	elfio.Put64(buf[24:], l.entryAddr)
	elfio.Put64(buf[32:], elfio.EhdrSize)
	elfio.Put64(buf[40:], l.shoff)
	elfio.Put32(buf[48:], 0)
	elfio.Put16(buf[52:], elfio.EhdrSize)
	elfio.Put16(buf[54:], elfio.PhdrSize)
	elfio.Put16(buf[56:], uint16(len(l.phdrs)))
	elfio.Put16(buf[58:], elfio.ShdrSize)
	elfio.Put16(buf[60:], uint16(l.shnum))
	elfio.Put16(buf[62:], uint16(l.synth.shstrtab.index))
	for i, p := range l.phdrs {
		elfio.PutPhdr(buf[elfio.EhdrSize+i*elfio.PhdrSize:], p)
	}
}

func (l *Linker) writeSectionHeaders(buf []byte) {
	sy := &l.synth
	copy(buf[sy.shstrtab.off:], sy.shstrtabB.buf)
	idx := func(o *OutSection) uint32 {
		if o == nil {
			return 0
		}
		return uint32(o.index)
	}
	for _, o := range l.outSecs {
		sh := o.shdr
		sh.Name = sy.shstrtabB.index[o.name]
		sh.Addr, sh.Offset, sh.Size = o.addr, o.off, o.size
		switch o.synth {
		case synDynsym:
			sh.Link, sh.Info = idx(sy.dynstr), 1
		case synHash, synGnuHash, synVersym:
			sh.Link = idx(sy.dynsym)
		case synVerneed:
			sh.Link, sh.Info = idx(sy.dynstr), uint32(len(sy.verneedList))
		case synVerdef:
			sh.Link, sh.Info = idx(sy.dynstr), uint32(len(l.verDefs)+1)
		case synRelaDyn:
			sh.Link = idx(sy.dynsym)
		case synRelaPlt:
			sh.Link, sh.Info = idx(sy.dynsym), idx(sy.gotPlt)
		case synDynamic:
			sh.Link = idx(sy.dynstr)
		case synSymtab:
			sh.Link, sh.Info = idx(sy.strtab), uint32(sy.symtabLocal)
		}
		elfio.PutShdr(buf[l.shoff+uint64(o.index)*elfio.ShdrSize:], sh)
	}
}

// writeBuildID hashes the image (with the build-id field still zero). The
// image is cut into 4 MiB chunks hashed in parallel, and the id is the
// hash of the chunk hashes, as mold does: the id only has to identify the
// contents, and a single sequential hash of a 129 MB output costs 70 ms.
func (l *Linker) writeBuildID(buf []byte) {
	o := l.synth.buildID
	desc := buf[o.off+16 : o.off+o.size]
	style := l.cfg.BuildID
	var sum []byte
	switch {
	case style == "md5":
		sum = l.treeHash(buf, md5.New)
	case style == "fast":
		sum = l.crcTreeHash(buf)[:8]
	case style == "tree":
		sum = l.crcTreeHash(buf)
	case style == "uuid":
		sum = make([]byte, 16)
		rand.Read(sum)
		sum[6] = sum[6]&0x0f | 0x40
		sum[8] = sum[8]&0x3f | 0x80
	case len(style) > 2 && style[:2] == "0x":
		sum, _ = hex.DecodeString(style[2:])
	default:
		sum = l.treeHash(buf, sha1.New)
	}
	copy(desc, sum)
}

const buildIDChunk = 4 << 20

// castagnoli is the CRC-32C table (hardware CRC32 instructions on x86-64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcTreeHash is the SHA-1 of two hardware-accelerated CRC-32s
// (Castagnoli and IEEE) per chunk. A bare --build-id is all 20 bytes (the
// length GNU ld gives it); --build-id=fast is the first 8 (lld's length).
// It identifies contents like the other styles, at a quarter of the cost
// of SHA-1 chunks, but is not meant to resist deliberate collisions: lld
// made the same choice for a bare --build-id. --build-id=sha1 and =md5
// hash the chunks with those functions.
func (l *Linker) crcTreeHash(buf []byte) []byte {
	n := (len(buf) + buildIDChunk - 1) / buildIDChunk
	crcs := make([]byte, 8*n)
	l.parallelFor("build-id", n, func(_, i int) {
		chunk := buf[i*buildIDChunk : min(len(buf), (i+1)*buildIDChunk)]
		binary.LittleEndian.PutUint32(crcs[8*i:], crc32.Checksum(chunk, castagnoli))
		binary.LittleEndian.PutUint32(crcs[8*i+4:], crc32.ChecksumIEEE(chunk))
	})
	sum := sha1.Sum(crcs)
	return sum[:]
}

// treeHash is newHash over the concatenated newHash sums of buf's chunks.
func (l *Linker) treeHash(buf []byte, newHash func() hash.Hash) []byte {
	n := (len(buf) + buildIDChunk - 1) / buildIDChunk
	sums := make([][]byte, n)
	l.parallelFor("build-id", n, func(_, i int) {
		h := newHash()
		h.Write(buf[i*buildIDChunk : min(len(buf), (i+1)*buildIDChunk)])
		sums[i] = h.Sum(nil)
	})
	h := newHash()
	for _, s := range sums {
		h.Write(s)
	}
	return h.Sum(nil)
}

// hasIFunc reports whether the output's symbol tables contain IFUNCs.
func (l *Linker) hasIFunc() bool {
	if l.synth.symtabIFunc {
		return true
	}
	for _, id := range l.synth.dynSyms {
		if l.sym(id).typ == uint8(elf.STT_GNU_IFUNC) {
			return true
		}
	}
	return false
}

// writeSectionSafe turns a panic in a worker (a bug) into an error, so the
// link fails cleanly instead of crashing with the temporary file left behind.
func (rw *relocWriter) writeSectionSafe(sec *Section, out []byte) {
	defer func() {
		if r := recover(); r != nil {
			rw.errorf("internal error while writing %s: %v", secLoc(sec, 0), r)
		}
	}()
	rw.writeSection(sec, out)
}
