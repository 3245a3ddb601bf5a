/*
 * fd_exhaust.c: a program that leaves no file descriptor free, then allocates: 30,000 blocks of 24
 * bytes, a third of them leaked (10,000 blocks, 240,000 bytes), more than the record ring holds.
 *
 *	fd_exhaust keep		lowers RLIMIT_NOFILE to 64 and opens /dev/null until none is left
 *	fd_exhaust close	the same, but first closes every descriptor above stderr, as a daemon does
 *	fd_exhaust fork		lowers RLIMIT_NOFILE to 3, below the hook's descriptor, then a forked
 *				child makes the allocations, with no descriptor to open /dev/pmm again
 *				(closing the one it inherited frees none under the limit): it maps its
 *				ring from the file it inherited
 *	fd_exhaust closefork	closes every descriptor above stderr, as a daemon does, lowers the
 *				limit to 3, then forks the child that allocates: neither process has a
 *				descriptor of /dev/pmm nor can open one
 *
 * With "keep" the hook's own descriptors stay, and every record must arrive. With "close" the hook may
 * have none left to write with: pmm must then say that the figures are not all there, never report
 * what arrived as the whole.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;

int main(int argc, char **argv)
{
	struct rlimit limit = { 64, 64 };

	pid_t child = 0;
	int status;

	int forks;

	if (argc != 2 || (strcmp(argv[1], "keep") && strcmp(argv[1], "close") && strcmp(argv[1], "fork") &&
			  strcmp(argv[1], "closefork")))
		return 2;
	forks = strcmp(argv[1], "fork") == 0 || strcmp(argv[1], "closefork") == 0;
	if (strcmp(argv[1], "close") == 0 || strcmp(argv[1], "closefork") == 0) {
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
	}
	if (forks)
		limit.rlim_cur = limit.rlim_max = 3;
	if (setrlimit(RLIMIT_NOFILE, &limit))
		return 1;
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	if (forks) {
		child = fork();
		if (child < 0)
			return 1;
	}
	if (child > 0) {
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
		printf("fd_exhaust: done\n");
		return 0;
	}
	for (int i = 0; i < 30000; i++) {
		sink = malloc(24);
		if (i % 3)
			free(sink);
	}
	if (child == 0 && forks)
		_exit(0);
	printf("fd_exhaust: done\n");
	return 0;
}
