/* An initial-exec access in a shared library: the library can then only
   be loaded at start-up (or into the static TLS surplus), which the
   linker records with DF_STATIC_TLS. */
__thread int lib_ie_var __attribute__((tls_model("initial-exec"))) = 55;
/* Not preemptible: the GOT slot's TPOFF64 has no symbol, the variable's
   offset in the block as addend. */
static __thread int lib_ie_static __attribute__((tls_model("initial-exec"))) = 66;

__attribute__((noinline)) int lib_ie_get(void) { return lib_ie_var; }
__attribute__((noinline)) int lib_ie_static_get(void) { return lib_ie_static++; }
