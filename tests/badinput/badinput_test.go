// Package badinput checks how rivet fails on bad input: corrupt objects and
// archives, bad relocations, unresolvable symbols, bad command lines, and
// absurd section alignments and sizes (found by fuzzing and probing the
// layout and write passes).
//
// Every case builds its inputs with gcc (and ar) in a temporary directory,
// damages them where the case calls for it, and runs <repo>/out/bin/rivet
// directly (not through the gcc driver). For every case rivet must
//
//   - exit with status 1;
//   - print exactly one diagnostic line on stderr, starting with
//     "rivet: error: " and naming the file (and the symbol, section or
//     option where one is involved); only the undefined- and
//     duplicate-symbol errors may add ">>> " continuation lines;
//   - print no Go panic text ("panic:", "goroutine ", "internal error");
//   - not create the output file, leave an existing output file byte for
//     byte untouched, and leave no temporary file in the output directory.
//
// rivet runs under a 4 GiB address-space limit (ulimit -v), so that a
// runaway allocation fails the case instead of exhausting the machine.
//
// Run with
//
//	make build
//	go test ./tests/badinput/
//
// RIVET_BIN_DIR overrides rivet's build output directory (default
// <repo>/out), as for tests/e2e. A missing rivet binary is a failure, never a
// skip.
package badinput

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found in PATH: install the test toolchain (`make toolchain`)", name)
	}
}

// run runs a tool in dir and fails the test when it does not succeed.
func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// compile writes src to dir/base.c and compiles it with gcc to dir/base.o,
// returning "base.o".
func compile(t *testing.T, dir, base, src string, flags ...string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, base+".c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-c", "-O1"}, flags...)
	args = append(args, "-o", base+".o", base+".c")
	run(t, dir, "gcc", args...)
	return base + ".o"
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Sources shared by the cases.
const (
	// okSrc links on its own with -e main: data, a string, a call.
	okSrc = `static const char *msg = "hello";
int counter = 3;
__attribute__((noinline)) int f(int x) { return x + counter + msg[0]; }
int main(void) { return f(1); }
`
	missingSrc = `extern int missing_function(void);
int main(void) { return missing_function(); }
`
	farSrc = `extern char far_away[];
int main(void) { return far_away[0]; }
`
	dupASrc = `int dup = 1;
int fa(void) { return dup; }
`
	dupBSrc = `int dup = 1;
int fb(void) { return 2; }
`
	// One TLS access only, so that the patched object has exactly one bad
	// relocation.
	tlsSrc = `__thread int tv = 1;
int main(void) { return tv; }
`
)

// elfObj is a relocatable object being patched in memory.
type elfObj struct {
	t     *testing.T
	path  string
	data  []byte
	ef    *elf.File
	shoff uint64
}

func openObj(t *testing.T, path string) *elfObj {
	t.Helper()
	data := readFile(t, path)
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if ef.Class != elf.ELFCLASS64 || ef.Data != elf.ELFDATA2LSB || ef.Type != elf.ET_REL {
		t.Fatalf("%s: not an ELF64 little-endian relocatable object", path)
	}
	if se := binary.LittleEndian.Uint16(data[0x3a:]); se != 64 {
		t.Fatalf("%s: e_shentsize %d, want 64", path, se)
	}
	return &elfObj{t: t, path: path, data: data, ef: ef, shoff: binary.LittleEndian.Uint64(data[0x28:])}
}

// sec returns the index of the named section.
func (o *elfObj) sec(name string) int {
	o.t.Helper()
	for i, s := range o.ef.Sections {
		if s.Name == name {
			return i
		}
	}
	o.t.Fatalf("%s: no section %s", o.path, name)
	return 0
}

// shdr returns the offset of section header i in the file.
func (o *elfObj) shdr(i int) uint64 { return o.shoff + uint64(i)*64 }

// rela returns the file offset of relocation i of the named SHT_RELA section.
func (o *elfObj) rela(name string, i int) uint64 {
	o.t.Helper()
	s := o.ef.Sections[o.sec(name)]
	if s.Type != elf.SHT_RELA || uint64(i+1)*24 > s.Size {
		o.t.Fatalf("%s: %s has no relocation %d", o.path, name, i)
	}
	return s.Offset + uint64(i)*24
}

