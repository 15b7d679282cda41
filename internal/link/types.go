package link

import (
	"github.com/rivet-linker/rivet/internal/elfio"
)

// SymID indexes Linker.syms. Every symbol of every loaded object gets one:
// locals own a contiguous range per file, globals are interned by name.
type SymID uint32

// symTable stores the symbols in fixed-size chunks: adding one never moves
// the others (a growing slice of ~200-byte symbols copied and re-faulted
// its whole contents at each growth: 0.5 s of a 2 s link of the llvm
// benchmark), and *Symbol pointers stay valid.
type symTable struct {
	chunks [][]Symbol
	n      int
}

const symChunkBits = 14

func (t *symTable) len() int { return t.n }

// at returns symbol id.
func (t *symTable) at(id SymID) *Symbol {
	return &t.chunks[id>>symChunkBits][id&(1<<symChunkBits-1)]
}

// add appends a new undefined symbol named name.
func (t *symTable) add(name string) SymID {
	id := SymID(t.n)
	if t.n >= len(t.chunks)<<symChunkBits {
		t.chunks = append(t.chunks, make([]Symbol, 1<<symChunkBits))
	}
	*t.at(id) = Symbol{Name: name, gotIdx: -1, pltIdx: -1, gdIdx: -1, ieIdx: -1, descIdx: -1}
	t.n++
	return id
}

// reserve adds n symbols, to be filled in later, and returns the first id.
func (t *symTable) reserve(n int) SymID {
	id := SymID(t.n)
	for t.n+n > len(t.chunks)<<symChunkBits {
		t.chunks = append(t.chunks, make([]Symbol, 1<<symChunkBits))
	}
	t.n += n
	return id
}

// sym returns symbol id.
func (l *Linker) sym(id SymID) *Symbol { return l.syms.at(id) }

// symState is where a symbol's definition comes from.
type symState uint8

const (
	stUndef   symState = iota // referenced only
	stLazy                    // defined by an archive member not (yet) loaded
	stShared                  // defined by a shared object
	stCommon                  // tentative definition (STT_COMMON / SHN_COMMON)
	stDefined                 // defined by a loaded object (section or absolute)
	stLinker                  // defined by the linker (relative to an output section, or absolute)
)

// Symbol flags: what relocations need, ORed in by the scan.
const (
	needGOT uint32 = 1 << iota
	needPLT
	needCanonPLT
	needCopy
	needTLSGD
	needTLSIE
	needTLSDesc
	needDynSym // must be in .dynsym
)

// Symbol is one symbol of the link.
type Symbol struct {
	// Fields are grouped by size (8-byte, 4, 2, 1) so that only the end is
	// padded: there is one per symbol of every loaded object (120 bytes).
	// Rare attributes live in side tables (Linker.symVer).
	Name string
	// Definition.
	file  *File    // defining file (object or shared), nil for undefined/linker
	sec   *Section // defining input section; nil: absolute (or linker/common before allocation)
	value uint64   // section-relative (stDefined with sec), or absolute
	size  uint64
	// Lazy (archive) definition: member lazyIdx of lazyAr.
	lazyAr    *archive
	commonAln uint64

	lazyIdx int32
	flags   uint32
	gotIdx  int32 // slot index in .got, -1 none
	pltIdx  int32 // entry index in .plt, -1 none
	gdIdx   int32
	ieIdx   int32
	descIdx int32
	dynIdx  int32 // index in .dynsym, 0 none

	verIdx uint16 // version index in the defining shared object
	verOut uint16 // output version index (.gnu.version)

	state   symState
	typ     uint8 // STT_*
	weak    bool  // the definition (or, undefined, every reference) is weak
	vis     uint8 // merged visibility (most restrictive of regular objects)
	isLocal bool  // a file-local symbol (STB_LOCAL)
	// References.
	strongRef   bool // referenced by a non-weak undefined in a regular object
	refByShared bool // referenced by a shared object
	usedByReg   bool // referenced or defined by a regular object
	verDefault  bool // foo@@V
	verLocal    bool // localized by a version script
	// Decisions.
	preemptible bool
	exported    bool
	ifunc       bool // non-preemptible IFUNC: address is its IPLT entry
	absolute    bool // stLinker: value is absolute
}

// File is one loaded input file: a relocatable object or a shared object.
type File struct {
	name     string // display name: path, or lib.a(member.o)
	data     []byte
	elf      *elfio.File
	shared   bool
	priority int // load order
	// Objects.
	sections    []*Section // by section index; nil when not loaded
	symtab      []byte
	strtab      []byte
	firstGlobal int
	syms        []SymID // by symtab index
	ehFrames    []*Section
	props       []byte // .note.gnu.property contents
	hasProps    bool
	execStack   bool
	// Shared objects.
	soname   string
	asNeeded bool
	needed   bool // DT_NEEDED will be emitted
	verNames []string
	verneed  map[uint16]uint16 // this DSO's version index -> output verneed index
	dynsym   []byte
	dynstr   []byte
}

// Section is one input section.
type Section struct {
	file  *File
	name  string
	shdr  secHdr
	data  []byte
	relas []byte  // SHT_RELA contents applying to this section
	acts  []uint8 // per relocation: the scan's decision (packDecision), 0 if none
	out   *OutSection
	off   uint64 // offset within out
	// .eh_frame pieces.
	eh *ehSection
	// FDEs describing this (code) section, for --gc-sections and the
	// address-ordered .eh_frame_hdr table.
	fdes []*ehRecord
	// Merged-string pieces (SHF_MERGE|SHF_STRINGS).
	merge *mergeSection
	// Dynamic relocations this section emits: first index in .rela.dyn.
	dynRelBase  int32
	dynRelCount int32
	idx         uint32 // section index in file
	alive       bool
	discarded   bool // lost a COMDAT group or was dropped
}

// secHdr is the part of an input section's header the link uses (the
// name, address, offset and sh_info of an input section are not).
type secHdr struct {
	Type      uint32
	Link      uint32
	Flags     uint64
	Size      uint64
	Addralign uint64
	Entsize   uint64
}

func newSecHdr(sh elfio.Shdr) secHdr {
	return secHdr{Type: sh.Type, Link: sh.Link, Flags: sh.Flags, Size: sh.Size, Addralign: sh.Addralign, Entsize: sh.Entsize}
}

// elf is h as an ELF section header (name, address, offset and info zero).
func (h secHdr) elf() elfio.Shdr {
	return elfio.Shdr{Type: h.Type, Link: h.Link, Flags: h.Flags, Size: h.Size, Addralign: h.Addralign, Entsize: h.Entsize}
}

func (s *Section) size() uint64 {
	return s.shdr.Size
}

func (s *Section) isAlloc() bool { return s.shdr.Flags&shfAlloc != 0 }

const (
	shfWrite     = 0x1
	shfAlloc     = 0x2
	shfExec      = 0x4
	shfMerge     = 0x10
	shfStrings   = 0x20
	shfInfoLink  = 0x40
	shfGroup     = 0x200
	shfTLS       = 0x400
	shfGNURetain = 0x200000
	shfExclude   = 0x80000000
	shfX86Large  = 0x10000000
)
