/*
 * detached.c: the parent leaves its child behind at once, as a daemon or a shell's '&' does: "fork"
 * returns from main right after fork(), "daemon" calls daemon(). The child leaks one 77-byte block
 * and waits to be ended. On the guest's one CPU the parent usually runs on first, and its end came
 * before the child had set itself up: the child was not the run's, and its leak was lost. It must be
 * among the run's children, ended with the run, and what it recorded until then reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

static void leak(size_t size)
{
	sink = malloc(size);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";

	if (strcmp(how, "fork") == 0) {
		if (fork() != 0)
			return 0;
	} else if (strcmp(how, "daemon") == 0) {
		/* As daemons do: to /, its streams on /dev/null. */
		if (daemon(0, 0) != 0)
			return 2;
	} else {
		fprintf(stderr, "usage: detached fork|daemon\n");
		return 1;
	}
	leak(77);
	for (;;)
		pause();
}
