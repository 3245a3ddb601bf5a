/*
 * close_fds.c: closes every fd but 0-2, as a daemon does, opens a file of its own (which may get the
 * number the hook had), then makes 100,000 allocations, a third of them leaked: enough to fill the
 * hook's ring several times. Then it checks that its file holds only what it wrote.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS	100000

void *volatile sink;

void leak_some(int i)
{
	void *p = malloc(32);

	sink = p;
	if (i % 3)
		free(p);
}

int main(void)
{
	char path[] = "/tmp/pmm-close-fds-XXXXXX", back[64];
	int fd;
	ssize_t n;

	for (int i = 3; i < 1024; i++)
		close(i);
	fd = mkstemp(path);
	if (fd < 0)
		return 2;
	for (int i = 0; i < ROUNDS; i++)
		leak_some(i);
	if (write(fd, "mine\n", 5) != 5)
		return 2;
	n = pread(fd, back, sizeof(back), 0);
	close(fd);
	unlink(path);
	if (n == 5 && memcmp(back, "mine\n", 5) == 0)
		printf("close_fds: its file is its own\n");
	else
		printf("close_fds: its file holds %zd bytes, not its 5\n", n);
	return 0;
}
