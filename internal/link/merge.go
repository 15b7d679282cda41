package link

import (
	"bytes"
	"hash/maphash"
	"sort"
	"unsafe"
)

// SHF_MERGE sections hold strings (SHF_STRINGS) or fixed-size constants
// that may be shared across inputs. Each such input section is split into
// pieces; identical pieces of sections with the same name, flags and entry
// size share one copy in a synthetic section.

type mergeSection struct {
	pieceOff []uint64 // start of each piece in the input section
	outOff   []uint64 // its offset in the merged section
	merged   *Section // the synthetic section holding the unique pieces
}

type mergeKey struct {
	name    string
	flags   uint64
	entsize uint64
}

func (l *Linker) mergeStrings() {
	type group struct {
		sec  *Section
		size uint64
		data []byte
	}
	var secs []*Section
	for _, f := range l.objects {
		for _, s := range f.sections {
			if s == nil || !s.alive || s.shdr.Flags&shfMerge == 0 || s.shdr.Entsize == 0 {
				continue
			}
			if s.shdr.Type != shtProgbits || len(s.data) == 0 {
				continue
			}
			if uint64(len(s.data))%s.shdr.Entsize != 0 {
				continue // malformed: keep as a plain section
			}
			secs = append(secs, s)
		}
	}
	// The output section (group) of each mergeable section, in input order.
	groups := map[mergeKey]*group{}
	var order []mergeKey
	secGroup := make([]*group, len(secs))
	for i, s := range secs {
		k := mergeKey{outputName(s.name, s.shdr.Flags), s.shdr.Flags, s.shdr.Entsize}
		g := groups[k]
		if g == nil {
			g = &group{}
			g.sec = &Section{file: l.internalFile(), name: k.name, alive: true, shdr: s.shdr}
			g.sec.shdr.Addralign = 1
			groups[k] = g
			order = append(order, k)
		}
		g.sec.shdr.Addralign = max(g.sec.shdr.Addralign, s.shdr.Addralign)
		secGroup[i] = g
		s.merge = &mergeSection{merged: g.sec}
	}
	// Split into pieces and hash them, in parallel.
	hashes := make([][]uint64, len(secs))
	l.parallelFor("split merge sections", len(secs), func(_, i int) {
		s := secs[i]
		s.merge.pieceOff = splitPieces(s)
		hashes[i] = make([]uint64, len(s.merge.pieceOff))
		for j := range s.merge.pieceOff {
			hashes[i][j] = maphash.Bytes(pieceSeed, piece(s, j))
		}
	})
	base := make([]int, len(secs)+1) // global index of each section's first piece
	for i, s := range secs {
		base[i+1] = base[i] + len(s.merge.pieceOff)
	}
	// canon[p] is the global index of the first piece, in input order, with
	// p's group and contents. Pieces are sharded by hash and each shard
	// walks the pieces in input order, so the answer does not depend on
	// the number of shards or threads. Keys point into the mapped inputs.
	canon := make([]uint32, base[len(secs)])
	nshards := 4 * l.threads()
	if l.threads() == 1 {
		nshards = 1
	}
	type pieceKey struct {
		g *group
		s string
	}
	l.parallelFor("dedupe merge pieces", nshards, func(_, shard int) {
		first := map[pieceKey]uint32{}
		for i, s := range secs {
			for j, h := range hashes[i] {
				if h%uint64(nshards) != uint64(shard) {
					continue
				}
				p := uint32(base[i] + j)
				k := pieceKey{secGroup[i], unsafe.String(unsafe.SliceData(piece(s, j)), len(piece(s, j)))}
				if c, ok := first[k]; ok {
					canon[p] = c
				} else {
					first[k] = p
					canon[p] = p
				}
			}
		}
	})
	// Place the distinct pieces in input order, each aligned as its
	// section was; then every piece learns its output offset, and the
	// distinct ones are copied, in parallel.
	offsets := make([]uint64, len(canon))
	for i, s := range secs {
		g := secGroup[i]
		for j := range s.merge.pieceOff {
			if p := base[i] + j; canon[p] == uint32(p) {
				g.size = alignUp(g.size, s.shdr.Addralign)
				offsets[p] = g.size
				g.size += uint64(len(piece(s, j)))
			}
		}
	}
	for _, k := range order {
		g := groups[k]
		g.data = make([]byte, g.size)
	}
	l.parallelFor("place merge pieces", len(secs), func(_, i int) {
		s, g := secs[i], secGroup[i]
		ms := s.merge
		ms.outOff = make([]uint64, len(ms.pieceOff))
		for j := range ms.pieceOff {
			p := base[i] + j
			ms.outOff[j] = offsets[canon[p]]
			if canon[p] == uint32(p) {
				copy(g.data[offsets[p]:], piece(s, j))
			}
		}
	})
	// The output names its linker in .comment, as lld and mold do, so that
	// `readelf -p .comment` tells which linker made a file.
	if id := l.cfg.Ident; id != "" {
		k := mergeKey{".comment", shfMerge | shfStrings, 1}
		g := groups[k]
		if g == nil {
			g = &group{}
			g.sec = &Section{file: l.internalFile(), name: k.name, alive: true}
			g.sec.shdr.Type = shtProgbits
			g.sec.shdr.Flags, g.sec.shdr.Entsize, g.sec.shdr.Addralign = k.flags, 1, 1
			groups[k] = g
			order = append(order, k)
		}
		if p := []byte(id + "\x00"); !hasPiece(g.data, p) {
			g.data = append(g.data, p...)
		}
	}
	for _, k := range order {
		g := groups[k]
		g.sec.data = g.data
		g.sec.shdr.Size = uint64(len(g.data))
		l.internal.sections = append(l.internal.sections, g.sec)
	}
}

