/* Calls the gocgo package built with -buildmode=c-shared (libgocgo.so). */
#include <stdio.h>
#include "libgocgo.h"

int main(void) {
  int fails = RunAll();
  printf("cshared-goAdd  %d\n", goAdd(20, 22));
  printf("gocgo-cshared: %d failures\n", fails);
  return fails != 0;
}
