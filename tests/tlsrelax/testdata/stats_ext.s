# For the --stats test: TLS accesses to variables of a shared library
# (libext.so's ext_int and ext_long): in an executable, general dynamic
# and descriptors relax to initial exec, initial exec stays.
#   1 general dynamic, 3 initial exec (2 movs, 1 add), 2 TLS descriptors.
	.text
	.globl	stats_ext
	.type	stats_ext, @function
stats_ext:
	pushq	%rbx
	.byte	0x66
	leaq	ext_int@tlsgd(%rip), %rdi
	.value	0x6666
	rex64 call	__tls_get_addr@PLT
	movl	(%rax), %ebx
	movq	ext_int@gottpoff(%rip), %rax
	addl	%fs:(%rax), %ebx
	movq	ext_long@gottpoff(%rip), %rcx
	addl	%fs:(%rcx), %ebx
	movq	%fs:0, %rdx
	addq	ext_long@gottpoff(%rip), %rdx
	addl	(%rdx), %ebx
	leaq	ext_int@tlsdesc(%rip), %rax
	call	*ext_int@tlscall(%rax)
	addl	%fs:(%rax), %ebx
	leaq	ext_long@tlsdesc(%rip), %rax
	call	*ext_long@tlscall(%rax)
	addl	%fs:(%rax), %ebx
	movl	%ebx, %eax
	popq	%rbx
	ret
	.size	stats_ext, .-stats_ext

	.section	.note.GNU-stack,"",@progbits
