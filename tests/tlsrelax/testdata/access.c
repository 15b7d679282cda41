/* Compiled with -fPIC (plus -fno-plt, -mtls-dialect=gnu2 or
   -mcmodel=large), so the compiler emits general-dynamic accesses to the
   extern variables and local-dynamic ones to the static variables (or
   TLS descriptors for both with gnu2), even though the executable ends up
   defining all of them. No function here calls anything else, so after
   relaxation none may contain a call at all. */
extern __thread int tv_int;
extern __thread long tv_long;
extern __thread char tv_al[3];
extern __thread int tv_bss[5];
extern __thread char tv_big[7];

static __thread int acc_ld_a = 5;
static __thread int acc_ld_b[4];

#define NOINLINE __attribute__((noinline))

NOINLINE int acc_gd_int(void) { return tv_int; }
NOINLINE long *acc_gd_long_addr(void) { return &tv_long; }
NOINLINE char *acc_gd_al_addr(void) { return tv_al; }
NOINLINE void acc_gd_bss_set(int i, int v) { tv_bss[i] = v; }
NOINLINE char *acc_gd_big_addr(void) { return tv_big; }

/* Two static variables, several uses each: local dynamic. */
NOINLINE int acc_ld(int v)
{
	acc_ld_a += v;
	acc_ld_b[2] += 2 * v;
	return acc_ld_a * 100 + acc_ld_b[2];
}

NOINLINE int *acc_ld_addr(int i)
{
	if (i < 0)
		return &acc_ld_a;
	acc_ld_a++;
	return &acc_ld_b[i];
}
