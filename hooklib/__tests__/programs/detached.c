/*
 * detached.c: the parent leaves its child behind at once, as a daemon or a shell's '&' does: "fork"
 * returns from main right after fork(), "daemon" calls daemon(). The child leaks one 77-byte block
 * and waits to be ended. On the guest's one CPU the parent usually runs on first, and its end came
 * before the child had set itself up: the child was not the run's, and its leak was lost. It must be
 * among the run's children, ended with the run, and what it recorded until then reported.
 * "stay" keeps both parent and child running, for the run's timeout to end.
 * "killed" kills the child once it has leaked, waits until it is dead but leaves it unreaped, and returns:
 * the child ended by its parent's SIGKILL before the run's end, not by the run. "killed-stay" does the same
 * and then stays, for the run's timeout to end it: the child still ended before that.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;

static void leak(size_t size)
{
	sink = malloc(size);
}

static int kill_child(void)
{
	int ready[2];
	siginfo_t info;
	pid_t pid;
	char c;

	if (pipe(ready) != 0 || (pid = fork()) < 0)
		return 2;
	if (pid == 0) {
		leak(77);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	if (read(ready[0], &c, 1) != 1 || kill(pid, SIGKILL) != 0)
		return 3;
	/* WNOWAIT: dead, and still a zombie when this process leaves it to its new parent. */
	return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0 ? 0 : 4;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";

	if (strcmp(how, "fork") == 0) {
		if (fork() != 0)
			return 0;
	} else if (strcmp(how, "daemon") == 0) {
		/* As daemons do: to /, its streams on /dev/null. */
		if (daemon(0, 0) != 0)
			return 2;
	} else if (strcmp(how, "stay") == 0) {
		if (fork() != 0)
			for (;;)
				pause();
	} else if (strcmp(how, "killed") == 0) {
		return kill_child();
	} else if (strcmp(how, "killed-stay") == 0) {
		if (kill_child() != 0)
			return 5;
		for (;;)
			pause();
	} else {
		fprintf(stderr, "usage: detached fork|daemon|stay|killed|killed-stay\n");
		return 1;
	}
	leak(77);
	for (;;)
		pause();
}
