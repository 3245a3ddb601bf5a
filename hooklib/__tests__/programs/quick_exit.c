/*
 * quick_exit.c: a program that prints, then ends with _exit(), which skips the exit handlers.
 *
 *	quick_exit main		_exit(0) from main: the hook frees glibc's buffers, as exit() and valgrind do
 *	quick_exit handler	_exit(3) from a signal handler: they are left, for the handler may have
 *				interrupted the C library holding them (their 1,024 or 4,096 bytes show)
 *	quick_exit thread	_exit(0) while another thread runs: left too, for it may still use them
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
	fflush(stdout);
	if (strcmp(argv[1], "handler") == 0) {
		signal(SIGUSR1, on_signal);
		raise(SIGUSR1);
	} else if (strcmp(argv[1], "thread") == 0) {
		if (pthread_create(&thread, NULL, wait_forever, NULL))
			return 1;
	}
	_exit(0);
}
