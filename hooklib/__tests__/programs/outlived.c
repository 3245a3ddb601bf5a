/*
 * outlived.c: the parent leaks one 10-byte block and exits while the child it forked, which leaks
 * three 33-byte blocks, is still running (it waits forever, holding stdout). The run must end all the
 * same, with the child's leaks reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void *volatile sink;

void leak(int n, size_t size)
{
	for (int i = 0; i < n; i++)
		sink = malloc(size);
}

int main(void)
{
	int ready[2];
	char byte;

	if (pipe(ready) != 0)
		return 1;
	leak(1, 10);
	switch (fork()) {
	case -1:
		return 2;
	case 0:
		leak(3, 33);
		/* Its leaks are recorded: the parent may go. */
		write(ready[1], "", 1);
		for (;;)
			pause();
	}
	if (read(ready[0], &byte, 1) != 1)
		return 3;
	printf("outlived: done\n");
	return 0;
}
