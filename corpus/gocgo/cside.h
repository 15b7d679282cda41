/* C side of the gocgo corpus program (compiled by cgo into the package). */
#ifndef GOCGO_CSIDE_H
#define GOCGO_CSIDE_H
int c_ctor_value(void);
int c_ctor_order(void);
int c_call_go_add(int a, int b);
int c_threads(int nthreads, int iters);
int c_tls_get(void);
int c_tls_bump(void);
void c_sort_with_go(int *v, int n);
int c_strlen_via_go(const char *s);
long c_dso_check(void);
/* pure.c */
unsigned c_crc32(const void *p, unsigned long n);
double c_hypot_sum(const double *v, int n);
const char *c_op_name(int i);
long c_op_apply(int i, long a, long b);
#endif
