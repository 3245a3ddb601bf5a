/*
 * fork_exec.c: the parent leaks 100 bytes; a forked child frees that block and leaks its own; a second
 * child execs this program again, which leaks more. Only the parent's 100 bytes are its leak.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;

void leak(size_t size)
{
	sink = malloc(size);
}

static int wait_child(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "--exec-child") == 0) {
		for (int i = 0; i < 7; i++)
			leak(77);
		return 0;
	}
	leak(100);
	pid = fork();
	if (pid == 0) {
		free(sink);
		for (int i = 0; i < 5; i++)
			leak(55);
		_exit(0);
	}
	if (pid < 0 || !wait_child(pid))
		return 1;
	pid = fork();
	if (pid == 0) {
		/* argv[0], not /proc/self/exe: the guest's chroot may have no /proc. */
		execl(argv[0], argv[0], "--exec-child", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || !wait_child(pid))
		return 1;
	write(1, "fork_exec: done\n", 16);
	return 0;
}
