package link

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rivet-linker/rivet/internal/elfio"
	"github.com/rivet-linker/rivet/internal/options"
	"github.com/rivet-linker/rivet/internal/script"
)

// mapFile maps path read-only. The mapping lives until the process exits:
// names and section contents point into it.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("is a directory")
	}
	if st.Size() == 0 {
		return []byte{}, nil
	}
	return syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
}

type fileType uint8

const (
	ftUnknown fileType = iota
	ftObject
	ftShared
	ftArchive
	ftThinArchive
	ftScript
	ftBitcode
	ftGCCLTO
)

func classify(data []byte) fileType {
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		if len(data) >= 18 {
			switch elf.Type(elfio.U16(data[16:])) {
			case elf.ET_REL:
				return ftObject
			case elf.ET_DYN:
				return ftShared
			}
		}
		return ftUnknown
	case bytes.HasPrefix(data, []byte("!<arch>\n")):
		return ftArchive
	case bytes.HasPrefix(data, []byte("!<thin>\n")):
		return ftThinArchive
	case bytes.HasPrefix(data, []byte("BC\xc0\xde")), bytes.HasPrefix(data, []byte("\xde\xc0\x17\x0b")):
		return ftBitcode
	}
	if script.LooksLikeScript(data) {
		return ftScript
	}
	return ftUnknown
}

// machineOK reports whether an ELF file is for the output's machine; files of
// another machine found on the library path are skipped as GNU ld does.
func (l *Linker) machineOK(data []byte) bool {
	if len(data) < 20 || data[elf.EI_CLASS] != byte(elf.ELFCLASS64) {
		return false
	}
	return elf.Machine(elfio.U16(data[18:])) == l.arch.Machine()
}

// loadState is the positional state an input was named with.
type loadState struct {
	asNeeded     bool
	wholeArchive bool
	static       bool
}

// loadInputs opens every command-line input in order and feeds it to the
// resolver.
func (l *Linker) loadInputs() {
	end := l.span("prefetch")
	l.prefetch()
	end()
	defer func() {
		l.stopPrefetch()
		end := l.span("init locals")
		l.initLocals()
		end()
	}()
	l.addCommandLineUndefs()
	for _, in := range l.cfg.Inputs {
		st := loadState{asNeeded: in.AsNeeded, wholeArchive: in.WholeArchive, static: in.Static}
		switch in.Kind {
		case options.InputGroupStart, options.InputGroupEnd:
			// Archive members stay available as lazy symbols for the whole
			// link (lld's rule), so groups need no rescans.
		case options.InputFile:
			l.loadPath(in.Name, st, true)
		case options.InputLib, options.InputLibVerbatim:
			path, ok := l.findLibrary(in.Name, in.Kind == options.InputLibVerbatim, st.static)
			if !ok {
				prefix := "-l"
				if in.Kind == options.InputLibVerbatim {
					prefix = "-l:"
				}
				l.errorf("unable to find library %s%s", prefix, in.Name)
				continue
			}
			l.loadPath(path, st, false)
		}
	}
}

// findLibrary searches the library path for -lname (or -l:name).
func (l *Linker) findLibrary(name string, verbatim, static bool) (string, bool) {
	cands := libCandidates(name, verbatim, static)
	for _, dir := range l.libDirs {
		for _, c := range cands {
			p := filepath.Join(dir, c)
			if l.usableLibrary(p) {
				return p, true
			}
		}
	}
	return "", false
}

// libCandidates are the file names -lname (-l:name) looks for in each
// directory, in order.
func libCandidates(name string, verbatim, static bool) []string {
	switch {
	case verbatim:
		return []string{name}
	case static:
		return []string{"lib" + name + ".a"}
	}
	return []string{"lib" + name + ".so", "lib" + name + ".a"}
}

// usableLibrary reports whether p exists and is not an ELF file of another machine.
func (l *Linker) usableLibrary(p string) bool {
	st, err := os.Stat(p)
	if err != nil || st.IsDir() {
		return false
	}
	data, err := l.mapCached(p)
	if err != nil {
		return false
	}
	if bytes.HasPrefix(data, []byte("\x7fELF")) {
		return l.machineOK(data)
	}
	if bytes.HasPrefix(data, []byte("!<arch>\n")) {
		return l.archiveMachineOK(data)
	}
	return true
}

// archiveMachineOK peeks at the first ELF member of an archive, walking
// member headers only (the archive is parsed for real when it is loaded).
func (l *Linker) archiveMachineOK(data []byte) bool {
	pos := 8
	for pos+arHdrSize <= len(data) {
		h := data[pos : pos+arHdrSize]
		size, err := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
		if err != nil || size < 0 || size > len(data)-pos-arHdrSize {
			return true // let the real load report it
		}
		body := data[pos+arHdrSize : pos+arHdrSize+size]
		if bytes.HasPrefix(body, []byte("\x7fELF")) {
			return l.machineOK(body)
		}
		pos += arHdrSize + size + size&1
	}
	return true
}

