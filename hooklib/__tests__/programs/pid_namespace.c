/*
 * pid_namespace.c: a program that runs its children in a pid namespace of their own, as a sandbox or
 * a container runtime does (needs root). Its first child is pid 1 in there and leaks 100 bytes; that
 * child forks one that leaks 7 and dies of SIGUSR1, reaped in there by its pid in there, and
 * posix_spawn()s STATIC (a program the hook cannot enter), then exits 5.
 *
 *	pid_namespace STATIC		as above
 *	pid_namespace STATIC outlive	the first child sleeps instead of exiting, and the program
 *					exits without waiting for it: the run must end it
 *
 * pmm must list each child once, by the pid the run knows it by, with how it ended: host mode named
 * the first by its pid in there (1), listed it again under the pid its parent reaped, and could not
 * find it to end it.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *kept;

/* outlive: the first child's end of a pipe, written to once it has done its work. */
static int inner_init(const char *static_image, int outlive)
{
	char *argv[] = { (char *)static_image, "static", NULL };
	int status;
	pid_t pid;

	kept = malloc(100);
	pid = fork();
	if (pid == 0) {
		kept = malloc(7);
		raise(SIGUSR1);
		_exit(1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != SIGUSR1) {
		fprintf(stderr, "pid_namespace: the inner child did not die of SIGUSR1\n");
		return 1;
	}
	if (posix_spawn(&pid, static_image, NULL, NULL, argv, environ) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		fprintf(stderr, "pid_namespace: the spawned image did not run\n");
		return 1;
	}
	fflush(stdout);
	if (outlive >= 0) {
		if (write(outlive, "", 1) != 1)
			return 1;
		for (;;)
			pause();
	}
	return 5;
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	int outlive = argc == 3 && strcmp(argv[2], "outlive") == 0, done[2];
	char byte;

	if ((argc != 2 && !outlive) || pipe(done) != 0) {
		fprintf(stderr, "usage: pid_namespace STATIC [outlive]\n");
		return 2;
	}
	if (unshare(CLONE_NEWPID) != 0) {
		perror("pid_namespace: unshare");
		return 2;
	}
	pid = fork();
	if (pid == 0)
		_exit(getpid() == 1 ? inner_init(argv[1], outlive ? done[1] : -1) : 1);
	close(done[1]);
	if (outlive) {
		if (pid < 0 || read(done[0], &byte, 1) != 1) {
			fprintf(stderr, "pid_namespace: the first child did not do its work\n");
			return 1;
		}
		printf("pid_namespace: left running\n");
		return 0;
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 5) {
		fprintf(stderr, "pid_namespace: the first child did not exit 5\n");
		return 1;
	}
	printf("pid_namespace: done\n");
	return 0;
}
