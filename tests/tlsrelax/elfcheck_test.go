package tlsrelax

// The checker: it reads the TLS relocations of the objects under test and,
// for each one, works out from the output's PT_TLS, symbol table and
// dynamic relocations which instruction sequence must be at the access
// site in the linked output, then disassembles the output there and
// compares. It is an independent re-statement of the psABI's TLS code
// transitions (x86-64 psABI, "Thread-Local Storage"; Drepper, "ELF Handling
// For Thread-Local Storage", 11.2), written from the psABI and checked
// against what GNU ld produces (TLSRELAX_LINKERS=bfd).

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// ---------------------------------------------------------------------------
// The linked output.

type dynRel struct {
	off    uint64
	typ    elf.R_X86_64
	sym    string // "" for symbol index 0
	addend int64
}

func (r dynRel) String() string {
	s := fmt.Sprintf("%#x %v", r.off, r.typ)
	if r.sym != "" {
		s += " " + r.sym
	}
	return s + fmt.Sprintf(" %+d", r.addend)
}

// image is a linked executable or shared object.
type image struct {
	path   string
	f      *elf.File
	shared bool // ET_DYN without PT_INTERP and not a PIE: a shared object
	syms   map[string][]elf.Symbol
	dyn    []dynRel
	// PT_TLS
	hasTLS                       bool
	tlsVaddr, tlsMemsz, tlsAlign uint64
	secData                      map[*elf.Section][]byte
}

func openImage(path string, shared bool) (*image, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	img := &image{path: path, f: f, shared: shared, syms: map[string][]elf.Symbol{}, secData: map[*elf.Section][]byte{}}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: .symtab: %v", path, err)
	}
	for _, s := range syms {
		img.syms[s.Name] = append(img.syms[s.Name], s)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_TLS {
			img.hasTLS = true
			img.tlsVaddr, img.tlsMemsz, img.tlsAlign = p.Vaddr, p.Memsz, p.Align
		}
	}
	dsyms, _ := f.DynamicSymbols() // none in a static executable
	for _, s := range f.Sections {
		if s.Type != elf.SHT_RELA || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", path, s.Name, err)
		}
		for i := 0; i+24 <= len(data); i += 24 {
			info := binary.LittleEndian.Uint64(data[i+8:])
			r := dynRel{
				off:    binary.LittleEndian.Uint64(data[i:]),
				typ:    elf.R_X86_64(uint32(info)),
				addend: int64(binary.LittleEndian.Uint64(data[i+16:])),
			}
			if si := info >> 32; si != 0 {
				if int(si) > len(dsyms) {
					return nil, fmt.Errorf("%s: %s: relocation %d: symbol index %d out of range", path, s.Name, i/24, si)
				}
				r.sym = dsyms[si-1].Name
			}
			img.dyn = append(img.dyn, r)
		}
	}
	return img, nil
}

func (img *image) Close() { img.f.Close() }

