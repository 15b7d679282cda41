/* Calls every function of ie_regs.s: the mov form must give the TP
   offset of ie_var, the add form the address of ie_var2. */
#include <stdio.h>

extern __thread int ie_var;
extern __thread long ie_var2;

#define REGS(X) X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rbp) X(rsp) \
	X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15)
#define DECL(r) long ie_mov_##r(void); long *ie_add_##r(void);
REGS(DECL)

int main(void)
{
	char *tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	ie_var2 = 5678;
#define CHECK(r)                                                               \
	{                                                                      \
		long off = ie_mov_##r();                                       \
		long *p = ie_add_##r();                                        \
		printf("%-3s mov %d add %d %ld\n", #r, *(int *)(tp + off),     \
		       p == &ie_var2, *p);                                     \
	}
	REGS(CHECK)
	return 0;
}
