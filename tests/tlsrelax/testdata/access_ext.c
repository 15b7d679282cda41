/* Compiled like access.c; the variables come from libext.so, so the
   general-dynamic (or descriptor) accesses relax to initial exec. */
extern __thread int ext_int;
extern __thread long ext_long;
extern __thread int ext_bss[4];

#define NOINLINE __attribute__((noinline))

NOINLINE int acc_ext_int(void) { return ext_int; }
NOINLINE long *acc_ext_long_addr(void) { return &ext_long; }
NOINLINE void acc_ext_bss_set(int i, int v) { ext_bss[i] = v; }
