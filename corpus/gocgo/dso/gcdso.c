#include "gcdso.h"
__thread int gcdso_tls = 7;
const int gcdso_table[4] = {10, 20, 30, 40};
static int counter;
static const char *name = "gcdso";
int gcdso_tls_get(void) { return gcdso_tls; }
int gcdso_counter_inc(void) { return ++counter; }
const char *gcdso_name(void) { return name; }