// sym returns the one defined symbol called name.
func (img *image) sym(name string) (elf.Symbol, error) {
	var found []elf.Symbol
	for _, s := range img.syms[name] {
		if s.Section != elf.SHN_UNDEF {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		return elf.Symbol{}, fmt.Errorf("%s: %d defined symbols called %q in .symtab, want 1", img.path, len(found), name)
	}
	return found[0], nil
}

// defined reports whether the output defines name (as opposed to importing
// it from a shared library).
func (img *image) defined(name string) bool {
	for _, s := range img.syms[name] {
		if s.Section != elf.SHN_UNDEF {
			return true
		}
	}
	return false
}

// preemptible reports whether name may be bound outside this output: in
// an executable, a variable it imports; in a shared object, also an
// exported default-visibility one.
func (img *image) preemptible(name string) bool {
	if !img.defined(name) {
		return true
	}
	if !img.shared {
		return false
	}
	s, err := img.sym(name)
	if err != nil {
		return false
	}
	b := elf.ST_BIND(s.Info)
	return (b == elf.STB_GLOBAL || b == elf.STB_WEAK) && elf.ST_VISIBILITY(s.Other) == elf.STV_DEFAULT
}

// bytesAt returns n bytes of the output's image at virtual address addr.
func (img *image) bytesAt(addr, n uint64) ([]byte, error) {
	for _, s := range img.f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_TLS != 0 {
			continue
		}
		if addr < s.Addr || addr+n > s.Addr+s.Size {
			continue
		}
		data, ok := img.secData[s]
		if !ok {
			var err error
			if data, err = s.Data(); err != nil {
				return nil, err
			}
			img.secData[s] = data
		}
		return data[addr-s.Addr : addr-s.Addr+n], nil
	}
	return nil, fmt.Errorf("%s: no section holds [%#x, %#x)", img.path, addr, addr+n)
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// tpBlock is the offset of the thread pointer from the start of the
// executable's TLS block (variant II: the block ends at the thread pointer).
func (img *image) tpBlock() int64 { return int64(alignUp(img.tlsMemsz, img.tlsAlign)) }

// tpoff is sym+addend's offset from the thread pointer in an executable.
// TLS symbols' st_value is their offset in the TLS segment.
func (img *image) tpoff(name string, addend int64) (int64, error) {
	if !img.hasTLS {
		return 0, fmt.Errorf("%s: no PT_TLS", img.path)
	}
	if name == "_TLS_MODULE_BASE_" {
		// The local-dynamic TLSDESC sequence adds DTPOFF32 offsets to
		// the descriptor's result; in an executable those become
		// TP-relative (as after the LD -> LE transition), so the base
		// must be the thread pointer itself: offset 0.
		return addend, nil
	}
	s, err := img.sym(name)
	if err != nil {
		return 0, err
	}
	if elf.ST_TYPE(s.Info) != elf.STT_TLS {
		return 0, fmt.Errorf("%s: %s is %v, not STT_TLS", img.path, name, elf.ST_TYPE(s.Info))
	}
	return int64(s.Value) + addend - img.tpBlock(), nil
}

// dtpoff is sym+addend's offset in its module's TLS block.
func (img *image) dtpoff(name string, addend int64) (int64, error) {
	s, err := img.sym(name)
	if err != nil {
		return 0, err
	}
	return int64(s.Value) + addend, nil
}

func (img *image) dynAt(addr uint64) []dynRel {
	var out []dynRel
	for _, r := range img.dyn {
		if r.off == addr {
			out = append(out, r)
		}
	}
	return out
}

// wantDyn checks that the word at addr has a dynamic relocation of type typ
// against sym ("" for symbol index 0, then also with the given addend).
func (img *image) wantDyn(addr uint64, typ elf.R_X86_64, sym string, addend int64) error {
	rels := img.dynAt(addr)
	for _, r := range rels {
		if r.typ == typ && r.sym == sym && (sym != "" || r.addend == addend) {
			return nil
		}
	}
	want := fmt.Sprintf("%v against %s", typ, sym)
	if sym == "" {
		want = fmt.Sprintf("%v without a symbol, addend %d", typ, addend)
	}
	return fmt.Errorf("GOT slot %#x: want a dynamic relocation %s, have %v", addr, want, rels)
}

// gotTPOFF: a GOT slot the loader fills with sym's TP offset.
func (img *image) gotTPOFF(sym string) func(uint64) error {
	return func(slot uint64) error {
		if img.preemptible(sym) {
			return img.wantDyn(slot, elf.R_X86_64_TPOFF64, sym, 0)
		}
		// A shared object's own non-preemptible variable.
		off, err := img.dtpoff(sym, 0)
		if err != nil {
			return err
		}
		return img.wantDyn(slot, elf.R_X86_64_TPOFF64, "", off)
	}
}

// gotGDPair: a GOT pair (module id, offset) for __tls_get_addr.
func (img *image) gotGDPair(sym string) func(uint64) error {
	return func(slot uint64) error {
		if !img.preemptible(sym) {
			if err := img.wantDyn(slot, elf.R_X86_64_DTPMOD64, "", 0); err != nil {
				return err
			}
			return img.wantWord(slot+8, sym)
		}
		if err := img.wantDyn(slot, elf.R_X86_64_DTPMOD64, sym, 0); err != nil {
			return err
		}
		return img.wantDyn(slot+8, elf.R_X86_64_DTPOFF64, sym, 0)
	}
}

// wantWord checks a GOT word that holds sym's DTP offset without a dynamic
// relocation.
func (img *image) wantWord(slot uint64, sym string) error {
	off, err := img.dtpoff(sym, 0)
	if err != nil {
		return err
	}
	b, err := img.bytesAt(slot, 8)
	if err != nil {
		return err
	}
	if got := int64(binary.LittleEndian.Uint64(b)); got != off {
		return fmt.Errorf("GOT slot %#x: holds %#x, want %s's DTP offset %#x", slot, got, sym, off)
	}
	return nil
}

// gotLDPair: the module's (module id, 0) GOT pair.
func (img *image) gotLDPair(slot uint64) error {
	return img.wantDyn(slot, elf.R_X86_64_DTPMOD64, "", 0)
}

// gotDesc: a TLS descriptor.
func (img *image) gotDesc(sym string) func(uint64) error {
	return func(slot uint64) error {
		if sym == "_TLS_MODULE_BASE_" {
			// The module's own block start: DTP offset 0.
			return img.wantDyn(slot, elf.R_X86_64_TLSDESC, "", 0)
		}
		if img.preemptible(sym) {
			return img.wantDyn(slot, elf.R_X86_64_TLSDESC, sym, 0)
		}
		off, err := img.dtpoff(sym, 0)
		if err != nil {
			return err
		}
		return img.wantDyn(slot, elf.R_X86_64_TLSDESC, "", off)
	}
}

// gotBase is _GLOBAL_OFFSET_TABLE_ (the start of .got.plt).
func (img *image) gotBase() (uint64, error) {
	if s, err := img.sym("_GLOBAL_OFFSET_TABLE_"); err == nil {
		return s.Value, nil
	}
	if s := img.f.Section(".got.plt"); s != nil {
		return s.Addr, nil
	}
	return 0, fmt.Errorf("%s: no _GLOBAL_OFFSET_TABLE_ and no .got.plt", img.path)
}

// tlsGetAddrSlot: a GOT slot bound to __tls_get_addr.
func (img *image) tlsGetAddrSlot(slot uint64) error {
	for _, r := range img.dynAt(slot) {
		if (r.typ == elf.R_X86_64_GLOB_DAT || r.typ == elf.R_X86_64_JMP_SLOT) && r.sym == "__tls_get_addr" {
			return nil
		}
	}
	return fmt.Errorf("slot %#x is not bound to __tls_get_addr (dynamic relocations there: %v)", slot, img.dynAt(slot))
}

// tlsGetAddrPLT: a PLT entry that jumps through a slot bound to
// __tls_get_addr.
func (img *image) tlsGetAddrPLT(entry uint64) error {
	code, err := img.bytesAt(entry, 16)
	if err != nil {
		return fmt.Errorf("call target %#x: %v", entry, err)
	}
	pc := entry
	for i := 0; i < 3 && len(code) > 0; i++ {
		if bytes.HasPrefix(code, []byte{0xf3, 0x0f, 0x1e, 0xfa}) { // endbr64
			code, pc = code[4:], pc+4
			continue
		}
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			break
		}
		next := pc + uint64(inst.Len)
		if inst.Op == x86asm.JMP {
			if m, ok := inst.Args[0].(x86asm.Mem); ok && m.Base == x86asm.RIP {
				return img.tlsGetAddrSlot(uint64(int64(next) + m.Disp))
			}
		}
		code, pc = code[inst.Len:], next
	}
	return fmt.Errorf("call target %#x is not a PLT entry of __tls_get_addr", entry)
}

