/* The executable part of the TLS matrix program (see ../tlsmatrix_test.go).
 *
 * Compiled twice: without USE_DLOPEN it calls lib.c's functions and reads
 * lib.c's variables directly (lib.c is linked into the executable or is
 * libtlsm.so linked at startup); with -DUSE_DLOPEN it loads libtlsm.so
 * (path in argv[1]) with dlopen(RTLD_NOW), calls its functions through
 * dlsym and never references its variables: the "direct" accesses go through
 * dlsym of the TLS symbols, which yields the calling thread's instance.
 *
 * The transcript is the same in every mode: values and checks only, never
 * addresses. Exit status 0 when every check passed, 1 otherwise. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsm.h"
#ifdef USE_DLOPEN
#include <dlfcn.h>
#endif

/* TLS variables of the executable. */
__thread int exe_init = 42;
__thread int exe_zero;
static __thread int exe_static = 3;
__thread long exe_al64 __attribute__((aligned(64))) = 6464;
__thread signed char exe_al64_zero[100] __attribute__((aligned(64)));
__thread int exe_arr[5] = {1, 2, 3, 4, 5};
static __thread struct tlsm_pair exe_s = {7, 8, 9};

#ifdef USE_DLOPEN
static void *lib_handle;
static long (*p_lib_get)(int);
static void (*p_lib_set)(int, long);
static void *(*p_lib_addr)(int);
static int (*p_lib_aligned_ok)(void);
static long (*p_lib_sum)(void);
static void (*p_lib_bump)(long);
#define LIB(f) (*p_##f)

/* dlsym of a TLS symbol returns its address in the calling thread. */
static void *sym(const char *name)
{
	void *p = dlsym(lib_handle, name);
	if (!p) {
		fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
		fflush(stdout);
		_Exit(3);
	}
	return p;
}
#define D_INIT (*(int *)sym("lib_init"))
#define D_ZERO (*(int *)sym("lib_zero"))
#define D_ARR3 (((int *)sym("lib_arr"))[3])
#define D_SB (((struct tlsm_pair *)sym("lib_s"))->b)
#define D_AL64 (((int *)sym("lib_al64"))[1])
#else
#define LIB(f) f
#define D_INIT lib_init
#define D_ZERO lib_zero
#define D_ARR3 lib_arr[3]
#define D_SB lib_s.b
#define D_AL64 lib_al64[1]
#endif

/* Initial values, indexed by V_*. */
static const long lib_initial[V_COUNT] = {
	[V_INIT] = 0x1234, [V_ZERO] = 0, [V_HIDDEN] = 77, [V_STATIC] = 5,
	[V_STATIC_ZERO] = 0, [V_ARR3] = 13, [V_SB] = 200, [V_AL64] = 65,
	[V_AL64_ZERO] = 0,
};
#define LIB_SUM_INITIAL (0x1234 + 77 + 5 + (64 + 65 + 66 + 67) + (100 + 200 + 300) + (10 + 11 + 12 + 13 + 14 + 15 + 16 + 17))
/* lib_sum adds 21 values, each bumped by delta. */
#define LIB_SUM_COUNT 21

struct out {
	char buf[16384];
	size_t len;
	int fails;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
	if (o->len >= sizeof o->buf)
		o->len = sizeof o->buf - 1;
}

static void expect(struct out *o, const char *who, const char *what, long got, long want)
{
	if (got != want) {
		put(o, "%s: FAIL %s=%ld want %ld\n", who, what, got, want);
		o->fails++;
	}
}

__attribute__((noinline)) static void exe_bump(long delta)
{
	exe_init += (int)delta;
	exe_zero += (int)delta;
	exe_static += (int)delta;
	exe_al64 += delta;
	exe_al64_zero[7] += (signed char)delta;
	for (int i = 0; i < 5; i++)
		exe_arr[i] += (int)delta;
	exe_s.a += (int)delta;
	exe_s.b += delta;
	exe_s.c += (short)delta;
}

