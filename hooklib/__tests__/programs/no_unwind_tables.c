/*
 * no_unwind_tables.c: built without CFI (-fno-asynchronous-unwind-tables), with frame pointers, as
 * some projects build: each function calls the next, the last leaks. Its stack goes back to main all
 * the same (libgcc's unwinder stops at the first frame without CFI; the hook steps by rbp there).
 */
#include <stdio.h>
#include <stdlib.h>

void *volatile sink;

__attribute__((noinline)) void leak_here(void)
{
	sink = malloc(33);
}

__attribute__((noinline)) void middle(void)
{
	leak_here();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void outer(void)
{
	middle();
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	outer();
	printf("no_unwind_tables: done\n");
	return 0;
}
