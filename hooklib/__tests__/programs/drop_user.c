/*
 * drop_user.c: a program run as root that gives up root and goes on, as daemons do (and runuser, su):
 * it becomes nobody, forks a child that leaks, and exec()s itself, whose new image leaks. Both must be
 * recorded under the new user, as before the change: the child's 30 bytes, the last image's 44 (what
 * the first image left went with its memory). Run as another user, it says so and leaks nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY	65534

void *volatile sink;

void leak(size_t size)
{
	sink = malloc(size);
}

int main(int argc, char **argv)
{
	pid_t child;

	if (argc > 1 && strcmp(argv[1], "image") == 0) {
		leak(44);
		printf("drop_user: image of uid %d\n", (int)getuid());
		return 0;
	}
	if (getuid() != 0) {
		puts("drop_user: not root");
		return 0;
	}
	leak(10);
	if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0) {
		perror("drop_user: setuid");
		return 1;
	}
	child = fork();
	if (child == 0) {
		leak(30);
		_exit(0);
	}
	if (child < 0 || waitpid(child, NULL, 0) != child)
		return 1;
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "image", (char *)NULL);
	perror("drop_user: exec");
	return 1;
}
