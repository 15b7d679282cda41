package badinput

// Bad TLS code: access sequences the linker must rewrite (or cannot use in
// the output at hand) but that are not what the psABI's code transitions
// expect. GNU ld fails on every one of them ("TLS transition from
// R_X86_64_... to R_X86_64_TPOFF32 against `x' at 0x... in section `.text'
// failed", or "relocation R_X86_64_TPOFF32 ... can not be used when making
// a shared object"); rivet must fail the same way as for the other bad
// input (see the package comment): exit status 1, one "rivet: error: "
// line naming the file, the section and offset of the relocation and the
// variable, no output file.
//
// (A TLS relocation against a non-TLS symbol is in badinput_test.go.)
//
// The inputs are hand-written assembly, assembled with gcc -c, each
// defining its TLS variable tls_x locally so that the access is relaxed in
// an executable.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rivet-linker/rivet/tests/internal/rivettest"
)

// tlsVar defines tls_x in .tdata, local to the object.
const tlsVar = `
	.section	.tdata,"awT",@progbits
	.align	4
	.type	tls_x, @object
	.size	tls_x, 4
tls_x:
	.long	1
	.section	.note.GNU-stack,"",@progbits
`

// assemble writes src to dir/base.s, assembles it with gcc to dir/base.o
// and returns "base.o".
func assemble(t *testing.T, dir, base, src string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, base+".s"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "gcc", "-c", "-o", base+".o", base+".s")
	return base + ".o"
}

// mainFunc wraps body as the global function main.
func mainFunc(body string) string {
	return "\t.text\n\t.globl\tmain\n\t.type\tmain, @function\nmain:\n" + body + "\t.size\tmain, .-main\n" + tlsVar
}

var tlsCases = []badCase{
	// General dynamic not followed by the call to __tls_get_addr: the
	// GD -> LE rewrite covers 16 bytes and would overwrite whatever is
	// there.
	{"tlsgd-without-call", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "gdnocall", mainFunc(`	pushq	%rbx
	.byte	0x66
	leaq	tls_x@tlsgd(%rip), %rdi
	nop
	movl	$1, %eax
	addq	$8, %rax
	popq	%rbx
	ret
`))
		// push (1) + data16 lea (4): the field is at 5.
		return invocation{args: []string{"-e", "main", o}, first: []string{"gdnocall.o", "(.text+0x5)", "tls_x"}}
	}},
	// The same as written without the data16 prefix, at the very start of
	// the section (the 16-byte sequence would begin before it).
	{"tlsgd-without-call-at-section-start", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "gdstart", mainFunc(`	leaq	tls_x@tlsgd(%rip), %rdi
	nop
	movl	$1, %eax
	addq	$8, %rax
	ret
`))
		return invocation{args: []string{"-e", "main", o}, first: []string{"gdstart.o", "(.text+0x3)", "tls_x"}}
	}},
	// Local dynamic not followed by the call.
	{"tlsld-without-call", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "ldnocall", mainFunc(`	pushq	%rbx
	leaq	tls_x@tlsld(%rip), %rdi
	nop
	movl	tls_x@dtpoff(%rax), %eax
	popq	%rbx
	ret
`))
		return invocation{args: []string{"-e", "main", o}, first: []string{"ldnocall.o", "(.text+0x4)", "tls_x"}}
	}},
	// Local exec in a shared library: the TP offset of the library's
	// block is not known at link time (and -shared cannot express it with
	// a 32-bit field).
	{"tpoff32-in-shared-library", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "tpoff", "\t.text\n\t.globl\tf\n\t.type\tf, @function\nf:\n"+`	pushq	%rbx
	movl	%fs:tls_x@tpoff, %eax
	popq	%rbx
	ret
	.size	f, .-f
`+tlsVar)
		// push (1) + 64 8b 04 25: the field is at 5.
		return invocation{args: []string{"-shared", o}, first: []string{"tpoff.o", "(.text+0x5)", "tls_x"}}
	}},
	// Initial exec on an instruction other than mov or add: IE -> LE has
	// no immediate form to rewrite it to.
	{"gottpoff-on-sub", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "iesub", mainFunc(`	movq	%fs:0, %rax
	subq	tls_x@gottpoff(%rip), %rax
	ret
`))
		// mov %fs:0 (9) + 48 2b 05: the field is at 0xc.
		return invocation{args: []string{"-e", "main", o}, first: []string{"iesub.o", "(.text+0xc)", "tls_x"}}
	}},
	{"gottpoff-on-sub-pie", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "iesubpie", mainFunc(`	movq	%fs:0, %rax
	subq	tls_x@gottpoff(%rip), %rax
	ret
`))
		return invocation{args: []string{"-pie", "-e", "main", o}, first: []string{"iesubpie.o", "(.text+0xc)", "tls_x"}}
	}},
	// Initial exec with a 32-bit destination (the x32 form, no REX.W).
	{"gottpoff-32-bit-mov", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "ie32", mainFunc(`	pushq	%rbx
	movl	tls_x@gottpoff(%rip), %eax
	popq	%rbx
	ret
`))
		// push (1) + 8b 05: the field is at 3.
		return invocation{args: []string{"-e", "main", o}, first: []string{"ie32.o", "(.text+0x3)", "tls_x"}}
	}},
	// A TLS descriptor loaded with mov instead of lea.
	{"tlsdesc-on-mov", func(t *testing.T, dir string) invocation {
		o := assemble(t, dir, "descmov", mainFunc(`	pushq	%rbx
	movq	tls_x@tlsdesc(%rip), %rax
	call	*tls_x@tlscall(%rax)
	popq	%rbx
	ret
`))
		return invocation{args: []string{"-e", "main", o}, first: []string{"descmov.o", "(.text+0x4)", "tls_x"}}
	}},
}