// symIndex returns the symbol table index of the named symbol.
func (o *elfObj) symIndex(name string) int {
	o.t.Helper()
	syms, err := o.ef.Symbols()
	if err != nil {
		o.t.Fatalf("%s: %v", o.path, err)
	}
	for i, s := range syms {
		if s.Name == name {
			return i + 1 // Symbols omits entry 0
		}
	}
	o.t.Fatalf("%s: no symbol %s", o.path, name)
	return 0
}

// sym returns the file offset of symbol table entry i.
func (o *elfObj) sym(i int) uint64 {
	return o.ef.Sections[o.sec(".symtab")].Offset + uint64(i)*24
}

func (o *elfObj) put16(off uint64, v uint16) { binary.LittleEndian.PutUint16(o.data[off:], v) }
func (o *elfObj) put32(off uint64, v uint32) { binary.LittleEndian.PutUint32(o.data[off:], v) }
func (o *elfObj) put64(off uint64, v uint64) { binary.LittleEndian.PutUint64(o.data[off:], v) }
func (o *elfObj) u64(off uint64) uint64      { return binary.LittleEndian.Uint64(o.data[off:]) }

func (o *elfObj) write(path string) { writeFile(o.t, path, o.data) }

// arHeaders returns the offsets of the member headers of an ar archive
// and the member names as stored ("/" is the symbol table, "//" the long
// name table).
func arHeaders(t *testing.T, data []byte) (offs []int, names []string) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("!<arch>\n")) {
		t.Fatal("not an ar archive")
	}
	for pos := 8; pos+60 <= len(data); {
		h := data[pos : pos+60]
		size, err := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
		if err != nil || string(h[58:60]) != "`\n" {
			t.Fatalf("archive header at 0x%x is not valid before patching", pos)
		}
		offs = append(offs, pos)
		names = append(names, strings.TrimRight(string(h[:16]), " "))
		pos += 60 + size
		pos += pos & 1
	}
	return offs, names
}

// secondMember returns the header offset of the second regular member.
func secondMember(t *testing.T, data []byte) int {
	t.Helper()
	offs, names := arHeaders(t, data)
	n := 0
	for i, name := range names {
		if name == "/" || name == "//" || name == "/SYM64/" {
			continue
		}
		if n++; n == 2 {
			return offs[i]
		}
	}
	t.Fatalf("archive has fewer than two members: %q", names)
	return 0
}

// makeArchive builds lib.a from two objects in dir and returns its bytes.
func makeArchive(t *testing.T, dir string) []byte {
	t.Helper()
	compile(t, dir, "a", dupASrc)
	compile(t, dir, "b", dupBSrc)
	run(t, dir, "ar", "rcs", "lib.a", "a.o", "b.o")
	return readFile(t, filepath.Join(dir, "lib.a"))
}

// invocation is one rivet run and what its diagnostic must say.
type invocation struct {
	args []string // rivet's arguments after -o OUT; run in the input directory
	// first lists substrings of the first (error) line.
	first []string
	// cont, when set, allows continuation lines starting with ">>> ", and
	// lists substrings that must occur in them.
	cont []string
}

type badCase struct {
	name  string
	build func(t *testing.T, dir string) invocation
}

