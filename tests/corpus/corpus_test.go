// Package corpus runs the smallest project of `make corpus` (zlib from
// Debian's source package, its own tests, shared and static, with rivet and
// with ld.bfd) as part of make test. The full corpus is too slow for every
// CI run: `make corpus`.
package corpus

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

type row struct{ build, passed, failed string }

// readTable parses the driver's markdown table: project, linker, cc,
// build, passed, failed, skipped, note.
func readTable(t *testing.T, path string) map[string]row {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("corpus table: %v", err)
	}
	defer f.Close()
	rows := map[string]row{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) < 8 {
			continue
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		rows[cols[1]+"/"+cols[2]] = row{cols[4], cols[5], cols[6]}
	}
	return rows
}

func TestZlibOwnTestSuite(t *testing.T) {
	root := repoRoot(t)
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
	rows := readTable(t, filepath.Join(dir, "results-gcc.md"))
	rv, bfd := rows["zlib/rivet"], rows["zlib/bfd"]
	t.Logf("rivet: %+v, bfd: %+v", rv, bfd)
	if rv.build != "ok" || rv.failed != "0" || rv.passed == "" || rv.passed == "0" {
		t.Errorf("zlib with rivet: build=%s passed=%s failed=%s (logs in %s/logs)\n%s", rv.build, rv.passed, rv.failed, dir, out)
	}
	if rv.passed != bfd.passed || rv.failed != bfd.failed {
		t.Errorf("zlib with rivet passed %s/failed %s, with ld.bfd %s/%s", rv.passed, rv.failed, bfd.passed, bfd.failed)
	}
}
