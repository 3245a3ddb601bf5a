/*
 * libc_names.c: glibc's allocator called by its other exported names, __libc_malloc and the like, as an
 * allocator shim or a debugging wrapper may: caught as the usual names are, each kind with its free.
 * Leaks: 11 bytes (__libc_malloc), 16 (__libc_calloc), 40 (__libc_memalign), 50 (__libc_realloc of
 * NULL, a malloc).
 */
#include <stdio.h>
#include <stdlib.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t nmemb, size_t size);
void *__libc_realloc(void *old, size_t size);
void *__libc_memalign(size_t alignment, size_t size);
void __libc_free(void *ptr);

void *volatile sink[4];

void leak_libc_names(void)
{
	sink[0] = __libc_malloc(11);
	sink[1] = __libc_calloc(2, 8);
	sink[2] = __libc_memalign(64, 40);
	sink[3] = __libc_realloc(NULL, 50);
}

int main(void)
{
	void *p;

	/* Each name's block freed by the other's: neither a leak nor a free of a block never seen. */
	p = __libc_malloc(22);
	free(p);
	p = malloc(33);
	__libc_free(p);
	p = __libc_realloc(__libc_malloc(8), 64);
	__libc_free(p);
	leak_libc_names();
	puts("libc_names: done");
	return 0;
}
