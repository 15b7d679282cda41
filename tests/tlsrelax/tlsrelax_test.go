// Package tlsrelax checks rivet's x86-64 TLS code transitions instruction by
// instruction. Each test compiles small programs (testdata/) with gcc and
// clang-19, links them with rivet through the compiler driver, and then
//
//   - reads every TLS relocation of the objects under test (the "access"
//     objects: access*.c compiled -fPIC and friends, ie_regs.s, ...) and
//     recognises the compiler's instruction sequence around it;
//   - works out the sequence the psABI requires at that place in the output,
//     from the output's PT_TLS (TP offset = st_value - alignUp(p_memsz,
//     p_align): variant II, TLS symbols' st_value being their offset in the
//     TLS segment), its symbol table and its dynamic relocations;
//   - disassembles the output there (golang.org/x/arch/x86/x86asm) and
//     compares, instruction by instruction and byte for byte; RIP-relative
//     operands must reach a GOT slot with the right dynamic relocation
//     (R_X86_64_TPOFF64 against the variable for initial exec,
//     DTPMOD64/DTPOFF64 for a kept general-dynamic pair, TLSDESC for a kept
//     descriptor) and kept calls must reach __tls_get_addr;
//   - checks that no call is left in the access functions of a relaxed
//     output and that it has no DTPMOD64, DTPOFF64 or TLSDESC dynamic
//     relocation;
//   - runs the program (main thread and a second thread) and compares its
//     output.
//
// Tests and subtests:
//
//	TestExecRelax/<linker>/<compiler>/<flavor>/<mode>
//	    flavor: gd-ld    -fPIC: GD -> LE (exe's variables), GD -> IE
//	                     (libext.so's), LD -> LE with its DTPOFF32 uses
//	            noplt    -fPIC -fno-plt: the same with
//	                     call *__tls_get_addr@GOTPCREL(%rip)
//	            tlsdesc  -fPIC -mtls-dialect=gnu2: TLSDESC -> LE, -> IE, and
//	                     the descriptor-based LD (_TLS_MODULE_BASE_)
//	            large    -fPIC -mcmodel=large (gcc only; clang-19 does not
//	                     emit the large-model TLS sequences)
//	            ie       compiled for the mode: IE -> LE, IE kept for
//	                     libext.so's variables (mov and add forms)
//	            ie-asm   ie_regs.s (gcc only): IE -> LE with every register
//	                     as destination, mov and add
//	    mode: pie, nopie, static, staticpie (libext.so only in pie and nopie)
//	TestDTPOffData/<linker>/<mode>   x@dtpoff words in .data/.rodata of an
//	    executable hold DTP offsets (only code in a relaxed LD sequence
//	    becomes TP-relative)
//	TestSharedLib/<linker>/<compiler>/<flavor>   nothing relaxed in a -shared
//	    library (gd-ld, noplt, tlsdesc, large), for exported variables
//	    (dynamic relocations against the symbol) and a hidden one (no
//	    symbol: DTPMOD64 and a link-time offset, or a TLSDESC with the
//	    offset as addend); it runs linked at start-up and dlopen'ed; no
//	    DF_STATIC_TLS
//	TestSharedLibIE/<linker>/<compiler>          IE accesses in a shared
//	    library are kept (TPOFF64 against the exported variable, without a
//	    symbol for the static one) and set DF_STATIC_TLS
//	TestPrintTLSTable                            rivet --print-tls-table
//	TestStats/<output>                           -Wl,--stats counts for
//	    stats_local.s / stats_ext.s
//
// Run with
//
//	make build
//	go test ./tests/tlsrelax/
//	go test ./tests/tlsrelax/ -run 'TestExecRelax/rivet/gcc/large/' -v
//	TLSRELAX_LINKERS=bfd go test ./tests/tlsrelax/      # the reference
//
// Environment: RIVET_BIN_DIR is rivet's build output directory (default
// <repo>/out, as for tests/e2e); it must contain bin/rivet and
// libexec/rivet/ld, or the test FAILS (it never skips). TLSRELAX_LINKERS
// lists the linkers to test, comma-separated: rivet (default) and bfd (GNU
// ld, to check the checker; TestPrintTLSTable and TestStats are rivet's
// alone).
//
// Where GNU ld and lld (and the psABI) encode a transition differently but
// equivalently, both encodings are accepted, and nothing else:
// IE -> LE of `add x@gottpoff(%rip), %reg` is `add $tpoff, %reg` (lld) or
// `lea tpoff(%reg), %reg` (GNU ld, except for %rsp/%r12); the 13-byte
// -fno-plt LD -> LE is four data16 prefixes and mov %fs:0,%rax (GNU ld,
// lld, psABI) or three and a trailing nop; the 22-byte large-model LD ->
// LE is mov %fs:0,%rax and NOPs in any arrangement; the padding after the
// large-model GD -> LE/IE pair is any NOPs 6 bytes long in all. In an
// executable the descriptor-based LD sequence's TLSDESC against
// _TLS_MODULE_BASE_ must become mov $0,%rax, its DTPOFF32s TP offsets (as
// GNU ld does). Failure messages show the output's instructions in Intel
// syntax (x86asm), the expected ones in AT&T syntax.
package tlsrelax

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

