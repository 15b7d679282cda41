package driver

import (
	"bytes"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// Build systems read the linker's --version and --help: configure scripts
// and libtool look for "GNU" in --version, and libtool enables shared
// libraries only if --help matches ': supported targets:.* elf' (found by
// the corpus: xz-utils built no liblzma.so with rivet before this line).
func TestHelpAndVersionForBuildSystems(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := Main([]string{"ld", "--help"}, &out, &errb); rc != 0 {
		t.Fatalf("--help exit %d: %s", rc, errb.String())
	}
	if !regexp.MustCompile(`: supported targets:.* elf`).MatchString(out.String()) {
		t.Errorf("--help lacks libtool's ': supported targets:.* elf' line")
	}
	out.Reset()
	if rc := Main([]string{"ld", "--version"}, &out, &errb); rc != 0 {
		t.Fatalf("--version exit %d", rc)
	}
	first := strings.SplitN(out.String(), "\n", 2)[0]
	if !strings.Contains(first, "compatible with GNU linkers") || !strings.HasPrefix(first, "rivet ") {
		t.Errorf("--version first line %q", first)
	}
}

func TestUnknownOptionExits1(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := Main([]string{"ld", "--frobnicate"}, &out, &errb); rc != 1 {
		t.Fatalf("exit %d, want 1", rc)
	}
	if !strings.Contains(errb.String(), "--frobnicate") {
		t.Errorf("stderr %q does not name the option", errb.String())
	}
}

func TestMemoryLimitIsHalfOfWhatTheProcessMayUse(t *testing.T) {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	ram := int64(si.Totalram) * int64(si.Unit)
	lim := memoryLimit()
	if lim < 256<<20 || lim > max(ram/2, 256<<20) {
		t.Errorf("memoryLimit() = %d, want between 256 MiB and half the RAM (%d)", lim, ram/2)
	}
	if cg := cgroupMemoryLimit(); cg > 0 && lim > max(cg/2, 256<<20) {
		t.Errorf("memoryLimit() = %d exceeds half the cgroup limit %d", lim, cg)
	}
}
