package script

// VersionScript is a parsed version script (--version-script).
type VersionScript struct {
	// Versions are the version nodes in file order. An anonymous script
	// "{ global: ...; local: ...; };" gives one node with Name "".
	Versions []VersionNode
}

// VersionNode is one "NAME { ... } PARENTS;" node.
type VersionNode struct {
	Name    string
	Parents []string // the names after the closing brace: "} V1;"
	Global  []Pattern
	Local   []Pattern
}

// Pattern is one symbol pattern of a version script or dynamic list.
type Pattern struct {
	Text string // as written (without quotes)
	Glob bool   // contains *, ? or [ and was not quoted
	CXX  bool   // inside extern "C++" { ... } (a demangled-name pattern)
}

// ParseVersionScript parses a version script:
//
//	NAME { [global:] pats; [local:] pats; } [PARENT...];   (repeated)
//	{ [global:] pats; [local:] pats; };                   (anonymous, alone)
//
// where pats are patterns each ending in ';' and extern "C" / extern "C++"
// blocks. '#' starts a comment running to the end of the line. Patterns
// before any label are global. Parents must name earlier nodes.
func ParseVersionScript(file string, data []byte) (*VersionScript, error) {
	lx := newLexer(file, data, modeVersion)
	vs := &VersionScript{}
	defined := map[string]bool{}
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.kind == tEOF:
			return vs, nil
		case t.is("{"):
			if len(vs.Versions) > 0 {
				return nil, lx.errorf(t.line, "anonymous version node cannot be combined with other version nodes")
			}
			node := VersionNode{}
			if err := parseVersionBody(lx, &node, t, true); err != nil {
				return nil, err
			}
			if _, err := lx.expect(";", "after anonymous version node"); err != nil {
				return nil, err
			}
			vs.Versions = append(vs.Versions, node)
			if t, err := lx.next(); err != nil {
				return nil, err
			} else if t.kind != tEOF {
				return nil, lx.errorf(t.line, "anonymous version node cannot be combined with other version nodes")
			}
			return vs, nil
		case t.kind == tWord:
			if len(vs.Versions) == 1 && vs.Versions[0].Name == "" {
				return nil, lx.errorf(t.line, "anonymous version node cannot be combined with other version nodes")
			}
			if defined[t.text] {
				return nil, lx.errorf(t.line, "duplicate version node %q", t.text)
			}
			node := VersionNode{Name: t.text}
			if _, err := lx.expect("{", "after version name "+t.String()); err != nil {
				return nil, err
			}
			if err := parseVersionBody(lx, &node, t, true); err != nil {
				return nil, err
			}
			for {
				p, err := lx.next()
				if err != nil {
					return nil, err
				}
				if p.is(";") {
					break
				}
				if p.kind != tWord {
					return nil, lx.errorf(p.line, "expected ';' after version node %q, got %s", node.Name, p)
				}
				if !defined[p.text] {
					return nil, lx.errorf(p.line, "version node %q depends on undefined version %q", node.Name, p.text)
				}
				node.Parents = append(node.Parents, p.text)
			}
			defined[node.Name] = true
			vs.Versions = append(vs.Versions, node)
		default:
			return nil, lx.errorf(t.line, "expected version name or '{', got %s", t)
		}
	}
}

// ParseDynamicList parses a dynamic list (--dynamic-list):
//
//	{ foo; bar*; extern "C++" { ns::baz*; }; };
//
// Several such blocks are allowed; their patterns are concatenated.
func ParseDynamicList(file string, data []byte) ([]Pattern, error) {
	lx := newLexer(file, data, modeVersion)
	var pats []Pattern
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tEOF {
			return pats, nil
		}
		if !t.is("{") {
			return nil, lx.errorf(t.line, "expected '{' in dynamic list, got %s", t)
		}
		node := VersionNode{}
		if err := parseVersionBody(lx, &node, t, false); err != nil {
			return nil, err
		}
		if _, err := lx.expect(";", "after '}' in dynamic list"); err != nil {
			return nil, err
		}
		pats = append(pats, node.Global...)
	}
}

