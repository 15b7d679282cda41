package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

// --time prints the passes as an indented table with a total; --time-trace
// writes Chrome trace JSON (Perfetto opens it) with the same passes on the
// main thread and each worker's share of the parallel steps on its own
// thread. Nothing here depends on how long anything took.
func TestTimeAndTimeTrace(t *testing.T) {
	out := rivettest.OutDir(t)
	rivettest.Check(t, out)
	dir := t.TempDir()
	src := filepath.Join(dir, "main.c")
	os.WriteFile(src, []byte("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n"), 0o644)
	exe := filepath.Join(dir, "prog")
	cmd := exec.Command("gcc", "-B"+filepath.Join(out, "libexec", "rivet")+"/", src, "-o", exe,
		"-Wl,--time", "-Wl,--time-trace", "-Wl,--threads=2")
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("link: %v\n%s", err, msg)
	}
	for _, want := range []string{"load inputs", "scan relocations", "  input sections", "write output", "total"} {
		if !strings.Contains(string(msg), want) {
			t.Errorf("--time output lacks %q:\n%s", want, msg)
		}
	}
	data, err := os.ReadFile(exe + ".time.json")
	if err != nil {
		t.Fatalf("--time-trace wrote no OUTPUT.time.json: %v", err)
	}
	var trace struct {
		TraceEvents []struct {
			Name string  `json:"name"`
			Ph   string  `json:"ph"`
			Ts   float64 `json:"ts"`
			Dur  float64 `json:"dur"`
			Tid  int     `json:"tid"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &trace); err != nil {
		t.Fatalf("trace is not JSON: %v", err)
	}
	main, workers := map[string]bool{}, map[string]bool{}
	for _, e := range trace.TraceEvents {
		if e.Ph != "X" || e.Dur < 0 || e.Ts < 0 {
			t.Errorf("bad event %+v", e)
		}
		if e.Tid == 0 {
			main[e.Name] = true
		} else {
			workers[e.Name] = true
		}
	}
	for _, want := range []string{"load inputs", "scan relocations", "write output"} {
		if !main[want] {
			t.Errorf("trace has no main-thread %q event (has %v)", want, main)
		}
	}
	if !workers["scan relocations"] || !workers["write sections"] {
		t.Errorf("trace lacks worker events for the parallel steps (has %v)", workers)
	}
	// Without --time, nothing is printed.
	msg, err = exec.Command("gcc", "-B"+filepath.Join(out, "libexec", "rivet")+"/", src, "-o", exe).CombinedOutput()
	if err != nil || len(msg) != 0 {
		t.Errorf("plain link printed %q (err %v)", msg, err)
	}
}
