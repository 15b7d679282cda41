// gocgo: a cgo program for the rivet corpus. C calls back into Go through
// exported functions (also from C-created threads), C uses thread-local
// storage and static constructors, a plain C part (pure.c) uses libm and
// function-pointer tables, the C side calls into a separately linked C
// shared library (libgcdso.so, with TLS), and os/user and net pull in libc
// through cgo (getpwuid_r, getaddrinfo). Built with -linkmode=external so
// the C linker (rivet or ld.bfd) links everything. With -buildmode=c-shared
// the exported RunAll is called from a C program instead of main.
package main

//go:debug netdns=cgo

/*
#cgo CFLAGS: -O2 -Wall
#cgo LDFLAGS: -lm -lpthread -lgcdso
#include <stdlib.h>
#include "cside.h"
*/
import "C"

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

//export goAdd
func goAdd(a, b C.int) C.int { return a + b }

var observed atomic.Int64

//export goObserve
func goObserve(id, v C.int) { observed.Add(int64(v)) }

//export goCompare
func goCompare(a, b C.int) C.int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

//export goStrlen
func goStrlen(s *C.char) C.int { return C.int(len(C.GoString(s))) }

func run(w io.Writer) (fails int) {
	check := func(name string, got, want any) {
		ok := fmt.Sprint(got) == fmt.Sprint(want)
		if !ok {
			fails++
		}
		fmt.Fprintf(w, "%-14s %v (ok=%v)\n", name, got, ok)
	}
	check("ctor", C.c_ctor_value(), 42)
	check("ctor-order", C.c_ctor_order(), 12)
	check("go-add", C.c_call_go_add(40, 2), 42)

	// TLS: the main-thread counter, then goroutines (locked to OS threads)
	// and C pthreads each with their own copy.
	before := C.c_tls_get()
	C.c_tls_bump()
	C.c_tls_bump()
	check("tls-main", C.c_tls_get()-before, 2)
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// a fresh OS thread: LockOSThread and never unlock, so the
			// thread exits with the goroutine.
			lockThread()
			b := C.c_tls_get()
			for j := 0; j < 100; j++ {
				C.c_tls_bump()
			}
			if C.c_tls_get()-b != 100 {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	check("tls-goroutine", bad.Load(), 0)
	check("tls-pthreads", C.c_threads(8, 50), 400)
	check("callbacks", observed.Load(), 8*(50*51/2))

	v := []C.int{5, 3, 9, 1, 7, 2, 8}
	C.c_sort_with_go(&v[0], C.int(len(v)))
	check("qsort-go-cmp", fmt.Sprint(v), "[1 2 3 5 7 8 9]")
	cs := C.CString("hello, rivet")
	check("strlen-go", C.c_strlen_via_go(cs), 12)
	check("crc32", strconv.FormatUint(uint64(C.c_crc32(unsafe.Pointer(cs), 12)), 16), "d95ca167")
	C.free(unsafe.Pointer(cs))

	d := []C.double{3, 4, 5, 12, 8, 15}
	check("hypot", float64(C.c_hypot_sum(&d[0], C.int(len(d)))), 35.0)
	var ops []string
	for i := 0; i < 5; i++ {
		ops = append(ops, fmt.Sprintf("%s=%d", C.GoString(C.c_op_name(C.int(i))), C.c_op_apply(C.int(i), 3, 4)))
	}
	check("fnptr-table", ops, []string{"add=7", "sub=-1", "mul=12", "pow=81", "none=0"})
	check("dso", C.c_dso_check(), 12003)

	u, err := user.Current()
	check("user-current", err == nil && u.Uid == strconv.Itoa(os.Getuid()), true)
	g, err := user.LookupGroupId("0")
	check("user-group0", err == nil && g.Name != "", true)
	addrs, err := net.LookupHost("localhost")
	sort.Strings(addrs)
	hasLoop := false
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil && ip.IsLoopback() {
			hasLoop = true
		}
	}
	check("net-lookup", err == nil && hasLoop, true)
	return fails
}

//export RunAll
func RunAll() C.int { return C.int(run(os.Stdout)) }

func main() {
	fails := run(os.Stdout)
	fmt.Printf("gocgo: %d failures\n", fails)
	if fails != 0 {
		os.Exit(1)
	}
}