// parseVersionBody parses the patterns after '{' through the matching '}'.
// With labels, "global:" and "local:" switch the list patterns go to;
// otherwise everything goes to node.Global.
func parseVersionBody(lx *lexer, node *VersionNode, open token, labels bool) error {
	what := "dynamic list"
	if labels {
		what = "version node"
		if node.Name != "" {
			what += " " + `"` + node.Name + `"`
		}
	}
	dst := &node.Global
	for {
		t, err := lx.next()
		if err != nil {
			return err
		}
		switch {
		case t.is("}"):
			return nil
		case t.kind == tEOF:
			return lx.errorf(t.line, "unexpected end of file in %s (opened on line %d): missing '}'", what, open.line)
		case labels && (t.isWord("global") || t.isWord("local")) && lx.peekIs(":"):
			lx.next() // the ':'
			if t.text == "global" {
				dst = &node.Global
			} else {
				dst = &node.Local
			}
		case t.isWord("extern") && peekKind(lx) == tString:
			if *dst, err = parseExtern(lx, *dst); err != nil {
				return err
			}
		case t.kind == tWord || t.kind == tString:
			*dst = append(*dst, makePattern(t, false))
			if _, err := lx.expect(";", "after pattern "+t.String()); err != nil {
				return err
			}
		default:
			return lx.errorf(t.line, "unexpected %s in %s", t, what)
		}
	}
}

func peekKind(lx *lexer) tokKind {
	t, err := lx.peek()
	if err != nil {
		return tEOF
	}
	return t.kind
}

// parseExtern parses `"LANG" { pat; ... }` [;] after the word extern. The
// ';' after the last pattern and after the '}' may be omitted.
func parseExtern(lx *lexer, dst []Pattern) ([]Pattern, error) {
	lang, _ := lx.next()
	var cxx bool
	switch lang.text {
	case "C":
	case "C++":
		cxx = true
	default:
		return nil, lx.errorf(lang.line, "unsupported extern language %q (want \"C\" or \"C++\")", lang.text)
	}
	open, err := lx.expect("{", `after extern "`+lang.text+`"`)
	if err != nil {
		return nil, err
	}
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.is("}"):
			if lx.peekIs(";") {
				lx.next()
			}
			return dst, nil
		case t.kind == tEOF:
			return nil, lx.errorf(t.line, "unexpected end of file in extern %q block (opened on line %d): missing '}'", lang.text, open.line)
		case t.isWord("extern") && peekKind(lx) == tString:
			return nil, lx.errorf(t.line, "extern blocks cannot be nested")
		case t.kind == tWord || t.kind == tString:
			dst = append(dst, makePattern(t, cxx))
			if lx.peekIs("}") {
				continue
			}
			if _, err := lx.expect(";", "after pattern "+t.String()); err != nil {
				return nil, err
			}
		default:
			return nil, lx.errorf(t.line, "unexpected %s in extern %q block", t, lang.text)
		}
	}
}

func makePattern(t token, cxx bool) Pattern {
	return Pattern{Text: t.text, Glob: t.kind == tWord && hasGlobMeta(t.text), CXX: cxx}
}

// Match reports whether name matches p: exactly, or for a glob pattern
// with fnmatch-style * ? [...] [!...] (see MatchGlob). For CXX patterns name
// should be the demangled name; Match does no demangling itself.
func (p Pattern) Match(name string) bool {
	if !p.Glob {
		return p.Text == name
	}
	return MatchGlob(p.Text, name)
}

// MatchAny reports whether any of pats matches: C patterns are matched
// against name and CXX patterns against demangled (skipped when demangled is
// ""). It is meant for dynamic lists.
func MatchAny(pats []Pattern, name, demangled string) bool {
	for _, p := range pats {
		if p.CXX {
			if demangled != "" && p.Match(demangled) {
				return true
			}
		} else if p.Match(name) {
			return true
		}
	}
	return false
}