__attribute__((noinline)) static int exe_aligned_ok(void)
{
	return ((uintptr_t)&exe_al64 % 64) == 0 && ((uintptr_t)exe_al64_zero % 64) == 0;
}

/* Prints the state seen by the calling thread and checks it against the
 * initial values plus delta. */
static void state(struct out *o, const char *who, long delta)
{
	/* The executable's own variables. */
	put(o, "%s: exe init=%d zero=%d static=%d al64=%ld al64z=%d arr3=%d sa=%d sb=%ld sc=%d\n",
	    who, exe_init, exe_zero, exe_static, exe_al64, exe_al64_zero[7],
	    exe_arr[3], exe_s.a, exe_s.b, exe_s.c);
	expect(o, who, "exe_init", exe_init, 42 + delta);
	expect(o, who, "exe_zero", exe_zero, delta);
	expect(o, who, "exe_static", exe_static, 3 + delta);
	expect(o, who, "exe_al64", exe_al64, 6464 + delta);
	expect(o, who, "exe_al64_zero[7]", exe_al64_zero[7], (signed char)delta);
	expect(o, who, "exe_al64_zero[0]", exe_al64_zero[0], 0);
	expect(o, who, "exe_arr[3]", exe_arr[3], 4 + delta);
	expect(o, who, "exe_arr[4]", exe_arr[4], 5 + delta);
	expect(o, who, "exe_s.b", exe_s.b, 8 + delta);

	/* The library's variables through its functions. */
	long v[V_COUNT];
	for (int i = 0; i < V_COUNT; i++)
		v[i] = LIB(lib_get)(i);
	long sum = LIB(lib_sum)();
	put(o, "%s: lib init=%ld zero=%ld hidden=%ld static=%ld staticz=%ld arr3=%ld sb=%ld al64=%ld al64z=%ld sum=%ld\n",
	    who, v[V_INIT], v[V_ZERO], v[V_HIDDEN], v[V_STATIC], v[V_STATIC_ZERO],
	    v[V_ARR3], v[V_SB], v[V_AL64], v[V_AL64_ZERO], sum);
	static const char *names[V_COUNT] = {
		"lib_init", "lib_zero", "lib_hidden", "lib_static", "lib_static_zero",
		"lib_arr[3]", "lib_s.b", "lib_al64[1]", "lib_al64_zero",
	};
	for (int i = 0; i < V_COUNT; i++)
		expect(o, who, names[i], v[i], lib_initial[i] + delta);
	expect(o, who, "lib_sum", sum, LIB_SUM_INITIAL + LIB_SUM_COUNT * delta);

	/* The library's variables accessed directly from the executable. */
	int dinit = D_INIT, dzero = D_ZERO, darr3 = D_ARR3, dal64 = D_AL64;
	long dsb = D_SB;
	put(o, "%s: direct init=%d zero=%d arr3=%d sb=%ld al64=%d\n",
	    who, dinit, dzero, darr3, dsb, dal64);
	expect(o, who, "direct lib_init", dinit, 0x1234 + delta);
	expect(o, who, "direct lib_zero", dzero, delta);
	expect(o, who, "direct lib_arr[3]", darr3, 13 + delta);
	expect(o, who, "direct lib_s.b", dsb, 200 + delta);
	expect(o, who, "direct lib_al64[1]", dal64, 65 + delta);

	int same = (void *)&D_INIT == LIB(lib_addr)(V_INIT) &&
		   (void *)&D_ZERO == LIB(lib_addr)(V_ZERO) &&
		   (void *)&D_ARR3 == LIB(lib_addr)(V_ARR3) &&
		   (void *)&D_SB == LIB(lib_addr)(V_SB) &&
		   (void *)&D_AL64 == LIB(lib_addr)(V_AL64);
	int ea = exe_aligned_ok(), la = LIB(lib_aligned_ok)();
	put(o, "%s: sameaddr=%d aligned64 exe=%d lib=%d\n", who, same, ea, la);
	expect(o, who, "sameaddr", same, 1);
	expect(o, who, "aligned64 exe", ea, 1);
	expect(o, who, "aligned64 lib", la, 1);
}

