/*
 * replaced_self [OTHER]: leaks one block of 24 bytes from a function of its own, then renames OTHER over
 * its own file, as a relink or an upgrade replaces a program while it runs. Read by its path after it
 * ended, its file is OTHER: the leak's frames must not be named after OTHER's functions.
 */
#include <stdio.h>
#include <stdlib.h>

void *volatile sink;

__attribute__((noinline)) void replaced_self_leak(void)
{
	sink = malloc(24);
}

int main(int argc, char **argv)
{
	replaced_self_leak();
	if (argc > 1 && rename(argv[1], argv[0]) != 0) {
		perror("replaced_self: rename");
		return 1;
	}
	return 0;
}
