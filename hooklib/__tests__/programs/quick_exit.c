/*
 * quick_exit.c: a program that prints, then ends with _exit(), which skips the exit handlers.
 *
 *	quick_exit main		_exit(0) from main: the hook frees glibc's buffers, as exit() and valgrind do
 *	quick_exit handler	_exit(3) from a signal handler: they are left, for the handler may have
 *				interrupted the C library holding them (their 1,024 or 4,096 bytes show)
 *	quick_exit thread	_exit(0) while another thread runs: left too, for it may still use them
 *	quick_exit quick	quick_exit(0), which ends the process past the hook's _exit: the same
 *	quick_exit unflushed	_exit(0) with its line still in stdio's buffer: dropped, as without pmm
 *	quick_exit fork		a forked child ends with _exit(0) while its parent's line waits in the
 *				buffer it inherited: the parent prints it once, at its exit
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_signal(int sig)
{
	(void)sig;
	_exit(3);
}

static void *wait_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;

	if (argc != 2)
		return 2;
	printf("quick_exit: %s\n", argv[1]);
	if (strcmp(argv[1], "unflushed") == 0)
		_exit(0);
	if (strcmp(argv[1], "fork") == 0) {
		pid_t child = fork();

		if (child == 0)
			_exit(0);
		return child < 0 || waitpid(child, NULL, 0) != child;
	}
	fflush(stdout);
	if (strcmp(argv[1], "quick") == 0)
		quick_exit(0);
	if (strcmp(argv[1], "handler") == 0) {
		signal(SIGUSR1, on_signal);
		raise(SIGUSR1);
	} else if (strcmp(argv[1], "thread") == 0) {
		if (pthread_create(&thread, NULL, wait_forever, NULL))
			return 1;
	}
	_exit(0);
}