// ---------------------------------------------------------------------------
// Expected instruction sequences.

// insn is one expected instruction: its exact encoding, except for a
// field (PC-relative displacement or absolute value) whose meaning is
// checked instead, or a run of NOPs of a given total length.
type insn struct {
	asm   string
	enc   []byte
	field int // offset of the checked field in enc; 0: none
	size  int // 4 (signed, relative to the end of the instruction) or 8 (absolute)
	check func(target uint64) error
	nops  int
}

func sx(v int64) string {
	if v < 0 {
		return fmt.Sprintf("-%#x", -v)
	}
	return fmt.Sprintf("%#x", v)
}

func le32(v int64) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(int32(v))) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var regNames = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// movFS0 is mov %fs:0, %rax with k redundant data16 prefixes.
func movFS0(k int) insn {
	return insn{asm: strings.Repeat("data16 ", k) + "mov %fs:0x0,%rax",
		enc: cat(bytes.Repeat([]byte{0x66}, k), []byte{0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0})}
}

func leaRAX(tp int64) insn {
	return insn{asm: fmt.Sprintf("lea %s(%%rax),%%rax", sx(tp)), enc: cat([]byte{0x48, 0x8d, 0x80}, le32(tp))}
}

// nops is a run of NOP instructions n bytes long in all (nothing for 0).
func nops(n int) insn {
	if n == 0 {
		return insn{nops: -1}
	}
	return insn{asm: fmt.Sprintf("nop padding (%d bytes)", n), nops: n}
}

// ripInsn is an instruction whose last 4 bytes are a RIP-relative
// displacement to a location that check accepts.
func ripInsn(asm string, opc []byte, what string, check func(uint64) error) insn {
	return insn{asm: fmt.Sprintf(asm, what), enc: cat(opc, []byte{0, 0, 0, 0}), field: len(opc), size: 4, check: check}
}

func rex(w, r, b bool) byte {
	x := byte(0x40)
	if w {
		x |= 8
	}
	if r {
		x |= 4
	}
	if b {
		x |= 1
	}
	return x
}

// movImm is mov $imm32, %reg (sign-extended).
func movImm(reg int, v int64) insn {
	return insn{asm: fmt.Sprintf("mov $%s,%%%s", sx(v), regNames[reg]),
		enc: cat([]byte{rex(true, false, reg >= 8), 0xc7, 0xc0 | byte(reg&7)}, le32(v))}
}