type compiler struct{ name, cc string }

var compilers = []compiler{{"gcc", "gcc"}, {"clang", "clang-19"}}

type mode struct {
	name    string
	cflags  string // for main and the variables
	ldflag  string
	dynamic bool // can link libext.so
}

var modes = []mode{
	{"pie", "-fPIE", "-pie", true},
	{"nopie", "-fno-pie", "-no-pie", true},
	{"static", "-fno-pie", "-static", false},
	{"staticpie", "-fPIE", "-static-pie", false},
}

// commonCflags: no stack protector, so that the access functions call
// nothing but what the TLS sequences call.
var commonCflags = []string{"-O1", "-fno-stack-protector"}

// ---------------------------------------------------------------------------
// Environment.

func repoOut(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("RIVET_BIN_DIR"); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source to find the repository root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "out")
}

// rivetDir returns rivet's build output directory, failing when bin/rivet
// or libexec/rivet/ld is missing.
func rivetDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(repoOut(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"bin/rivet", "libexec/rivet/ld"} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			t.Fatalf("%s is missing or not executable: run `make build` first (or set RIVET_BIN_DIR)", filepath.Join(dir, p))
		}
	}
	return dir
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found in PATH: install the test toolchain (`make toolchain`)", tool)
		}
	}
}

func linkers(t *testing.T) []string {
	t.Helper()
	v := os.Getenv("TLSRELAX_LINKERS")
	if v == "" {
		return []string{"rivet"}
	}
	var out []string
	for _, l := range strings.Split(v, ",") {
		switch l = strings.TrimSpace(l); l {
		case "rivet", "bfd":
			out = append(out, l)
		case "":
		default:
			t.Fatalf("TLSRELAX_LINKERS: unknown linker %q (want rivet or bfd)", l)
		}
	}
	return out
}

// toolchain is one compiler and one linker, and the directory to build in.
type toolchain struct {
	t      *testing.T
	dir    string
	cc     compiler
	linker string
	ldsel  []string
}

