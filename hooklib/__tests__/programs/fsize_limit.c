/*
 * fsize_limit.c: a program that lowers its own file size limit (RLIMIT_FSIZE) to 1 MiB, then
 * allocates 100,000 blocks of 32 bytes and frees every other one: 50,000 leaked (1,600,000 bytes),
 * whose records alone are more than 1 MiB.
 *
 *	fsize_limit		as above, then prints its line and exits 0
 *	fsize_limit exceed	allocates only 10 blocks (leaking 5), then writes past the limit itself
 *	fsize_limit fork	lowers the limit to 1 KiB instead, less than an object map, then forks a child
 *				that says its pid and leaks a block; exits 0 once the child has
 *
 * A write past the limit raises SIGXFSZ, which kills by default: the hook's own writes must never
 * raise it, the program's must, as without the hook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT	(1 << 20)

void *volatile sink;

static void churn(int blocks)
{
	for (int i = 0; i < blocks; i++) {
		sink = malloc(32);
		if (i % 2)
			free(sink);
	}
}

int main(int argc, char **argv)
{
	struct rlimit limit = { LIMIT, LIMIT };
	int exceed = argc == 2 && strcmp(argv[1], "exceed") == 0;
	static char chunk[LIMIT];
	char name[] = "/tmp/fsize_limit.XXXXXX";
	int own;

	if (argc == 2 && strcmp(argv[1], "fork") == 0) {
		pid_t child;
		int status;

		limit.rlim_cur = 1024;
		if (setrlimit(RLIMIT_FSIZE, &limit))
			return 1;
		child = fork();
		if (child == 0) {
			printf("fsize_limit: child %d\n", (int)getpid());
			sink = malloc(32);
			return 0;
		}
		return child < 0 || waitpid(child, &status, 0) != child || status != 0;
	}
	if (setrlimit(RLIMIT_FSIZE, &limit))
		return 1;
	churn(exceed ? 10 : 100000);
	if (exceed) {
		/* A file of its own (not stdio's, whose buffer would be one more block), filled to the limit. */
		own = mkstemp(name);
		if (own < 0 || unlink(name) || write(own, chunk, LIMIT) != LIMIT)
			return 1;
		/* One byte more: the signal ends the program in this write. */
		if (write(own, chunk, 1) == 1)
			printf("fsize_limit: wrote past its limit\n");
		return 1;
	}
	printf("fsize_limit: done\n");
	return 0;
}