func (l *Linker) mapCached(p string) ([]byte, error) {
	if d, ok := l.mapped[p]; ok {
		return d, nil
	}
	d, err := mapFile(p)
	if err != nil {
		return nil, err
	}
	l.mapped[p] = d
	return d, nil
}

// loadPath opens one input file and dispatches on its contents.
func (l *Linker) loadPath(path string, st loadState, explicit bool) {
	data, err := l.mapCached(path)
	if err != nil {
		l.errorf("cannot open %s: %v", path, unwrapPathErr(err))
		return
	}
	if l.cfg.Trace {
		fmt.Fprintln(l.stdout, path)
	}
	switch classify(data) {
	case ftObject:
		if !l.machineOK(data) {
			l.errorf("%s: incompatible with %s (wrong machine or class)", path, l.arch.Emulation())
			return
		}
		l.addObject(path, data, nil)
	case ftShared:
		if !l.machineOK(data) {
			l.errorf("%s: incompatible with %s (wrong machine or class)", path, l.arch.Emulation())
			return
		}
		if l.cfg.Static && !l.staticPIE() && l.cfg.OutputKind != options.Shared {
			l.errorf("%s: attempted static link of dynamic object", path)
			return
		}
		l.addShared(path, data, st.asNeeded)
	case ftArchive, ftThinArchive:
		ar := l.prefetchedArchives[path]
		delete(l.prefetchedArchives, path)
		if ar == nil {
			var err error
			ar, err = parseArchive(path, data, classify(data) == ftThinArchive)
			if err != nil {
				l.errorf("%s: %v", path, err)
				return
			}
		}
		l.addArchive(ar, st.wholeArchive)
	case ftScript:
		l.loadScript(path, data, st)
	case ftBitcode:
		l.errorf("%s: LLVM bitcode input (LTO) is not supported yet; link without -flto", path)
	default:
		if len(data) < 4 {
			l.errorf("%s: file too short to be an object, archive, shared library or linker script", path)
		} else {
			l.errorf("%s: unknown file type (not ELF, archive or linker script)", path)
		}
	}
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// loadScript reads a GNU ld input script (glibc's libc.so, libm.a).
func (l *Linker) loadScript(path string, data []byte, st loadState) {
	sc, err := script.ParseInputScript(path, data)
	if err != nil {
		l.errorf("%v", err)
		return
	}
	for _, d := range sc.SearchDirs {
		l.libDirs = append(l.libDirs, l.sysrootPath(d))
	}
	for _, it := range sc.Items {
		if it.GroupStart || it.GroupEnd || it.Path == "" {
			continue
		}
		s := st
		s.asNeeded = st.asNeeded || it.AsNeeded
		if strings.HasPrefix(it.Path, "-l") {
			name := it.Path[2:]
			verbatim := strings.HasPrefix(name, ":")
			if verbatim {
				name = name[1:]
			}
			p, ok := l.findLibrary(name, verbatim, s.static)
			if !ok {
				l.errorf("%s: unable to find library %s", path, it.Path)
				continue
			}
			l.loadPath(p, s, false)
			continue
		}
		p := l.sysrootPath(it.Path)
		if !filepath.IsAbs(p) {
			// Relative names are looked up next to the script, then on the
			// library path.
			if cand := filepath.Join(filepath.Dir(path), p); fileExists(cand) {
				p = cand
			} else if lp, ok := l.findLibrary(p, true, false); ok {
				p = lp
			}
		}
		l.loadPath(p, s, false)
	}
}

func (l *Linker) sysrootPath(p string) string {
	if strings.HasPrefix(p, "=") {
		return filepath.Join(l.cfg.Sysroot, p[1:])
	}
	if strings.HasPrefix(p, "$SYSROOT") {
		return filepath.Join(l.cfg.Sysroot, p[len("$SYSROOT"):])
	}
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// prefetch maps the command line's objects and archives and starts
// background workers that parse every object and (regular) archive member
// in command-line order, ahead of resolution, which decides in order which
// are loaded. Resolution takes a parse when it is done, waits for one in
// progress, or parses the object itself if no worker has reached it yet;
// members never loaded cost only otherwise idle CPU. Nothing here reports
// an error: an input that does not prefetch cleanly is loaded the normal
// way, which reports it. stopPrefetch ends the workers.
func (l *Linker) prefetch() {
	pf := &prefetcher{byData: map[*byte]int{}}
	l.pf = pf
	nsyms := 0 // archive symbols: most become global symbols
	l.prefetchedArchives = map[string]*archive{}
	add := func(name string, data []byte) {
		if len(data) > 0 && l.machineOK(data) {
			pf.byData[&data[0]] = len(pf.jobs)
			pf.jobs = append(pf.jobs, prefetchJob{name: name, data: data})
		}
	}
	// Map the inputs in order, parse the archives' member tables in
	// parallel, then list the objects in command-line order.
	type input struct {
		path string
		data []byte
		ar   *archive
	}
	var ins []input
	seen := map[string]bool{}
	for _, in := range l.cfg.Inputs {
		var path string
		switch in.Kind {
		case options.InputFile:
			path = in.Name
		case options.InputLib, options.InputLibVerbatim:
			p, ok := l.findLibrary(in.Name, in.Kind == options.InputLibVerbatim, in.Static)
			if !ok {
				continue
			}
			path = p
		default:
			continue
		}
		data, err := l.mapCached(path)
		if err != nil || seen[path] {
			continue
		}
		switch classify(data) {
		case ftObject, ftArchive:
			seen[path] = true
			ins = append(ins, input{path: path, data: data})
		}
	}
	l.parallelFor("parse archives", len(ins), func(_, i int) {
		if classify(ins[i].data) == ftArchive {
			if ar, err := parseArchive(ins[i].path, ins[i].data, false); err == nil {
				ins[i].ar = ar
			}
		}
	})
	for _, in := range ins {
		if in.ar == nil {
			if classify(in.data) == ftObject {
				add(in.path, in.data)
			}
			continue
		}
		l.prefetchedArchives[in.path] = in.ar
		nsyms += len(in.ar.syms)
		for _, m := range in.ar.members {
			if classify(m.data) == ftObject {
				add(in.ar.path+"("+m.name+")", m.data)
			}
		}
	}
	if len(l.symMap) == 0 && nsyms > 0 {
		l.symMap = make(map[string]SymID, nsyms)
	}
	// The resolving goroutine parses too, so one worker fewer than threads.
	for w := 0; w < l.threads()-1 && w < len(pf.jobs); w++ {
		pf.wg.Add(1)
		go func(w int) {
			defer pf.wg.Done()
			start := time.Now()
			defer l.workerSpan("prefetch objects", w, start)
			for !pf.stop.Load() {
				i := int(pf.next.Add(1)) - 1
				if i >= len(pf.jobs) {
					return
				}
				pf.parse(i, l.cfg.StripDebug)
			}
		}(w)
	}
}

type prefetcher struct {
	jobs   []prefetchJob
	byData map[*byte]int // first byte of an object -> its job
	next   atomic.Int64  // next job for a worker
	stop   atomic.Bool
	wg     sync.WaitGroup
}

type prefetchJob struct {
	name  string
	data  []byte
	once  sync.Once
	p     *objParse
	taken bool // resolution has used it (the resolving goroutine only)
}

// parse parses job i unless that is already done or under way, in which
// case it waits for the result.
func (pf *prefetcher) parse(i int, stripDebug bool) *objParse {
	j := &pf.jobs[i]
	j.once.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				j.p = nil // the resolving goroutine parses again and reports it
			}
		}()
		j.p = parseObject(j.name, j.data, stripDebug)
	})
	return j.p
}

