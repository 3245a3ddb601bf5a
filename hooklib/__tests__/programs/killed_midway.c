/*
 * killed_midway.c: churns through more blocks than the hook's ring holds, leaks five 123-byte blocks,
 * then kills itself with SIGKILL (or, with "segv", a null write; with "abort", abort()). No exit
 * handler runs: every record must already be where the module finds it. With "clean" it leaks
 * nothing and exits 0.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

void leak_before_dying(void)
{
	sink = malloc(123);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "kill";

	/* 3 x 5000 records: the ring (4096 entries) fills and is drained more than once. */
	for (int i = 0; i < 5000; i++) {
		void *p = malloc(16 + i % 200);

		p = realloc(p, 300);
		free(p);
	}
	if (strcmp(how, "clean") == 0)
		return 0;
	for (int i = 0; i < 5; i++)
		leak_before_dying();
	if (strcmp(how, "segv") == 0) {
		int *volatile nowhere = NULL;

		*nowhere = 1;
	}
	else if (strcmp(how, "abort") == 0)
		abort();
	else
		kill(getpid(), SIGKILL);
	return 0;
}
