// Package reallibs links a C program that does real work with Debian's static
// archives of sqlite3, zlib, zstd, Lua 5.4 and OpenSSL's libcrypto (see
// testdata/reallibs.c) with rivet and with GNU ld.bfd, runs the results, and
// compares their output and exit status with each other and with a golden
// copy embedded below (so a broken reference linker cannot hide a rivet bug).
//
// The program is compiled once with gcc, then linked in two modes:
//
//	pie     gcc -pie    reallibs.o <archives by full path> -lm -ldl -lpthread
//	static  gcc -static reallibs.o <archives by full path> -lm -ldl -lpthread
//
// each with rivet (gcc -B<out>/libexec/rivet/) and with -fuse-ld=bfd. A static
// link with libcrypto.a and libsqlite3.a makes ld.bfd warn about dlopen,
// getaddrinfo and gethostbyname in static glibc; those warnings are expected
// and harmless here (the program never calls them).
//
//	make build      # out/bin/rivet and out/libexec/rivet/ld
//	make toolchain  # gcc, binutils and the -dev packages with the archives
//	go test -count=1 -v ./tests/reallibs/
//
// TestRealLibsAArch64 (and the AArch64 determinism test) do the same with
// Debian's arm64 archives (the -dev packages unpacked by make toolchain into
// ~/.cache/rivet/arm64-libs, or $ARM64_LIBS), aarch64-linux-gnu-gcc,
// aarch64-linux-gnu-ld.bfd and qemu-aarch64, against the same golden output.
//
// The wall time of every link (gcc driver included) is logged with t.Logf;
// it is informational only. RIVET_BIN_DIR overrides the build output directory
// (default <repo>/out). The test fails, never skips, when rivet, a tool or a
// library is missing.
package reallibs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

// golden is the expected stdout of testdata/reallibs.c. Every value was
// cross-checked independently of the C libraries under test: Python's sqlite3,
// zlib and hashlib modules for the SQL results, checksums and digests, the
// openssl command for the AES ciphertext, and plain arithmetic for the Lua
// results. None of them depends on the library versions (no version strings,
// no compressed sizes).
const golden = `sqlite: version non-empty: yes
sqlite: totals: 1000|50044|980|124875.00
sqlite: group: apple|200|10083|0|100|124.375|9453
sqlite: group: banana|200|10029|0|100|125.375|9542
sqlite: group: cherry|200|9975|0|100|125.125|9582
sqlite: group: date|200|9955|0|100|124.875|9637
sqlite: group: elder|200|10002|0|100|124.625|9653
sqlite: having: apple|100
sqlite: having: banana|100
sqlite: having: elder|99
sqlite: top: 767|item-0767|99
sqlite: top: 999|item-0999|98
sqlite: top: 382|item-0382|95
sqlite: weight1: 1,96,98,193,195,290,292,387,389,484,486,581,583,678,680,775,777,872,874,969,971
sqlite: cte: 2870|DONE
sqlite: cherry revenue: 1245306.25
zlib: input size 102400 crc32 26cf6de4 adler32 bd681869
zlib: compress2 level 9: ok, smaller than input
zlib: uncompress: 102400 bytes, crc32 26cf6de4, round trip ok
zlib: gzip header 1f8b trailer crc32 26cf6de4 isize 102400
zlib: gzip round trip ok
zstd: level 1: smaller than input, frame content size 102400, decompressed 102400 bytes, crc32 26cf6de4, round trip ok
zstd: level 3: smaller than input, frame content size 102400, decompressed 102400 bytes, crc32 26cf6de4, round trip ok
zstd: level 19: smaller than input, frame content size 102400, decompressed 102400 bytes, crc32 26cf6de4, round trip ok
zstd: stream: decompressed 102400 bytes, crc32 26cf6de4, round trip ok
lua: fib(25) = 75025
lua: format:  3.14|ab  |00042|ff|"q\"s"
lua: sorted desc head: 1005,1001,997,993,989,985,976,972
lua: words: EHT EHT GOD KCIUQ NWORB REVO SPMUJ XOF YZAL
lua: gsub: hell0 w0rld fr0m lua (3)
lua: coroutine: 1,3,6,10
lua: pcall: false code 7
lua: csum: 100 of 4
lua: math: 1.414214 0.841471 3 float
lua: int overflow wraps: true
lua: script returned 13530
lua: error caught: yes
crypto: sha256(abc) = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
crypto: sha512(input)[0:16] = 1ab4f7956ab280dbaa017cdbf2cb57df
crypto: hmac-sha256 = f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8
crypto: aes-128-cbc ciphertext (64 bytes):
crypto:   6848c82c20b78306461168a071b12a47304fe28ae0ff127e6e403c4ee9be8a9279ad87614f8450a89b354f4dd1c23d557314d4c30964a4ffa2df2222119a9cfb
crypto: aes-128-cbc round trip ok
done: 0 failure(s)
`

// library is one static archive the program links against.
type library struct {
	archive string // file name, located with gcc -print-file-name
	pkg     string // Debian package providing it
}