func TestBadTLSInput(t *testing.T) {
	bin := rivettest.Bin(t, rivettest.OutDir(t))
	needTool(t, "gcc")
	// Sanity: the well-formed sequences link, so that the failures below
	// come from the damage.
	t.Run("baseline", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		o := assemble(t, dir, "good", mainFunc(`	pushq	%rbx
	.byte	0x66
	leaq	tls_x@tlsgd(%rip), %rdi
	.value	0x6666
	rex64 call	__tls_get_addr@PLT
	leaq	tls_x@tlsld(%rip), %rdi
	call	__tls_get_addr@PLT
	movl	tls_x@dtpoff(%rax), %eax
	movq	tls_x@gottpoff(%rip), %rax
	movq	%fs:0, %rax
	addq	tls_x@gottpoff(%rip), %rax
	leaq	tls_x@tlsdesc(%rip), %rax
	call	*tls_x@tlscall(%rax)
	popq	%rbx
	ret
`))
		for _, mode := range [][]string{nil, {"-pie"}} {
			args := append(append([]string{"-o", filepath.Join(dir, "good.exe")}, mode...), "-e", "main", o)
			run(t, dir, bin, args...)
		}
		o = assemble(t, dir, "goodso", "\t.text\n\t.globl\tf\n\t.type\tf, @function\nf:\n"+`	movq	tls_x@gottpoff(%rip), %rax
	movl	%fs:(%rax), %eax
	ret
	.size	f, .-f
`+tlsVar)
		run(t, dir, bin, "-o", filepath.Join(dir, "good.so"), "-shared", o)
	})
	for _, c := range tlsCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			inv := c.build(t, dir)
			t.Run("fresh", func(t *testing.T) { check(t, bin, dir, inv, nil) })
			t.Run("existing", func(t *testing.T) {
				check(t, bin, dir, inv, []byte("previous output: must survive a failed link\n\x00\x01\x02\xff"))
			})
		})
	}
}
