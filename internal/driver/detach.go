package driver

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rivet-linker/rivet/internal/link"
	"github.com/rivet-linker/rivet/internal/options"
	"github.com/rivet-linker/rivet/internal/output"
)

// A large link ends with work nobody needs to wait for: the kernel frees
// the process's memory (the heap and the input mappings: ~50 ms after a
// 700 MB link of the llvm workload) when it exits, and the caller's wait
// returns only after that. So the process the caller started runs the
// link in a child process and exits as soon as the child reports that the
// output is in place; the child then exits on its own. mold does the same
// with fork; Go cannot fork, so the child is a fresh exec of rivet.
//
// The report is one byte, the exit status, on a pipe whose descriptor the
// child finds in reportEnv. A child that dies without reporting (a crash,
// a signal) is waited for and its status passed on. --no-fork links in
// one process.

const reportEnv = "RIVET_INTERNAL_REPORT_FD"

// detachInputBytes is the input size from which a link runs detached. The
// extra process costs ~3 ms (measured on the sqlite workload, 17.4 ->
// 20.5 ms); the teardown it hides grows with the link, ~50 ms for the
// llvm workload's 357 MB of inputs, so it pays from a few tens of MB.
const detachInputBytes = 64 << 20

// report is the pipe to the waiting parent, in a detached child.
var report *os.File

// childSetup, in a detached child, takes the report pipe from the
// environment (and removes the variable, so nothing rivet runs inherits it).
func childSetup() {
	v, ok := os.LookupEnv(reportEnv)
	if !ok {
		return
	}
	os.Unsetenv(reportEnv)
	if fd, err := strconv.Atoi(v); err == nil && fd > 2 {
		report = os.NewFile(uintptr(fd), "report")
	}
}

// Done tells the waiting parent the exit status. The child's standard
// streams are then pointed at /dev/null, so that a caller reading them
// through a pipe (ninja, a test) sees them end now, not at the child's exit.
func Done(code int) {
	if report == nil {
		return
	}
	report.Write([]byte{byte(code)})
	report.Close()
	report = nil
	if null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
		for fd := 0; fd <= 2; fd++ {
			unix.Dup3(int(null.Fd()), fd, 0)
		}
		null.Close()
	}
}

// detach decides whether this process hands the link to a detached child.
func detach(cfg *options.Config, l *link.Linker) bool {
	switch {
	case report != nil: // the child itself
		return false
	case cfg.Fork == options.ForkAuto:
		return l.InputBytes() >= detachInputBytes
	}
	return cfg.Fork == options.ForkAlways
}

// runDetached runs argv in a child process and returns its exit status; ok
// is false when no child could be started (the caller links itself).
func runDetached(argv []string, stderr io.Writer) (code int, ok bool) {
	exe, err := os.Executable()
	if err != nil {
		return 0, false
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, false
	}
	defer r.Close()
	// /proc/self/exe is this very binary even if the file was replaced.
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		exe = "/proc/self/exe"
	}
	cmd := &exec.Cmd{Path: exe, Args: argv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		ExtraFiles: []*os.File{w}, Env: append(os.Environ(), reportEnv+"=3")}
	// Interrupting the parent interrupts the link (which then removes its
	// temporary file). Installed before the child exists, so that no
	// signal can end the parent alone.
	sigs := make(chan os.Signal, 1)
	notifyStop(sigs)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, false
	}
	w.Close()
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	var b [1]byte
	if n, _ := r.Read(b[:]); n == 1 {
		return int(b[0]), true
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, true
	case errors.As(err, &ee):
		if st, isWS := ee.Sys().(syscall.WaitStatus); isWS && st.Signaled() {
			for _, s := range append(stopSignals, syscall.SIGPIPE) {
				if s == st.Signal() {
					raise(st.Signal()) // interrupted: end the same way
				}
			}
			fmt.Fprintf(stderr, "rivet: error: the link was killed by signal %d (%v)\n", int(st.Signal()), st.Signal())
			return 1, true
		}
		return ee.ExitCode(), true
	}
	fmt.Fprintf(stderr, "rivet: error: %v\n", err)
	return 1, true
}

// stopSignals end a link early: the temporary output file is removed and
// the process ends by the same signal, as if unhandled.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// cleanupOnSignal makes a stop signal remove the temporary output first.
func cleanupOnSignal() {
	sigs := make(chan os.Signal, 1)
	notifyStop(sigs)
	go func() {
		s := <-sigs
		output.RemoveTemps()
		raise(s.(syscall.Signal))
	}()
}

// notifyStop delivers the stop signals to c, except those the process was
// started with ignored (nohup, a background job of a shell): handling them
// would turn them back on.
func notifyStop(c chan<- os.Signal) {
	for _, s := range stopSignals {
		if !signal.Ignored(s) {
			signal.Notify(c, s)
		}
	}
}

// raise ends the process by signal s (default action).
func raise(s syscall.Signal) {
	signal.Reset(s)
	syscall.Kill(os.Getpid(), s)
	time.Sleep(time.Second) // delivery is asynchronous
	os.Exit(128 + int(s))
}
