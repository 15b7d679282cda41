// Command rivet is an ELF linker. Run as rivet, ld or ld.rivet, it links
// with GNU ld's command line.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/rivet-linker/rivet/internal/driver"
)

func main() {
	defer func() {
		if r := recover(); r != nil {
			// A panic is a bug in rivet; say so in one line and fail
			// cleanly (the output file is only ever renamed into place on
			// success).
			fmt.Fprintf(os.Stderr, "rivet: internal error: %v\n", r)
			if os.Getenv("RIVET_DEBUG") != "" {
				os.Stderr.Write(debug.Stack())
			}
			os.Exit(1)
		}
	}()
	code := driver.Main(os.Args, os.Stdout, os.Stderr)
	driver.Done(code) // a detached link: the waiting parent exits now
	os.Exit(code)
}
