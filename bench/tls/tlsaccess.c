/* tlsaccess.c — the TLS access under test, one translation unit per model.
 *
 * Compiled with -fPIC and exactly one of
 *   -DMODEL_GD   global-dynamic on a variable defined here (default visibility)
 *   -DMODEL_GDX  global-dynamic on a variable defined in another shared object
 *   -DMODEL_LD   local-dynamic on a static variable
 *   -DMODEL_IE   initial-exec on a variable defined here
 *   -DMODEL_LE   local-exec on a variable defined here
 * and optionally -mtls-dialect=gnu2 (TLSDESC for GD/GDX/LD).
 *
 * It defines
 *   int touch_<model>(int n)  n iterations, each a full TLS access (read + increment)
 *   int touch_base(int n)     the identical loop on a plain (non-TLS) global
 *   int tls_value(void)       the calling thread's value of the TLS variable
 *
 * Each iteration calls a noinline/noipa access function, so the compiler
 * cannot hoist the TLS address computation (a __tls_get_addr call or a
 * TLSDESC call is "const" to GCC and would otherwise leave the loop). The
 * baseline loop has the same call, so touch_<model> - touch_base is the cost
 * of the TLS access itself. run.sh checks the object code of both.
 */

#if defined(__clang__)
#define NOINL __attribute__((noinline))
#else
#define NOINL __attribute__((noinline, noipa))
#endif

#if defined(MODEL_GD)
#define TOUCH touch_gd
__thread int tv __attribute__((tls_model("global-dynamic")));
#elif defined(MODEL_GDX)
#define TOUCH touch_gdx
extern __thread int tv_ext __attribute__((tls_model("global-dynamic")));
#define tv tv_ext
#elif defined(MODEL_LD)
#define TOUCH touch_ld
static __thread int tv __attribute__((tls_model("local-dynamic")));
#elif defined(MODEL_IE)
#define TOUCH touch_ie
__thread int tv __attribute__((tls_model("initial-exec")));
#elif defined(MODEL_LE)
#define TOUCH touch_le
__thread int tv __attribute__((tls_model("local-exec")));
#else
#error "define one of MODEL_GD MODEL_GDX MODEL_LD MODEL_IE MODEL_LE"
#endif

/* Plain global for the baseline; static so that it is reached PC-relative
 * (no GOT) in an executable and in a shared object alike. */
static int gv_base;

NOINL static int acc_tls(void)
{
	__asm__ volatile("" ::: "memory");
	return ++tv;
}

NOINL static int acc_base(void)
{
	__asm__ volatile("" ::: "memory");
	return ++gv_base;
}

int TOUCH(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += acc_tls();
	return s;
}

int touch_base(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += acc_base();
	return s;
}

NOINL int tls_value(void)
{
	return tv;
}
