/*
 * pid_reuse: two children of one run get the same pid, one after the other, as happens once a run
 * has made more processes than pid_max. The first leaks one block of 11 bytes and exits with 5; once
 * it is reaped, the second is made with its pid (clone3 with set_tid, which needs root) and execs
 * this program to leak two blocks of 22 bytes and die of SIGTERM. Each child's leaks and ending are
 * its own: neither may hide or take the other's.
 *
 *	pid_reuse		exit 0; 3 if the pid could not be given again (then nothing was shown)
 *	pid_reuse leak N SIZE	leaks N blocks of SIZE bytes and dies of SIGTERM (the second child)
 */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void leak(int blocks, size_t size)
{
	for (int i = 0; i < blocks; i++)
		memset(malloc(size), 1, size);
}

/* A child with exactly this pid, or -1 (it is taken, or this process may not choose pids). */
static pid_t fork_as(pid_t pid)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uintptr_t)&pid;
	args.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int main(int argc, char **argv)
{
	pid_t first, second;
	int status;

	if (argc == 4 && strcmp(argv[1], "leak") == 0) {
		leak(atoi(argv[2]), (size_t)atol(argv[3]));
		raise(SIGTERM);
		return 1;
	}
	first = fork();
	if (first == 0) {
		leak(1, 11);
		exit(5);
	}
	if (first < 0 || waitpid(first, &status, 0) != first || !WIFEXITED(status) || WEXITSTATUS(status) != 5)
		return 1;
	second = fork_as(first);
	if (second == 0) {
		/* No fork handler ran in this child: it runs nothing of the hook's before the exec. */
		execl("/proc/self/exe", argv[0], "leak", "2", "22", (char *)NULL);
		_exit(127);
	}
	if (second < 0) {
		perror("pid_reuse: clone3 with the first child's pid");
		return 3;
	}
	if (waitpid(second, &status, 0) != second || !WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
		return 1;
	printf("pid_reuse: both children had pid %d\n", (int)first);
	return 0;
}
