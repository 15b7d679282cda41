package link

import (
	"slices"
	"testing"
)

func TestHasPiece(t *testing.T) {
	data := []byte("GCC: (Debian 12.2.0-14) 12.2.0\x00Linker: rivet 0.1.0\x00x\x00")
	for _, c := range []struct {
		p    string
		want bool
	}{
		{"GCC: (Debian 12.2.0-14) 12.2.0\x00", true},
		{"Linker: rivet 0.1.0\x00", true},
		{"x\x00", true},
		{"12.2.0\x00", false}, // a suffix of a piece, not a piece
		{"rivet 0.1.0\x00", false},
		{"y\x00", false},
	} {
		if got := hasPiece(data, []byte(c.p)); got != c.want {
			t.Errorf("hasPiece(%q) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestSplitPieces(t *testing.T) {
	strs := &Section{data: []byte("ab\x00\x00c\x00de"), shdr: shdrOf(shfMerge|shfStrings, 1)}
	if got, want := splitPieces(strs), []uint64{0, 3, 4, 6}; !slices.Equal(got, want) {
		t.Errorf("strings: %v, want %v", got, want)
	}
	wide := &Section{data: []byte("a\x00b\x00\x00\x00c\x00"), shdr: shdrOf(shfMerge|shfStrings, 2)}
	if got, want := splitPieces(wide), []uint64{0, 6}; !slices.Equal(got, want) {
		t.Errorf("2-byte strings: %v, want %v", got, want)
	}
	consts := &Section{data: make([]byte, 24), shdr: shdrOf(shfMerge, 8)}
	if got, want := splitPieces(consts), []uint64{0, 8, 16}; !slices.Equal(got, want) {
		t.Errorf("constants: %v, want %v", got, want)
	}
}

func shdrOf(flags, entsize uint64) secHdr {
	return secHdr{Type: shtProgbits, Flags: flags, Entsize: entsize, Addralign: 1}
}
