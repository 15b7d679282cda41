package script

import "strings"

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// MatchGlob reports whether name matches the shell pattern pat, like
// fnmatch(3) with no flags: '*' matches any run of bytes, '?' any one byte,
// "[...]" a byte in the set (ranges a-z; "[!...]" or "[^...]" negate; a ']'
// right after the '[' or '!' is literal), and '\' quotes the next byte. A
// '[' without a closing ']' is literal. Matching is bytewise and never
// backtracks more than O(len(pat)*len(name)).
func MatchGlob(pat, name string) bool {
	px, nx := 0, 0
	starPx, starNx := -1, 0
	for px < len(pat) || nx < len(name) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				starPx, starNx = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx++
					continue
				}
			case '[':
				if nx < len(name) {
					ok, width := matchClass(pat[px:], name[nx])
					if width == 0 { // no closing ']': a literal '['
						ok, width = name[nx] == '[', 1
					}
					if ok {
						px += width
						nx++
						continue
					}
				}
			case '\\':
				lit, width := byte('\\'), 1
				if px+1 < len(pat) {
					lit, width = pat[px+1], 2
				}
				if nx < len(name) && name[nx] == lit {
					px += width
					nx++
					continue
				}
			default:
				if nx < len(name) && name[nx] == c {
					px++
					nx++
					continue
				}
			}
		}
		// Mismatch: let the last '*' swallow one more byte.
		if starPx >= 0 && starNx < len(name) {
			starNx++
			px, nx = starPx+1, starNx
			continue
		}
		return false
	}
	return true
}

// matchClass matches c against the bracket expression at the start of p
// (p[0] == '['). width is the length of the expression, or 0 if it has no
// closing ']'.
func matchClass(p string, c byte) (ok bool, width int) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	matched := false
	for first := true; ; first = false {
		if i >= len(p) {
			return false, 0
		}
		if p[i] == ']' && !first {
			return matched != negate, i + 1
		}
		lo, n := classChar(p, i)
		if n == 0 {
			return false, 0
		}
		i += n
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			if hi, n = classChar(p, i+1); n == 0 {
				return false, 0
			}
			i += 1 + n
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
}

// classChar returns the (possibly '\'-quoted) byte at p[i] and its length
// in p, or 0 if the quote runs off the end.
func classChar(p string, i int) (byte, int) {
	if p[i] == '\\' {
		if i+1 >= len(p) {
			return 0, 0
		}
		return p[i+1], 2
	}
	return p[i], 1
}