// libraries are passed by full path in this order (dependents first):
// libcrypto.a needs pthread and dlopen, liblua5.4.a needs libm and dlopen,
// and the program uses zlib's crc32 for the zstd checks.
var libraries = []library{
	{"libsqlite3.a", "libsqlite3-dev"},
	{"liblua5.4.a", "liblua5.4-dev"},
	{"libcrypto.a", "libssl-dev"},
	{"libzstd.a", "libzstd-dev"},
	{"libz.a", "zlib1g-dev"},
}

// systemLibs follow the archives in both modes.
var systemLibs = []string{"-lm", "-ldl", "-lpthread"}

// luaInclude holds Debian's Lua 5.4 headers.
const luaInclude = "/usr/include/lua5.4"

// cflags compile testdata/reallibs.c once for both modes: a PIE object also
// links into a non-PIE -static executable.
var cflags = []string{"-O2", "-fPIE", "-Wall", "-Wextra", "-I" + luaInclude}

// modes are the link modes. libcrypto.a links fully statically (only with
// the warnings mentioned in the package comment), so both modes use every
// library.
var modes = []struct {
	name  string
	flags []string
}{
	{"pie", []string{"-pie"}},
	{"static", []string{"-static"}},
}

const (
	toolchainHint = "run `make toolchain` (scripts/install-toolchain.sh) to install gcc, binutils and the library -dev packages"
	runTimeout    = 2 * time.Minute
)

// platform is a target the test builds for: the host, or AArch64 with
// Debian's cross gcc, Debian's arm64 archives and qemu-user.
type platform struct {
	name   string
	cc     string   // compiler driver
	bfd    string   // GNU ld for the target (-fuse-ld=bfd finds it)
	runner []string // runs a target program (nil: directly)
	// root holds the unpacked arm64 -dev packages (scripts/install-
	// toolchain.sh; not installed, see there); "" on the host, where the
	// archives are found with gcc -print-file-name.
	root string
}

// arm64Libs is where scripts/install-toolchain.sh unpacks the arm64 -dev
// packages ($ARM64_LIBS there).
var arm64Libs = func() string {
	if d := os.Getenv("ARM64_LIBS"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "rivet", "arm64-libs")
}()

var (
	host    = platform{name: "x86_64", cc: "gcc", bfd: "ld.bfd"}
	aarch64 = platform{name: "aarch64", cc: "aarch64-linux-gnu-gcc", bfd: "aarch64-linux-gnu-ld.bfd",
		runner: []string{"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"}, root: arm64Libs}
)

// findArchives locates every library with gcc -print-file-name, which prints
// the bare name back when the file is not in gcc's library search path.
func findArchives(t *testing.T, pf platform) []string {
	var paths, missing []string
	for _, lib := range libraries {
		if pf.root != "" {
			p := filepath.Join(pf.root, "usr/lib/aarch64-linux-gnu", lib.archive)
			if _, err := os.Stat(p); err != nil {
				missing = append(missing, fmt.Sprintf("%s (Debian package %s:arm64, unpacked into %s)", p, lib.pkg, pf.root))
				continue
			}
			paths = append(paths, p)
			continue
		}
		out, err := exec.Command(pf.cc, "-print-file-name="+lib.archive).Output()
		p := strings.TrimSpace(string(out))
		if err == nil && filepath.IsAbs(p) {
			// Shorten gcc's .../gcc/x86_64-linux-gnu/12/../../../... form.
			if dir, derr := filepath.EvalSymlinks(filepath.Dir(p)); derr == nil {
				p = filepath.Join(dir, filepath.Base(p))
			}
			if _, err = os.Stat(p); err == nil {
				paths = append(paths, p)
				continue
			}
		}
		missing = append(missing, fmt.Sprintf("%s (Debian package %s)", lib.archive, lib.pkg))
	}
	if _, err := os.Stat(filepath.Join(luaInclude, "lua.h")); err != nil {
		missing = append(missing, filepath.Join(luaInclude, "lua.h")+" (Debian package liblua5.4-dev)")
	}
	if len(missing) > 0 {
		t.Fatalf("static libraries or headers not found:\n\t%s\n%s", strings.Join(missing, "\n\t"), toolchainHint)
	}
	return paths
}

func checkTools(t *testing.T, pf platform) {
	var missing []string
	for _, p := range append([]string{pf.cc, pf.bfd}, pf.runner...) {
		if _, err := exec.LookPath(p); err != nil && !strings.HasPrefix(p, "-") && !strings.HasPrefix(p, "/") {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("required tools not found in PATH: %s\n%s", strings.Join(missing, ", "), toolchainHint)
	}
}

// command runs name args in dir with LC_ALL=C and returns its stdout, its
// stderr, how long it took and the error from exec (an *exec.ExitError for a
// non-zero exit status).
func command(dir, name string, args ...string) (stdout, stderr string, took time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err = cmd.Run()
	took = time.Since(start)
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", runTimeout, err)
	}
	return so.String(), se.String(), took, err
}