// piece returns piece j of merge section s.
func piece(s *Section, j int) []byte {
	offs := s.merge.pieceOff
	end := uint64(len(s.data))
	if j+1 < len(offs) {
		end = offs[j+1]
	}
	return s.data[offs[j]:end]
}

// pieceSeed seeds the hashes that shard merge pieces (never in the output).
var pieceSeed = maphash.MakeSeed()

// hasPiece reports whether the NUL-terminated string p is a whole piece of
// the merged strings data.
func hasPiece(data, p []byte) bool {
	for o := 0; o+len(p) <= len(data); {
		i := bytes.Index(data[o:], p)
		if i < 0 {
			return false
		}
		if o+i == 0 || data[o+i-1] == 0 {
			return true
		}
		o += i + 1
	}
	return false
}

// splitPieces returns the start of each piece of a mergeable section:
// NUL-terminated strings (of entsize-wide characters) or fixed-size
// entries. A string missing its terminator runs to the section's end.
func splitPieces(s *Section) []uint64 {
	es := s.shdr.Entsize
	size := uint64(len(s.data))
	if s.shdr.Flags&shfStrings == 0 {
		offs := make([]uint64, 0, size/es)
		for off := uint64(0); off < size; off += es {
			offs = append(offs, off)
		}
		return offs
	}
	var offs []uint64
	for off := uint64(0); off < size; {
		offs = append(offs, off)
		end := off
		if es == 1 {
			if i := bytes.IndexByte(s.data[off:], 0); i >= 0 {
				end = off + uint64(i)
			} else {
				end = size
			}
		} else {
			for end+es <= size && !allZero(s.data[end:end+es]) {
				end += es
			}
		}
		off = min(end+es, size)
	}
	return offs
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// translate maps an offset in a merged input section to its place in the
// synthetic section.
func (m *mergeSection) translate(off uint64) uint64 {
	i := sort.Search(len(m.pieceOff), func(i int) bool { return m.pieceOff[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return m.outOff[i] + (off - m.pieceOff[i])
}
