/* edge_cases.c: free(NULL), realloc(p, 0), realloc(NULL, n), malloc(0) and failing allocations. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

void *volatile sink;
/* volatile: gcc must not see the impossible sizes at compile time. */
volatile size_t huge = SIZE_MAX / 2;
/* Nor a null pointer given to realloc: it makes realloc(NULL, n) a call to malloc, even at -O0. */
void *volatile none;

void leak_malloc0(void)
{
	sink = malloc(0);
}

void leak_realloc_null(void)
{
	sink = realloc(none, 64);
}

int main(void)
{
	void *p;

	free(NULL);
	p = malloc(48);
	/* glibc frees p and returns NULL. */
	p = realloc(p, 0);
	free(p);
	leak_malloc0();
	leak_realloc_null();
	/* Failures: NULL, nothing recorded, and the calloc overflow must not wrap to a small block. */
	if (malloc(huge) || calloc(huge, 4) || realloc(none, huge) || aligned_alloc(64, huge))
		return 1;
	p = malloc(8);
	if (realloc(p, huge))
		return 1;
	free(p);
	write(1, "edge_cases: done\n", 17);
	return 0;
}
