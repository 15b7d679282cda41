package script

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

const glibcLibcSo = `/* GNU ld script
   Use the shared library, but some functions are only in
   the static library, so try that secondarily.  */
OUTPUT_FORMAT(elf64-x86-64)
GROUP ( /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )
`

const debianLibmA = `/* GNU ld script
*/
OUTPUT_FORMAT(elf64-x86-64)
GROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a /usr/lib/x86_64-linux-gnu/libmvec.a )
`

func gs() ScriptInput          { return ScriptInput{GroupStart: true} }
func ge() ScriptInput          { return ScriptInput{GroupEnd: true} }
func in(p string) ScriptInput  { return ScriptInput{Path: p} }
func asn(p string) ScriptInput { return ScriptInput{Path: p, AsNeeded: true} }

func TestInputScript(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want InputScript
	}{
		{"libc.so", glibcLibcSo, InputScript{
			OutputFormat: "elf64-x86-64",
			Items: []ScriptInput{gs(),
				in("/lib/x86_64-linux-gnu/libc.so.6"),
				in("/usr/lib/x86_64-linux-gnu/libc_nonshared.a"),
				asn("/lib64/ld-linux-x86-64.so.2"),
				ge()},
		}},
		{"libm.a", debianLibmA, InputScript{
			OutputFormat: "elf64-x86-64",
			Items: []ScriptInput{gs(),
				in("/usr/lib/x86_64-linux-gnu/libm-2.36.a"),
				in("/usr/lib/x86_64-linux-gnu/libmvec.a"),
				ge()},
		}},
		{"libm.a one line", `/* GNU ld script */ OUTPUT_FORMAT(elf64-x86-64) GROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a /usr/lib/x86_64-linux-gnu/libmvec.a )`, InputScript{
			OutputFormat: "elf64-x86-64",
			Items: []ScriptInput{gs(),
				in("/usr/lib/x86_64-linux-gnu/libm-2.36.a"),
				in("/usr/lib/x86_64-linux-gnu/libmvec.a"),
				ge()},
		}},
		{"libncurses.so", "INPUT(libncurses.so.6 -ltinfo)\n", InputScript{
			Items: []ScriptInput{in("libncurses.so.6"), in("-ltinfo")},
		}},
		{"commas and quotes", `INPUT("a b.o", c.o,d.o , -lm) ; GROUP(x.a,AS_NEEDED(y.so, "z.so"))`, InputScript{
			Items: []ScriptInput{in("a b.o"), in("c.o"), in("d.o"), in("-lm"),
				gs(), in("x.a"), asn("y.so"), asn("z.so"), ge()},
		}},
		{"nested as-needed in input", `INPUT(AS_NEEDED(-lfoo AS_NEEDED(bar.so)) baz.o)`, InputScript{
			Items: []ScriptInput{asn("-lfoo"), asn("bar.so"), in("baz.o")},
		}},
		{"misc commands", `OUTPUT_FORMAT("elf64-x86-64", "elf64-big", "elf64-little")
OUTPUT_ARCH(i386:x86-64)
SEARCH_DIR("=/usr/local/lib64"); SEARCH_DIR(/lib)
ENTRY(_start)
GROUP()`, InputScript{
			OutputFormat: "elf64-x86-64",
			OutputArch:   "i386:x86-64",
			SearchDirs:   []string{"=/usr/local/lib64", "/lib"},
			Entry:        "_start",
			Items:        []ScriptInput{gs(), ge()},
		}},
		{"empty", "  /* nothing */\n", InputScript{}},
		{"comment glued to name", `INPUT(a.o/* c */b.o)`, InputScript{
			Items: []ScriptInput{in("a.o"), in("b.o")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInputScript("x.so", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
			if !LooksLikeScript([]byte(tt.src)) && tt.name != "empty" {
				t.Errorf("LooksLikeScript = false")
			}
		})
	}
}

// TestSystemScripts parses the real scripts of the build machine, if any.
func TestSystemScripts(t *testing.T) {
	for _, f := range []string{
		"/usr/lib/x86_64-linux-gnu/libc.so",
		"/usr/lib/x86_64-linux-gnu/libm.a",
		"/usr/lib/x86_64-linux-gnu/libm.so",
		"/usr/lib/x86_64-linux-gnu/libncurses.so",
		"/usr/lib/x86_64-linux-gnu/libtermcap.so",
	} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if !LooksLikeScript(data) {
			continue // e.g. a real archive on another distribution
		}
		s, err := ParseInputScript(f, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(s.Items) == 0 {
			t.Errorf("%s: no inputs", f)
		}
	}
}

func TestLooksLikeScript(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{glibcLibcSo, true},
		{debianLibmA, true},
		{"INPUT(-lfoo)", true},
		{"\n\n  /* c */ /* d\n */ ENTRY(x)", true},
		{"SEARCH_DIR(/x)", true},
		{"OUTPUT_ARCH(x)", true},
		{"\x7fELF\x02\x01\x01GROUP", false},
		{"!<arch>\nGROUP(", false},
		{"!<thin>\nGROUP(", false},
		{"SECTIONS { }", false},
		{"", false},
		{"/* GROUP", false},
		{"group(a)", false},
		{"\x00\x01GROUP", false},
		{"{ global: *; };", false},
	}
	for _, tt := range tests {
		if got := LooksLikeScript([]byte(tt.src)); got != tt.want {
			t.Errorf("LooksLikeScript(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func checkErr(t *testing.T, err error, file string, line int, msg string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.File != file || pe.Line != line || !strings.Contains(pe.Msg, msg) {
		t.Errorf("error %q, want %s:%d: ...%s...", err, file, line, msg)
	}
	if want := pe.File + ":" + itoa(pe.Line) + ": " + pe.Msg; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestInputScriptErrors(t *testing.T) {
	tests := []struct {
		src  string
		line int
		msg  string
	}{
		{"OUTPUT_FORMAT(elf64-x86-64)\nSECTIONS {\n}", 2, "unsupported linker script command: SECTIONS"},
		{"/* a\nb */ VERSION { }", 2, "unsupported linker script command: VERSION"},
		{"GROUP(a.o\nb.o\n", 2, "unexpected end of file in GROUP (opened on line 1): missing ')'"},
		{"GROUP(a.o AS_NEEDED(b.o)\n\n", 1, "missing ')'"},
		{"\nGROUP a.o", 2, "expected '(' after GROUP, got \"a.o\""},
		{"INPUT(a.o GROUP(b.o))", 1, "GROUP cannot be nested inside INPUT"},
		{"INPUT(a.o\n  FOO(b.o))", 2, "unsupported linker script command: FOO"},
		{"INPUT(a.o,,b.o)", 1, "unexpected ','"},
		{"INPUT(, b.o)", 1, "unexpected ','"},
		{"INPUT(a.o,)", 1, "expected file name after ','"},
		{"INPUT(a.o {)", 1, "unexpected '{' in INPUT"},
		{"INPUT(\"\")", 1, "empty file name"},
		{"\n\n/* unterminated\n comment", 3, "unterminated comment"},
		{"INPUT(\"a.o\n)", 1, "unterminated quoted string"},
		{"\n# comment\nINPUT(a)", 2, "unexpected character '#'"},
		{"INPUT(a\x00)", 1, `unexpected character '\x00'`},
		{"OUTPUT_FORMAT(a, b)", 1, "OUTPUT_FORMAT takes 1 or 3 arguments, got 2"},
		{"ENTRY()", 1, "ENTRY takes 1 argument, got 0"},
		{"\nSEARCH_DIR(a b)", 2, "SEARCH_DIR takes 1 argument, got 2"},
		{"OUTPUT_ARCH(a,)", 1, "unexpected ')' in OUTPUT_ARCH"},
		{"ENTRY(\n", 1, "unexpected end of file in ENTRY"},
		{"\"libc.so\"", 1, "unexpected quoted string"},
		{"(", 1, "unexpected '('"},
		{"x = 1;", 1, "unsupported linker script command: x"},
	}
	for _, tt := range tests {
		_, err := ParseInputScript("t.ld", []byte(tt.src))
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		checkErr(t, err, "t.ld", tt.line, tt.msg)
	}
}

func TestParseErrorString(t *testing.T) {
	e := &ParseError{File: "libc.so", Line: 7, Msg: "boom"}
	if got := e.Error(); got != "libc.so:7: boom" {
		t.Errorf("Error() = %q", got)
	}
}

func g(s string) Pattern   { return Pattern{Text: s, Glob: hasGlobMeta(s)} }
func cxx(s string) Pattern { return Pattern{Text: s, Glob: hasGlobMeta(s), CXX: true} }
func q(s string) Pattern   { return Pattern{Text: s} }

func TestVersionScript(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []VersionNode
	}{
		{"anonymous", `{ global: foo; bar*; local: *; };`, []VersionNode{
			{Global: []Pattern{g("foo"), g("bar*")}, Local: []Pattern{g("*")}},
		}},
		{"anonymous no labels", "{ foo; };", []VersionNode{
			{Global: []Pattern{g("foo")}},
		}},
		{"glibc-like", `# comment
GLIBC_2.2.5 {
  global:
    malloc; free;   # trailing comment
  local:
    __*;
};
GLIBC_2.3 {
    "quoted*";
} GLIBC_2.2.5;
/* c */ GLIBC_PRIVATE { __libc_*; } GLIBC_2.2.5 GLIBC_2.3;
`, []VersionNode{
			{Name: "GLIBC_2.2.5", Global: []Pattern{g("malloc"), g("free")}, Local: []Pattern{g("__*")}},
			{Name: "GLIBC_2.3", Parents: []string{"GLIBC_2.2.5"}, Global: []Pattern{q("quoted*")}},
			{Name: "GLIBC_PRIVATE", Parents: []string{"GLIBC_2.2.5", "GLIBC_2.3"}, Global: []Pattern{g("__libc_*")}},
		}},
		{"patterns before local are global", `V1 { a; b; local: c; global: d; };`, []VersionNode{
			{Name: "V1", Global: []Pattern{g("a"), g("b"), g("d")}, Local: []Pattern{g("c")}},
		}},
		{"labels without space", `V1 {global:a;local:*;};`, []VersionNode{
			{Name: "V1", Global: []Pattern{g("a")}, Local: []Pattern{g("*")}},
		}},
		{"label spacing", "V1 { global : a; local\n: *; };", []VersionNode{
			{Name: "V1", Global: []Pattern{g("a")}, Local: []Pattern{g("*")}},
		}},
		{"global and local as symbol names", `V1 { global; local; extern; };`, []VersionNode{
			{Name: "V1", Global: []Pattern{g("global"), g("local"), g("extern")}},
		}},
		{"extern blocks", `LIBFOO_1.0 {
  global:
    extern "C++" {
      ns::foo*;
      "ns::bar(int)";
      ns::Klass::~Klass*
    };
    extern "C" { c_sym; c_*; }
    plain;
  local:
    extern "C++" { detail::*; };
    *;
};`, []VersionNode{
			{Name: "LIBFOO_1.0",
				Global: []Pattern{cxx("ns::foo*"), {Text: "ns::bar(int)", CXX: true}, cxx("ns::Klass::~Klass*"), g("c_sym"), g("c_*"), g("plain")},
				Local:  []Pattern{cxx("detail::*"), g("*")},
			},
		}},
		{"glob classes", `V { f[a-c]o; f?o; "[x]"; };`, []VersionNode{
			{Name: "V", Global: []Pattern{g("f[a-c]o"), g("f?o"), q("[x]")}},
		}},
		{"empty node", `V1 { }; V2 { local: *; } V1;`, []VersionNode{
			{Name: "V1"},
			{Name: "V2", Parents: []string{"V1"}, Local: []Pattern{g("*")}},
		}},
		{"empty file", "# nothing\n/* here */\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := ParseVersionScript("v.map", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(vs.Versions, tt.want) {
				t.Errorf("got  %+v\nwant %+v", vs.Versions, tt.want)
			}
		})
	}
	// The flags of a few patterns, spelled out.
	vs, err := ParseVersionScript("v.map", []byte(`{ a*; "b*"; extern "C++" { c; "d?"; e[1]; }; };`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pattern{
		{Text: "a*", Glob: true},
		{Text: "b*"},
		{Text: "c", CXX: true},
		{Text: "d?", CXX: true},
		{Text: "e[1]", Glob: true, CXX: true},
	}
	if !reflect.DeepEqual(vs.Versions[0].Global, want) {
		t.Errorf("got %+v, want %+v", vs.Versions[0].Global, want)
	}
}

func TestVersionScriptErrors(t *testing.T) {
	tests := []struct {
		src  string
		line int
		msg  string
	}{
		{"V1 {\n  foo\n};", 3, "expected ';' after pattern \"foo\", got '}'"},
		{"V1 {\n  foo;\n", 2, "unexpected end of file in version node \"V1\" (opened on line 1): missing '}'"},
		{"{ foo; };\nV1 { bar; };", 2, "anonymous version node cannot be combined"},
		{"V1 { foo; };\n{ bar; };", 2, "anonymous version node cannot be combined"},
		{"{ foo; }", 1, "expected ';' after anonymous version node, got end of file"},
		{"{ foo; };\n{ bar; };", 2, "anonymous version node cannot be combined"},
		{"V1 { };\nV1 { };", 2, "duplicate version node \"V1\""},
		{"V1 { }\n V0;", 2, "depends on undefined version \"V0\""},
		{"V1 { } V1;", 1, "depends on undefined version \"V1\""},
		{"V1 { }", 1, "expected ';' after version node \"V1\", got end of file"},
		{"V1 { } \"V0\";", 1, "expected ';' after version node \"V1\", got quoted string \"V0\""},
		{"V1\nfoo;", 2, "expected '{' after version name \"V1\", got \"foo\""},
		{"\n;", 2, "expected version name or '{', got ';'"},
		{"V1 { global: extern \"Java\" { x; }; };", 1, "unsupported extern language \"Java\""},
		{"V1 {\n extern \"C++\" {\n a;\n", 3, "unexpected end of file in extern \"C++\" block (opened on line 2)"},
		{"V1 { extern \"C++\" { a b }; };", 1, "expected ';' after pattern \"a\", got \"b\""},
		{"V1 { extern \"C++\" ; };", 1, "expected '{' after extern \"C++\", got ';'"},
		{"V1 { extern \"C++\" { extern \"C\" { x; }; }; };", 1, "extern blocks cannot be nested"},
		{"V1 { a; (; };", 1, "unexpected '(' in version node \"V1\""},
		{"V1 { a = b; };", 1, "expected ';' after pattern \"a\", got '='"},
		{"V1 { global: : a; };", 1, "unexpected ':'"},
		{"V1 {\n a; /* x\n\n", 2, "unterminated comment"},
		{"V1 { \"a; };", 1, "unterminated quoted string"},
		{"V1 { a%; };", 1, "unexpected character '%'"},
	}
	for _, tt := range tests {
		_, err := ParseVersionScript("v.map", []byte(tt.src))
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		checkErr(t, err, "v.map", tt.line, tt.msg)
	}
}

func TestDynamicList(t *testing.T) {
	tests := []struct {
		src  string
		want []Pattern
	}{
		{`{ foo; bar*; extern "C++" { ns::f*; "ns::g()"; }; };`, []Pattern{
			g("foo"), g("bar*"), cxx("ns::f*"), {Text: "ns::g()", CXX: true},
		}},
		{"# c\n{ a; };\n{ \"b*\"; };", []Pattern{g("a"), q("b*")}},
		{"{ };", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := ParseDynamicList("d.list", []byte(tt.src))
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.src, got, tt.want)
		}
	}

	errTests := []struct {
		src  string
		line int
		msg  string
	}{
		{"foo;", 1, "expected '{' in dynamic list, got \"foo\""},
		{"{ a; }", 1, "expected ';' after '}' in dynamic list, got end of file"},
		{"{\n global: a; };", 2, "expected ';' after pattern \"global\", got ':'"},
		{"{\n a;\n", 2, "unexpected end of file in dynamic list (opened on line 1)"},
	}
	for _, tt := range errTests {
		_, err := ParseDynamicList("d.list", []byte(tt.src))
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		checkErr(t, err, "d.list", tt.line, tt.msg)
	}
}

func TestMatchAny(t *testing.T) {
	pats, err := ParseDynamicList("d", []byte(`{ foo; bar*; extern "C++" { "ns::f()"; ns::g*; }; };`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, dem string
		want      bool
	}{
		{"foo", "", true},
		{"barx", "", true},
		{"baz", "", false},
		{"_ZN2ns1fEv", "ns::f()", true},
		{"_ZN2ns1gEv", "ns::g()", true},
		{"_ZN2ns1hEv", "ns::h()", false},
		{"ns::f()", "", false}, // C++ patterns need a demangled name
	} {
		if got := MatchAny(pats, tt.name, tt.dem); got != tt.want {
			t.Errorf("MatchAny(%q, %q) = %v, want %v", tt.name, tt.dem, got, tt.want)
		}
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"foo", "foo", true},
		{"foo", "fo", false},
		{"f*o", "fo", true},
		{"f*o", "foooo", true},
		{"f*o", "foox", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"?", "", false},
		{"?", "x", true},
		{"??", "x", false},
		{"f[a-c]o", "fbo", true},
		{"f[a-c]o", "fdo", false},
		{"f[!a-c]o", "fdo", true},
		{"f[!a-c]o", "fbo", false},
		{"f[^a-c]o", "fdo", true},
		{"[]]", "]", true},
		{"[!]]", "]", false},
		{"[!]]", "a", true},
		{"[a-]", "-", true},
		{"[\\]]", "]", true},
		{"[abc", "[abc", true},
		{"[abc", "a", false},
		{"a\\*", "a*", true},
		{"a\\*", "ab", false},
		{"a\\", "a\\", true},
		{"_Z*3foo*", "_ZN2ns3fooEv", true},
		{"__*", "_x", false},
		{"std::*", "std::vector<int>::size() const", true},
		{"*?", "", false},
		{"*?", "a", true},
	}
	for _, tt := range tests {
		if got := MatchGlob(tt.pat, tt.name); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pat, tt.name, got, tt.want)
		}
	}
	// Pattern.Match: exact unless Glob.
	if (Pattern{Text: "a*"}).Match("ab") || !(Pattern{Text: "a*"}).Match("a*") {
		t.Error("non-glob pattern should match exactly")
	}
	if !(Pattern{Text: "a*", Glob: true}).Match("ab") {
		t.Error("glob pattern should glob")
	}
	// Pathological patterns stay fast.
	long := strings.Repeat("a", 10000)
	if MatchGlob(strings.Repeat("*a", 50)+"b", long) {
		t.Error("unexpected match")
	}
}

