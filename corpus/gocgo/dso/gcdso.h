/* libgcdso.so: a small C shared library built by the corpus script. */
#ifndef GCDSO_H
#define GCDSO_H
extern __thread int gcdso_tls;
extern const int gcdso_table[4];
int gcdso_tls_get(void);
int gcdso_counter_inc(void);
const char *gcdso_name(void);
#endif
