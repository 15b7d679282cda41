// Package rivettest locates the rivet build that the end-to-end test
// packages (tests/...) link with, and checks that compiler drivers really
// pick it up.
package rivettest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const buildHint = "run `make build` first (or set RIVET_BIN_DIR to the build output directory)"

// RepoRoot returns the repository root, computed from this file's location
// (or, failing that, from the working directory, which go test sets to the
// package directory tests/NAME).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if ok && filepath.IsAbs(file) {
		return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// OutDir returns the absolute build output directory: $RIVET_BIN_DIR, or
// out/ in the repository.
func OutDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("RIVET_BIN_DIR")
	if dir == "" {
		return filepath.Join(RepoRoot(t), "out")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// Bin returns out/bin/rivet, failing the test unless it is an executable.
func Bin(t testing.TB, out string) string {
	t.Helper()
	bin := filepath.Join(out, "bin", "rivet")
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatalf("rivet binary not found: %v\n%s", err, buildHint)
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("%s is not an executable file\n%s", bin, buildHint)
	}
	return bin
}

// Check fails the test unless out/bin/rivet and out/libexec/rivet/ld exist,
// are the same executable, and gcc -B<libexec>/ picks that ld; it returns
// the libexec directory. Without the ld link gcc would silently fall back
// to the system linker and every "rivet" run would really test ld.bfd.
func Check(t testing.TB, out string) string {
	t.Helper()
	return CheckWith(t, out, "gcc")
}

// CheckWith is Check with another gcc driver, such as a cross compiler's
// (which would otherwise fall back to its own <triple>-ld).
func CheckWith(t testing.TB, out, gcc string) string {
	t.Helper()
	bin := Bin(t, out)
	libexec := filepath.Join(out, "libexec", "rivet")
	ld := filepath.Join(libexec, "ld")
	bi, _ := os.Stat(bin)
	li, err := os.Stat(ld)
	if err != nil {
		t.Fatalf("rivet linker link not found: %v\n%s", err, buildHint)
	}
	if !os.SameFile(bi, li) {
		t.Fatalf("%s does not refer to %s\n%s", ld, bin, buildHint)
	}
	bflag := "-B" + libexec + string(filepath.Separator)
	got, err := exec.Command(gcc, bflag, "-print-prog-name=ld").Output()
	if err != nil {
		t.Fatalf("%s %s -print-prog-name=ld: %v", gcc, bflag, err)
	}
	if p := strings.TrimSpace(string(got)); p != ld {
		t.Fatalf("%s %s would link with %q, not %q\n%s", gcc, bflag, p, ld, buildHint)
	}
	return libexec
}