// stopPrefetch stops the workers and waits for them.
func (l *Linker) stopPrefetch() {
	if l.pf != nil {
		l.pf.stop.Store(true)
		l.pf.wg.Wait()
		l.pf = nil
	}
}

// takePrefetched returns (once) the prefetched parse of the object whose
// bytes are data.
func (l *Linker) takePrefetched(data []byte) *objParse {
	if l.pf == nil || len(data) == 0 {
		return nil
	}
	i, ok := l.pf.byData[&data[0]]
	if !ok || l.pf.jobs[i].taken || len(l.pf.jobs[i].data) != len(data) {
		return nil
	}
	l.pf.jobs[i].taken = true
	p := l.pf.parse(i, l.cfg.StripDebug)
	if p == nil || p.f == nil {
		return nil
	}
	return p
}

// InputBytes estimates the size of the link's inputs from the command line
// alone: the named files and, for each -l, the first lib*.so or lib*.a on
// the search path (stat only; libraries named inside linker scripts are
// not followed). The driver uses it to decide whether a detached teardown
// pays for its extra process.
func (l *Linker) InputBytes() int64 {
	var total int64
	size := func(p string) bool {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return false
		}
		total += st.Size()
		return true
	}
	for _, in := range l.cfg.Inputs {
		switch in.Kind {
		case options.InputFile:
			size(in.Name)
		case options.InputLib, options.InputLibVerbatim:
			names := libCandidates(in.Name, in.Kind == options.InputLibVerbatim, in.Static)
		search:
			for _, dir := range l.libDirs {
				for _, n := range names {
					if size(filepath.Join(dir, n)) {
						break search
					}
				}
			}
		}
	}
	return total
}
