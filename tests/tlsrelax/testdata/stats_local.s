# For the --stats test: a fixed number of TLS accesses of each kind to
# variables defined here (in an executable, all relax to local exec):
#   2 general dynamic, 1 local dynamic with 3 DTPOFF32 uses,
#   2 initial exec (a mov and an add), 1 TLS descriptor.
	.text
	.globl	stats_local
	.type	stats_local, @function
stats_local:
	pushq	%rbx
	.byte	0x66
	leaq	st_a@tlsgd(%rip), %rdi
	.value	0x6666
	rex64 call	__tls_get_addr@PLT
	movl	(%rax), %ebx
	.byte	0x66
	leaq	st_b@tlsgd(%rip), %rdi
	.value	0x6666
	rex64 call	__tls_get_addr@PLT
	addl	(%rax), %ebx
	leaq	st_c@tlsld(%rip), %rdi
	call	__tls_get_addr@PLT
	addl	st_c@dtpoff(%rax), %ebx
	addl	st_d@dtpoff(%rax), %ebx
	addl	st_c@dtpoff+4(%rax), %ebx
	movq	st_a@gottpoff(%rip), %rax
	addl	%fs:(%rax), %ebx
	movq	%fs:0, %rax
	addq	st_b@gottpoff(%rip), %rax
	addl	(%rax), %ebx
	leaq	st_d@tlsdesc(%rip), %rax
	call	*st_d@tlscall(%rax)
	addl	%fs:(%rax), %ebx
	movl	%ebx, %eax
	popq	%rbx
	ret
	.size	stats_local, .-stats_local

	.section	.tdata,"awT",@progbits
	.align	8
	.globl	st_a, st_b
	.type	st_a, @object
	.type	st_b, @object
	.type	st_c, @object
	.type	st_d, @object
	.size	st_a, 4
	.size	st_b, 4
	.size	st_c, 8
	.size	st_d, 4
st_a:	.long	1
st_b:	.long	2
st_c:	.long	3, 4
st_d:	.long	5

	.section	.note.GNU-stack,"",@progbits
