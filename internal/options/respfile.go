package options

import "fmt"

// maxResponseDepth bounds how deeply @file arguments may nest. A response
// file that names itself would otherwise expand forever.
const maxResponseDepth = 64

// readFileFunc reads a response file. Parse uses os.ReadFile; tests and the
// fuzzer substitute an in-memory file system.
type readFileFunc func(name string) ([]byte, error)

// expandResponseFiles replaces every "@path" argument by the arguments read
// from path, recursively, following libiberty's expandargv: an argument whose
// file cannot be read (missing, unreadable, a directory, or a bare "@") is
// kept as it is, and a file holding only whitespace contributes nothing.
func expandResponseFiles(args []string, read readFileFunc, depth int) ([]string, error) {
	var out []string
	for _, a := range args {
		if len(a) < 2 || a[0] != '@' {
			out = append(out, a)
			continue
		}
		data, err := read(a[1:])
		if err != nil {
			out = append(out, a)
			continue
		}
		if depth >= maxResponseDepth {
			return nil, fmt.Errorf("response file %s: nested more than %d levels deep", a, maxResponseDepth)
		}
		sub, err := expandResponseFiles(splitResponseFile(string(data)), read, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

// splitResponseFile splits the contents of a response file into arguments
// the way libiberty's buildargv does: runs of whitespace separate arguments;
// single and double quotes group (and are removed), and inside one kind of
// quote the other is literal; a backslash makes the next character literal
// everywhere, inside quotes too. Quotes need not be closed, an empty quoted
// string is an empty argument, and a trailing lone backslash is dropped.
func splitResponseFile(s string) []string {
	var args []string
	i := 0
	for {
		for i < len(s) && isArgSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return args
		}
		var arg []byte
		var squote, dquote, escaped bool
		for ; i < len(s); i++ {
			c := s[i]
			if isArgSpace(c) && !squote && !dquote && !escaped {
				break
			}
			switch {
			case escaped:
				escaped = false
				arg = append(arg, c)
			case c == '\\':
				escaped = true
			case squote:
				if c == '\'' {
					squote = false
				} else {
					arg = append(arg, c)
				}
			case dquote:
				if c == '"' {
					dquote = false
				} else {
					arg = append(arg, c)
				}
			case c == '\'':
				squote = true
			case c == '"':
				dquote = true
			default:
				arg = append(arg, c)
			}
		}
		args = append(args, string(arg))
	}
}

// isArgSpace is C's isspace in the "C" locale, as libiberty's ISSPACE.
func isArgSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}