// addImm is add $imm32, %reg.
func addImm(reg int, v int64) insn {
	return insn{asm: fmt.Sprintf("add $%s,%%%s", sx(v), regNames[reg]),
		enc: cat([]byte{rex(true, false, reg >= 8), 0x81, 0xc0 | byte(reg&7)}, le32(v))}
}

// leaSelf is lea imm32(%reg), %reg (GNU ld's rewrite of the add form for
// registers other than %rsp and %r12, which would need a SIB byte).
func leaSelf(reg int, v int64) insn {
	return insn{asm: fmt.Sprintf("lea %s(%%%s),%%%s", sx(v), regNames[reg], regNames[reg]),
		enc: cat([]byte{rex(true, reg >= 8, reg >= 8), 0x8d, 0x80 | byte(reg&7)<<3 | byte(reg&7)}, le32(v))}
}

// ---------------------------------------------------------------------------
// Matching.

type decoded struct {
	addr uint64
	raw  []byte
	inst x86asm.Inst
}

func decodeAll(code []byte, addr uint64) ([]decoded, error) {
	var out []decoded
	for off := 0; off < len(code); {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			return out, fmt.Errorf("cannot decode at %#x (%s): %v", addr+uint64(off), hex.EncodeToString(code[off:]), err)
		}
		out = append(out, decoded{addr + uint64(off), code[off : off+inst.Len], inst})
		off += inst.Len
	}
	return out, nil
}

func showDecoded(ds []decoded) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n\t  %#x: %-26s %s", d.addr, hex.EncodeToString(d.raw), x86asm.IntelSyntax(d.inst, d.addr, nil))
	}
	return b.String()
}

func showWant(seq []insn) string {
	var parts []string
	for _, w := range seq {
		if w.nops >= 0 {
			parts = append(parts, w.asm)
		}
	}
	return strings.Join(parts, "; ")
}

// matchSeq reports why ds is not the sequence want (nil if it is).
func matchSeq(ds []decoded, want []insn) error {
	i := 0
	for _, w := range want {
		if w.nops > 0 {
			n := 0
			for n < w.nops && i < len(ds) && ds[i].inst.Op == x86asm.NOP {
				n += len(ds[i].raw)
				i++
			}
			if n != w.nops {
				return fmt.Errorf("want %d bytes of NOPs, found %d", w.nops, n)
			}
			continue
		}
		if w.nops < 0 {
			continue
		}
		if i >= len(ds) {
			return fmt.Errorf("missing %s", w.asm)
		}
		d := ds[i]
		i++
		if len(d.raw) != len(w.enc) {
			return fmt.Errorf("at %#x: want %s (%d bytes), found %s", d.addr, w.asm, len(w.enc), x86asm.IntelSyntax(d.inst, d.addr, nil))
		}
		for k := range w.enc {
			if w.size > 0 && k >= w.field && k < w.field+w.size {
				continue
			}
			if d.raw[k] != w.enc[k] {
				return fmt.Errorf("at %#x: want %s (%s), found %s (%s)", d.addr, w.asm, hex.EncodeToString(w.enc),
					x86asm.IntelSyntax(d.inst, d.addr, nil), hex.EncodeToString(d.raw))
			}
		}
		if w.size == 4 {
			disp := int64(int32(binary.LittleEndian.Uint32(d.raw[w.field:])))
			target := uint64(int64(d.addr+uint64(len(d.raw))) + disp)
			if err := w.check(target); err != nil {
				return fmt.Errorf("at %#x: %s: %v", d.addr, w.asm, err)
			}
		} else if w.size == 8 {
			if err := w.check(binary.LittleEndian.Uint64(d.raw[w.field:])); err != nil {
				return fmt.Errorf("at %#x: %s: %v", d.addr, w.asm, err)
			}
		}
	}
	if i != len(ds) {
		return fmt.Errorf("unexpected %s at %#x", x86asm.IntelSyntax(ds[i].inst, ds[i].addr, nil), ds[i].addr)
	}
	return nil
}

// ---------------------------------------------------------------------------
// The objects under test.

// site is one TLS relocation of an object under test.
type site struct {
	obj    string
	fn     string // the function holding it
	fnOff  uint64 // the relocated field's offset from the function's start
	typ    elf.R_X86_64
	sym    string
	addend int64
	in     []byte // the input section
	off    int    // the relocated field's offset in the input section
}

func (s site) String() string {
	return fmt.Sprintf("%s: %s+%#x: %v against %s%+d", s.obj, s.fn, s.fnOff, s.typ, s.sym, s.addend)
}

// object is a relocatable object whose TLS accesses are checked.
type object struct {
	path  string
	funcs []elf.Symbol
	sites []site
}

