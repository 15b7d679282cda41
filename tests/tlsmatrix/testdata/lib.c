/* The "library part" of the TLS matrix program: linked into the executable
 * (pie, nopie, static, staticpie), or built into libtlsm.so and linked at
 * startup (shlib-startup) or loaded with dlopen (shlib-dlopen). */
#include <stdint.h>
#include "tlsm.h"

__thread int lib_init = 0x1234;
__thread int lib_zero;
__attribute__((visibility("hidden"))) __thread int lib_hidden = 77;
static __thread int lib_static = 5;
static __thread long lib_static_zero;
__thread int lib_arr[8] = {10, 11, 12, 13, 14, 15, 16, 17};
__thread struct tlsm_pair lib_s = {100, 200, 300};
__thread int lib_al64[4] __attribute__((aligned(64))) = {64, 65, 66, 67};
__thread long lib_al64_zero __attribute__((aligned(64)));

/* Each accessor touches one variable so that the compiler emits one access
 * sequence per variable (and, for -ftls-model=local-dynamic or file-local
 * variables under -fPIC, local-dynamic sequences). */
__attribute__((noinline)) long lib_get(int which)
{
	switch (which) {
	case V_INIT: return lib_init;
	case V_ZERO: return lib_zero;
	case V_HIDDEN: return lib_hidden;
	case V_STATIC: return lib_static;
	case V_STATIC_ZERO: return lib_static_zero;
	case V_ARR3: return lib_arr[3];
	case V_SB: return lib_s.b;
	case V_AL64: return lib_al64[1];
	case V_AL64_ZERO: return lib_al64_zero;
	}
	return -1;
}

__attribute__((noinline)) void lib_set(int which, long v)
{
	switch (which) {
	case V_INIT: lib_init = (int)v; break;
	case V_ZERO: lib_zero = (int)v; break;
	case V_HIDDEN: lib_hidden = (int)v; break;
	case V_STATIC: lib_static = (int)v; break;
	case V_STATIC_ZERO: lib_static_zero = v; break;
	case V_ARR3: lib_arr[3] = (int)v; break;
	case V_SB: lib_s.b = v; break;
	case V_AL64: lib_al64[1] = (int)v; break;
	case V_AL64_ZERO: lib_al64_zero = v; break;
	}
}

__attribute__((noinline)) void *lib_addr(int which)
{
	switch (which) {
	case V_INIT: return &lib_init;
	case V_ZERO: return &lib_zero;
	case V_HIDDEN: return &lib_hidden;
	case V_STATIC: return &lib_static;
	case V_STATIC_ZERO: return &lib_static_zero;
	case V_ARR3: return &lib_arr[3];
	case V_SB: return &lib_s.b;
	case V_AL64: return &lib_al64[1];
	case V_AL64_ZERO: return &lib_al64_zero;
	}
	return 0;
}

__attribute__((noinline)) int lib_aligned_ok(void)
{
	return ((uintptr_t)&lib_al64[0] % 64) == 0 &&
	       ((uintptr_t)&lib_al64_zero % 64) == 0;
}

/* Touches every variable in one function: several local-binding variables
 * in one function is where compilers share one local-dynamic base. */
__attribute__((noinline)) long lib_sum(void)
{
	long s = lib_init + lib_zero + lib_hidden + lib_static + lib_static_zero;
	s += lib_al64[0] + lib_al64[1] + lib_al64[2] + lib_al64[3] + lib_al64_zero;
	s += lib_s.a + lib_s.b + lib_s.c;
	for (int i = 0; i < 8; i++)
		s += lib_arr[i];
	return s;
}

__attribute__((noinline)) void lib_bump(long delta)
{
	lib_init += (int)delta;
	lib_zero += (int)delta;
	lib_hidden += (int)delta;
	lib_static += (int)delta;
	lib_static_zero += delta;
	for (int i = 0; i < 8; i++)
		lib_arr[i] += (int)delta;
	lib_s.a += (int)delta;
	lib_s.b += delta;
	lib_s.c += (short)delta;
	for (int i = 0; i < 4; i++)
		lib_al64[i] += (int)delta;
	lib_al64_zero += delta;
}