func newToolchain(t *testing.T, cc compiler, linker string) *toolchain {
	tc := &toolchain{t: t, dir: t.TempDir(), cc: cc, linker: linker}
	switch {
	case linker == "bfd":
		needTools(t, "ld.bfd")
		tc.ldsel = []string{"-fuse-ld=bfd"}
	case cc.name == "gcc":
		tc.ldsel = []string{"-B" + filepath.Join(rivetDir(t), "libexec", "rivet") + "/"}
	default:
		tc.ldsel = []string{"--ld-path=" + filepath.Join(rivetDir(t), "libexec", "rivet", "ld")}
	}
	needTools(t, cc.cc)
	return tc
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs a command in the build directory and returns its stdout; it
// fails the test when the command fails.
func (tc *toolchain) run(name string, args ...string) (stdout, stderr string) {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = tc.dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	line := name + " " + strings.Join(args, " ")
	tc.t.Logf("$ %s", line)
	if err != nil {
		tc.t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", line, err, o.String(), e.String())
	}
	return o.String(), e.String()
}

// compile compiles (or assembles) testdata/src to obj with the toolchain's
// compiler (gcc for .s files).
func (tc *toolchain) compile(src, obj string, flags ...string) string {
	tc.t.Helper()
	cc := tc.cc.cc
	args := append([]string{"-c"}, commonCflags...)
	if strings.HasSuffix(src, ".s") {
		cc, args = "gcc", []string{"-c"}
	}
	args = append(args, flags...)
	args = append(args, "-o", obj, testdata(tc.t, src))
	tc.run(cc, args...)
	return obj
}

// link links with the linker under test through the compiler driver.
func (tc *toolchain) link(out string, args ...string) string {
	tc.t.Helper()
	all := append(append([]string{}, args...), "-o", out)
	all = append(all, tc.ldsel...)
	_, stderr := tc.run(tc.cc.cc, all...)
	if stderr != "" {
		tc.t.Logf("linker stderr:\n%s", stderr)
	}
	return filepath.Join(tc.dir, out)
}

// exe runs a linked program and checks its exit status and stdout; a
// failure does not stop the test.
func (tc *toolchain) exe(prog string, want string, args ...string) {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = tc.dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	line := strings.TrimSpace(prog + " " + strings.Join(args, " "))
	tc.t.Logf("$ %s", line)
	switch {
	case err != nil:
		tc.t.Errorf("%s: %v\nstdout:\n%s\nstderr:\n%s", line, err, o.String(), e.String())
	case o.String() != want:
		tc.t.Errorf("%s printed:\n%s\nwant:\n%s", line, o.String(), want)
	}
}

func (tc *toolchain) image(path string, shared bool) *image {
	tc.t.Helper()
	img, err := openImage(path, shared)
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.t.Cleanup(img.Close)
	return img
}

func (tc *toolchain) object(obj string) *object {
	tc.t.Helper()
	o, err := readObject(filepath.Join(tc.dir, obj), obj)
	if err != nil {
		tc.t.Fatal(err)
	}
	return o
}

// checkObjects checks the TLS sites of objs in img and returns the forms
// seen in all.
func checkObjects(t *testing.T, img *image, objs []*object) map[form]int {
	t.Helper()
	all := map[form]int{}
	for _, o := range objs {
		seen, errs := checkSites(img, o)
		for f, n := range seen {
			all[f] += n
		}
		for _, e := range errs {
			t.Error(e)
		}
		if len(errs) == 0 {
			t.Logf("%s: %d TLS sites as expected %v", o.path, len(o.sites), seen)
		}
	}
	return all
}

// wantForms fails unless the compiler emitted every form the case is about
// (else the case would check nothing).
func wantForms(t *testing.T, seen map[form]int, forms ...form) {
	t.Helper()
	for _, f := range forms {
		if seen[f] == 0 {
			t.Errorf("the objects under test contain no %q sequence (seen: %v): the case does not test what it should", f, seen)
		}
	}
}

// noTLSDynRelocs: a relaxed executable needs no module ids, module offsets
// or descriptors.
func noTLSDynRelocs(t *testing.T, img *image) {
	t.Helper()
	for _, r := range img.dyn {
		switch r.typ {
		case elf.R_X86_64_DTPMOD64, elf.R_X86_64_DTPOFF64, elf.R_X86_64_TLSDESC:
			t.Errorf("%s: dynamic relocation %v in a relaxed executable", filepath.Base(img.path), r)
		}
	}
}

func dynRelTypes(img *image) map[elf.R_X86_64]int {
	m := map[elf.R_X86_64]int{}
	for _, r := range img.dyn {
		m[r.typ]++
	}
	return m
}

func dtFlags(t *testing.T, img *image) uint64 {
	t.Helper()
	v, err := img.f.DynValue(elf.DT_FLAGS)
	if err != nil {
		t.Fatalf("%s: %v", img.path, err)
	}
	var flags uint64
	for _, x := range v {
		flags |= x
	}
	return flags
}

// ---------------------------------------------------------------------------
// Expected program outputs.

func forThreads(lines ...string) string {
	var b strings.Builder
	for _, who := range []string{"main", "thread"} {
		for _, l := range lines {
			fmt.Fprintf(&b, "[%s] %s\n", who, l)
		}
	}
	return b.String()
}

func accessOutput(ext bool) string {
	lines := []string{
		"tv_int 11",
		"tv_int after +100 111",
		"tv_long 22 same-address 1",
		"tv_long after +1 23",
		"tv_al 1 2 3 same-address 1 aligned 1",
		"tv_big same-address 1 aligned 1 z",
		"tv_bss 0 77 0",
		"ld 602 806",
		"ld values 9 6 in-block 1 1",
	}
	if ext {
		lines = append(lines,
			"ext_int 33",
			"ext_int after +1000 1033",
			"ext_long 44 same-address 1",
			"ext_bss 0 55")
	}
	return forThreads(lines...)
}

func ieOutput(ext bool) string {
	lines := []string{"tv_int 11", "tv_long 22", "tv_long after +5 27", "tv_bss 0 9"}
	if ext {
		lines = append(lines, "ext_int 33", "ext_long 44", "ext_long after *2 88")
	}
	return forThreads(lines...)
}

var ieRegs = []string{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

func ieRegsOutput() string {
	var b strings.Builder
	for _, r := range ieRegs {
		fmt.Fprintf(&b, "%-3s mov 1234 add 1 5678\n", r)
	}
	return b.String()
}

func libOutput(dlopen bool) string {
	lines := []string{"lib_var 101", "lib_set 202", "lib_arr 1 2 3 4"}
	if !dlopen {
		lines = append(lines, "lib_arr same-address 1")
	}
	lines = append(lines, "lib_hid 303", "ld 802 1006")
	return forThreads(lines...)
}

// ---------------------------------------------------------------------------
// Executables.

type flavor struct {
	name      string
	compilers []string // empty: all
	cflags    []string // for the access objects; nil: the mode's
	kind      string   // "access", "ie", "ie-asm"
	forms     []form   // must occur in the objects under test
	// more forms that must occur when compiled by the named compiler
	more map[string][]form
}

var flavors = []flavor{
	{"gd-ld", nil, []string{"-fPIC"}, "access", []form{formGDPLT, formLDPLT, formDTPOff}, nil},
	{"noplt", nil, []string{"-fPIC", "-fno-plt"}, "access", []form{formGDGOT, formLDGOT, formDTPOff}, nil},
	{"tlsdesc", nil, []string{"-fPIC", "-mtls-dialect=gnu2"}, "access", []form{formDesc, formDescCal, formDTPOff}, nil},
	{"large", []string{"gcc"}, []string{"-fPIC", "-mcmodel=large"}, "access", []form{formGDLarge, formLDLarge, formDTPOff}, nil},
	// gcc loads the offset and adds %fs:0 (mov x@gottpoff(%rip), %reg;
	// add %fs:0, %reg) even for an address; clang uses the add form.
	{"ie", nil, nil, "ie", []form{formIEMov}, map[string][]form{"clang": {formIEAdd}}},
	{"ie-asm", []string{"gcc"}, nil, "ie-asm", []form{formIEMov, formIEAdd}, nil},
}

func (f flavor) appliesTo(cc string) bool {
	return len(f.compilers) == 0 || slices.Contains(f.compilers, cc)
}

func TestExecRelax(t *testing.T) {
	for _, ld := range linkers(t) {
		t.Run(ld, func(t *testing.T) {
			for _, cc := range compilers {
				t.Run(cc.name, func(t *testing.T) {
					for _, fl := range flavors {
						if !fl.appliesTo(cc.name) {
							continue
						}
						t.Run(fl.name, func(t *testing.T) {
							for _, m := range modes {
								t.Run(m.name, func(t *testing.T) {
									t.Parallel()
									testExec(t, newToolchain(t, cc, ld), fl, m)
								})
							}
						})
					}
				})
			}
		})
	}
}

func testExec(t *testing.T, tc *toolchain, fl flavor, m mode) {
	ext := m.dynamic && fl.kind != "ie-asm"
	var extFlags, linkExtra []string
	if ext {
		extFlags = []string{"-DHAVE_EXT"}
		tc.compile("ext.c", "ext.o", "-fPIC")
		tc.link("libext.so", "-shared", "-fPIC", "ext.o")
		linkExtra = []string{filepath.Join(tc.dir, "libext.so"), "-Wl,-rpath," + tc.dir}
	}
	tc.compile("vars.c", "vars.o", m.cflags)
	var checked []string
	var mainSrc, want string
	switch fl.kind {
	case "access":
		checked = append(checked, tc.compile("access.c", "access.o", fl.cflags...))
		if ext {
			checked = append(checked, tc.compile("access_ext.c", "access_ext.o", fl.cflags...))
		}
		mainSrc, want = "main_access.c", accessOutput(ext)
	case "ie":
		checked = append(checked, tc.compile("access_ie.c", "access_ie.o", append([]string{m.cflags}, extFlags...)...))
		mainSrc, want = "main_ie.c", ieOutput(ext)
	case "ie-asm":
		checked = append(checked, tc.compile("ie_regs.s", "ie_regs.o"))
		mainSrc, want = "main_ie_regs.c", ieRegsOutput()
	}
	tc.compile(mainSrc, "main.o", append([]string{m.cflags}, extFlags...)...)
	args := append([]string{m.ldflag, "-pthread", "main.o"}, checked...)
	args = append(append(args, "vars.o"), linkExtra...)
	prog := tc.link("prog", args...)

	img := tc.image(prog, false)
	if !img.hasTLS {
		t.Fatalf("%s has no PT_TLS", prog)
	}
	t.Logf("PT_TLS vaddr %#x memsz %#x align %#x: TP = block start + %#x", img.tlsVaddr, img.tlsMemsz, img.tlsAlign, img.tpBlock())
	if img.tlsAlign < 128 || img.tlsVaddr%img.tlsAlign != 0 {
		t.Errorf("PT_TLS: vaddr %#x, align %#x: want an alignment of at least 128 (tv_big) and a vaddr aligned to it", img.tlsVaddr, img.tlsAlign)
	}
	var objs []*object
	for _, c := range checked {
		objs = append(objs, tc.object(c))
	}
	seen := checkObjects(t, img, objs)
	wantForms(t, seen, fl.forms...)
	wantForms(t, seen, fl.more[tc.cc.name]...)
	if fl.kind == "ie-asm" {
		checkAllRegs(t, objs[0])
	}
	for _, o := range objs {
		calls, err := callsIn(img, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range calls {
			t.Errorf("%s: call left in a relaxed access function: %s", o.path, c)
		}
	}
	noTLSDynRelocs(t, img)
	if ext {
		if n := dynRelTypes(img)[elf.R_X86_64_TPOFF64]; n == 0 {
			t.Errorf("no R_X86_64_TPOFF64 dynamic relocation for libext.so's variables")
		}
	}

	tc.exe(prog, want)
}

// checkAllRegs: ie_regs.s has a mov and an add for each of the 16
// registers.
func checkAllRegs(t *testing.T, o *object) {
	t.Helper()
	got := map[string]bool{}
	for _, s := range o.sites {
		f, _, _, err := inputForm(s)
		if err != nil {
			continue
		}
		got[fmt.Sprintf("%s %s", f, regNames[ieReg(s)])] = true
	}
	for _, f := range []form{formIEMov, formIEAdd} {
		for _, r := range regNames {
			if !got[fmt.Sprintf("%s %s", f, r)] {
				t.Errorf("ie_regs.o has no %s site with destination %%%s", f, r)
			}
		}
	}
}

// TestDTPOffData: x@dtpoff words in .data and .rodata of an executable
// keep the DTP offset; the DTPOFF32 of the relaxed LD sequence in the same
// object becomes TP-relative.
func TestDTPOffData(t *testing.T) {
	for _, ld := range linkers(t) {
		t.Run(ld, func(t *testing.T) {
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) {
					t.Parallel()
					tc := newToolchain(t, compilers[0], ld)
					tc.compile("dtpoff_data.s", "dtpoff_data.o")
					tc.compile("main_dtpoff.c", "main.o", m.cflags)
					prog := tc.link("prog", m.ldflag, "main.o", "dtpoff_data.o")
					img := tc.image(prog, false)
					seen := checkObjects(t, img, []*object{tc.object("dtpoff_data.o")})
					wantForms(t, seen, formLDPLT, formDTPOff)
					n, errs := dataDTPOff(img, filepath.Join(tc.dir, "dtpoff_data.o"), "dtpoff_data.o")
					for _, e := range errs {
						t.Error(e)
					}
					if n != 6 {
						t.Errorf("checked %d DTPOFF words in data, want 6", n)
					}
					noTLSDynRelocs(t, img)
					tc.exe(prog, "")
				})
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Shared libraries.

var libFlavors = []flavor{
	{"gd-ld", nil, []string{"-fPIC"}, "", []form{formGDPLT, formLDPLT, formDTPOff}, nil},
	{"noplt", nil, []string{"-fPIC", "-fno-plt"}, "", []form{formGDGOT, formLDGOT, formDTPOff}, nil},
	{"tlsdesc", nil, []string{"-fPIC", "-mtls-dialect=gnu2"}, "", []form{formDesc, formDescCal, formDTPOff}, nil},
	{"large", []string{"gcc"}, []string{"-fPIC", "-mcmodel=large"}, "", []form{formGDLarge, formLDLarge, formDTPOff}, nil},
}

func TestSharedLib(t *testing.T) {
	for _, ld := range linkers(t) {
		t.Run(ld, func(t *testing.T) {
			for _, cc := range compilers {
				t.Run(cc.name, func(t *testing.T) {
					for _, fl := range libFlavors {
						if !fl.appliesTo(cc.name) {
							continue
						}
						t.Run(fl.name, func(t *testing.T) {
							t.Parallel()
							testSharedLib(t, newToolchain(t, cc, ld), fl)
						})
					}
				})
			}
		})
	}
}

func testSharedLib(t *testing.T, tc *toolchain, fl flavor) {
	tc.compile("lib.c", "lib.o", fl.cflags...)
	tc.compile("lib_hid.c", "lib_hid.o", "-fPIC")
	lib := tc.link("libtls.so", "-shared", "-fPIC", "lib.o", "lib_hid.o")

	img := tc.image(lib, true)
	seen := checkObjects(t, img, []*object{tc.object("lib.o")})
	wantForms(t, seen, fl.forms...)
	types := dynRelTypes(img)
	t.Logf("dynamic relocations by type: %v", types)
	want := []elf.R_X86_64{elf.R_X86_64_DTPMOD64, elf.R_X86_64_DTPOFF64}
	if fl.name == "tlsdesc" {
		want = []elf.R_X86_64{elf.R_X86_64_TLSDESC}
	}
	for _, typ := range want {
		if types[typ] == 0 {
			t.Errorf("libtls.so has no %v dynamic relocation", typ)
		}
	}
	if f := dtFlags(t, img); f&uint64(elf.DF_STATIC_TLS) != 0 {
		t.Errorf("libtls.so has DF_STATIC_TLS in DT_FLAGS (%#x) without an initial-exec access", f)
	}

	// Linked at start-up (the executable also reaches lib_arr by initial
	// exec), and dlopen'ed.
	tc.compile("main_lib.c", "main_lib.o", "-fPIE")
	prog := tc.link("prog", "-pie", "-pthread", "main_lib.o", lib, "-Wl,-rpath,"+tc.dir)
	tc.exe(prog, libOutput(false))
	tc.compile("main_lib.c", "main_dlopen.o", "-fPIE", "-DUSE_DLOPEN")
	dl := tc.link("prog_dlopen", "-pie", "-pthread", "main_dlopen.o", "-ldl")
	tc.exe(dl, libOutput(true), lib)
}

func TestSharedLibIE(t *testing.T) {
	for _, ld := range linkers(t) {
		t.Run(ld, func(t *testing.T) {
			for _, cc := range compilers {
				t.Run(cc.name, func(t *testing.T) {
					t.Parallel()
					tc := newToolchain(t, cc, ld)
					tc.compile("lib_ie.c", "lib_ie.o", "-fPIC")
					lib := tc.link("libie.so", "-shared", "-fPIC", "lib_ie.o")
					img := tc.image(lib, true)
					seen := checkObjects(t, img, []*object{tc.object("lib_ie.o")})
					wantForms(t, seen, formIEMov)
					if f := dtFlags(t, img); f&uint64(elf.DF_STATIC_TLS) == 0 {
						t.Errorf("libie.so: DT_FLAGS %#x lacks DF_STATIC_TLS (%#x), but the library has an initial-exec access", f, uint64(elf.DF_STATIC_TLS))
					}
					tc.compile("main_lib_ie.c", "main.o", "-fPIE")
					prog := tc.link("prog", "-pie", "main.o", lib, "-Wl,-rpath,"+tc.dir)
					tc.exe(prog, "lib_ie_var 55 lib_ie_static 66 67\n")
				})
			}
		})
	}
}

// ---------------------------------------------------------------------------
// rivet's own reports.

func TestPrintTLSTable(t *testing.T) {
	bin := filepath.Join(rivetDir(t), "bin", "rivet")
	out, err := exec.Command(bin, "--print-tls-table").Output()
	if err != nil {
		t.Fatalf("rivet --print-tls-table: %v", err)
	}
	// access kind -> output -> {local, preemptible}: a locally defined
	// variable's TP offset is a link-time constant in an executable (LE);
	// an imported one's is fixed at load time (IE); LD only ever names
	// the module itself; a shared library may be dlopen'ed, so nothing is
	// relaxed there.
	want := map[string][2]string{
		"tls-gd exec":      {"to-le", "to-ie"},
		"tls-gd pie":       {"to-le", "to-ie"},
		"tls-gd shared":    {"keep", "keep"},
		"tls-ld exec":      {"to-le", "to-le"},
		"tls-ld pie":       {"to-le", "to-le"},
		"tls-ld shared":    {"keep", "keep"},
		"tls-desc exec":    {"to-le", "to-ie"},
		"tls-desc pie":     {"to-le", "to-ie"},
		"tls-desc shared":  {"keep", "keep"},
		"gottp-off exec":   {"to-le", "keep"},
		"gottp-off pie":    {"to-le", "keep"},
		"gottp-off shared": {"keep", "keep"},
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) == 0 || !slices.Equal(strings.Fields(lines[0]), []string{"access", "output", "local", "preemptible"}) {
		t.Fatalf("header line %q, want the columns access output local preemptible; output:\n%s", lines[0], out)
	}
	got := map[string][2]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 4 {
			t.Errorf("row %q does not have 4 columns", l)
			continue
		}
		k := f[0] + " " + f[1]
		if _, dup := got[k]; dup {
			t.Errorf("row %q: second row for %s", l, k)
		}
		got[k] = [2]string{f[2], f[3]}
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("no row for %s", k)
		case g != w:
			t.Errorf("%s: local %s, preemptible %s; want %s, %s", k, g[0], g[1], w[0], w[1])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected row for %s", k)
		}
	}
}

var statsLine = regexp.MustCompile(`^\s+(\S+)\s+tls:(\S+)\s+(\d+)\s*$`)

// TestStats links the two hand-written assembly files (and nothing else:
// -nostdlib) and checks the TLS lines of -Wl,--stats exactly: per access
// kind and action, the number of relocations. stats_local.s has 2 GD, 1 LD
// (3 DTPOFF32), 2 IE and 1 TLSDESC access to its own variables,
// stats_ext.s 1 GD, 3 IE and 2 TLSDESC accesses to libext.so's. The
// __tls_get_addr calls of relaxed GD/LD sequences are part of the rewrite
// and not counted.
func TestStats(t *testing.T) {
	cases := []struct {
		name  string
		flags []string
		ext   bool
		want  map[string]int
	}{
		{"pie", []string{"-pie"}, true, map[string]int{
			"tls-gd to-le": 2, "tls-gd to-ie": 1,
			"tls-ld to-le": 1, "dtp-off to-le": 3,
			"gottp-off to-le": 2, "gottp-off keep": 3,
			"tls-desc to-le": 1, "tls-desc to-ie": 2,
			"tls-desc-call to-le": 1, "tls-desc-call to-ie": 2,
		}},
		{"nopie", []string{"-no-pie"}, true, map[string]int{
			"tls-gd to-le": 2, "tls-gd to-ie": 1,
			"tls-ld to-le": 1, "dtp-off to-le": 3,
			"gottp-off to-le": 2, "gottp-off keep": 3,
			"tls-desc to-le": 1, "tls-desc to-ie": 2,
			"tls-desc-call to-le": 1, "tls-desc-call to-ie": 2,
		}},
		{"static", []string{"-static"}, false, map[string]int{
			"tls-gd to-le": 2, "tls-ld to-le": 1, "dtp-off to-le": 3,
			"gottp-off to-le": 2, "tls-desc to-le": 1, "tls-desc-call to-le": 1,
		}},
		{"shared", []string{"-shared", "-fPIC"}, true, map[string]int{
			"tls-gd keep": 3, "tls-ld keep": 1, "dtp-off keep": 3,
			"gottp-off keep": 5, "tls-desc keep": 3, "tls-desc-call keep": 3,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tc := newToolchain(t, compilers[0], "rivet")
			objs := []string{tc.compile("stats_local.s", "stats_local.o")}
			args := append([]string{}, c.flags...)
			args = append(args, "-nostdlib", "-Wl,-e,stats_local", "-Wl,--stats", "stats_local.o")
			if c.ext {
				tc.compile("ext.c", "ext.o", "-fPIC")
				tc.link("libext.so", "-shared", "-fPIC", "-nostdlib", "ext.o")
				objs = append(objs, tc.compile("stats_ext.s", "stats_ext.o"))
				args = append(args, "stats_ext.o", filepath.Join(tc.dir, "libext.so"))
			}
			all := append(append([]string{}, args...), "-o", "out")
			all = append(all, tc.ldsel...)
			_, stderr := tc.run(tc.cc.cc, all...)
			got := map[string]int{}
			for _, l := range strings.Split(stderr, "\n") {
				if m := statsLine.FindStringSubmatch(l); m != nil {
					var n int
					fmt.Sscan(m[3], &n)
					k := m[1] + " " + m[2]
					if _, dup := got[k]; dup {
						t.Errorf("--stats reports %s twice", k)
					}
					got[k] = n
				}
			}
			for k, n := range c.want {
				if got[k] != n {
					t.Errorf("--stats: %s: %d, want %d", k, got[k], n)
				}
			}
			for k, n := range got {
				if _, ok := c.want[k]; !ok {
					t.Errorf("--stats: unexpected %s: %d", k, n)
				}
			}
			if t.Failed() {
				t.Logf("stderr:\n%s", stderr)
			}
			// The accesses themselves, as in the other tests.
			img := tc.image(filepath.Join(tc.dir, "out"), c.name == "shared")
			var inputs []*object
			for _, o := range objs {
				inputs = append(inputs, tc.object(o))
			}
			checkObjects(t, img, inputs)
			if c.name != "shared" {
				noTLSDynRelocs(t, img)
			}
		})
	}
}
