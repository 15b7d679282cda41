/* Drives access_ie.c in the main thread and in a second thread. */
#include <pthread.h>
#include <stdio.h>

int ie_get_int(void);
long *ie_long_addr(void);
int *ie_bss_addr(void);
#ifdef HAVE_EXT
int ie_ext_int(void);
long *ie_ext_long_addr(void);
#endif

static void *run(void *arg)
{
	const char *who = arg;
	printf("[%s] tv_int %d\n", who, ie_get_int());
	long *lp = ie_long_addr();
	printf("[%s] tv_long %ld\n", who, *lp);
	*lp += 5;
	printf("[%s] tv_long after +5 %ld\n", who, *ie_long_addr());
	int *bp = ie_bss_addr();
	bp[4] = 9;
	printf("[%s] tv_bss %d %d\n", who, bp[3], bp[4]);
#ifdef HAVE_EXT
	printf("[%s] ext_int %d\n", who, ie_ext_int());
	long *el = ie_ext_long_addr();
	printf("[%s] ext_long %ld\n", who, *el);
	*el *= 2;
	printf("[%s] ext_long after *2 %ld\n", who, *ie_ext_long_addr());
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
