package output

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A destination that exists and is not a regular file (here a FIFO) gets
// the image written into it and stays what it was; it is not renamed over.
func TestSpecialDestinationIsWrittenThrough(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		r, err := os.Open(path) // blocks until the writer opens it
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(r)
		r.Close()
		got <- b
	}()
	want := bytes.Repeat([]byte("\x7fELF rivet "), 1000)
	f, err := Create(path, uint64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	copy(f.Buf, want)
	if err := f.Commit(0o755); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Errorf("read %d bytes through the FIFO, want %d", len(b), len(want))
	}
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("destination is no longer a FIFO: %v %v", st.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*rivet-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A regular destination is replaced by rename, so a failed link leaves the
// previous file intact.
func TestRegularDestinationAbortKeepsPrevious(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	os.WriteFile(path, []byte("previous"), 0o644)
	f, err := Create(path, 16)
	if err != nil {
		t.Fatal(err)
	}
	copy(f.Buf, "new image")
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Errorf("previous output changed to %q", b)
	}
}

func TestDirectoryDestination(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(dir, 16); err == nil {
		t.Fatal("Create on a directory succeeded")
	}
}

// RemoveTemps (what a stop signal runs) deletes the temporary files of
// links in progress, and only those: the previous output and a committed
// output stay.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	prev := filepath.Join(dir, "a.out")
	if err := os.WriteFile(prev, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	done, err := Create(filepath.Join(dir, "done.out"), 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := done.Commit(0o755); err != nil {
		t.Fatal(err)
	}
	f, err := Create(prev, 4096)
	if err != nil {
		t.Fatal(err)
	}
	copy(f.Buf, "new")
	RemoveTemps()
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "a.out" || names[1] != "done.out" {
		t.Errorf("after RemoveTemps the directory holds %v, want [a.out done.out]", names)
	}
	if b, _ := os.ReadFile(prev); string(b) != "previous" {
		t.Errorf("previous output is %q", b)
	}
	f.Abort()
}
