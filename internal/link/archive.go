package link

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rivet-linker/rivet/internal/elfio"
)

// archive is a parsed ar file (GNU format, regular or thin).
type archive struct {
	path    string
	thin    bool
	members []arMember
	syms    []arSym // the archive symbol table
	// extracted marks members already loaded (by member index).
	extracted []bool
	byOffset  map[uint64]int
}

type arMember struct {
	name   string
	offset uint64 // header offset in the archive
	data   []byte
}

type arSym struct {
	name   string
	offset uint64 // member header offset
}

const arHdrSize = 60

// parseArchive reads the member headers and the symbol table.
func parseArchive(path string, data []byte, thin bool) (*archive, error) {
	ar := &archive{path: path, thin: thin, byOffset: map[uint64]int{}}
	var longNames []byte
	var symtab []byte
	sym64 := false
	pos := uint64(8)
	for pos < uint64(len(data)) {
		if pos&1 == 1 {
			pos++ // members are 2-byte aligned
			if pos >= uint64(len(data)) {
				break
			}
		}
		if uint64(len(data))-pos < arHdrSize {
			return nil, fmt.Errorf("truncated archive member header at offset 0x%x", pos)
		}
		h := data[pos : pos+arHdrSize]
		if h[58] != '`' || h[59] != '\n' {
			return nil, fmt.Errorf("corrupt archive member header at offset 0x%x (bad magic)", pos)
		}
		sizeStr := strings.TrimSpace(string(h[48:58]))
		size, err := strconv.ParseUint(sizeStr, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("corrupt archive member header at offset 0x%x (size %q)", pos, sizeStr)
		}
		rawName := strings.TrimRight(string(h[0:16]), " ")
		body := pos + arHdrSize
		// In thin archives only the special members carry data.
		special := rawName == "/" || rawName == "//" || rawName == "/SYM64/"
		dataSize := size
		if thin && !special {
			dataSize = 0
		}
		if dataSize > uint64(len(data))-body {
			return nil, fmt.Errorf("archive member at offset 0x%x extends past the end of the file (size %d)", pos, size)
		}
		content := data[body : body+dataSize]
		switch {
		case rawName == "/":
			symtab = content
		case rawName == "/SYM64/":
			symtab, sym64 = content, true
		case rawName == "//":
			longNames = content
		default:
			name, err := memberName(rawName, longNames)
			if err != nil {
				return nil, fmt.Errorf("archive member at offset 0x%x: %v", pos, err)
			}
			m := arMember{name: name, offset: pos, data: content}
			ar.byOffset[pos] = len(ar.members)
			ar.members = append(ar.members, m)
		}
		pos = body + dataSize
	}
	ar.extracted = make([]bool, len(ar.members))
	if symtab != nil {
		syms, err := parseArmap(symtab, sym64)
		if err != nil {
			return nil, err
		}
		ar.syms = syms
	}
	return ar, nil
}

func memberName(raw string, longNames []byte) (string, error) {
	if strings.HasPrefix(raw, "/") && len(raw) > 1 {
		off, err := strconv.Atoi(strings.TrimSpace(raw[1:]))
		if err != nil || off < 0 || off >= len(longNames) {
			return "", fmt.Errorf("bad long member name reference %q", raw)
		}
		n := longNames[off:]
		if i := bytes.IndexByte(n, '\n'); i >= 0 {
			n = n[:i]
		}
		return strings.TrimSuffix(string(n), "/"), nil
	}
	return strings.TrimSuffix(raw, "/"), nil
}

func parseArmap(b []byte, is64 bool) ([]arSym, error) {
	w := 4
	if is64 {
		w = 8
	}
	rd := func(p int) uint64 {
		if is64 {
			return binary.BigEndian.Uint64(b[p:])
		}
		return uint64(binary.BigEndian.Uint32(b[p:]))
	}
	if len(b) < w {
		return nil, fmt.Errorf("truncated archive symbol table")
	}
	n := rd(0)
	if n >= uint64(len(b)/w) { // the count word and n offsets must fit
		return nil, fmt.Errorf("corrupt archive symbol table (%d entries in %d bytes)", n, len(b))
	}
	strs := b[w+int(n)*w:]
	syms := make([]arSym, 0, n)
	for i := 0; i < int(n); i++ {
		off := rd(w + i*w)
		j := bytes.IndexByte(strs, 0)
		if j < 0 {
			return nil, fmt.Errorf("corrupt archive symbol table (unterminated name)")
		}
		syms = append(syms, arSym{name: elfio.CString(strs[:j+1], 0), offset: off})
		strs = strs[j+1:]
	}
	return syms, nil
}

// memberData returns the bytes of member i (read from disk for thin archives).
func (l *Linker) memberData(ar *archive, i int) ([]byte, string, error) {
	m := &ar.members[i]
	display := fmt.Sprintf("%s(%s)", ar.path, m.name)
	if !ar.thin {
		return m.data, display, nil
	}
	p := m.name
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(ar.path), p)
	}
	d, err := l.mapCached(p)
	if err != nil {
		return nil, display, fmt.Errorf("cannot open thin archive member %s: %v", p, unwrapPathErr(err))
	}
	return d, display, nil
}

// addArchive registers the archive's symbols as lazy, or loads every member
// under --whole-archive.
func (l *Linker) addArchive(ar *archive, whole bool) {
	if whole {
		for i := range ar.members {
			l.extractMember(ar, i)
		}
		return
	}
	if len(ar.syms) == 0 && len(ar.members) > 0 {
		// No index: GNU ld refuses; we index it ourselves by loading
		// nothing and warning would lose symbols, so report it.
		for _, m := range ar.members {
			if bytes.HasPrefix(m.data, []byte("\x7fELF")) {
				l.errorf("%s: archive has no index; run ranlib to add one", ar.path)
				return
			}
		}
		return
	}
	l.archives = append(l.archives, ar)
	for _, s := range ar.syms {
		idx, ok := ar.byOffset[s.offset]
		if !ok {
			l.errorf("%s: archive symbol table entry for %s points to offset 0x%x, which is not a member", ar.path, s.name, s.offset)
			return
		}
		l.addLazy(s.name, ar, idx)
	}
}

// extractMember loads one archive member as an object file.
func (l *Linker) extractMember(ar *archive, i int) {
	if ar.extracted[i] {
		return
	}
	ar.extracted[i] = true
	data, display, err := l.memberData(ar, i)
	if err != nil {
		l.errorf("%s: %v", display, err)
		return
	}
	switch classify(data) {
	case ftObject:
		if !l.machineOK(data) {
			l.errorf("%s: incompatible with %s (wrong machine or class)", display, l.arch.Emulation())
			return
		}
		if l.cfg.Trace {
			fmt.Fprintln(l.stdout, display)
		}
		l.addObject(display, data, ar)
	case ftBitcode:
		l.errorf("%s: LLVM bitcode input (LTO) is not supported yet; link without -flto", display)
	default:
		// Non-object members (e.g. __.SYMDEF, text files) are ignored.
	}
}
