# DTPOFF relocations outside code, in an executable: a word holding a
# variable's offset in its module's TLS block (x@dtpoff). Only in code,
# inside a local-dynamic sequence that the LD -> LE transition rewrote to
# load the thread pointer, does the field become TP-relative; a data word
# keeps the DTP offset (GNU ld: TP-relative only in SEC_CODE sections).
	.text
	.globl	dtp_ld
	.type	dtp_ld, @function
dtp_ld:
	subq	$8, %rsp
	leaq	tls_dy@tlsld(%rip), %rdi
	call	__tls_get_addr@PLT
	movl	tls_dy@dtpoff(%rax), %eax
	addq	$8, %rsp
	ret
	.size	dtp_ld, .-dtp_ld

	.data
	.align	8
	.globl	dtp_data
	.type	dtp_data, @object
dtp_data:
	.quad	tls_dy@dtpoff
	.quad	tls_dz@dtpoff+4
	.long	tls_dy@dtpoff
	.long	tls_dz@dtpoff
	.size	dtp_data, .-dtp_data

	.section	.rodata
	.align	8
	.globl	dtp_rodata
	.type	dtp_rodata, @object
dtp_rodata:
	.quad	tls_dz@dtpoff
	.long	tls_dy@dtpoff+2
	.size	dtp_rodata, .-dtp_rodata

	.section	.tdata,"awT",@progbits
	.align	8
tls_dx:	.quad	1
	.type	tls_dy, @object
	.size	tls_dy, 4
tls_dy:	.long	2

	.section	.tbss,"awT",@nobits
	.align	16
	.type	tls_dz, @object
	.size	tls_dz, 8
tls_dz:	.zero	8

	.section	.note.GNU-stack,"",@progbits
