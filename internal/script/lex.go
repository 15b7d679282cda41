// Package script parses the GNU ld script dialects rivet reads: input
// scripts such as glibc's libc.so, version scripts and dynamic lists.
//
// All three share one small tokenizer. Errors are *ParseError values that
// name the file and line of the offending token.
package script

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// ParseError is a syntax error in a script.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// lexMode selects the character classes of the tokenizer. GNU ld lexes
// input scripts and version scripts (and dynamic lists) in different start
// states; the differences that matter here are '#' comments and ':'.
type lexMode uint8

const (
	// modeInput: file names may contain ':' and '='; no '#' comments.
	modeInput lexMode = iota
	// modeVersion: '#' starts a line comment; a single ':' is punctuation
	// (for "global:"), while "::" is part of a (C++) pattern.
	modeVersion
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // identifier, file name or pattern
	tString         // "..." (text is without the quotes)
	tPunct          // ( ) { } ; , = and, in version mode, :
)

type token struct {
	kind tokKind
	text string
	line int
}

func (t token) is(punct string) bool { return t.kind == tPunct && t.text == punct }

func (t token) isWord(w string) bool { return t.kind == tWord && t.text == w }

// String describes the token for error messages.
func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		return "quoted string " + strconv.Quote(t.text)
	case tPunct:
		return "'" + t.text + "'"
	}
	return strconv.Quote(t.text)
}

type lexer struct {
	file    string
	data    []byte
	pos     int
	line    int
	endLine int // line on which the last token or comment ended
	mode    lexMode

	peeked bool
	pk     token
	pkErr  error
}

func newLexer(file string, data []byte, mode lexMode) *lexer {
	return &lexer{file: file, data: data, line: 1, endLine: 1, mode: mode}
}

func (lx *lexer) errorf(line int, format string, args ...any) *ParseError {
	return &ParseError{File: lx.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next token.
func (lx *lexer) next() (token, error) {
	if lx.peeked {
		lx.peeked = false
		return lx.pk, lx.pkErr
	}
	return lx.scan()
}

// peek returns the next token without consuming it.
func (lx *lexer) peek() (token, error) {
	if !lx.peeked {
		lx.pk, lx.pkErr = lx.scan()
		lx.peeked = true
	}
	return lx.pk, lx.pkErr
}

// peekIs reports whether the next token is the punctuation p. A lexical
// error is reported as false; the following next call returns it.
func (lx *lexer) peekIs(p string) bool {
	t, err := lx.peek()
	return err == nil && t.is(p)
}

// expect consumes the punctuation p or fails with "expected p CONTEXT".
func (lx *lexer) expect(p, context string) (token, error) {
	t, err := lx.next()
	if err != nil {
		return t, err
	}
	if !t.is(p) {
		return t, lx.errorf(t.line, "expected '%s' %s, got %s", p, context, t)
	}
	return t, nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Characters that may appear in words besides letters, digits and bytes
// >= 0x80. Input mode follows GNU ld's FILENAMECHAR; version mode its
// V_IDENTIFIER, loosened a little for C++ patterns.
const (
	inputWordChars   = "_.$/\\+-*?[]:=~@!&<>^%"
	versionWordChars = "_.$/\\+-*?[]~@!&<>^"
)

func (lx *lexer) isWordChar(c byte) bool {
	if isAlnum(c) || c >= 0x80 {
		return true
	}
	if lx.mode == modeVersion {
		return strings.IndexByte(versionWordChars, c) >= 0
	}
	return strings.IndexByte(inputWordChars, c) >= 0
}

func (lx *lexer) at(i int) byte {
	if i < len(lx.data) {
		return lx.data[i]
	}
	return 0
}

// skip consumes white space and comments.
func (lx *lexer) skip() error {
	for lx.pos < len(lx.data) {
		c := lx.data[lx.pos]
		switch {
		case c == '\n':
			lx.line++
			lx.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '/' && lx.at(lx.pos+1) == '*':
			end := bytes.Index(lx.data[lx.pos+2:], []byte("*/"))
			if end < 0 {
				return lx.errorf(lx.line, "unterminated comment")
			}
			end += lx.pos + 2
			lx.line += bytes.Count(lx.data[lx.pos:end], []byte{'\n'})
			lx.pos = end + 2
			lx.endLine = lx.line
		case c == '#' && lx.mode == modeVersion:
			nl := bytes.IndexByte(lx.data[lx.pos:], '\n')
			if nl < 0 {
				lx.pos = len(lx.data)
			} else {
				lx.pos += nl
			}
			lx.endLine = lx.line
		default:
			return nil
		}
	}
	return nil
}

func (lx *lexer) scan() (token, error) {
	if err := lx.skip(); err != nil {
		return token{}, err
	}
	if lx.pos >= len(lx.data) {
		return token{kind: tEOF, line: lx.endLine}, nil
	}
	start, line := lx.pos, lx.line
	c := lx.data[start]
	switch {
	case c == '"':
		end := bytes.IndexByte(lx.data[start+1:], '"')
		if end < 0 {
			return token{}, lx.errorf(line, "unterminated quoted string")
		}
		end += start + 1
		text := string(lx.data[start+1 : end])
		lx.line += strings.Count(text, "\n")
		lx.pos = end + 1
		lx.endLine = lx.line
		return token{kind: tString, text: text, line: line}, nil
	case strings.IndexByte("(){};,=", c) >= 0,
		c == ':' && lx.mode == modeVersion && lx.at(start+1) != ':':
		lx.pos++
		lx.endLine = line
		return token{kind: tPunct, text: string(c), line: line}, nil
	case lx.isWordChar(c) || c == ':':
		for lx.pos < len(lx.data) {
			c := lx.data[lx.pos]
			if c == '/' && lx.at(lx.pos+1) == '*' {
				break // a comment ends the word
			}
			if c == ':' && lx.mode == modeVersion {
				if lx.at(lx.pos+1) != ':' {
					break
				}
				lx.pos += 2
				continue
			}
			if !lx.isWordChar(c) {
				break
			}
			lx.pos++
		}
		lx.endLine = line
		return token{kind: tWord, text: string(lx.data[start:lx.pos]), line: line}, nil
	}
	return token{}, lx.errorf(line, "unexpected character %q", c)
}
