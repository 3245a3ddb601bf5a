/*
 * vfork_alloc.c: a vfork child that allocates before its exec, which POSIX leaves undefined and old
 * programs do. It runs on its parent's memory, and so records into its parent's ring: 40,000 blocks,
 * more than the ring holds, so that it must have the ring drained while its parent is suspended. Its
 * blocks stay in the parent's heap, and count as the parent's: with the parent's own two, 40,002 blocks
 * (640,030 bytes). The child then execs /bin/true.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;

static void leak(size_t size)
{
	sink = malloc(size);
}

int main(void)
{
	int status;
	pid_t pid;

	leak(10);
	pid = vfork();
	if (pid == 0) {
		for (int i = 0; i < 40000; i++)
			leak(16);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	leak(20);
	printf("vfork_alloc: done\n");
	return 0;
}