const lookupScript = `
V1 {
  global:
    exact_global; glob_*; extern "C++" { "ns::exact()"; ns::glob*; };
  local:
    exact_local; hidden_*; *;
};
V2 {
  global:
    glob_exact;   # exact beats the glob in V1
    *;            # a bare * loses to V1's hidden_* glob
  local:
    exact_global; # exact in V1 came first
} V1;
`

func TestLookup(t *testing.T) {
	vs, err := ParseVersionScript("v.map", []byte(lookupScript))
	if err != nil {
		t.Fatal(err)
	}
	type res struct {
		version   int
		local, ok bool
	}
	tests := []struct {
		name, dem string
		want      res
	}{
		{"exact_global", "", res{0, false, true}},
		{"exact_local", "", res{0, true, true}},
		{"glob_foo", "", res{0, false, true}},
		{"glob_exact", "", res{1, false, true}},
		{"hidden_x", "", res{0, true, true}},
		{"other", "", res{0, true, true}}, // V1's local * comes before V2's global *
		{"_ZN2ns5exactEv", "ns::exact()", res{0, false, true}},
		{"_ZN2ns4globEv", "ns::glob()", res{0, false, true}},
		{"_ZN2ns4globEv", "", res{0, true, true}}, // no demangled name: only C patterns
	}
	m := vs.Matcher()
	for _, tt := range tests {
		v, l, ok := vs.LookupDemangled(tt.name, tt.dem)
		if got := (res{v, l, ok}); got != tt.want {
			t.Errorf("LookupDemangled(%q, %q) = %+v, want %+v", tt.name, tt.dem, got, tt.want)
		}
		v, l, ok = m.Lookup(tt.name, tt.dem)
		if got := (res{v, l, ok}); got != tt.want {
			t.Errorf("Matcher.Lookup(%q, %q) = %+v, want %+v", tt.name, tt.dem, got, tt.want)
		}
	}
	// Lookup matches C++ patterns against the name as given.
	if v, l, ok := vs.Lookup("ns::exact()"); v != 0 || l || !ok {
		t.Errorf("Lookup(ns::exact()) = %d %v %v", v, l, ok)
	}

	// Without any * a symbol can be unmatched.
	vs, err = ParseVersionScript("v.map", []byte("V1 { a; local: b*; };"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := vs.Lookup("c"); ok {
		t.Error("c should not be found")
	}
	if _, _, ok := vs.Matcher().Lookup("c", ""); ok {
		t.Error("c should not be found by Matcher")
	}
	if v, l, ok := vs.Lookup("bx"); v != 0 || !l || !ok {
		t.Errorf("Lookup(bx) = %d %v %v", v, l, ok)
	}
}

// TestMatcherOrder checks that Matcher breaks ties between an exact C and
// an exact C++ match in search order, like LookupDemangled.
func TestMatcherOrder(t *testing.T) {
	vs, err := ParseVersionScript("v.map", []byte(`
V1 { local: extern "C++" { "f()"; }; };
V2 { global: _Z1fv; extern "C++" { "g()"; }; };
V3 { global: _Z1gv; };`))
	if err != nil {
		t.Fatal(err)
	}
	m := vs.Matcher()
	for _, tt := range []struct {
		name, dem string
		version   int
		local     bool
	}{
		{"_Z1fv", "f()", 0, true},
		{"_Z1gv", "g()", 1, false},
	} {
		v, l, ok := m.Lookup(tt.name, tt.dem)
		v2, l2, ok2 := vs.LookupDemangled(tt.name, tt.dem)
		if v != tt.version || l != tt.local || !ok || v2 != v || l2 != l || ok2 != ok {
			t.Errorf("%s: Matcher %d %v %v, LookupDemangled %d %v %v, want %d %v", tt.name, v, l, ok, v2, l2, ok2, tt.version, tt.local)
		}
	}
}
