/* TLS variables of a shared library the executable is linked against at
   start-up: the executable's accesses to them relax to initial exec. */
__thread int ext_int = 33;
__thread long ext_long = 44;
__thread int ext_bss[4];