static void bump(long delta)
{
	exe_bump(delta);
	LIB(lib_bump)(delta);
}

/* Addresses of the main thread's instances, to check that threads get their
 * own. */
static void *main_addr[4];

static void own_addrs(void *a[4])
{
	a[0] = &exe_init;
	a[1] = &exe_al64_zero;
	a[2] = LIB(lib_addr)(V_HIDDEN);
	a[3] = LIB(lib_addr)(V_AL64_ZERO);
}

struct thread {
	int id;
	struct out out;
};

static void *thread_main(void *arg)
{
	struct thread *th = arg;
	struct out *o = &th->out;
	char who[32];
	snprintf(who, sizeof who, "thread%d fresh", th->id);
	state(o, who, 0);
	void *a[4];
	own_addrs(a);
	int distinct = 1;
	for (int i = 0; i < 4; i++)
		if (a[i] == main_addr[i])
			distinct = 0;
	put(o, "thread%d: distinct=%d\n", th->id, distinct);
	expect(o, who, "distinct", distinct, 1);
	long delta = 1000L * (th->id + 1);
	bump(delta);
	snprintf(who, sizeof who, "thread%d bumped", th->id);
	state(o, who, delta);
	return 0;
}

/* The early thread exists before the library is loaded (before dlopen) and
 * touches the library's TLS only afterwards. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go;

static void *early_main(void *arg)
{
	pthread_mutex_lock(&mu);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return thread_main(arg);
}

static void load_library(int argc, char **argv)
{
#ifdef USE_DLOPEN
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/libtlsm.so\n", argv[0]);
		_Exit(2);
	}
	lib_handle = dlopen(argv[1], RTLD_NOW);
	if (!lib_handle) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		_Exit(2);
	}
	p_lib_get = (long (*)(int))sym("lib_get");
	p_lib_set = (void (*)(int, long))sym("lib_set");
	p_lib_addr = (void *(*)(int))sym("lib_addr");
	p_lib_aligned_ok = (int (*)(void))sym("lib_aligned_ok");
	p_lib_sum = (long (*)(void))sym("lib_sum");
	p_lib_bump = (void (*)(long))sym("lib_bump");
	/* Hidden and file-local variables are not exported. */
	if (dlsym(lib_handle, "lib_hidden") || dlsym(lib_handle, "lib_static")) {
		fprintf(stderr, "lib_hidden or lib_static is exported\n");
		_Exit(2);
	}
#else
	(void)argc;
	(void)argv;
#endif
}

int main(int argc, char **argv)
{
	static struct out mo;
	static struct thread threads[4];
	pthread_t tids[4];
	int fails = 0;

	threads[0].id = 0;
	if (pthread_create(&tids[0], 0, early_main, &threads[0])) {
		printf("pthread_create failed\n");
		return 1;
	}

	load_library(argc, argv);

	state(&mo, "main initial", 0);
	LIB(lib_set)(V_HIDDEN, 77); /* exercise lib_set once */
	bump(1);
	state(&mo, "main bumped", 1);
	own_addrs(main_addr);
	fputs(mo.buf, stdout);
	fails += mo.fails;
	mo.len = 0;
	mo.buf[0] = 0;
	mo.fails = 0;

	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 1; i < 4; i++) {
		threads[i].id = i;
		if (pthread_create(&tids[i], 0, thread_main, &threads[i])) {
			printf("pthread_create failed\n");
			return 1;
		}
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(tids[i], 0);
		fputs(threads[i].out.buf, stdout);
		fails += threads[i].out.fails;
	}

	state(&mo, "main after", 1);
	fputs(mo.buf, stdout);
	fails += mo.fails;
	printf("result: failures=%d\n", fails);
	return fails ? 1 : 0;
}
