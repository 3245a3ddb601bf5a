/*
 * spawn_many.c: the hook benchmark's start-up workload. Starts PROGRAM COUNT times, one after the
 * other (posix_spawn, as make and shells start commands: each child is a new process, which under
 * the hook sets itself up from nothing), waits for each, and prints the wall time of the whole loop,
 * so that what one process start costs under the hook can be told from its cost plain.
 *
 *	spawn_many COUNT PROGRAM
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	long count;
	double start;

	if (argc != 3 || (count = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: spawn_many COUNT PROGRAM\n");
		return 2;
	}
	start = now_ms();
	for (long i = 0; i < count; i++) {
		char *child_argv[] = { argv[2], NULL };
		pid_t pid;
		int status;

		if (posix_spawn(&pid, argv[2], NULL, NULL, child_argv, environ) != 0 ||
		    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawn_many: %s did not run and exit 0\n", argv[2]);
			return 1;
		}
	}
	printf("ms %.1f\n", now_ms() - start);
	return 0;
}
