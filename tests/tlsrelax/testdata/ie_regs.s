# Initial-exec accesses with every general-purpose register as the
# destination, in both forms the psABI allows the linker to rewrite:
#
#   ie_mov_REG:  movq ie_var@gottpoff(%rip), %REG     -> movq $tpoff, %REG
#                returns the TP offset of ie_var
#   ie_add_REG:  movq %fs:0, %REG
#                addq ie_var2@gottpoff(%rip), %REG    -> addq $tpoff, %REG
#                returns the address of ie_var2
#
# The registers with REX.R (%r8-%r15) and those whose ModRM.rm encoding
# is special (%rsp/%r12: SIB follows; %rbp/%r13: disp follows) are the
# interesting ones. Each function saves the register in a scratch
# register, copies the result to %rax and restores the register (also
# %rsp: nothing touches the stack in between).

	.text

	.macro	IE_MOV reg, scratch
	.globl	ie_mov_\reg
	.type	ie_mov_\reg, @function
ie_mov_\reg:
	movq	%\reg, %\scratch
	movq	ie_var@gottpoff(%rip), %\reg
	movq	%\reg, %rax
	movq	%\scratch, %\reg
	ret
	.size	ie_mov_\reg, .-ie_mov_\reg
	.endm

	.macro	IE_ADD reg, scratch
	.globl	ie_add_\reg
	.type	ie_add_\reg, @function
ie_add_\reg:
	movq	%\reg, %\scratch
	movq	%fs:0, %\reg
	addq	ie_var2@gottpoff(%rip), %\reg
	movq	%\reg, %rax
	movq	%\scratch, %\reg
	ret
	.size	ie_add_\reg, .-ie_add_\reg
	.endm

	.globl	ie_mov_rax
	.type	ie_mov_rax, @function
ie_mov_rax:
	movq	ie_var@gottpoff(%rip), %rax
	ret
	.size	ie_mov_rax, .-ie_mov_rax

	.globl	ie_add_rax
	.type	ie_add_rax, @function
ie_add_rax:
	movq	%fs:0, %rax
	addq	ie_var2@gottpoff(%rip), %rax
	ret
	.size	ie_add_rax, .-ie_add_rax

	.irp	reg, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r11, r12, r13, r14, r15
	IE_MOV	\reg, r10
	IE_ADD	\reg, r10
	.endr
	IE_MOV	r10, r11
	IE_ADD	r10, r11

	.section	.note.GNU-stack,"",@progbits
