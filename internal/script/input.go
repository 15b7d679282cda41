package script

import "bytes"

// InputScript is a parsed input linker script: a text file given where an
// object, archive or shared library was expected, such as glibc's libc.so.
type InputScript struct {
	Items        []ScriptInput // in order
	SearchDirs   []string      // SEARCH_DIR("...")
	OutputFormat string        // first argument of the last OUTPUT_FORMAT, informative
	OutputArch   string        // argument of the last OUTPUT_ARCH, informative
	Entry        string        // ENTRY(sym), if present
}

// ScriptInput is one file named by GROUP or INPUT, or a group bracket.
type ScriptInput struct {
	// Path is the file name as written, or "-lfoo" kept verbatim when the
	// script says -lfoo. It is empty for GroupStart and GroupEnd items.
	Path     string
	AsNeeded bool // inside AS_NEEDED(...)
	// The items of a GROUP(...) are bracketed by a GroupStart item and a
	// GroupEnd item.
	GroupStart, GroupEnd bool
}

// commands are the top-level input script commands ParseInputScript
// understands.
var commands = map[string]bool{
	"GROUP":         true,
	"INPUT":         true,
	"OUTPUT_FORMAT": true,
	"OUTPUT_ARCH":   true,
	"SEARCH_DIR":    true,
	"ENTRY":         true,
}

// LooksLikeScript reports whether data looks like an input script that
// ParseInputScript understands: it is not an ELF file or an ar archive and
// its first token, after white space and comments, is one of GROUP, INPUT,
// OUTPUT_FORMAT, OUTPUT_ARCH, SEARCH_DIR or ENTRY.
func LooksLikeScript(data []byte) bool {
	for _, magic := range []string{"\x7fELF", "!<arch>\n", "!<thin>\n"} {
		if bytes.HasPrefix(data, []byte(magic)) {
			return false
		}
	}
	t, err := newLexer("", data, modeInput).next()
	return err == nil && t.kind == tWord && commands[t.text]
}

// ParseInputScript parses an input linker script. It supports GROUP, INPUT
// (with AS_NEEDED nested in either), OUTPUT_FORMAT, OUTPUT_ARCH, SEARCH_DIR
// and ENTRY; any other command is an error. file is used in error messages.
func ParseInputScript(file string, data []byte) (*InputScript, error) {
	lx := newLexer(file, data, modeInput)
	s := &InputScript{}
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.kind == tEOF:
			return s, nil
		case t.is(";"):
			continue // ld allows stray semicolons between commands
		case t.kind != tWord:
			return nil, lx.errorf(t.line, "unexpected %s", t)
		}
		switch t.text {
		case "GROUP":
			if _, err := lx.expect("(", "after GROUP"); err != nil {
				return nil, err
			}
			s.Items = append(s.Items, ScriptInput{GroupStart: true})
			if s.Items, err = parseInputList(lx, s.Items, t, false); err != nil {
				return nil, err
			}
			s.Items = append(s.Items, ScriptInput{GroupEnd: true})
		case "INPUT":
			if _, err := lx.expect("(", "after INPUT"); err != nil {
				return nil, err
			}
			if s.Items, err = parseInputList(lx, s.Items, t, false); err != nil {
				return nil, err
			}
		case "OUTPUT_FORMAT":
			args, err := parseArgs(lx, t)
			if err != nil {
				return nil, err
			}
			if len(args) != 1 && len(args) != 3 {
				return nil, lx.errorf(t.line, "OUTPUT_FORMAT takes 1 or 3 arguments, got %d", len(args))
			}
			s.OutputFormat = args[0]
		case "OUTPUT_ARCH", "SEARCH_DIR", "ENTRY":
			args, err := parseArgs(lx, t)
			if err != nil {
				return nil, err
			}
			if len(args) != 1 {
				return nil, lx.errorf(t.line, "%s takes 1 argument, got %d", t.text, len(args))
			}
			switch t.text {
			case "OUTPUT_ARCH":
				s.OutputArch = args[0]
			case "SEARCH_DIR":
				s.SearchDirs = append(s.SearchDirs, args[0])
			case "ENTRY":
				s.Entry = args[0]
			}
		default:
			return nil, lx.errorf(t.line, "unsupported linker script command: %s", t.text)
		}
	}
}

// parseInputList parses the file list of GROUP, INPUT or AS_NEEDED after
// the opening parenthesis, through the closing one. Names are separated by
// white space and/or single commas.
func parseInputList(lx *lexer, items []ScriptInput, cmd token, asNeeded bool) ([]ScriptInput, error) {
	afterComma, first := false, true
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.kind == tEOF:
			return nil, lx.errorf(t.line, "unexpected end of file in %s (opened on line %d): missing ')'", cmd.text, cmd.line)
		case t.is(")"):
			if afterComma {
				return nil, lx.errorf(t.line, "expected file name after ',' in %s", cmd.text)
			}
			return items, nil
		case t.is(","):
			if first || afterComma {
				return nil, lx.errorf(t.line, "unexpected ',' in %s", cmd.text)
			}
			afterComma = true
			continue
		case t.kind == tWord && lx.peekIs("("):
			switch t.text {
			case "AS_NEEDED":
				lx.next() // the '('
				if items, err = parseInputList(lx, items, t, true); err != nil {
					return nil, err
				}
			case "GROUP", "INPUT":
				return nil, lx.errorf(t.line, "%s cannot be nested inside %s", t.text, cmd.text)
			default:
				return nil, lx.errorf(t.line, "unsupported linker script command: %s", t.text)
			}
		case t.kind == tWord || t.kind == tString:
			if t.text == "" {
				return nil, lx.errorf(t.line, "empty file name in %s", cmd.text)
			}
			items = append(items, ScriptInput{Path: t.text, AsNeeded: asNeeded})
		default:
			return nil, lx.errorf(t.line, "unexpected %s in %s", t, cmd.text)
		}
		first, afterComma = false, false
	}
}

// parseArgs parses "( name [,] name ... )" after a simple command.
func parseArgs(lx *lexer, cmd token) ([]string, error) {
	if _, err := lx.expect("(", "after "+cmd.text); err != nil {
		return nil, err
	}
	var args []string
	afterComma := false
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.kind == tEOF:
			return nil, lx.errorf(t.line, "unexpected end of file in %s (opened on line %d): missing ')'", cmd.text, cmd.line)
		case t.is(")") && !afterComma:
			return args, nil
		case t.is(",") && len(args) > 0 && !afterComma:
			afterComma = true
			continue
		case t.kind == tWord || t.kind == tString:
			args = append(args, t.text)
		default:
			return nil, lx.errorf(t.line, "unexpected %s in %s", t, cmd.text)
		}
		afterComma = false
	}
}
