package link

import (
	"testing"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/reloc"
)

func TestIsCode(t *testing.T) {
	x, d := func(off uint64) mapSym { return mapSym{off, false} }, func(off uint64) mapSym { return mapSym{off, true} }
	for _, tc := range []struct {
		name   string
		ms     []mapSym
		lo, hi uint64
		want   bool
	}{
		{"no mapping symbols", nil, 0, 8, true},
		{"all code", []mapSym{x(0)}, 0xff8, 0x1000, true},
		{"data table", []mapSym{x(0), d(0xff8)}, 0xff8, 0x1000, false},
		{"data starts inside", []mapSym{x(0), d(0xffc)}, 0xff8, 0x1000, false},
		{"data ends before", []mapSym{x(0), d(0xff0), x(0xff8)}, 0x1000, 0x1000, true},
		{"code after data inside still starts in data", []mapSym{d(0), x(0xffc)}, 0xff8, 0x1000, false},
	} {
		if got := isCode(tc.ms, tc.lo, tc.hi); got != tc.want {
			t.Errorf("%s: isCode = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// pairArch is an arch whose relaxable GOT access is two relocations:
// type 1 then type 2 on the next instruction.
type pairArch struct{ reloc.Arch }

func (pairArch) GOTPair(t uint32) (uint32, bool) {
	if t == 1 {
		return 2, true
	}
	return 1, false
}

func TestGOTPairOK(t *testing.T) {
	rela := func(rs ...elfio.Rela) []byte {
		b := make([]byte, len(rs)*elfio.RelaSize)
		for i, r := range rs {
			elfio.PutRela(b[i*elfio.RelaSize:], r.Offset, r.Type, r.Sym, r.Addend)
		}
		return b
	}
	l := &Linker{arch: pairArch{}, pairer: pairArch{}}
	for _, tc := range []struct {
		name string
		rs   []elfio.Rela
		want bool
	}{
		{"pair", []elfio.Rela{{Offset: 8, Type: 1, Sym: 3}, {Offset: 12, Type: 2, Sym: 3}}, true},
		{"different symbols", []elfio.Rela{{Offset: 8, Type: 1, Sym: 3}, {Offset: 12, Type: 2, Sym: 4}}, false},
		{"not adjacent instructions", []elfio.Rela{{Offset: 8, Type: 1, Sym: 3}, {Offset: 16, Type: 2, Sym: 3}}, false},
		{"addend", []elfio.Rela{{Offset: 8, Type: 1, Sym: 3}, {Offset: 12, Type: 2, Sym: 3, Addend: 8}}, false},
		{"wrong partner type", []elfio.Rela{{Offset: 8, Type: 1, Sym: 3}, {Offset: 12, Type: 1, Sym: 3}}, false},
	} {
		sec := &Section{relas: rela(tc.rs...)}
		r0, r1 := tc.rs[0], tc.rs[1]
		if got := l.gotPairOK(sec, 0, &r0); got != tc.want {
			t.Errorf("%s: first half = %v, want %v", tc.name, got, tc.want)
		}
		if r1.Type == 2 {
			if got := l.gotPairOK(sec, 1, &r1); got != tc.want {
				t.Errorf("%s: second half = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
	// The last relocation has no next one.
	r := elfio.Rela{Offset: 0, Type: 1, Sym: 3}
	if (&Linker{arch: pairArch{}, pairer: pairArch{}}).gotPairOK(&Section{relas: rela(r)}, 0, &r) {
		t.Error("a lone first half was accepted")
	}
}