// Lookup decides which version node the symbol name belongs to, matching
// every pattern, C++ ones included, against name as given. See
// LookupDemangled.
func (vs *VersionScript) Lookup(name string) (version int, local bool, found bool) {
	return vs.LookupDemangled(name, name)
}

// LookupDemangled decides which version node a symbol belongs to. C
// patterns are matched against name and extern "C++" patterns against
// demangled (they are skipped when demangled is "").
//
// Precedence, after GNU ld: the first exact (non-glob) match in any node
// wins; else the first glob match other than a bare "*"; else the first
// bare "*". Nodes are searched in file order, each node's global patterns
// before its local ones. version is the index into vs.Versions of the node
// that matched; local reports whether it was a local: pattern.
func (vs *VersionScript) LookupDemangled(name, demangled string) (version int, local bool, found bool) {
	for pass := range 3 {
		for i := range vs.Versions {
			n := &vs.Versions[i]
			if lookupPass(n.Global, pass, name, demangled) {
				return i, false, true
			}
			if lookupPass(n.Local, pass, name, demangled) {
				return i, true, true
			}
		}
	}
	return 0, false, false
}

// lookupPass reports whether a pattern of the given precedence class
// (0 exact, 1 glob other than "*", 2 bare "*") in pats matches.
func lookupPass(pats []Pattern, pass int, name, demangled string) bool {
	for _, p := range pats {
		if patternClass(p) != pass {
			continue
		}
		s := name
		if p.CXX {
			if demangled == "" {
				continue
			}
			s = demangled
		}
		if p.Match(s) {
			return true
		}
	}
	return false
}

func patternClass(p Pattern) int {
	switch {
	case !p.Glob:
		return 0
	case p.Text == "*":
		return 2
	}
	return 1
}

// Matcher is a VersionScript prepared for many lookups: exact patterns are
// indexed by name. It is safe for concurrent use.
type Matcher struct {
	exact, exactCXX map[string]hit // first exact match per name
	globs, stars    []globEntry    // class-1 and class-2 patterns in search order
}

type hit struct {
	version int
	local   bool
}

type globEntry struct {
	p Pattern
	hit
}

// Matcher returns a Matcher equivalent to vs.LookupDemangled for the
// current contents of vs.
func (vs *VersionScript) Matcher() *Matcher {
	m := &Matcher{exact: map[string]hit{}, exactCXX: map[string]hit{}}
	for i := range vs.Versions {
		n := &vs.Versions[i]
		for _, l := range []struct {
			pats  []Pattern
			local bool
		}{{n.Global, false}, {n.Local, true}} {
			for _, p := range l.pats {
				h := hit{i, l.local}
				switch patternClass(p) {
				case 0:
					ex := m.exact
					if p.CXX {
						ex = m.exactCXX
					}
					if _, dup := ex[p.Text]; !dup {
						ex[p.Text] = h
					}
				case 1:
					m.globs = append(m.globs, globEntry{p, h})
				case 2:
					m.stars = append(m.stars, globEntry{p, h})
				}
			}
		}
	}
	return m
}

// Lookup is vs.LookupDemangled(name, demangled) for the script m was made
// from.
func (m *Matcher) Lookup(name, demangled string) (version int, local bool, found bool) {
	h, ok := m.exact[name]
	if demangled != "" {
		if hc, okc := m.exactCXX[demangled]; okc && (!ok || hc.before(h)) {
			h, ok = hc, true
		}
	}
	if ok {
		return h.version, h.local, true
	}
	for _, list := range [][]globEntry{m.globs, m.stars} {
		for _, g := range list {
			s := name
			if g.p.CXX {
				if demangled == "" {
					continue
				}
				s = demangled
			}
			if g.p.Match(s) {
				return g.version, g.local, true
			}
		}
	}
	return 0, false, false
}

// before reports whether h comes earlier than o in search order.
func (h hit) before(o hit) bool {
	if h.version != o.version {
		return h.version < o.version
	}
	return !h.local && o.local
}
