/* tlsvar.c — the TLS variable of the "global-dynamic, variable in a shared
 * object" case (MODEL_GDX in tlsaccess.c), linked into libtlsvar.so. An
 * access from the executable to an imported variable relaxes GD -> IE. */
__thread int tv_ext;
