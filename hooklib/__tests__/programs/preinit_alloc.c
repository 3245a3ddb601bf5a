/*
 * preinit_alloc.c: allocates in a .preinit_array function, which runs before every constructor and
 * before the C library sets environ, so the hook starts there with no getenv(); then leaks in main.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

static __attribute__((noinline)) void leak_before_libc(void)
{
	sink = malloc(101);
}

static void first_of_all(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	(void)envp;
	leak_before_libc();
	free(malloc(7));
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **, char **) = first_of_all;

int main(void)
{
	sink = malloc(10);
	write(1, "preinit_alloc: done\n", 20);
	return 0;
}
