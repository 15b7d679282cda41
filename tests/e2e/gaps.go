package e2e

// knownGaps lists end-to-end combinations that are known not to work yet.
//
// Keys have the form "linker/mode/script", where
//   - linker is "rivet" or "bfd",
//   - mode is "pie", "nopie", "static" or "staticpie", or "*" for every mode,
//   - script is a testdata script name without ".txtar", or "*" for every
//     script.
//
// For example:
//
//	"rivet/static/cxx_thread": "TLS relaxation for static executables not implemented (#123)",
//	"rivet/*/ifunc":          "IRELATIVE relocations not implemented",
//	"rivet/staticpie/*":      "-static-pie not supported yet",
//
// A matching combination is not run: the subtest calls t.Skip with
// "known gap: <reason>", so it shows up as SKIP (with its reason) in
// `go test -v` and `go test -json` output rather than silently vanishing.
// The value must be a non-empty reason, ideally pointing to an issue.
//
// Policy: an entry is added only together with a tracking issue, and removed
// in the same change that makes the combination pass. Entries for the
// reference linker (bfd) should never be needed; a combination that cannot
// work in principle belongs in the script itself (`[mode:static] skip '...'`),
// not here. TestKnownGapsWellFormed rejects keys that name an unknown linker,
// mode or script, so stale entries are caught when a script is renamed.
var knownGaps = map[string]string{}

// aarch64KnownGaps is knownGaps for TestE2EAArch64 (aarch64_test.go), with
// the same keys, wildcards and policy.
var aarch64KnownGaps = map[string]string{}
