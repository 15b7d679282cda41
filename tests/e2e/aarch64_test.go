package e2e

import (
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

// TestE2EAArch64 runs the same scripts for AArch64: compiled with
// aarch64-linux-gnu-gcc/g++ or clang-19/clang++-19 --target=aarch64-linux-gnu,
// linked by rivet (-B<out>/libexec/rivet/ or --ld-path=<out>/libexec/rivet/ld)
// or by aarch64-linux-gnu-ld.bfd (-fuse-ld=bfd), and run under
// qemu-aarch64 -L /usr/aarch64-linux-gnu, as the subtests
// TestE2EAArch64/<compiler>/<mode>/<linker>/<script>, e.g.
//
//	E2E_LINKERS=bfd go test ./tests/e2e/ -run TestE2EAArch64    # reference only
//	go test ./tests/e2e/ -run 'TestE2EAArch64/gcc/pie$/rivet/hello$' -v
//
// Missing cross tools or qemu-aarch64 fail the test (make toolchain installs
// them). Combinations rivet cannot link yet are in aarch64KnownGaps
// (gaps.go).
func TestE2EAArch64(t *testing.T) {
	runE2E(t, &rivettest.AArch64, aarch64KnownGaps)
}