func isTLSReloc(t elf.R_X86_64) bool {
	switch t {
	case elf.R_X86_64_TLSGD, elf.R_X86_64_TLSLD, elf.R_X86_64_DTPOFF32, elf.R_X86_64_DTPOFF64,
		elf.R_X86_64_GOTTPOFF, elf.R_X86_64_TPOFF32, elf.R_X86_64_TPOFF64,
		elf.R_X86_64_GOTPC32_TLSDESC, elf.R_X86_64_TLSDESC_CALL:
		return true
	}
	return false
}

func readObject(path, name string) (*object, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	o := &object{path: name}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF {
			o.funcs = append(o.funcs, s)
		}
	}
	for _, rs := range f.Sections {
		if rs.Type != elf.SHT_RELA || int(rs.Info) >= len(f.Sections) {
			continue
		}
		ts := f.Sections[rs.Info]
		if ts.Flags&elf.SHF_EXECINSTR == 0 {
			continue
		}
		text, err := ts.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, ts.Name, err)
		}
		rels, err := rs.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, rs.Name, err)
		}
		for i := 0; i+24 <= len(rels); i += 24 {
			off := binary.LittleEndian.Uint64(rels[i:])
			info := binary.LittleEndian.Uint64(rels[i+8:])
			typ := elf.R_X86_64(uint32(info))
			if !isTLSReloc(typ) {
				continue
			}
			si := info >> 32
			if si == 0 || int(si) > len(syms) {
				return nil, fmt.Errorf("%s: %s: relocation %d: bad symbol index %d", name, rs.Name, i/24, si)
			}
			s := site{obj: name, typ: typ, sym: syms[si-1].Name, addend: int64(binary.LittleEndian.Uint64(rels[i+16:])),
				in: text, off: int(off)}
			for _, fn := range o.funcs {
				if int(fn.Section) == int(rs.Info) && fn.Value <= off && off < fn.Value+fn.Size {
					s.fn, s.fnOff = fn.Name, off-fn.Value
				}
			}
			if s.fn == "" {
				return nil, fmt.Errorf("%s: %s+%#x: TLS relocation %v outside any function", name, ts.Name, off, typ)
			}
			o.sites = append(o.sites, s)
		}
	}
	sort.Slice(o.sites, func(i, j int) bool {
		if o.sites[i].fn != o.sites[j].fn {
			return o.sites[i].fn < o.sites[j].fn
		}
		return o.sites[i].fnOff < o.sites[j].fnOff
	})
	return o, nil
}

// ---------------------------------------------------------------------------
// The compiler's sequences, recognised in the input.

type form string

const (
	formGDPLT   form = "gd"           // data16 lea x@tlsgd(%rip),%rdi; data16 data16 rex.W call __tls_get_addr@PLT
	formGDGOT   form = "gd-noplt"     // ...; data16 rex.W call *__tls_get_addr@GOTPCREL(%rip)
	formGDLarge form = "gd-large"     // lea; movabs $__tls_get_addr@pltoff,%rax; add %rbx,%rax; call *%rax
	formLDPLT   form = "ld"           // lea x@tlsld(%rip),%rdi; call __tls_get_addr@PLT
	formLDGOT   form = "ld-noplt"     // ...; call *__tls_get_addr@GOTPCREL(%rip)
	formLDLarge form = "ld-large"     // as gd-large
	formDTPOff  form = "dtpoff32"     // x@dtpoff
	formIEMov   form = "ie-mov"       // mov x@gottpoff(%rip),%reg
	formIEAdd   form = "ie-add"       // add x@gottpoff(%rip),%reg
	formDesc    form = "tlsdesc"      // lea x@tlsdesc(%rip),%rax
	formDescCal form = "tlsdesc-call" // call *x@tlscall(%rax)
)

func at(b []byte, off int, want ...byte) bool {
	return off >= 0 && off+len(want) <= len(b) && bytes.Equal(b[off:off+len(want)], want)
}

// isLarge: the 22-byte -mcmodel=large sequence from off-3 (the add's
// register is %rbx or %r15, the large model's GOT pointer).
func isLarge(b []byte, off int) bool {
	return at(b, off-3, 0x48, 0x8d, 0x3d) && at(b, off+4, 0x48, 0xb8) &&
		(at(b, off+14, 0x48, 0x01, 0xd8) || at(b, off+14, 0x4c, 0x01, 0xf8)) && at(b, off+17, 0xff, 0xd0)
}

