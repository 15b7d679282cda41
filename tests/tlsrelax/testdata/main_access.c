/* Drives access.c (and access_ext.c with -DHAVE_EXT) in the main thread
   and in a second thread; both print the same lines, since a new thread
   starts from the TLS initialisation image. main itself is compiled for
   the output mode (-fPIE / -fno-pie) and reaches the variables through
   local exec or initial exec, which gives an independent address to
   compare the accessors' results with. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

extern __thread int tv_int;
extern __thread long tv_long;
extern __thread char tv_al[3];
extern __thread int tv_bss[5];
extern __thread char tv_big[7];

int acc_gd_int(void);
long *acc_gd_long_addr(void);
char *acc_gd_al_addr(void);
void acc_gd_bss_set(int i, int v);
char *acc_gd_big_addr(void);
int acc_ld(int v);
int *acc_ld_addr(int i);

#ifdef HAVE_EXT
extern __thread int ext_int;
extern __thread long ext_long;
extern __thread int ext_bss[4];
int acc_ext_int(void);
long *acc_ext_long_addr(void);
void acc_ext_bss_set(int i, int v);
#endif

static char *thread_pointer(void)
{
	char *tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

/* In the executable's TLS block, i.e. in the 4 KiB below the thread
   pointer (the block is much smaller than that). */
static int in_exec_block(const void *p)
{
	const char *tp = thread_pointer();
	return (const char *)p < tp && (const char *)p >= tp - 4096;
}

static void *run(void *arg)
{
	const char *who = arg;
	printf("[%s] tv_int %d\n", who, acc_gd_int());
	tv_int += 100;
	printf("[%s] tv_int after +100 %d\n", who, acc_gd_int());
	long *lp = acc_gd_long_addr();
	printf("[%s] tv_long %ld same-address %d\n", who, *lp, lp == &tv_long);
	*lp += 1;
	printf("[%s] tv_long after +1 %ld\n", who, tv_long);
	char *al = acc_gd_al_addr();
	printf("[%s] tv_al %d %d %d same-address %d aligned %d\n", who, al[0], al[1], al[2],
	       al == tv_al, (int)((uintptr_t)al % 64 == 0));
	char *big = acc_gd_big_addr();
	big[6] = 'z';
	printf("[%s] tv_big same-address %d aligned %d %c\n", who, big == tv_big,
	       (int)((uintptr_t)big % 128 == 0), tv_big[6]);
	acc_gd_bss_set(3, 77);
	printf("[%s] tv_bss %d %d %d\n", who, tv_bss[2], tv_bss[3], tv_bss[4]);
	int l1 = acc_ld(1);
	int l2 = acc_ld(2);
	printf("[%s] ld %d %d\n", who, l1, l2);
	int *a = acc_ld_addr(-1), *b = acc_ld_addr(2);
	printf("[%s] ld values %d %d in-block %d %d\n", who, *a, *b, in_exec_block(a), in_exec_block(b));
#ifdef HAVE_EXT
	printf("[%s] ext_int %d\n", who, acc_ext_int());
	ext_int += 1000;
	printf("[%s] ext_int after +1000 %d\n", who, acc_ext_int());
	long *el = acc_ext_long_addr();
	printf("[%s] ext_long %ld same-address %d\n", who, *el, el == &ext_long);
	acc_ext_bss_set(1, 55);
	printf("[%s] ext_bss %d %d\n", who, ext_bss[0], ext_bss[1]);
#endif
	return NULL;
}

int main(void)
{
	pthread_t th;
	run("main");
	fflush(stdout);
	if (pthread_create(&th, NULL, run, "thread") != 0 || pthread_join(th, NULL) != 0) {
		puts("pthread failed");
		return 1;
	}
	return 0;
}
