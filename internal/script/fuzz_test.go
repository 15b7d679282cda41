package script

import (
	"errors"
	"path"
	"strings"
	"testing"
)

func FuzzInputScript(f *testing.F) {
	for _, s := range []string{
		glibcLibcSo,
		debianLibmA,
		"INPUT(libncurses.so.6 -ltinfo)\n",
		`OUTPUT_FORMAT("a", b, c) OUTPUT_ARCH(i386:x86-64) SEARCH_DIR(=/lib) ENTRY(_start);`,
		`INPUT(AS_NEEDED(a, "b c") d) GROUP(,)`,
		"SECTIONS { . = 0x1000; }",
		"/* unterminated",
		"GROUP(\"unterminated",
		"\x7fELF",
		"!<arch>\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		LooksLikeScript(data)
		s, err := ParseInputScript("f", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "f" || pe.Line < 1 {
				t.Fatalf("bad error %#v", err)
			}
			if s != nil {
				t.Fatal("script returned with an error")
			}
			return
		}
		depth := 0
		for _, it := range s.Items {
			switch {
			case it.GroupStart:
				depth++
				if depth > 1 || it.Path != "" {
					t.Fatalf("bad group start %+v", it)
				}
			case it.GroupEnd:
				depth--
				if depth < 0 || it.Path != "" {
					t.Fatalf("bad group end %+v", it)
				}
			case it.Path == "":
				t.Fatalf("empty path %+v", it)
			}
		}
		if depth != 0 {
			t.Fatal("unbalanced group")
		}
	})
}

func FuzzVersionScript(f *testing.F) {
	for _, s := range []string{
		lookupScript,
		"{ global: foo; bar*; local: *; };",
		"V1 { a; }; V2 { b; } V1;",
		`{ foo; extern "C++" { ns::*; "x()" }; };`,
		"V1 {global:a;local:*;};",
		"# c\nV { f[!a-c]?o; \"q*\"; };",
		"V { extern \"Java\" { x; }; };",
		"V { a }",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseDynamicList("f", data); err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("bad error %#v", err)
			}
		}
		vs, err := ParseVersionScript("f", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		m := vs.Matcher()
		names := []string{"", "a", "foo", "_ZN2ns1fEv", "x()"}
		for _, n := range vs.Versions {
			for _, p := range append(n.Global, n.Local...) {
				names = append(names, p.Text)
			}
		}
		for _, name := range names {
			for _, dem := range []string{"", name} {
				v1, l1, ok1 := vs.LookupDemangled(name, dem)
				v2, l2, ok2 := m.Lookup(name, dem)
				if v1 != v2 || l1 != l2 || ok1 != ok2 {
					t.Fatalf("%q/%q: LookupDemangled %d %v %v, Matcher %d %v %v", name, dem, v1, l1, ok1, v2, l2, ok2)
				}
				if ok1 && (v1 < 0 || v1 >= len(vs.Versions)) {
					t.Fatalf("version %d out of range", v1)
				}
			}
		}
	})
}

// FuzzGlob compares MatchGlob with path.Match where their syntaxes agree:
// ASCII, no '/', no "[!" (path.Match only knows "[^"), well-formed patterns.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*", "abc"}, {"a?c", "abc"}, {"[a-c]*", "b"}, {"[^a]", "b"}, {"\\*", "*"}, {"*a*b", "aab"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, name string) {
		got := MatchGlob(pat, name)
		if strings.ContainsAny(pat+name, "/") || strings.Contains(pat, "[!") || !ascii(pat+name) {
			return
		}
		want, err := path.Match(pat, name)
		if err != nil {
			return
		}
		if got != want {
			t.Fatalf("MatchGlob(%q, %q) = %v, path.Match = %v", pat, name, got, want)
		}
	})
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