// inputForm recognises the compiler's sequence around s and returns it
// with the start (relative to the relocated field) and length of the
// bytes it covers.
func inputForm(s site) (f form, start, n int, err error) {
	b, off := s.in, s.off
	switch s.typ {
	case elf.R_X86_64_TLSGD:
		switch {
		case at(b, off-4, 0x66, 0x48, 0x8d, 0x3d) && at(b, off+4, 0x66, 0x66, 0x48, 0xe8):
			return formGDPLT, -4, 16, nil
		case at(b, off-4, 0x66, 0x48, 0x8d, 0x3d) && at(b, off+4, 0x66, 0x48, 0xff, 0x15):
			return formGDGOT, -4, 16, nil
		case isLarge(b, off):
			return formGDLarge, -3, 22, nil
		}
	case elf.R_X86_64_TLSLD:
		switch {
		case isLarge(b, off):
			return formLDLarge, -3, 22, nil
		case at(b, off-3, 0x48, 0x8d, 0x3d) && at(b, off+4, 0xe8):
			return formLDPLT, -3, 12, nil
		case at(b, off-3, 0x48, 0x8d, 0x3d) && at(b, off+4, 0xff, 0x15):
			return formLDGOT, -3, 13, nil
		}
	case elf.R_X86_64_DTPOFF32:
		return formDTPOff, 0, 4, nil
	case elf.R_X86_64_GOTTPOFF:
		if off >= 3 && b[off-3]&0xfb == 0x48 && b[off-1]&0xc7 == 0x05 {
			switch b[off-2] {
			case 0x8b:
				return formIEMov, -3, 7, nil
			case 0x03:
				return formIEAdd, -3, 7, nil
			}
		}
	case elf.R_X86_64_GOTPC32_TLSDESC:
		if at(b, off-3, 0x48, 0x8d, 0x05) {
			return formDesc, -3, 7, nil
		}
	case elf.R_X86_64_TLSDESC_CALL:
		if at(b, off, 0xff, 0x10) {
			return formDescCal, 0, 2, nil
		}
	}
	lo, hi := max(off-4, 0), min(off+20, len(b))
	return "", 0, 0, fmt.Errorf("%v: unexpected compiler sequence %s", s, hex.EncodeToString(b[lo:hi]))
}

// ieReg is the destination register of an initial-exec mov/add.
func ieReg(s site) int {
	r := int(s.in[s.off-1]>>3) & 7
	if s.in[s.off-3]&0x04 != 0 {
		r += 8
	}
	return r
}

