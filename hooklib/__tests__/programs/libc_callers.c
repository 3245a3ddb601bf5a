/*
 * libc_callers.c: blocks that come from strdup, the aligned allocators and reallocarray; one of each leaks.
 * With an argument, no pvalloc, at which valgrind 3.19 aborts the program.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

/* strdup allocates inside libc, which has no frame pointers: its caller must still be on the stack. */
void leak_strdup(void)
{
	sink = strdup("pmm leak");
}

void leak_posix_memalign(void)
{
	void *p;

	if (posix_memalign(&p, 64, 100) == 0)
		sink = p;
}

void leak_aligned_alloc(void)
{
	sink = aligned_alloc(256, 512);
}

void leak_memalign(void)
{
	sink = memalign(32, 40);
}

void leak_valloc(void)
{
	sink = valloc(1000);
}

void leak_pvalloc(void)
{
	sink = pvalloc(10);
}

void leak_reallocarray(void)
{
	void *p = reallocarray(NULL, 10, 12);

	sink = reallocarray(p, 20, 12);
}

/* The same calls, each block given back. */
void freed(int pvalloc_too)
{
	void *p;

	free(strdup("freed"));
	free(strndup("freed too", 3));
	if (posix_memalign(&p, 128, 64) == 0)
		free(p);
	free(aligned_alloc(64, 64));
	free(memalign(64, 10));
	free(valloc(10));
	if (pvalloc_too)
		free(pvalloc(10));
	free(reallocarray(NULL, 3, 3));
}

int main(int argc, char **argv)
{
	int pvalloc_too = argc < 2;

	(void)argv;
	freed(pvalloc_too);
	leak_strdup();
	leak_posix_memalign();
	leak_aligned_alloc();
	leak_memalign();
	leak_valloc();
	if (pvalloc_too)
		leak_pvalloc();
	leak_reallocarray();
	write(1, "libc_callers: done\n", 19);
	return 0;
}
