/* Shared declarations of the TLS matrix program (see ../tlsmatrix_test.go). */
#ifndef TLSM_H
#define TLSM_H

struct tlsm_pair {
	int a;
	long b;
	short c;
};

/* Selectors for lib_get/lib_set/lib_addr. */
enum {
	V_INIT,        /* lib_init: default visibility, .tdata */
	V_ZERO,        /* lib_zero: default visibility, .tbss */
	V_HIDDEN,      /* lib_hidden: hidden visibility, .tdata */
	V_STATIC,      /* lib_static: file-local, .tdata */
	V_STATIC_ZERO, /* lib_static_zero: file-local, .tbss */
	V_ARR3,        /* lib_arr[3]: array, offset access */
	V_SB,          /* lib_s.b: struct member, offset access */
	V_AL64,        /* lib_al64[1]: aligned(64), .tdata */
	V_AL64_ZERO,   /* lib_al64_zero: aligned(64), .tbss */
	V_COUNT
};

/* Defined in lib.c (the "library part"). */
extern __thread int lib_init;
extern __thread int lib_zero;
extern __thread int lib_arr[8];
extern __thread struct tlsm_pair lib_s;
extern __thread int lib_al64[4];

long lib_get(int which);
void lib_set(int which, long v);
void *lib_addr(int which);
int lib_aligned_ok(void);
long lib_sum(void);
void lib_bump(long delta);

#endif
