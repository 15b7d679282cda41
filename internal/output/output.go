// Package output writes the output file safely: the image is built in a
// temporary file next to the destination (mapped read-write) and renamed
// over the destination only when the link succeeded, so a failed link never
// leaves a partial file and never destroys the previous output.
//
// An existing destination that is not a regular file (/dev/null, a FIFO, a
// character device) is never replaced: the image is built in memory and
// written into it, as GNU ld, lld and mold do. Configure scripts link with
// -o /dev/null; renaming over it would replace the null device with a
// regular file for the whole machine.
package output

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// File is an output image being written.
type File struct {
	Buf     []byte
	path    string
	tmp     *os.File // nil when writing through to a special file
	mapped  bool     // Buf maps tmp
	anonMap bool     // Buf is an anonymous mapping (special destinations)
}

// Create makes a temporary file of size bytes in path's directory and maps it.
func Create(path string, size uint64) (*File, error) {
	if st, err := os.Stat(path); err == nil {
		switch {
		case st.IsDir():
			return nil, fmt.Errorf("cannot create output file %s: is a directory", path)
		case !st.Mode().IsRegular():
			return createSpecial(path, size)
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".rivet-*")
	if err != nil {
		return nil, fmt.Errorf("cannot create output file %s: %v", path, unwrap(err))
	}
	f := &File{path: path, tmp: tmp}
	temps.Store(tmp.Name(), true)
	if err := tmp.Truncate(int64(size)); err != nil {
		f.Abort()
		return nil, fmt.Errorf("cannot size output file %s: %v", path, unwrap(err))
	}
	if size > 0 {
		// Allocating the blocks up front makes the write faults on the
		// mapping cheaper (measured: the final rename of a 129 MB output
		// went from ~60 to ~37 ms). Where unsupported, the sparse file
		// works as well.
		if err := syscall.Fallocate(int(tmp.Fd()), 0, 0, int64(size)); err == syscall.ENOSPC || err == syscall.EDQUOT {
			f.Abort()
			return nil, fmt.Errorf("cannot create output file %s (%d bytes): %v", path, size, err)
		}
		buf, err := syscall.Mmap(int(tmp.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		if err != nil {
			f.Abort()
			return nil, fmt.Errorf("cannot map output file %s (%d bytes): %v", path, size, err)
		}
		f.mapped = true
		f.Buf = buf
	}
	return f, nil
}

// createSpecial prepares an in-memory image for a destination that is not a
// regular file; Commit writes it through.
func createSpecial(path string, size uint64) (*File, error) {
	f := &File{path: path}
	if size > 0 {
		buf, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return nil, fmt.Errorf("cannot allocate output image for %s (%d bytes): %v", path, size, err)
		}
		f.Buf, f.anonMap = buf, true
	}
	return f, nil
}

// Commit flushes the image, sets the mode and renames it into place.
func (f *File) Commit(mode os.FileMode) error {
	if f.tmp == nil {
		return f.commitSpecial()
	}
	if f.mapped {
		if err := syscall.Munmap(f.Buf); err != nil {
			f.Abort()
			return fmt.Errorf("cannot write output file %s: %v", f.path, err)
		}
	} else if len(f.Buf) > 0 {
		if _, err := f.tmp.WriteAt(f.Buf, 0); err != nil {
			f.Abort()
			return fmt.Errorf("cannot write output file %s: %v", f.path, unwrap(err))
		}
	}
	f.Buf = nil
	if err := f.tmp.Chmod(mode &^ umask()); err != nil {
		f.Abort()
		return fmt.Errorf("cannot set mode of %s: %v", f.path, unwrap(err))
	}
	if err := f.tmp.Close(); err != nil {
		f.forget()
		return fmt.Errorf("cannot write output file %s: %v", f.path, unwrap(err))
	}
	holdPrevious(f.path)
	if err := os.Rename(f.tmp.Name(), f.path); err != nil {
		f.forget()
		return fmt.Errorf("cannot rename output into place %s: %v", f.path, unwrap(err))
	}
	temps.Delete(f.tmp.Name())
	return nil
}

// commitSpecial writes the image into the existing special file (opened
// without O_CREATE or O_TRUNC; its mode is left alone).
func (f *File) commitSpecial() error {
	defer f.Abort()
	out, err := os.OpenFile(f.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("cannot open output file %s: %v", f.path, unwrap(err))
	}
	if _, err := out.Write(f.Buf); err != nil {
		out.Close()
		return fmt.Errorf("cannot write output file %s: %v", f.path, unwrap(err))
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("cannot write output file %s: %v", f.path, unwrap(err))
	}
	return nil
}

// Abort removes the temporary file; the destination is untouched.
func (f *File) Abort() {
	if f.tmp == nil {
		if f.anonMap && f.Buf != nil {
			syscall.Munmap(f.Buf)
		}
		f.Buf = nil
		return
	}
	if f.mapped && f.Buf != nil {
		syscall.Munmap(f.Buf)
	}
	f.Buf = nil
	f.tmp.Close()
	f.forget()
}

// forget removes the temporary file.
func (f *File) forget() {
	os.Remove(f.tmp.Name())
	temps.Delete(f.tmp.Name())
}

// previous holds the file a committed output replaced, open until the
// process exits. Renaming over a file nothing else holds frees its page
// cache and blocks inside the rename (11 ms for a 129 MB output); held, that
// happens when the process exits, which a detached link does after the
// caller has stopped waiting.
var previous []int

func holdPrevious(path string) {
	if fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0); err == nil {
		previous = append(previous, fd)
	}
}

// temps holds the temporary files being written, for RemoveTemps.
var temps sync.Map

// RemoveTemps removes every temporary output file; the driver calls it when
// a signal ends the link.
func RemoveTemps() {
	temps.Range(func(name, _ any) bool {
		os.Remove(name.(string))
		return true
	})
}

func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
