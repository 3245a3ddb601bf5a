/*
 * raw_fork.c: children made without the C library's fork handlers, of which the hook hears nothing at
 * the fork: one by clone() (as a container runtime makes them) and one by the fork system call itself.
 * Each leaks a block of its own and frees another. pmm must report each child's leak as that child's;
 * before, the hook's first record in such a child went to its parent's ring, which the kernel does not
 * map into a child, and killed it with SIGSEGV.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;

static void leak(size_t size)
{
	sink = malloc(size);
	free(malloc(size * 2));
}

static int clone_child(void *arg)
{
	(void)arg;
	leak(31);
	return 0;
}

static int ended_well(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pid_t pid;

	leak(100);
	if (!ended_well(clone(clone_child, stack + sizeof(stack), SIGCHLD, NULL)))
		return 1;
	pid = (pid_t)syscall(SYS_fork);
	if (pid == 0) {
		leak(42);
		_exit(0);
	}
	if (!ended_well(pid))
		return 1;
	printf("raw_fork: done\n");
	return 0;
}
