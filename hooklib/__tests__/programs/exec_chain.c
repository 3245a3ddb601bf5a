/*
 * exec_chain.c: runs itself again N times (exec_chain N), one exec after another in the same process,
 * and the last image leaks one block of 7 bytes. Each image's object map is kept in host mode under a
 * number of its own; finding the next number must not cost more with each exec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void *volatile sink;

int main(int argc, char **argv)
{
	long left = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	char next[32];

	if (left > 0) {
		sink = malloc(100);	/* gone with the image at its exec: no leak */
		snprintf(next, sizeof(next), "%ld", left - 1);
		execl("/proc/self/exe", argv[0], next, (char *)NULL);
		perror("exec_chain: execl");
		return 1;
	}
	sink = malloc(7);
	printf("exec_chain: done\n");
	return 0;
}