// expected returns the acceptable output sequences for s (more than one
// where GNU ld and the psABI's other reference linker differ in an
// equivalent encoding), or, for a DTPOFF32, the value of the field.
func expected(img *image, s site, f form) (alts [][]insn, field int64, err error) {
	sym := s.sym
	keep := img.shared
	pre := img.preemptible(sym)
	switch f {
	case formGDPLT, formGDGOT, formGDLarge:
		pad := nops(0)
		if f == formGDLarge {
			pad = nops(6)
		}
		switch {
		case keep:
			lea := ripInsn("lea %s(%%rip),%%rdi", []byte{0x66, 0x48, 0x8d, 0x3d}, sym+"@tlsgd", img.gotGDPair(sym))
			switch f {
			case formGDPLT:
				return [][]insn{{lea, ripInsn("call %s", []byte{0x66, 0x66, 0x48, 0xe8}, "__tls_get_addr@plt", img.tlsGetAddrPLT)}}, 0, nil
			case formGDGOT:
				return [][]insn{{lea, ripInsn("call *%s(%%rip)", []byte{0x66, 0x48, 0xff, 0x15}, "__tls_get_addr@GOTPCREL", img.tlsGetAddrSlot)}}, 0, nil
			}
			lea.enc = lea.enc[1:]
			lea.field--
			return [][]insn{largeTail(img, s, lea)}, 0, nil
		case pre:
			// GD -> IE
			add := ripInsn("add %s(%%rip),%%rax", []byte{0x48, 0x03, 0x05}, sym+"@gottpoff", img.gotTPOFF(sym))
			return [][]insn{{movFS0(0), add, pad}}, 0, nil
		default:
			// GD -> LE
			tp, err := img.tpoff(sym, 0)
			return [][]insn{{movFS0(0), leaRAX(tp), pad}}, 0, err
		}
	case formLDPLT, formLDGOT, formLDLarge:
		if keep {
			lea := ripInsn("lea %s(%%rip),%%rdi", []byte{0x48, 0x8d, 0x3d}, sym+"@tlsld", img.gotLDPair)
			switch f {
			case formLDPLT:
				return [][]insn{{lea, ripInsn("call %s", []byte{0xe8}, "__tls_get_addr@plt", img.tlsGetAddrPLT)}}, 0, nil
			case formLDGOT:
				return [][]insn{{lea, ripInsn("call *%s(%%rip)", []byte{0xff, 0x15}, "__tls_get_addr@GOTPCREL", img.tlsGetAddrSlot)}}, 0, nil
			}
			return [][]insn{largeTail(img, s, lea)}, 0, nil
		}
		// LD -> LE: %rax = the thread pointer.
		switch f {
		case formLDPLT:
			return [][]insn{{movFS0(3)}}, 0, nil
		case formLDGOT:
			// GNU ld, lld and the psABI: a fourth data16 prefix;
			// or three and a trailing nop. Both are 13 bytes.
			return [][]insn{{movFS0(4)}, {movFS0(3), nops(1)}}, 0, nil
		}
		// 22 bytes: mov %fs:0,%rax (with up to 4 data16 prefixes) and NOPs,
		// in any arrangement.
		for k := 0; k <= 4; k++ {
			mov := movFS0(k)
			rest := 22 - len(mov.enc)
			for before := 0; before <= rest; before++ {
				alts = append(alts, []insn{nops(before), mov, nops(rest - before)})
			}
		}
		return alts, 0, nil
	case formDTPOff:
		if keep {
			v, err := img.dtpoff(sym, s.addend)
			return nil, v, err
		}
		// After LD -> LE (or for the descriptor-based LD sequence, whose
		// base is then the thread pointer), TP-relative.
		v, err := img.tpoff(sym, s.addend)
		return nil, v, err
	case formIEMov, formIEAdd:
		reg := ieReg(s)
		if keep || pre {
			op := s.in[s.off-3 : s.off]
			name := "mov"
			if f == formIEAdd {
				name = "add"
			}
			return [][]insn{{ripInsn(name+" %s(%%rip),%%"+regNames[reg], op, sym+"@gottpoff", img.gotTPOFF(sym))}}, 0, nil
		}
		tp, err := img.tpoff(sym, 0)
		if f == formIEMov {
			return [][]insn{{movImm(reg, tp)}}, 0, err
		}
		alts = [][]insn{{addImm(reg, tp)}}
		if reg&7 != 4 {
			alts = append(alts, []insn{leaSelf(reg, tp)})
		}
		return alts, 0, err
	case formDesc:
		switch {
		case keep:
			return [][]insn{{ripInsn("lea %s(%%rip),%%rax", []byte{0x48, 0x8d, 0x05}, sym+"@tlsdesc", img.gotDesc(sym))}}, 0, nil
		case pre:
			return [][]insn{{ripInsn("mov %s(%%rip),%%rax", []byte{0x48, 0x8b, 0x05}, sym+"@gottpoff", img.gotTPOFF(sym))}}, 0, nil
		default:
			tp, err := img.tpoff(sym, 0)
			return [][]insn{{movImm(0, tp)}}, 0, err
		}
	case formDescCal:
		if keep {
			return [][]insn{{{asm: "call *(%rax)", enc: []byte{0xff, 0x10}}}}, 0, nil
		}
		return [][]insn{{{asm: "xchg %ax,%ax", enc: []byte{0x66, 0x90}}}}, 0, nil
	}
	return nil, 0, fmt.Errorf("%v: no expectation for %s", s, f)
}

// largeTail: the large-model sequence kept as written: lea; movabs
// $__tls_get_addr@pltoff, %rax; add %rbx/%r15, %rax; call *%rax.
func largeTail(img *image, s site, lea insn) []insn {
	add := s.in[s.off+14 : s.off+17]
	return []insn{
		lea,
		{asm: "movabs $__tls_get_addr@pltoff,%rax", enc: []byte{0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0}, field: 2, size: 8,
			check: func(v uint64) error {
				got, err := img.gotBase()
				if err != nil {
					return err
				}
				return img.tlsGetAddrPLT(got + v)
			}},
		{asm: "add %rbx,%rax", enc: append([]byte(nil), add...)},
		{asm: "call *%rax", enc: []byte{0xff, 0xd0}},
	}
}

