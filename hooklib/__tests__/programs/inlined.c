/*
 * inlined.c: leaks one block of 24 bytes, allocated by a function inlined into its caller (as an optimising
 * compiler inlines small helpers, and as always_inline does at -O0). Its report must name both, the inlined
 * function first, with the line of each, as valgrind lists them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Keeps the block visible to the compiler, so the allocation is not optimised away. */
void *volatile sink;

static inline __attribute__((always_inline)) void *make_name(size_t n)
{
	return malloc(n); /* the inlined allocation */
}

__attribute__((noinline)) void named(void)
{
	sink = make_name(24); /* the call inlined here */
}

int main(void)
{
	named();
	write(1, "inlined: done\n", 14);
	return 0;
}
