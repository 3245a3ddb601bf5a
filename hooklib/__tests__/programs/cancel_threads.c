/*
 * cancel_threads.c: threads cancelled while they allocate. Each keeps a window of 2,048 live blocks,
 * more than the hook's record of its recent allocations, so its frees are records of their own and the
 * ring fills and is drained; a cancellation can come while a thread drains. On cancellation a thread
 * frees its window (a cleanup handler), so the threads leak nothing; main leaks one block of 24 bytes.
 * Under the hook a thread cancelled inside a drain (its write is a cancellation point) left the drain
 * held, and the program hung.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>

#define WINDOW	2048
#define ROUNDS	20
#define THREADS	3

void *volatile sink;
static int ready;

struct window {
	void *live[WINDOW];
};

static void release(void *arg)
{
	struct window *w = arg;

	for (int i = 0; i < WINDOW; i++)
		free(w->live[i]);
}

static void *churn(void *arg)
{
	struct window *w = calloc(1, sizeof(*w));

	(void)arg;
	if (!w)
		return NULL;
	/* Run last pushed first: the window's blocks, then the window. */
	pthread_cleanup_push(free, w);
	pthread_cleanup_push(release, w);
	for (long i = 0;; i++) {
		int slot = (int)(i % WINDOW);

		free(w->live[slot]);
		w->live[slot] = malloc(16 + (size_t)(i % 64));
		if (i == 2 * WINDOW)
			__atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
		if (i % 256 == 255)
			pthread_testcancel();
	}
	pthread_cleanup_pop(1);
	pthread_cleanup_pop(1);
	return NULL;
}

int main(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		pthread_t threads[THREADS];

		__atomic_store_n(&ready, 0, __ATOMIC_RELEASE);
		for (int i = 0; i < THREADS; i++)
			if (pthread_create(&threads[i], NULL, churn, NULL))
				return 1;
		while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < THREADS)
			sched_yield();
		for (int i = 0; i < THREADS; i++)
			pthread_cancel(threads[i]);
		for (int i = 0; i < THREADS; i++)
			pthread_join(threads[i], NULL);
	}
	sink = malloc(24);
	printf("cancel_threads: done\n");
	return 0;
}
