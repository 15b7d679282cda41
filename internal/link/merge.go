package link

import (
	"bytes"
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
		sec   *Section
		index map[string]uint64
		data  []byte
	}
	// Split every mergeable section into pieces, in parallel.
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
	l.parallelFor("split merge sections", len(secs), func(_, i int) {
		secs[i].merge = &mergeSection{pieceOff: splitPieces(secs[i])}
	})
	// Then give each distinct piece its place, in input order. Map keys
	// point into the mapped inputs (they outlive the link), so inserting
	// copies nothing.
	groups := map[mergeKey]*group{}
	var order []mergeKey
	for _, s := range secs {
		es := s.shdr.Entsize
		k := mergeKey{outputName(s.name, s.shdr.Flags), s.shdr.Flags, es}
		g := groups[k]
		if g == nil {
			g = &group{index: map[string]uint64{}}
			g.sec = &Section{file: l.internalFile(), name: k.name, alive: true, shdr: s.shdr}
			g.sec.shdr.Addralign = 1
			groups[k] = g
			order = append(order, k)
		}
		if s.shdr.Addralign > g.sec.shdr.Addralign {
			g.sec.shdr.Addralign = s.shdr.Addralign
		}
		ms := s.merge
		ms.merged = g.sec
		ms.outOff = make([]uint64, len(ms.pieceOff))
		for i, off := range ms.pieceOff {
			end := uint64(len(s.data))
			if i+1 < len(ms.pieceOff) {
				end = ms.pieceOff[i+1]
			}
			key := unsafe.String(&s.data[off], end-off)
			o, ok := g.index[key]
			if !ok {
				// Keep each piece aligned as the section was.
				for uint64(len(g.data))%s.shdr.Addralign != 0 {
					g.data = append(g.data, 0)
				}
				o = uint64(len(g.data))
				g.data = append(g.data, key...)
				g.index[key] = o
			}
			ms.outOff[i] = o
		}
	}
	// The output names its linker in .comment, as lld and mold do, so that
	// `readelf -p .comment` tells which linker made a file.
	if id := l.cfg.Ident; id != "" {
		k := mergeKey{".comment", shfMerge | shfStrings, 1}
		g := groups[k]
		if g == nil {
			g = &group{index: map[string]uint64{}}
			g.sec = &Section{file: l.internalFile(), name: k.name, alive: true}
			g.sec.shdr.Type = shtProgbits
			g.sec.shdr.Flags, g.sec.shdr.Entsize, g.sec.shdr.Addralign = k.flags, 1, 1
			groups[k] = g
			order = append(order, k)
		}
		piece := id + "\x00"
		if _, ok := g.index[piece]; !ok {
			g.index[piece] = uint64(len(g.data))
			g.data = append(g.data, piece...)
		}
	}
	for _, k := range order {
		g := groups[k]
		g.sec.data = g.data
		g.sec.shdr.Size = uint64(len(g.data))
		l.internal.sections = append(l.internal.sections, g.sec)
	}
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
