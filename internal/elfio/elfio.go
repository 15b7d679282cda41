// Package elfio reads ELF64 little-endian files without copying: headers,
// section headers, symbols and relocations are decoded on demand from the
// mapped bytes, and every offset and size is checked against the mapping so
// that bad input turns into an error, never a panic.
package elfio

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"unsafe"
)

var le = binary.LittleEndian

// Sizes of the ELF64 structures rivet reads and writes.
const (
	EhdrSize = 64
	ShdrSize = 64
	PhdrSize = 56
	SymSize  = 24
	RelaSize = 24
	DynSize  = 16
)

// Header is the part of the ELF header a linker needs.
type Header struct {
	Type      elf.Type
	Machine   elf.Machine
	Flags     uint32
	Shoff     uint64
	Shnum     uint32
	Shstrndx  uint32
	Phoff     uint64
	Phnum     uint16
	OSABI     uint8
	Entry     uint64
	Shentsize uint16
}

// Shdr is an ELF64 section header.
type Shdr struct {
	Name      uint32
	Type      uint32
	Flags     uint64
	Addr      uint64
	Offset    uint64
	Size      uint64
	Link      uint32
	Info      uint32
	Addralign uint64
	Entsize   uint64
}

// Sym is an ELF64 symbol.
type Sym struct {
	Name  uint32
	Info  uint8
	Other uint8
	Shndx uint16
	Value uint64
	Size  uint64
}

// Bind returns the symbol binding (STB_*).
func (s *Sym) Bind() uint8 { return s.Info >> 4 }

// Type returns the symbol type (STT_*).
func (s *Sym) Type() uint8 { return s.Info & 0xf }

// Visibility returns the symbol visibility (STV_*).
func (s *Sym) Visibility() uint8 { return s.Other & 3 }

// Rela is an ELF64 relocation with addend.
type Rela struct {
	Offset uint64
	Type   uint32
	Sym    uint32
	Addend int64
}

// File is a parsed view of one ELF64 little-endian file. Section headers
// are decoded on demand (Shdr) from the mapped table, which Parse has
// checked: an object's full header table is not copied into memory.
type File struct {
	Data     []byte
	Hdr      Header
	shdrs    []byte // the section header table, NumSections entries
	shstrtab []byte
}

// NumSections is the number of section headers.
func (f *File) NumSections() int { return len(f.shdrs) / ShdrSize }

// Shdr decodes section header i.
func (f *File) Shdr(i int) Shdr {
	b := f.shdrs[i*ShdrSize : (i+1)*ShdrSize]
	return Shdr{
		Name:      le.Uint32(b[0:]),
		Type:      le.Uint32(b[4:]),
		Flags:     le.Uint64(b[8:]),
		Addr:      le.Uint64(b[16:]),
		Offset:    le.Uint64(b[24:]),
		Size:      le.Uint64(b[32:]),
		Link:      le.Uint32(b[40:]),
		Info:      le.Uint32(b[44:]),
		Addralign: le.Uint64(b[48:]),
		Entsize:   le.Uint64(b[56:]),
	}
}

// ShType is section i's type, without decoding the whole header.
func (f *File) ShType(i int) uint32 { return le.Uint32(f.shdrs[i*ShdrSize+4:]) }

// Parse reads the ELF header and section headers. It checks that every
// section's contents lie within data (SHT_NOBITS excepted).
func Parse(data []byte) (*File, error) {
	if len(data) < EhdrSize {
		return nil, fmt.Errorf("file too short for an ELF header (%d bytes)", len(data))
	}
	if string(data[:4]) != "\x7fELF" {
		return nil, fmt.Errorf("not an ELF file")
	}
	if data[elf.EI_CLASS] != byte(elf.ELFCLASS64) {
		return nil, fmt.Errorf("not a 64-bit ELF file")
	}
	if data[elf.EI_DATA] != byte(elf.ELFDATA2LSB) {
		return nil, fmt.Errorf("not a little-endian ELF file")
	}
	f := &File{Data: data}
	h := &f.Hdr
	h.OSABI = data[elf.EI_OSABI]
	h.Type = elf.Type(le.Uint16(data[16:]))
	h.Machine = elf.Machine(le.Uint16(data[18:]))
	h.Entry = le.Uint64(data[24:])
	h.Phoff = le.Uint64(data[32:])
	h.Shoff = le.Uint64(data[40:])
	h.Flags = le.Uint32(data[48:])
	h.Phnum = le.Uint16(data[56:])
	h.Shentsize = le.Uint16(data[58:])
	h.Shnum = uint32(le.Uint16(data[60:]))
	h.Shstrndx = uint32(le.Uint16(data[62:]))
	if h.Shoff == 0 {
		return f, nil
	}
	if h.Shentsize != ShdrSize {
		return nil, fmt.Errorf("unexpected section header size %d", h.Shentsize)
	}
	if h.Shoff > uint64(len(data)) || uint64(len(data))-h.Shoff < ShdrSize {
		return nil, fmt.Errorf("section header table offset 0x%x is past the end of the file (size 0x%x)", h.Shoff, len(data))
	}
	// Extended numbering: the real counts live in section header 0.
	if h.Shnum == 0 {
		h.Shnum = uint32(le.Uint64(data[h.Shoff+32:]))
	}
	if h.Shstrndx == uint32(elf.SHN_XINDEX) {
		h.Shstrndx = le.Uint32(data[h.Shoff+40:])
	}
	if uint64(h.Shnum) > (uint64(len(data))-h.Shoff)/ShdrSize {
		return nil, fmt.Errorf("section header table (%d entries at 0x%x) extends past the end of the file (size 0x%x)", h.Shnum, h.Shoff, len(data))
	}
	f.shdrs = data[h.Shoff : h.Shoff+uint64(h.Shnum)*ShdrSize]
	for i := range int(h.Shnum) {
		s := f.Shdr(i)
		if s.Type != uint32(elf.SHT_NOBITS) && s.Type != uint32(elf.SHT_NULL) {
			if s.Offset > uint64(len(data)) || s.Size > uint64(len(data))-s.Offset {
				return nil, fmt.Errorf("section header %d points past the end of the file (offset 0x%x, size 0x%x, file size 0x%x)", i, s.Offset, s.Size, len(data))
			}
		}
	}
	if h.Shstrndx != 0 {
		if h.Shstrndx >= h.Shnum {
			return nil, fmt.Errorf("section name table index %d out of range", h.Shstrndx)
		}
		f.shstrtab = f.SectionData(int(h.Shstrndx))
	}
	return f, nil
}

