package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

// Configure scripts link test programs with -o /dev/null. rivet writes its
// output to a temporary file and renames it into place; doing that to
// /dev/null replaced the null device with a regular file for the whole
// machine (found by the corpus: zstd's and others' tests then failed). A
// destination that is not a regular file must be written through and left
// as it is.
func TestLinkToDevNullKeepsTheDevice(t *testing.T) {
	out := rivettest.OutDir(t)
	rivettest.Check(t, out)
	src := filepath.Join(t.TempDir(), "main.c")
	os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644)
	for _, args := range [][]string{
		{"-B" + filepath.Join(out, "libexec", "rivet") + "/", src, "-o", "/dev/null"},
		{"-B" + filepath.Join(out, "libexec", "rivet") + "/", "-shared", "-fPIC", src, "-o", "/dev/null"},
	} {
		cmd := exec.Command("gcc", args...)
		msg, err := cmd.CombinedOutput()
		if !isDevNull(t) {
			t.Fatalf("gcc %v: /dev/null is no longer the null device (restored)", args)
		}
		if err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, msg)
		}
	}
}

// isDevNull reports whether /dev/null is still character device 1:3; when
// it is not it puts the device back (as root) so that later tests run.
func isDevNull(t *testing.T) bool {
	var st syscall.Stat_t
	if err := syscall.Stat("/dev/null", &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFCHR && st.Rdev == 1<<8|3 {
		return true
	}
	os.Remove("/dev/null")
	if err := syscall.Mknod("/dev/null", syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Logf("cannot restore /dev/null: %v", err)
	}
	os.Chmod("/dev/null", 0o666)
	return false
}
