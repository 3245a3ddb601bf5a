/*
 * fd_numbers.c: the descriptor numbers a program gets are its own, as without the hook, which keeps its
 * files high up. It prints them on a copy of stdout.
 *
 *	fd_numbers first	opens /dev/null once, at the start: 3
 *	fd_numbers closed	lowers RLIMIT_NOFILE to 20, closes every descriptor but its copy of stdout,
 *				allocates enough for the hook to write its records (it opens its file or
 *				device again then), and opens /dev/null three times, as a daemon does: 0 1 2
 *
 * Then it leaks one block of 10 bytes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void *volatile sink;

int main(int argc, char **argv)
{
	struct rlimit limit = { 20, 20 };
	int out, a, b, c;

	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "first") == 0) {
		dprintf(1, "fd_numbers: %d\n", open("/dev/null", O_RDONLY));
	} else if (strcmp(argv[1], "closed") == 0) {
		out = dup(1);
		if (out < 0 || setrlimit(RLIMIT_NOFILE, &limit))
			return 1;
		for (int fd = 0; fd < 1024; fd++)
			if (fd != out)
				close(fd);
		/*
		 * More blocks at once than the record ring holds (a free cancels its block's record while
		 * that is still in the ring): written out while the descriptors are closed.
		 */
		static void *blocks[40000];

		for (int i = 0; i < 40000; i++)
			blocks[i] = malloc(24);
		for (int i = 0; i < 40000; i++)
			free(blocks[i]);
		a = open("/dev/null", O_RDWR);
		b = open("/dev/null", O_RDWR);
		c = open("/dev/null", O_RDWR);
		dprintf(out, "fd_numbers: %d %d %d\n", a, b, c);
	} else {
		return 2;
	}
	sink = malloc(10);
	return 0;
}
