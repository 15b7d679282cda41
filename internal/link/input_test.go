package link

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rivet-linker/rivet/internal/arch/x86_64"
	"github.com/rivet-linker/rivet/internal/options"
)

// InputBytes (the detach decision) counts named files and, for each -l,
// the file the library search would pick first: lib*.so before lib*.a,
// only .a under -Bstatic, the exact name for -l:.
func TestInputBytes(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, size int) {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("main.o", 1)
	put("libfoo.so", 10)
	put("libfoo.a", 100)
	put("libbar.a", 1000)
	put("exact.lib", 10000)
	cfg := &options.Config{LibraryPath: []string{dir}, Inputs: []options.Input{
		{Kind: options.InputFile, Name: filepath.Join(dir, "main.o")},
		{Kind: options.InputLib, Name: "foo"},
		{Kind: options.InputLib, Name: "foo", Static: true},
		{Kind: options.InputLib, Name: "bar"},
		{Kind: options.InputLibVerbatim, Name: "exact.lib"},
		{Kind: options.InputLib, Name: "missing_rivet_test_lib"},
	}}
	l := New(cfg, x86_64.New(), io.Discard, io.Discard)
	if got, want := l.InputBytes(), int64(1+10+100+1000+10000); got != want {
		t.Errorf("InputBytes = %d, want %d", got, want)
	}
}
