/* TLS variables defined in the executable, in .tdata and .tbss. tv_al and
   tv_big are over-aligned, so the TLS block's alignment (128) is larger
   than the rounding its size would get anyway, and the thread pointer
   offsets depend on rounding p_memsz up to p_align. */
__thread int tv_int = 11;
__thread long tv_long = 22;
__thread char tv_al[3] __attribute__((aligned(64))) = {1, 2, 3};
__thread int tv_bss[5];
/* Over-aligned .tbss: its start is rounded up inside the block. */
__thread char tv_big[7] __attribute__((aligned(128)));
/* For the initial-exec accessors (ie*.c, ie_regs.s). */
__thread int ie_var = 1234;
__thread long ie_var2;
