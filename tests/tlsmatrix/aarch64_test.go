package tlsmatrix

import (
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

// aarch64KnownGaps maps patterns (path.Match) of AArch64 combination names,
// compiler/model/dialect/pic/mode, to why rivet cannot link them yet, e.g.
//
//	"gcc/*/trad/*/*":             "R_AARCH64_TLSGD_* not implemented",
//	"*/initial-exec/*/*/static":  "IE to LE relaxation not implemented",
//
// ld.bfd's program is still checked for those; rivet is not run and the
// subtest is skipped with "known gap: <reason>". An entry goes together with
// a tracking issue and is removed in the change that makes it pass.
var aarch64KnownGaps = map[string]string{}

var aarch64Matrix = matrix{
	target: &rivettest.AArch64,
	dialects: map[string][]dialectSpec{
		"gcc": mtlsDialects("desc", "trad"),
		// clang has TLS descriptors only, and no -mtls-dialect for AArch64.
		"clang": {{"desc", nil}},
	},
	gaps: aarch64KnownGaps,
	// On x86-64 ld.bfd refuses these (e.g. R_X86_64_TPOFF32 "can not be
	// used when making a shared object"), so both linkers failing is the
	// expected result there; aarch64-linux-gnu-ld.bfd links them without a
	// diagnostic into programs that read the wrong TLS variables.
	notApplicable: map[string]string{
		"*/*/*/fPIE/shlib-*": "a shared library from -fPIE objects, whose TLS accesses to their own " +
			"variables are local-exec (valid in the executable only)",
		"*/local-exec/*/fPIC/shlib-*": "local-exec TLS accesses in a shared library (valid in the executable only; " +
			"ld.bfd links the library, and then the dlopen program reads the wrong variables and the startup program fails to link)",
	},
}

// TestTLSMatrixAArch64 is the TLS matrix for AArch64, run under qemu-aarch64.
func TestTLSMatrixAArch64(t *testing.T) {
	runMatrix(t, &aarch64Matrix)
}
