/*
 * static_forker.c, linked statically (the hook cannot enter it): forks a child that says its pid and
 * sleeps for a minute, and exits once the child has said it. The child is the run's, but no process
 * with the hook forked it.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int ready[2];
	char byte;

	if (pipe(ready) < 0)
		return 1;
	if (fork() == 0) {
		printf("static_forker: child %d\n", (int)getpid());
		fflush(stdout);
		close(ready[1]);
		sleep(60);
		return 0;
	}
	close(ready[1]);
	return read(ready[0], &byte, 1) == 0 ? 0 : 1;
}
