/* C code that calls back into Go, uses thread-local storage and a static
   constructor, and calls into a separately linked shared library (libgcdso). */
#include <pthread.h>
#include <stdlib.h>
#include "cside.h"
#include "_cgo_export.h"
#include "dso/gcdso.h"

static int ctor_value;
static int ctor_seq;
static int ctor_order[2];

__attribute__((constructor(101))) static void early_ctor(void) {
  ctor_order[ctor_seq++] = 1;
}
__attribute__((constructor)) static void late_ctor(void) {
  ctor_order[ctor_seq++] = 2;
  ctor_value = 42;
}
int c_ctor_value(void) { return ctor_value; }
int c_ctor_order(void) { return ctor_order[0] * 10 + ctor_order[1]; }

int c_call_go_add(int a, int b) { return goAdd(a, b); }

/* general-dynamic/initial-exec TLS in the executable (or c-shared DSO) */
__thread int tls_counter;
static __thread int tls_static_arr[4] = {1, 2, 3, 4};
int c_tls_get(void) { return tls_counter; }
int c_tls_bump(void) { return ++tls_counter; }

struct targ { int id, iters, result, arrsum; };

static void *worker(void *p) {
  struct targ *a = p;
  for (int i = 0; i < a->iters; i++) {
    tls_counter++;
    tls_static_arr[i % 4] += 1;
    goObserve(a->id, tls_counter); /* callback into Go from a C thread */
  }
  a->result = tls_counter;
  a->arrsum = tls_static_arr[0] + tls_static_arr[1] + tls_static_arr[2] + tls_static_arr[3];
  return NULL;
}

/* Runs nthreads pthreads; each bumps its own tls_counter iters times.
   Returns the sum of the per-thread final counters, or -1 if any thread saw
   another thread's counter or a wrong TLS initial image. */
int c_threads(int nthreads, int iters) {
  pthread_t th[16];
  struct targ a[16];
  int sum = 0;
  if (nthreads > 16) return -2;
  for (int i = 0; i < nthreads; i++) {
    a[i].id = i; a[i].iters = iters; a[i].result = 0;
    if (pthread_create(&th[i], NULL, worker, &a[i]) != 0) return -3;
  }
  for (int i = 0; i < nthreads; i++) {
    pthread_join(th[i], NULL);
    if (a[i].result != iters || a[i].arrsum != 10 + iters) return -1;
    sum += a[i].result;
  }
  return sum;
}

static int cmp_via_go(const void *x, const void *y) {
  return goCompare(*(const int *)x, *(const int *)y);
}
void c_sort_with_go(int *v, int n) { qsort(v, n, sizeof *v, cmp_via_go); }

int c_strlen_via_go(const char *s) { return goStrlen((char *)s); }

/* TLS and data defined in the shared library libgcdso.so */
long c_dso_check(void) {
  gcdso_tls += 5;             /* TLS variable defined in another DSO */
  long r = gcdso_tls_get();   /* must see the same slot */
  r = r * 1000 + gcdso_counter_inc() + gcdso_counter_inc();
  return r + (gcdso_table[2] == 30 ? 0 : 100000000);
}
