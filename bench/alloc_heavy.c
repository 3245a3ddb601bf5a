/*
 * alloc_heavy.c: the hook benchmark's workload. Each of THREADS threads makes PAIRS malloc/free pairs
 * of mixed sizes (16..527 bytes), keeping a small window of live blocks so that frees do not simply
 * undo the last malloc. Prints the wall time of the allocating part only, so that process start,
 * the hook's set-up and (in the VM) the boot stay out of the figure.
 *
 *	alloc_heavy PAIRS THREADS
 *
 * With ALLOC_HEAVY_SWITCH=1 in its environment, under the hook, it first switches recording off and on
 * again (pmm_hooks_active), as a program that leaves its start-up out does: what the work after costs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* hooklib/pmm.h's: weak, absent when the program runs without the hook. */
extern void pmm_hooks_active(int on) __attribute__((weak));

#define WINDOW 64

static long pairs;

static void *churn(void *arg)
{
	void *live[WINDOW] = { 0 };
	unsigned int seed = (unsigned int)(long)arg * 2654435761u + 1;

	for (long i = 0; i < pairs; i++) {
		int slot = (int)(i % WINDOW);

		seed = seed * 1103515245u + 12345u;
		free(live[slot]);
		live[slot] = malloc(16 + (seed >> 16) % 512);
		/* Touch it, so that the allocation cannot be optimised away. */
		*(volatile char *)live[slot] = 1;
	}
	for (int slot = 0; slot < WINDOW; slot++)
		free(live[slot]);
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	long nthreads;
	double start;

	if (argc != 3 || (pairs = atol(argv[1])) <= 0 || (nthreads = atol(argv[2])) <= 0 || nthreads > 64) {
		fprintf(stderr, "usage: alloc_heavy PAIRS THREADS\n");
		return 2;
	}
	if (getenv("ALLOC_HEAVY_SWITCH") && pmm_hooks_active) {
		pmm_hooks_active(0);
		free(malloc(1));
		pmm_hooks_active(1);
	}
	start = now_ms();
	for (long t = 0; t < nthreads; t++)
		if (pthread_create(&threads[t], NULL, churn, (void *)t))
			return 1;
	for (long t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	printf("ms %.1f\n", now_ms() - start);
	return 0;
}
