/* A shared library's own TLS accesses: general dynamic for the exported
   (so preemptible) variables, local dynamic for the static ones, TLS
   descriptors for both with -mtls-dialect=gnu2. Nothing may be relaxed:
   the library can be dlopen'ed, so its TLS block is not at a fixed
   offset from the thread pointer. */
__thread int lib_var = 101;
__thread long lib_arr[4] = {1, 2, 3, 4};
static __thread int lib_ld_a = 7;
static __thread int lib_ld_b[3];
/* Defined hidden in lib_hid.c: the compiler cannot know, so it emits a
   general-dynamic access (or a descriptor), which the library must keep
   without a symbol: a module id relocation and a link-time offset
   (a descriptor with the offset as addend). */
extern __thread int lib_hid;

#define NOINLINE __attribute__((noinline))

NOINLINE int lib_gd_get(void) { return lib_var; }
NOINLINE long *lib_gd_arr_addr(void) { return lib_arr; }
NOINLINE int lib_hid_get(void) { return lib_hid; }

NOINLINE int lib_ld(int v)
{
	lib_ld_a += v;
	lib_ld_b[1] += 2 * v;
	return lib_ld_a * 100 + lib_ld_b[1];
}

/* Not checked: reports through which the test compares addresses. */
int lib_set(int v)
{
	lib_var = v;
	return lib_gd_get();
}