// checkSites checks every TLS access of o in img and returns the forms
// seen, one error per bad site.
func checkSites(img *image, o *object) (seen map[form]int, errs []error) {
	seen = map[form]int{}
	for _, s := range o.sites {
		f, start, n, err := inputForm(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen[f]++
		fn, err := img.sym(s.fn)
		if err != nil {
			errs = append(errs, fmt.Errorf("%v: %v", s, err))
			continue
		}
		field := fn.Value + s.fnOff
		alts, val, err := expected(img, s, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%v: %v", s, err))
			continue
		}
		if f == formDTPOff {
			b, err := img.bytesAt(field, 4)
			if err != nil {
				errs = append(errs, fmt.Errorf("%v: %v", s, err))
				continue
			}
			if got := int64(int32(binary.LittleEndian.Uint32(b))); got != val {
				what := "TP offset"
				if img.shared {
					what = "DTP offset"
				}
				errs = append(errs, fmt.Errorf("%v [%s] at %#x: field is %s, want %s+%d's %s %s", s, f, field, sx(got), s.sym, s.addend, what, sx(val)))
			}
			continue
		}
		addr := uint64(int64(field) + int64(start))
		code, err := img.bytesAt(addr, uint64(n))
		if err != nil {
			errs = append(errs, fmt.Errorf("%v: %v", s, err))
			continue
		}
		ds, err := decodeAll(code, addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("%v [%s]: %v", s, f, err))
			continue
		}
		var why []string
		ok := false
		for _, alt := range alts {
			e := matchSeq(ds, alt)
			if e == nil {
				ok = true
				break
			}
			why = append(why, fmt.Sprintf("\n\twant %s: %v", showWant(alt), e))
		}
		if !ok {
			if len(why) > 4 {
				why = append(why[:4], fmt.Sprintf("\n\t(%d more alternatives)", len(why)-4))
			}
			errs = append(errs, fmt.Errorf("%v [%s]: wrong sequence at %#x:%s%s", s, f, addr, showDecoded(ds), strings.Join(why, "")))
		}
	}
	return seen, errs
}

// callsIn lists the call instructions in o's functions in img.
func callsIn(img *image, o *object) ([]string, error) {
	var out []string
	for _, fn := range o.funcs {
		s, err := img.sym(fn.Name)
		if err != nil {
			return nil, err
		}
		size := s.Size
		if size == 0 {
			size = fn.Size
		}
		code, err := img.bytesAt(s.Value, size)
		if err != nil {
			return nil, err
		}
		ds, err := decodeAll(code, s.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", fn.Name, err)
		}
		for _, d := range ds {
			if d.inst.Op == x86asm.CALL {
				out = append(out, fmt.Sprintf("%s+%#x: %s", fn.Name, d.addr-s.Value, x86asm.IntelSyntax(d.inst, d.addr, nil)))
			}
		}
	}
	return out, nil
}

// dataDTPOff checks the DTPOFF32/DTPOFF64 relocations of o's non-code
// allocated sections in img: each word must hold the DTP offset. Objects
// (STT_OBJECT symbols) locate the words in the output. It returns how
// many words it checked.
func dataDTPOff(img *image, path, name string) (int, []error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, []error{err}
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return 0, []error{err}
	}
	var errs []error
	n := 0
	for _, rs := range f.Sections {
		if rs.Type != elf.SHT_RELA || int(rs.Info) >= len(f.Sections) {
			continue
		}
		ts := f.Sections[rs.Info]
		if ts.Flags&elf.SHF_ALLOC == 0 || ts.Flags&elf.SHF_EXECINSTR != 0 {
			continue
		}
		rels, err := rs.Data()
		if err != nil {
			return n, append(errs, err)
		}
		for i := 0; i+24 <= len(rels); i += 24 {
			off := binary.LittleEndian.Uint64(rels[i:])
			info := binary.LittleEndian.Uint64(rels[i+8:])
			typ := elf.R_X86_64(uint32(info))
			size := uint64(8)
			switch typ {
			case elf.R_X86_64_DTPOFF64:
			case elf.R_X86_64_DTPOFF32:
				size = 4
			default:
				continue
			}
			sym := syms[(info>>32)-1].Name
			addend := int64(binary.LittleEndian.Uint64(rels[i+16:]))
			where := fmt.Sprintf("%s: %s+%#x: %v against %s%+d", name, ts.Name, off, typ, sym, addend)
			var holder *elf.Symbol
			for k, s := range syms {
				if elf.ST_TYPE(s.Info) == elf.STT_OBJECT && int(s.Section) == int(rs.Info) && s.Value <= off && off < s.Value+s.Size {
					holder = &syms[k]
				}
			}
			if holder == nil {
				errs = append(errs, fmt.Errorf("%s: no object symbol holds the word", where))
				continue
			}
			out, err := img.sym(holder.Name)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", where, err))
				continue
			}
			want, err := img.dtpoff(sym, addend)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", where, err))
				continue
			}
			addr := out.Value + off - holder.Value
			b, err := img.bytesAt(addr, size)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", where, err))
				continue
			}
			var got int64
			if size == 8 {
				got = int64(binary.LittleEndian.Uint64(b))
			} else {
				got = int64(int32(binary.LittleEndian.Uint32(b)))
			}
			n++
			if got != want {
				tp, _ := img.tpoff(sym, addend)
				note := ""
				if got == tp {
					note = " (the TP offset: only code inside a relaxed LD sequence is TP-relative)"
				}
				errs = append(errs, fmt.Errorf("%s: word at %#x holds %s, want the DTP offset %s%s", where, addr, sx(got), sx(want), note))
			}
		}
	}
	return n, errs
}
