/* Uses libtls.so, linked at start-up (or, with -DUSE_DLOPEN, dlopen'ed),
   in the main thread and in a second thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef USE_DLOPEN
#include <dlfcn.h>
static int (*lib_gd_get)(void);
static long *(*lib_gd_arr_addr)(void);
static int (*lib_ld)(int);
static int (*lib_set)(int);
static int (*lib_hid_get)(void);
#else
int lib_gd_get(void);
long *lib_gd_arr_addr(void);
int lib_ld(int);
int lib_set(int);
int lib_hid_get(void);
extern __thread long lib_arr[4]; /* initial exec from the executable */
#endif

static void *run(void *arg)
{
	const char *who = arg;
	printf("[%s] lib_var %d\n", who, lib_gd_get());
	printf("[%s] lib_set %d\n", who, lib_set(202));
	long *arr = lib_gd_arr_addr();
	printf("[%s] lib_arr %ld %ld %ld %ld\n", who, arr[0], arr[1], arr[2], arr[3]);
#ifndef USE_DLOPEN
	printf("[%s] lib_arr same-address %d\n", who, arr == lib_arr);
#endif
	printf("[%s] lib_hid %d\n", who, lib_hid_get());
	int l1 = lib_ld(1);
	int l2 = lib_ld(2);
	printf("[%s] ld %d %d\n", who, l1, l2);
	return NULL;
}

int main(int argc, char **argv)
{
#ifdef USE_DLOPEN
	if (argc < 2) {
		puts("usage: main LIB");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 1;
	}
	lib_gd_get = (int (*)(void))dlsym(h, "lib_gd_get");
	lib_gd_arr_addr = (long *(*)(void))dlsym(h, "lib_gd_arr_addr");
	lib_ld = (int (*)(int))dlsym(h, "lib_ld");
	lib_set = (int (*)(int))dlsym(h, "lib_set");
	lib_hid_get = (int (*)(void))dlsym(h, "lib_hid_get");
	if (!lib_gd_get || !lib_gd_arr_addr || !lib_ld || !lib_set || !lib_hid_get) {
		printf("dlsym: %s\n", dlerror());
		return 1;
	}
#else
	(void)argc;
	(void)argv;
#endif
	pthread_t th;
	run("main");
	fflush(stdout);
	if (pthread_create(&th, NULL, run, "thread") != 0 || pthread_join(th, NULL) != 0) {
		puts("pthread failed");
		return 1;
	}
	return 0;
}
