package link

import (
	"debug/elf"
	"path/filepath"

	"github.com/rivet-linker/rivet/internal/elfio"
)

const versymHidden = 0x8000

// addShared reads a shared object's dynamic symbols, versions and soname.
func (l *Linker) addShared(name string, data []byte, asNeeded bool) {
	ef, err := elfio.Parse(data)
	if err != nil {
		l.errorf("%s: %v", name, err)
		return
	}
	f := &File{name: name, data: data, elf: ef, shared: true, asNeeded: asNeeded, priority: len(l.files)}
	f.needed = !asNeeded
	var dynsym, dynstr, versym []byte
	for i := range ef.NumSections() {
		sh := ef.Shdr(i)
		switch sh.Type {
		case shtDynsym:
			if sh.Link >= uint32(ef.NumSections()) {
				l.errorf("%s: .dynsym's string table index %d is out of range", name, sh.Link)
				return
			}
			dynsym = ef.SectionData(i)
			dynstr = ef.SectionData(int(sh.Link))
		case shtGNUVersym:
			versym = ef.SectionData(i)
		case shtGNUVerdef:
			f.verNames = parseVerdef(ef.SectionData(i), ef, &sh)
		case shtDynamic:
			d := ef.SectionData(i)
			strIdx := sh.Link
			for j := 0; j+16 <= len(d); j += 16 {
				tag := elfio.U64(d[j:])
				if tag == uint64(elf.DT_SONAME) && strIdx < uint32(ef.NumSections()) {
					f.soname = elfio.CString(ef.SectionData(int(strIdx)), uint32(elfio.U64(d[j+8:])))
				}
				if tag == 0 {
					break
				}
			}
		}
	}
	if f.soname == "" {
		f.soname = filepath.Base(name)
	}
	// A library named twice (libc.so.6 via libc.so and directly) loads once.
	if prev, ok := l.sonames[f.soname]; ok {
		if !asNeeded {
			prev.needed = true
			prev.asNeeded = false
		}
		return
	}
	l.sonames[f.soname] = f
	f.dynsym, f.dynstr = dynsym, dynstr
	l.files = append(l.files, f)
	l.sharedFiles = append(l.sharedFiles, f)
	nsyms := len(dynsym) / elfio.SymSize
	for i := 1; i < nsyms; i++ {
		es := elfio.ReadSym(dynsym, i)
		if es.Bind() == uint8(elf.STB_LOCAL) {
			continue
		}
		name := elfio.CString(dynstr, es.Name)
		var ver uint16 = 1
		if len(versym) >= 2*(i+1) {
			ver = elfio.U16(versym[2*i:])
		}
		if es.Shndx == shnUndef {
			id := l.intern(name)
			l.addUndefined(id, es.Bind() == uint8(elf.STB_WEAK), true)
			continue
		}
		key := name
		if ver&versymHidden != 0 || ver == 0 {
			// A non-default version is reachable only by explicit foo@V.
			if int(ver&0x7fff) < len(f.verNames) && ver&0x7fff > 1 {
				key = name + "@" + f.verNames[ver&0x7fff]
			} else {
				continue
			}
		}
		id := l.intern(key)
		s := l.sym(id)
		// A definition in a regular object that a library also defines
		// must be exported, so that it interposes the library's copy.
		s.refByShared = true
		switch s.state {
		case stUndef, stLazy:
			s.state = stShared
			s.file, s.sec, s.value, s.size = f, nil, es.Value, es.Size
			s.typ, s.weak = es.Type(), es.Bind() == uint8(elf.STB_WEAK)
			s.verIdx = ver & 0x7fff
			s.lazyAr = nil
			s.Name = name
			if s.strongRef {
				f.needed = true
			}
		}
	}
}

// parseVerdef returns version names by version index.
func parseVerdef(d []byte, ef *elfio.File, sh *elfio.Shdr) []string {
	var names []string
	if sh.Link >= uint32(ef.NumSections()) {
		return nil
	}
	str := ef.SectionData(int(sh.Link))
	off := 0
	for n := 0; n < 1<<16 && off+20 <= len(d); n++ {
		ndx := int(elfio.U16(d[off+4:]))
		cnt := elfio.U16(d[off+6:])
		aux := int(elfio.U32(d[off+12:]))
		next := int(elfio.U32(d[off+16:]))
		if cnt > 0 && off+aux+8 <= len(d) {
			name := elfio.CString(str, elfio.U32(d[off+aux:]))
			for len(names) <= ndx {
				names = append(names, "")
			}
			names[ndx] = name
		}
		if next == 0 {
			break
		}
		off += next
	}
	return names
}
