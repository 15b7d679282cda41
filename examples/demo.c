/* A small program that exercises what a linker must get right: libc
   through the PLT, a constructor, thread-local storage and a function
   pointer compared across the library boundary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread int counter;
static int ctor_ran;

__attribute__((constructor)) static void init(void) { ctor_ran = 1; }

static int cmp(const void *a, const void *b) {
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(void) {
	const char *words[] = {"rivet", "links", "this", "program"};
	qsort(words, 4, sizeof words[0], cmp);
	for (int i = 0; i < 4; i++) {
		counter += (int)strlen(words[i]);
		printf("%s ", words[i]);
	}
	printf("\nconstructor ran: %s, tls counter: %d, puts == &puts: %s\n",
	       ctor_ran ? "yes" : "no", counter, (void *)puts == (void *)&puts ? "yes" : "no");
	return 0;
}
