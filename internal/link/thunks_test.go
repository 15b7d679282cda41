package link

import "testing"

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
