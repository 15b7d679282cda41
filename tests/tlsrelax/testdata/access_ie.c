/* Compiled for the output mode (-fPIE or -fno-pie), so the compiler emits
   initial-exec accesses to the extern variables: a load of the offset
   (mov x@gottpoff(%rip), %reg) for the values and the add form
   (mov %fs:0, %reg; add x@gottpoff(%rip), %reg) for the addresses. The
   executable's own variables relax to local exec, libext.so's stay
   initial exec. */
extern __thread int tv_int;
extern __thread long tv_long;
extern __thread int tv_bss[5];

#define NOINLINE __attribute__((noinline))

NOINLINE int ie_get_int(void) { return tv_int; }
NOINLINE long *ie_long_addr(void) { return &tv_long; }
NOINLINE int *ie_bss_addr(void) { return tv_bss; }

#ifdef HAVE_EXT
extern __thread int ext_int;
extern __thread long ext_long;
NOINLINE int ie_ext_int(void) { return ext_int; }
NOINLINE long *ie_ext_long_addr(void) { return &ext_long; }
#endif