var cases = []badCase{
	{"truncated-40-bytes", func(t *testing.T, dir string) invocation {
		o := compile(t, dir, "ok", okSrc)
		writeFile(t, filepath.Join(dir, "trunc40.o"), readFile(t, filepath.Join(dir, o))[:40])
		return invocation{args: []string{"-e", "main", "trunc40.o"}, first: []string{"trunc40.o"}}
	}},
	{"truncated-in-section-headers", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		n := len(o.ef.Sections)
		if o.shdr(n) != uint64(len(o.data)) {
			t.Fatalf("section headers do not end the file (shoff 0x%x, %d headers, size 0x%x)", o.shoff, n, len(o.data))
		}
		cut := o.shdr(n/2) + 32 // in the middle of a section header, half-way through the table
		writeFile(t, filepath.Join(dir, "truncshdr.o"), o.data[:cut])
		return invocation{args: []string{"-e", "main", "truncshdr.o"}, first: []string{"truncshdr.o"}}
	}},
	{"section-offset-past-eof", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		i := o.sec(".text")
		o.put64(o.shdr(i)+24, 0x7fff_ffff_0000) // sh_offset
		o.write(filepath.Join(dir, "badoff.o"))
		return invocation{args: []string{"-e", "main", "badoff.o"}, first: []string{"badoff.o", "section"}}
	}},
	{"section-size-past-eof", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		i := o.sec(".data")
		o.put64(o.shdr(i)+32, 0xffff_ffff_ffff_fff0) // sh_size: offset+size overflows
		o.write(filepath.Join(dir, "badsize.o"))
		return invocation{args: []string{"-e", "main", "badsize.o"}, first: []string{"badsize.o", "section"}}
	}},
	{"section-header-table-past-eof", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(0x28, 0x1_0000_0000) // e_shoff
		o.write(filepath.Join(dir, "badshoff.o"))
		return invocation{args: []string{"-e", "main", "badshoff.o"}, first: []string{"badshoff.o", "section"}}
	}},
	{"gcc-slim-lto-object", func(t *testing.T, dir string) invocation {
		// gcc 12 writes slim LTO objects by default: GIMPLE only, no code.
		// The check compares each global name in place (no strlen).
		o := compile(t, dir, "lto", okSrc, "-flto")
		return invocation{args: []string{"-e", "main", o}, first: []string{o, "GCC LTO object", "-ffat-lto-objects"}}
	}},
	{"wrong-machine", func(t *testing.T, dir string) invocation {
		// The first input decides the machine (x86-64 here); a later
		// input for another machine is rejected.
		ok := compile(t, dir, "ok", okSrc)
		o := openObj(t, filepath.Join(dir, ok))
		o.put16(18, uint16(elf.EM_AARCH64))
		o.write(filepath.Join(dir, "arm.o"))
		return invocation{args: []string{"-e", "main", ok, "arm.o"}, first: []string{"arm.o"}}
	}},
	{"section-start-overlap", func(t *testing.T, dir string) invocation {
		// .data placed inside the pages of the segments before it would
		// map over them.
		ok := compile(t, dir, "ok", okSrc)
		return invocation{args: []string{"-e", "main", "--section-start=.data=0x400100", ok}, first: []string{"--section-start=.data=0x400100", "below"}}
	}},
	{"empty-file", func(t *testing.T, dir string) invocation {
		compile(t, dir, "ok", okSrc)
		writeFile(t, filepath.Join(dir, "empty.o"), nil)
		return invocation{args: []string{"-e", "main", "ok.o", "empty.o"}, first: []string{"empty.o"}}
	}},
	{"text-file", func(t *testing.T, dir string) invocation {
		compile(t, dir, "ok", okSrc)
		writeFile(t, filepath.Join(dir, "notes.o"), []byte("\x01\x02 this is not an object file\n"))
		return invocation{args: []string{"-e", "main", "ok.o", "notes.o"}, first: []string{"notes.o"}}
	}},
	{"archive-bad-member-size", func(t *testing.T, dir string) invocation {
		data := makeArchive(t, dir)
		h := secondMember(t, data)
		copy(data[h+48:h+58], "12x4      ")
		writeFile(t, filepath.Join(dir, "badsize.a"), data)
		return invocation{args: []string{"-e", "fa", "badsize.a"}, first: []string{"badsize.a"}}
	}},
	{"archive-bad-member-magic", func(t *testing.T, dir string) invocation {
		data := makeArchive(t, dir)
		h := secondMember(t, data)
		copy(data[h+58:h+60], "x\n")
		writeFile(t, filepath.Join(dir, "badmagic.a"), data)
		return invocation{args: []string{"-e", "fa", "badmagic.a"}, first: []string{"badmagic.a"}}
	}},
	{"archive-member-past-eof", func(t *testing.T, dir string) invocation {
		data := makeArchive(t, dir)
		h := secondMember(t, data)
		copy(data[h+48:h+58], "9999999999")
		writeFile(t, filepath.Join(dir, "huge.a"), data)
		return invocation{args: []string{"-e", "fa", "huge.a"}, first: []string{"huge.a"}}
	}},
	{"archive-truncated-in-member", func(t *testing.T, dir string) invocation {
		data := makeArchive(t, dir)
		h := secondMember(t, data)
		writeFile(t, filepath.Join(dir, "cut.a"), data[:h+60+100])
		return invocation{args: []string{"-e", "fa", "cut.a"}, first: []string{"cut.a"}}
	}},
	{"unknown-relocation-type", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		r := o.rela(".rela.text", 0)
		o.put32(r+8, 200) // low half of r_info: the type
		o.write(filepath.Join(dir, "badrel.o"))
		return invocation{args: []string{"-e", "main", "badrel.o"},
			first: []string{"badrel.o", fmt.Sprintf("(.text+0x%x)", o.u64(r)), "200"}}
	}},
	{"relocation-symbol-out-of-range", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		r := o.rela(".rela.text", 0)
		o.put32(r+12, 0xfffff) // high half of r_info: the symbol index
		o.write(filepath.Join(dir, "badsym.o"))
		return invocation{args: []string{"-e", "main", "badsym.o"},
			first: []string{"badsym.o", fmt.Sprintf("(.text+0x%x)", o.u64(r))}}
	}},
	{"relocation-offset-outside-section", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		r := o.rela(".rela.text", 0)
		o.put64(r, 0x100000) // r_offset
		o.write(filepath.Join(dir, "badroff.o"))
		return invocation{args: []string{"-e", "main", "badroff.o"},
			first: []string{"badroff.o", "(.text+0x100000)"}}
	}},
	{"symbol-bad-section-index", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put16(o.sym(o.symIndex("counter"))+6, 0x7f00) // st_shndx
		o.write(filepath.Join(dir, "badshndx.o"))
		return invocation{args: []string{"-e", "main", "badshndx.o"}, first: []string{"badshndx.o", "counter"}}
	}},
	{"tls-relocation-against-non-tls-symbol", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "tls", tlsSrc, "-fPIE")))
		s := o.sym(o.symIndex("tv"))
		if o.data[s+4]&0xf != byte(elf.STT_TLS) {
			t.Fatalf("tv is not STT_TLS before patching")
		}
		o.data[s+4] = o.data[s+4]&0xf0 | byte(elf.STT_OBJECT)
		o.write(filepath.Join(dir, "nontls.o"))
		return invocation{args: []string{"-e", "main", "nontls.o"}, first: []string{"nontls.o", "(.text+0x", "tv"}}
	}},
	{"undefined-symbol", func(t *testing.T, dir string) invocation {
		compile(t, dir, "main", missingSrc)
		return invocation{args: []string{"main.o"},
			first: []string{"undefined symbol: missing_function"},
			cont:  []string{">>> referenced by main.o:(.text"}}
	}},
	{"relocation-overflow", func(t *testing.T, dir string) invocation {
		// A PC-relative reference to a symbol 28 GiB away: the message
		// names the place and the symbol (found on the fast path, which
		// does not read the symbol, and reported by the general one).
		compile(t, dir, "far", farSrc, "-fno-pic")
		return invocation{args: []string{"-e", "main", "--defsym=far_away=0x700000000", "far.o"},
			first: []string{"far.o:(.text", "R_X86_64_PC32", "out of range", "far_away"}}
	}},
	{"duplicate-symbol", func(t *testing.T, dir string) invocation {
		compile(t, dir, "a", dupASrc)
		compile(t, dir, "b", dupBSrc)
		return invocation{args: []string{"-e", "fa", "a.o", "b.o"},
			first: []string{"duplicate symbol: dup"},
			cont:  []string{"a.o", "b.o"}}
	}},
	{"missing-library", func(t *testing.T, dir string) invocation {
		compile(t, dir, "ok", okSrc)
		return invocation{args: []string{"-e", "main", "ok.o", "-lnonexistent_rivet_lib"},
			first: []string{"-lnonexistent_rivet_lib"}}
	}},
	{"unknown-option", func(t *testing.T, dir string) invocation {
		compile(t, dir, "ok", okSrc)
		return invocation{args: []string{"--frobnicate", "-e", "main", "ok.o"}, first: []string{"--frobnicate"}}
	}},
	{"missing-input-file", func(t *testing.T, dir string) invocation {
		compile(t, dir, "ok", okSrc)
		return invocation{args: []string{"-e", "main", "ok.o", "nosuchfile.o"}, first: []string{"nosuchfile.o"}}
	}},

	// Damage found by fuzzing and probing the later passes.
	{"archive-symbol-table-count-too-large", func(t *testing.T, dir string) invocation {
		// The index claims 2 entries: 4-byte count + 2 offsets = 12 bytes,
		// but the member holds 8.
		body := "\x00\x00\x00\x02\x00\x00\x00\x00"
		hdr := fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10d`\n", "/", "0", "0", "0", "644", len(body))
		writeFile(t, filepath.Join(dir, "armap.a"), []byte("!<arch>\n"+hdr+body))
		return invocation{args: []string{"armap.a"}, first: []string{"armap.a"}}
	}},
	{"section-alignment-2^63", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(o.shdr(o.sec(".data"))+48, 1<<63) // sh_addralign
		o.write(filepath.Join(dir, "align63.o"))
		return invocation{args: []string{"-e", "main", "align63.o"}, first: []string{"align63.o", ".data"}}
	}},
	{"section-alignment-not-power-of-two", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(o.shdr(o.sec(".text"))+48, 0xffff_ffff_ffff_ffff) // sh_addralign
		o.write(filepath.Join(dir, "alignmax.o"))
		return invocation{args: []string{"-e", "main", "alignmax.o"}, first: []string{"alignmax.o", ".text"}}
	}},
	{"data-alignment-not-power-of-two-pie", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(o.shdr(o.sec(".data"))+48, 0xffff_ffff_ffff_ffff) // sh_addralign
		o.write(filepath.Join(dir, "dataalign.o"))
		return invocation{args: []string{"-pie", "-e", "main", "dataalign.o"}, first: []string{"dataalign.o", ".data"}}
	}},
	{"section-alignment-2^40", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(o.shdr(o.sec(".text"))+48, 1<<40) // sh_addralign: a 1 TiB output
		o.write(filepath.Join(dir, "align40.o"))
		return invocation{args: []string{"-e", "main", "align40.o"}, first: []string{"align40.o", ".text"}}
	}},
	{"merge-section-alignment-2^40", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(o.shdr(o.sec(".comment"))+48, 1<<40) // SHF_MERGE|SHF_STRINGS
		o.write(filepath.Join(dir, "mergealign.o"))
		return invocation{args: []string{"-e", "main", "mergealign.o"}, first: []string{"mergealign.o", ".comment"}}
	}},
	{"bss-size-wraps-address-space", func(t *testing.T, dir string) invocation {
		o := openObj(t, filepath.Join(dir, compile(t, dir, "ok", okSrc)))
		o.put64(o.shdr(o.sec(".bss"))+32, 0xffff_ffff_ffff_fff0) // sh_size of SHT_NOBITS
		o.write(filepath.Join(dir, "hugebss.o"))
		return invocation{args: []string{"-e", "main", "hugebss.o"}, first: []string{"hugebss.o", ".bss"}}
	}},
}

// memLimitKB is the address-space limit rivet runs under (4 GiB).
const memLimitKB = "4194304"

// panicMarkers are texts that only a crash prints.
var panicMarkers = []string{"panic:", "goroutine ", "internal error", "runtime error", "fatal error", "[signal "}

func TestBadInput(t *testing.T) {
	bin := rivettest.Bin(t, rivettest.OutDir(t))
	needTool(t, "gcc")
	needTool(t, "ar")
	// Sanity: the undamaged object links, so failures below come from the
	// damage and not from the baseline.
	t.Run("baseline", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		compile(t, dir, "ok", okSrc)
		out := filepath.Join(dir, "ok.exe")
		cmd := exec.Command(bin, "-o", out, "-e", "main", "ok.o")
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rivet -o %s -e main ok.o: %v\n%s", out, err, b)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			inv := c.build(t, dir)
			t.Run("fresh", func(t *testing.T) { check(t, bin, dir, inv, nil) })
			// The same through a detached child (--fork): one line, exit
			// status 1 and the previous output intact all the same.
			t.Run("existing", func(t *testing.T) {
				inv := inv
				inv.args = append([]string{"--fork"}, inv.args...)
				check(t, bin, dir, inv, []byte("previous output: must survive a failed link\n\x00\x01\x02\xff"))
			})
		})
	}
}

// check runs rivet for inv with the output in a directory of its own. If
// prev is not nil, the output file exists beforehand with contents prev.
func check(t *testing.T, bin, dir string, inv invocation, prev []byte) {
	outDir := t.TempDir()
	out := filepath.Join(outDir, "out.exe")
	if prev != nil {
		writeFile(t, out, prev)
	}
	args := append([]string{"-o", out}, inv.args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Under an address-space limit, so that a runaway allocation ends as a
	// crash of rivet rather than of the machine.
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", `ulimit -v ` + memLimitKB + ` && exec "$0" "$@"`, bin}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	cmdline := "rivet " + strings.Join(args, " ")
	t.Logf("$ cd %s && %s\n%s", dir, cmdline, stderr.String())
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out", cmdline)
	}

	var ee *exec.ExitError
	switch {
	case err == nil:
		t.Errorf("%s: succeeded, want exit status 1", cmdline)
	case errors.As(err, &ee):
		if ee.ExitCode() != 1 {
			t.Errorf("%s: %v, want exit status 1", cmdline, err)
		}
	default:
		t.Fatalf("%s: %v", cmdline, err)
	}

	for _, s := range []struct{ name, text string }{{"stdout", stdout.String()}, {"stderr", stderr.String()}} {
		for _, m := range panicMarkers {
			if strings.Contains(s.text, m) {
				t.Errorf("%s: %s contains %q (a crash):\n%s", cmdline, s.name, m, s.text)
			}
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("%s: unexpected stdout:\n%s", cmdline, stdout.String())
	}
	checkDiagnostic(t, stderr.String(), inv)

	// The output: not created, or untouched; no temporary files.
	got, err := os.ReadFile(out)
	switch {
	case prev == nil && err == nil:
		t.Errorf("%s: created the output file %s (%d bytes)", cmdline, out, len(got))
	case prev == nil && !errors.Is(err, os.ErrNotExist):
		t.Errorf("%s: %v", cmdline, err)
	case prev != nil && err != nil:
		t.Errorf("%s: the previous output file is gone: %v", cmdline, err)
	case prev != nil && !bytes.Equal(got, prev):
		t.Errorf("%s: the previous output file was changed (%d bytes, was %d)", cmdline, len(got), len(prev))
	}
	ents, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "out.exe" {
			t.Errorf("%s: left %s in the output directory", cmdline, e.Name())
		}
	}
}

// checkDiagnostic checks that stderr is one "rivet: error: " line with the
// wanted contents, plus ">>> " continuation lines only where allowed.
func checkDiagnostic(t *testing.T, stderr string, inv invocation) {
	t.Helper()
	if stderr == "" {
		t.Errorf("no diagnostic on stderr")
		return
	}
	if !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr does not end with a newline: %q", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	first := lines[0]
	if !strings.HasPrefix(first, "rivet: error: ") {
		t.Errorf("first stderr line %q does not start with %q", first, "rivet: error: ")
	}
	for _, w := range inv.first {
		if !strings.Contains(first, w) {
			t.Errorf("first stderr line %q does not contain %q", first, w)
		}
	}
	rest := lines[1:]
	if inv.cont == nil {
		if len(rest) > 0 {
			t.Errorf("stderr has %d lines, want exactly 1:\n%s", len(lines), stderr)
		}
		return
	}
	for _, l := range rest {
		if !strings.HasPrefix(l, ">>> ") {
			t.Errorf("stderr line %q is neither the error nor a \">>> \" continuation line:\n%s", l, stderr)
		}
	}
	joined := strings.Join(rest, "\n")
	for _, w := range inv.cont {
		if !strings.Contains(joined, w) {
			t.Errorf("continuation lines do not contain %q:\n%s", w, stderr)
		}
	}
}
