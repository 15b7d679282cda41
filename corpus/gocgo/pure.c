/* Plain C with no Go interaction: libm, static tables of data and function
   pointers (absolute relocations in data), string constants. */
#include <math.h>
#include <stddef.h>
#include "cside.h"

static unsigned crc_table[256];
static int crc_ready;

unsigned c_crc32(const void *p, unsigned long n) {
  const unsigned char *b = p;
  if (!crc_ready) {
    for (unsigned i = 0; i < 256; i++) {
      unsigned c = i;
      for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      crc_table[i] = c;
    }
    crc_ready = 1;
  }
  unsigned c = 0xFFFFFFFFu;
  while (n--) c = crc_table[(c ^ *b++) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

double c_hypot_sum(const double *v, int n) {
  double s = 0;
  for (int i = 0; i + 1 < n; i += 2) s += hypot(v[i], v[i + 1]);
  return s + sqrt(fabs(sin(0.0)));
}

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_pow(long a, long b) { return (long)pow((double)a, (double)b); }

static const struct op { const char *name; long (*fn)(long, long); } ops[] = {
  {"add", op_add}, {"sub", op_sub}, {"mul", op_mul}, {"pow", op_pow},
};
static const char *const *names_ptr;

const char *c_op_name(int i) {
  if (i < 0 || i >= (int)(sizeof ops / sizeof ops[0])) return "none";
  return ops[i].name;
}
long c_op_apply(int i, long a, long b) {
  if (i < 0 || i >= (int)(sizeof ops / sizeof ops[0])) return 0;
  (void)names_ptr;
  return ops[i].fn(a, b);
}
