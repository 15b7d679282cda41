package rivettest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ToolchainHint says how to install the compilers, binutils and qemu the
// end-to-end tests use.
const ToolchainHint = "run `make toolchain` (scripts/install-toolchain.sh) to install gcc, clang-19, binutils, the aarch64 cross toolchain and qemu-user"

// Compiler is a C/C++ compiler driver for one target.
type Compiler struct {
	Name string   // "gcc" or "clang": subtest names and [compiler:NAME]
	CC   []string // C driver and the arguments it always gets (--target=...)
	CXX  []string // C++ driver likewise
}

// Target is a machine the end-to-end tests build programs for and run them
// on: the host (x86-64), or AArch64, cross-compiled and run under qemu-user.
type Target struct {
	Name      string // "x86_64" or "aarch64": [arch:NAME] in scripts
	Compilers []Compiler
	// GNU binutils for the target's files: the reference linker (which
	// -fuse-ld=bfd must make both drivers run), nm, objdump, readelf, ar.
	BFD, NM, Objdump, Readelf, AR string
	// Sysroot holds the target's dynamic loader and libraries, for qemu -L
	// ("" on the host).
	Sysroot string
	// Runner is the command line that runs one of the target's programs,
	// program and arguments appended: nil on the host.
	Runner []string
	// ForeignCC is a C compiler for some other machine (for inputs that a
	// linker must recognize as not its target's).
	ForeignCC string
}

// X86_64 is the host: programs run directly.
var X86_64 = Target{
	Name: "x86_64",
	Compilers: []Compiler{
		{"gcc", []string{"gcc"}, []string{"g++"}},
		{"clang", []string{"clang-19"}, []string{"clang++-19"}},
	},
	BFD: "ld.bfd", NM: "nm", Objdump: "objdump", Readelf: "readelf", AR: "ar",
	ForeignCC: "aarch64-linux-gnu-gcc",
}

const aarch64Sysroot = "/usr/aarch64-linux-gnu"

// AArch64 is 64-bit Arm Linux: Debian's cross gcc (aarch64-linux-gnu-gcc,
// sysroot /usr/aarch64-linux-gnu) and clang-19 --target=aarch64-linux-gnu
// (which uses the same sysroot, crt files and libstdc++); programs run under
// qemu-aarch64 -L /usr/aarch64-linux-gnu, so no binfmt_misc is needed.
var AArch64 = Target{
	Name: "aarch64",
	Compilers: []Compiler{
		{"gcc", []string{"aarch64-linux-gnu-gcc"}, []string{"aarch64-linux-gnu-g++"}},
		{"clang", []string{"clang-19", "--target=aarch64-linux-gnu"}, []string{"clang++-19", "--target=aarch64-linux-gnu"}},
	},
	BFD:       "aarch64-linux-gnu-ld.bfd",
	NM:        "aarch64-linux-gnu-nm",
	Objdump:   "aarch64-linux-gnu-objdump",
	Readelf:   "aarch64-linux-gnu-readelf",
	AR:        "aarch64-linux-gnu-ar",
	Sysroot:   aarch64Sysroot,
	Runner:    []string{"qemu-aarch64", "-L", aarch64Sysroot},
	ForeignCC: "gcc",
}

// Targets lists every target, the host first.
var Targets = []*Target{&X86_64, &AArch64}

// TargetNames returns the names of Targets.
func TargetNames() []string {
	var names []string
	for _, tg := range Targets {
		names = append(names, tg.Name)
	}
	return names
}

// Command returns the command line that runs prog with args on the target:
// prog itself on the host, prog under qemu otherwise.
func (tg *Target) Command(prog string, args ...string) (string, []string) {
	if len(tg.Runner) == 0 {
		return prog, args
	}
	return tg.Runner[0], slices.Concat(tg.Runner[1:], []string{prog}, args)
}

// CheckTools fails the test (it never skips) unless every compiler driver,
// binutils program and the runner of the target is installed, the sysroot
// has the target's dynamic loader, and clang's -fuse-ld=bfd runs tg.BFD.
func (tg *Target) CheckTools(t testing.TB) {
	t.Helper()
	var missing []string
	look := func(p string) bool {
		if _, err := exec.LookPath(p); err != nil {
			if !slices.Contains(missing, p) {
				missing = append(missing, p)
			}
			return false
		}
		return true
	}
	for _, c := range tg.Compilers {
		look(c.CC[0])
		look(c.CXX[0])
	}
	for _, p := range []string{tg.BFD, tg.NM, tg.Objdump, tg.Readelf, tg.AR, tg.ForeignCC} {
		look(p)
	}
	if len(tg.Runner) > 0 {
		look(tg.Runner[0])
	}
	if tg.Sysroot != "" {
		ldso, _ := filepath.Glob(filepath.Join(tg.Sysroot, "lib", "ld-linux-*.so.*"))
		if len(ldso) == 0 {
			missing = append(missing, "the dynamic loader in "+filepath.Join(tg.Sysroot, "lib"))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s: required tools not found: %s\n%s", tg.Name, strings.Join(missing, ", "), ToolchainHint)
	}
	for _, c := range tg.Compilers {
		if c.Name != "clang" {
			continue
		}
		// clang looks for <triple>-ld.bfd, then ld.bfd: a cross link must
		// not silently use the host's linker.
		args := slices.Concat(c.CC[1:], []string{"-fuse-ld=bfd", "-###", "-x", "c", os.DevNull})
		msg, err := exec.Command(c.CC[0], args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", c.CC[0], strings.Join(args, " "), err, msg)
		}
		if !strings.Contains(string(msg), "/"+tg.BFD+`"`) {
			t.Fatalf("%s %s -fuse-ld=bfd does not link with %s:\n%s", c.CC[0], strings.Join(c.CC[1:], " "), tg.BFD, msg)
		}
	}
}

// CheckRivet is CheckWith for the target's gcc driver: it fails the test
// unless out holds a rivet build that the driver links with.
func (tg *Target) CheckRivet(t testing.TB, out string) string {
	t.Helper()
	for _, c := range tg.Compilers {
		if c.Name == "gcc" {
			return CheckWith(t, out, c.CC[0])
		}
	}
	t.Fatalf("%s: no gcc driver", tg.Name)
	return ""
}

// LinkerFlags returns the driver flags that make compiler ("gcc" or
// "clang") link with linker: "bfd" (GNU ld, the reference) or "rivet" (the
// build whose libexec directory is given).
func LinkerFlags(compiler, linker, libexec string) []string {
	if linker == "bfd" {
		return []string{"-fuse-ld=bfd"}
	}
	if compiler == "gcc" {
		// gcc (collect2) looks for "ld" in the -B directories first.
		return []string{"-B" + libexec + string(filepath.Separator)}
	}
	return []string{"--ld-path=" + filepath.Join(libexec, "ld")}
}

// AllLinkers are the linkers the end-to-end tests know: rivet and GNU ld.
var AllLinkers = []string{"rivet", "bfd"}

// Linkers returns the linkers selected by E2E_LINKERS (comma-separated;
// default all of AllLinkers), failing the test on an unknown name.
func Linkers(t testing.TB) []string {
	t.Helper()
	v := os.Getenv("E2E_LINKERS")
	if strings.TrimSpace(v) == "" {
		return AllLinkers
	}
	var out []string
	for _, l := range strings.Split(v, ",") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if !slices.Contains(AllLinkers, l) {
			t.Fatalf("E2E_LINKERS: unknown linker %q (known: %s)", l, strings.Join(AllLinkers, ", "))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