// SectionData returns the contents of section i (nil for SHT_NOBITS).
func (f *File) SectionData(i int) []byte {
	s := f.Shdr(i)
	if s.Type == uint32(elf.SHT_NOBITS) || s.Type == uint32(elf.SHT_NULL) {
		return nil
	}
	return f.Data[s.Offset : s.Offset+s.Size]
}

// SectionName returns the name of section i.
func (f *File) SectionName(i int) string {
	return CString(f.shstrtab, le.Uint32(f.shdrs[i*ShdrSize:]))
}

// CString returns the NUL-terminated string at off in tab ("" if off is out of range).
func CString(tab []byte, off uint32) string {
	if uint64(off) >= uint64(len(tab)) {
		return ""
	}
	b := tab[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 { // SIMD: C++ names are long
		return unsafeString(b[:i])
	}
	return unsafeString(b)
}

// unsafeString returns a string sharing b's memory. Inputs are mapped
// read-only and never unmapped, so names can point into them (zero copy).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ReadSym decodes symbol i of a symbol table's contents.
func ReadSym(tab []byte, i int) Sym {
	b := tab[i*SymSize:]
	return Sym{
		Name:  le.Uint32(b[0:]),
		Info:  b[4],
		Other: b[5],
		Shndx: le.Uint16(b[6:]),
		Value: le.Uint64(b[8:]),
		Size:  le.Uint64(b[16:]),
	}
}

// ReadRela decodes relocation i of a SHT_RELA section's contents.
func ReadRela(tab []byte, i int) Rela {
	b := tab[i*RelaSize:]
	info := le.Uint64(b[8:])
	return Rela{
		Offset: le.Uint64(b[0:]),
		Type:   uint32(info),
		Sym:    uint32(info >> 32),
		Addend: int64(le.Uint64(b[16:])),
	}
}

// PutSym encodes s into b.
func PutSym(b []byte, s Sym) {
	le.PutUint32(b[0:], s.Name)
	b[4] = s.Info
	b[5] = s.Other
	le.PutUint16(b[6:], s.Shndx)
	le.PutUint64(b[8:], s.Value)
	le.PutUint64(b[16:], s.Size)
}

// PutRela encodes r into b.
func PutRela(b []byte, off uint64, typ uint32, sym uint32, addend int64) {
	le.PutUint64(b[0:], off)
	le.PutUint64(b[8:], uint64(sym)<<32|uint64(typ))
	le.PutUint64(b[16:], uint64(addend))
}

// PutShdr encodes s into b.
func PutShdr(b []byte, s Shdr) {
	le.PutUint32(b[0:], s.Name)
	le.PutUint32(b[4:], s.Type)
	le.PutUint64(b[8:], s.Flags)
	le.PutUint64(b[16:], s.Addr)
	le.PutUint64(b[24:], s.Offset)
	le.PutUint64(b[32:], s.Size)
	le.PutUint32(b[40:], s.Link)
	le.PutUint32(b[44:], s.Info)
	le.PutUint64(b[48:], s.Addralign)
	le.PutUint64(b[56:], s.Entsize)
}

// Phdr is an ELF64 program header.
type Phdr struct {
	Type   uint32
	Flags  uint32
	Offset uint64
	Vaddr  uint64
	Paddr  uint64
	Filesz uint64
	Memsz  uint64
	Align  uint64
}

// PutPhdr encodes p into b.
func PutPhdr(b []byte, p Phdr) {
	le.PutUint32(b[0:], p.Type)
	le.PutUint32(b[4:], p.Flags)
	le.PutUint64(b[8:], p.Offset)
	le.PutUint64(b[16:], p.Vaddr)
	le.PutUint64(b[24:], p.Paddr)
	le.PutUint64(b[32:], p.Filesz)
	le.PutUint64(b[40:], p.Memsz)
	le.PutUint64(b[48:], p.Align)
}

// Little-endian accessors used by writers.
func U16(b []byte) uint16      { return le.Uint16(b) }
func U32(b []byte) uint32      { return le.Uint32(b) }
func U64(b []byte) uint64      { return le.Uint64(b) }
func Put16(b []byte, v uint16) { le.PutUint16(b, v) }
func Put32(b []byte, v uint32) { le.PutUint32(b, v) }
func Put64(b []byte, v uint64) { le.PutUint64(b, v) }
