package thunks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tiny code model's initial-exec access is one literal load of the
// GOT slot (TLSIE_LD_GOTTPREL_PREL19): it cannot become local exec, so
// in an executable it keeps a GOT slot holding the TP offset (as GNU ld
// does; lld rejects the relocation). Every output mode must link and run.
func TestTinyModelInitialExec(t *testing.T) {
	e := setup(t)
	c := e.tgt.Compilers[0]
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.c"), []byte(`#include <stdio.h>
extern __thread int tv;
__attribute__((noinline)) int *addr(void) { return &tv; }
int main(void) { printf("%d\n", *addr()); return 0; }
`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.c"), []byte("__thread int tv = 42;\n"), 0o644)
	mustRun(t, dir, append(append([]string{}, c.CC...), "-mcmodel=tiny", "-fPIE", "-ftls-model=initial-exec", "-O1", "-c", "a.c", "b.c")...)
	objdump := mustRun(t, dir, e.tgt.Objdump, "-r", "a.o")
	if !strings.Contains(objdump, "R_AARCH64_TLSIE_LD_GOTTPREL_PREL19") {
		t.Fatalf("a.o has no TLSIE_LD_GOTTPREL_PREL19 relocation:\n%s", objdump)
	}
	sel := e.linkerFlag(t, c, e.rivetLD)
	for _, m := range modes {
		mustRun(t, dir, append(append([]string{}, c.CC...), m.ldflag, "a.o", "b.o", sel, "-o", "p-"+m.name)...)
		if got := mustRun(t, dir, append(append([]string{}, e.tgt.Runner...), "./p-"+m.name)...); got != "42\n" {
			t.Errorf("%s: printed %q, want 42", m.name, got)
		}
	}
}
