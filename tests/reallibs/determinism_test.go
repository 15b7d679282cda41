package reallibs

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"testing"
)

// TestDeterministicAtAnyThreadCount links the reallibs program (sqlite3,
// zlib, zstd, Lua and libcrypto from Debian's static archives) in both
// modes with --threads=1, the default (every CPU) and --threads=3 (more
// workers than this machine's CPUs), and requires byte-identical outputs:
// rivet parses, scans and writes in parallel, and none of that may leak
// into the output. Each output carries a SHA-1 build-id, which is checked
// too: 20 bytes, not zero, and different for different contents.
func TestDeterministicAtAnyThreadCount(t *testing.T) { determinism(t, host) }

// TestDeterministicAtAnyThreadCountAArch64: the same for AArch64, where
// thunk and erratum scans also run in parallel.
func TestDeterministicAtAnyThreadCountAArch64(t *testing.T) { determinism(t, aarch64) }

func determinism(t *testing.T, p platform) {
	rivetFlag, work, obj, archives := prepare(t, p)
	link := func(name string, extra ...string) []byte {
		t.Helper()
		exe := filepath.Join(work, name)
		args := append([]string{rivetFlag, "-Wl,--build-id=sha1"}, extra...)
		args = append(args, obj)
		args = append(args, archives...)
		args = append(args, systemLibs...)
		args = append(args, "-o", exe)
		if _, stderr, _, err := command(work, p.cc, args...); err != nil {
			t.Fatalf("link failed: %v\n$ %s\n%s", err, shellLine(p.cc, args), stderr)
		}
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			one := link(m.name+".t1", append([]string{"-Wl,--threads=1"}, m.flags...)...)
			def := link(m.name+".tdefault", m.flags...)
			three := link(m.name+".t3", append([]string{"-Wl,--threads=3"}, m.flags...)...)
			if !bytes.Equal(one, def) {
				t.Errorf("--threads=1 and default outputs differ (%d vs %d bytes, first difference at 0x%x)", len(one), len(def), firstDiff(one, def))
			}
			if !bytes.Equal(one, three) {
				t.Errorf("--threads=1 and --threads=3 outputs differ (%d vs %d bytes, first difference at 0x%x)", len(one), len(three), firstDiff(one, three))
			}
			id := buildID(t, one)
			if len(id) != 20 || bytes.Equal(id, make([]byte, 20)) {
				t.Errorf("build-id %x: want 20 non-zero bytes", id)
			}
			other := link(m.name+".probe", append([]string{"-Wl,--defsym=rivet_determinism_probe=0x1234"}, m.flags...)...)
			if bytes.Equal(buildID(t, other), id) {
				t.Errorf("outputs with different contents have the same build-id %x", id)
			}
			// The other hashed styles: their length, and the same id at
			// one thread and at the default.
			for _, st := range []struct {
				style string
				size  int
			}{{"md5", 16}, {"fast", 8}, {"tree", 20}} {
				a := link(m.name+"."+st.style+".t1", append([]string{"-Wl,--build-id=" + st.style, "-Wl,--threads=1"}, m.flags...)...)
				b := link(m.name+"."+st.style, append([]string{"-Wl,--build-id=" + st.style}, m.flags...)...)
				ida, idb := buildID(t, a), buildID(t, b)
				if len(ida) != st.size || bytes.Equal(ida, make([]byte, st.size)) || !bytes.Equal(ida, idb) {
					t.Errorf("--build-id=%s: ids %x (--threads=1) and %x (default), want %d equal non-zero bytes", st.style, ida, idb, st.size)
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// buildID returns the descriptor of the NT_GNU_BUILD_ID note.
func buildID(t *testing.T, image []byte) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section(".note.gnu.build-id")
	if s == nil {
		t.Fatal("no .note.gnu.build-id section")
	}
	d, err := s.Data()
	if err != nil || len(d) < 16 {
		t.Fatalf(".note.gnu.build-id: %v (%d bytes)", err, len(d))
	}
	namesz := int(f.ByteOrder.Uint32(d[0:]))
	descsz := int(f.ByteOrder.Uint32(d[4:]))
	off := 12 + (namesz+3)&^3
	if off+descsz > len(d) {
		t.Fatalf(".note.gnu.build-id: descriptor out of range")
	}
	return d[off : off+descsz]
}
