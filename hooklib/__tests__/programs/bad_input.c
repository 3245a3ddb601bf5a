/*
 * bad_input.c: what a program may throw at the hook, none of which may crash it or go wrong in the
 * figures: free(NULL), malloc(0), realloc(p, 0), sizes that fail with ENOMEM, the free of a block the
 * hook never saw (allocated with hooks_active off), and an allocation from a signal handler.
 * Leaks: the malloc(0) block (0 bytes) and 77 bytes from on_usr1.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmm.h"

void *volatile sink;

void on_usr1(int sig)
{
	(void)sig;
	sink = malloc(77);
}

int main(void)
{
	void *foreign, *p;
	int failures = 0;

	free(NULL);
	sink = malloc(0);
	p = malloc(64);
	p = realloc(p, 0);
	if (p)
		failures++;
	errno = 0;
	if (malloc(SIZE_MAX / 2) != NULL || errno != ENOMEM)
		failures++;
	if (calloc(SIZE_MAX / 4, 8) != NULL)
		failures++;
	if (realloc(NULL, SIZE_MAX - 4096) != NULL)
		failures++;
	if (pmm_hooks_active)
		pmm_hooks_active(0);
	foreign = malloc(19);
	if (pmm_hooks_active)
		pmm_hooks_active(1);
	free(foreign);

	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);

	printf("bad_input: %d failures\n", failures);
	return failures;
}