func shellLine(name string, args []string) string {
	return name + " " + strings.Join(args, " ")
}

// result is what one linked executable did.
type result struct {
	linked bool
	stdout string
	stderr string
	status int // exit status, -1 when killed by a signal or not run
	runErr error
}

func (r result) String() string {
	s := fmt.Sprintf("exit status %d", r.status)
	if r.runErr != nil && r.status < 0 {
		s = r.runErr.Error()
	}
	if r.stderr != "" {
		s += "\nstderr:\n" + r.stderr
	}
	return s
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode() // -1 when killed by a signal
	}
	return -1
}

// diff returns a line-by-line description of how got differs from want.
func diff(want, got string) string {
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(wl), len(gl))
	shown := 0
	for i := 0; i < n && shown < 20; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n\twant %q\n\tgot  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

// prepare checks the tools, finds the archives and compiles
// testdata/reallibs.c into a fresh directory.
func prepare(t *testing.T, p platform) (rivetFlag, work, obj string, archives []string) {
	checkTools(t, p)
	rivetFlag = "-B" + rivettest.CheckWith(t, rivettest.OutDir(t), p.cc) + "/"
	archives = findArchives(t, p)
	src, err := filepath.Abs(filepath.Join("testdata", "reallibs.c"))
	if err != nil {
		t.Fatal(err)
	}
	work = t.TempDir()
	obj = filepath.Join(work, "reallibs.o")
	var compile []string
	if p.root != "" {
		// The unpacked packages' headers, arch-specific ones
		// (lua5.4-deb-multiarch.h, openssl's configuration.h) first,
		// so that they match the archives' version.
		compile = append(compile, "-I"+filepath.Join(p.root, "usr/include/aarch64-linux-gnu"),
			"-I"+filepath.Join(p.root, "usr/include/lua5.4"), "-I"+filepath.Join(p.root, "usr/include"))
	}
	compile = append(append(compile, cflags...), "-c", src, "-o", obj)
	if _, stderr, _, err := command(work, p.cc, compile...); err != nil {
		t.Fatalf("compile failed: %v\n$ %s\n%s\n(missing headers? %s)", err, shellLine(p.cc, compile), stderr, toolchainHint)
	}
	return rivetFlag, work, obj, archives
}

func TestRealLibs(t *testing.T) { runRealLibs(t, host) }

// TestRealLibsAArch64 does the same for AArch64: Debian's arm64 archives,
// cross-compiled and linked by rivet and aarch64-linux-gnu-ld.bfd, run
// under qemu-aarch64.
func TestRealLibsAArch64(t *testing.T) { runRealLibs(t, aarch64) }

func runRealLibs(t *testing.T, p platform) {
	rivetFlag, work, obj, archives := prepare(t, p)

	linkers := []struct {
		name string
		flag string
	}{
		{"bfd", "-fuse-ld=bfd"},
		{"rivet", rivetFlag},
	}

	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			results := map[string]result{}
			for _, l := range linkers {
				exe := filepath.Join(work, "reallibs."+m.name+"."+l.name)
				args := append([]string{l.flag}, m.flags...)
				args = append(args, obj)
				args = append(args, archives...)
				args = append(args, systemLibs...)
				args = append(args, "-o", exe)
				_, stderr, took, err := command(work, p.cc, args...)
				t.Logf("%s/%s link: %v (wall time, gcc driver included)", m.name, l.name, took.Round(time.Millisecond))
				if err != nil {
					t.Errorf("%s link failed (%s mode): %v\n$ %s\nstderr:\n%s", l.name, m.name, err, shellLine(p.cc, args), stderr)
					results[l.name] = result{status: -1}
					continue
				}
				if stderr != "" {
					t.Logf("%s link stderr (%s mode):\n%s", l.name, m.name, stderr)
				}
				run := append(append([]string{}, p.runner...), exe)
				so, se, _, rerr := command(work, run[0], run[1:]...)
				results[l.name] = result{linked: true, stdout: so, stderr: se, status: exitStatus(rerr), runErr: rerr}
			}

			// Every linker's output must match the golden output.
			for _, l := range linkers {
				r := results[l.name]
				if !r.linked {
					continue
				}
				if r.status != 0 || r.stdout != golden {
					t.Errorf("%s-linked %s executable: %s (want exit status 0 and the golden stdout)\nstdout vs golden:\n%s\nfull stdout:\n%s",
						l.name, m.name, r, diff(golden, r.stdout), r.stdout)
				}
			}
			// And rivet's must match the reference linker's, exit status
			// included (this also reports a reference that drifted from the
			// golden copy together with rivet's behaviour).
			ref, riv := results["bfd"], results["rivet"]
			if ref.linked && riv.linked && (ref.status != riv.status || ref.stdout != riv.stdout) {
				t.Errorf("rivet and bfd %s executables differ: bfd %s; rivet %s\n%s",
					m.name, ref, riv, diff(ref.stdout, riv.stdout))
			}
		})
	}
}
