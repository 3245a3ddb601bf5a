/*
 * threads_at_exit.c: two threads still running when main returns, each holding a block of its own
 * (32 and 64 bytes). What is in use at exit is theirs and each thread's DTV, which glibc allocated for
 * it (a block of 16 bytes per slot of a library with thread-local variables).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NTHREADS	2

void *volatile held[NTHREADS];
static pthread_barrier_t started;

static void *hold(void *arg)
{
	int i = (int)(long)arg;

	held[i] = malloc(32 << i);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_barrier_init(&started, NULL, NTHREADS + 1);
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&t, NULL, hold, (void *)i) != 0)
			return 1;
	pthread_barrier_wait(&started);
	printf("threads_at_exit: %d threads running\n", NTHREADS);
	return 0;
}
