// Package corpus runs the smallest project of `make corpus` (zlib from
// Debian's source package, its own tests, shared and static, with rivet and
// with ld.bfd) as part of make test. The full corpus is too slow for every
// CI run: `make corpus`.
package corpus

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

type row struct{ build, passed, failed string }

// readRow parses one row file the driver leaves in $CORPUS_DIR/rows:
// "PROJECT LINKER CC SECONDS COMMIT RESULT build=.. passed=.. failed=.. ...".
func readRow(t *testing.T, path string) row {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("corpus row: %v", err)
	}
	var r row
	for _, f := range strings.Fields(string(data)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "build":
			r.build = v
		case "passed":
			r.passed = v
		case "failed":
			r.failed = v
		}
	}
	return r
}

func TestZlibOwnTestSuite(t *testing.T) {
	root := rivettest.RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "out", "bin", "rivet")); err != nil {
		t.Fatalf("rivet is not built: run make build (%v)", err)
	}
	dir := t.TempDir()
	if cache := os.Getenv("RIVET_CORPUS_CACHE"); cache != "" {
		dir = cache
	}
	cmd := exec.Command("bash", filepath.Join(root, "corpus", "run.sh"), "zlib")
	cmd.Env = append(os.Environ(), "CORPUS_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("corpus/run.sh zlib: %v\n%s", err, out)
	}
	rv := readRow(t, filepath.Join(dir, "rows", "zlib.rivet.gcc"))
	bfd := readRow(t, filepath.Join(dir, "rows", "zlib.bfd.gcc"))
	t.Logf("rivet: %+v, bfd: %+v", rv, bfd)
	if rv.build != "ok" || rv.failed != "0" || rv.passed == "" || rv.passed == "0" {
		t.Errorf("zlib with rivet: build=%s passed=%s failed=%s (logs in %s/logs)\n%s", rv.build, rv.passed, rv.failed, dir, out)
	}
	if rv.passed != bfd.passed || rv.failed != bfd.failed {
		t.Errorf("zlib with rivet passed %s/failed %s, with ld.bfd %s/%s", rv.passed, rv.failed, bfd.passed, bfd.failed)
	}
}
