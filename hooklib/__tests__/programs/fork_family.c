/*
 * fork_family.c: the parent leaks one 100-byte block, then starts five processes that each leak their
 * own: a fork (5 x 55 bytes, after freeing its copy of the parent's block), a fork that execs this
 * program (7 x 77), a vfork that execs it (3 x 33), a posix_spawn of it (4 x 44) and a system() of it
 * (2 x 22). "--leak N SIZE" makes it leak N blocks of SIZE bytes and exit.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void *volatile sink;

void leak(int n, size_t size)
{
	for (int i = 0; i < n; i++)
		sink = malloc(size);
}

static int wait_ok(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	char *exec_args[] = { argv[0], "--leak", "7", "77", NULL };
	char *vfork_args[] = { argv[0], "--leak", "3", "33", NULL };
	char *spawn_args[] = { argv[0], "--leak", "4", "44", NULL };
	char command[4096];
	pid_t pid;

	if (argc == 4 && strcmp(argv[1], "--leak") == 0) {
		leak(atoi(argv[2]), (size_t)atoi(argv[3]));
		return 0;
	}
	leak(1, 100);

	pid = fork();
	if (pid == 0) {
		free(sink);
		leak(5, 55);
		_exit(0);
	}
	if (!wait_ok(pid))
		return 1;

	/* argv[0], not /proc/self/exe: the guest's chroot may have no /proc. */
	pid = fork();
	if (pid == 0) {
		execv(argv[0], exec_args);
		_exit(127);
	}
	if (!wait_ok(pid))
		return 2;

	pid = vfork();
	if (pid == 0) {
		execv(argv[0], vfork_args);
		_exit(127);
	}
	if (!wait_ok(pid))
		return 3;

	if (posix_spawn(&pid, argv[0], NULL, NULL, spawn_args, environ) != 0 || !wait_ok(pid))
		return 4;

	snprintf(command, sizeof(command), "'%s' --leak 2 22", argv[0]);
	if (system(command) != 0)
		return 5;
	printf("fork_family: done\n");
	return 0;
}
