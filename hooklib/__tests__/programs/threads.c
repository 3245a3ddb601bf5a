/*
 * threads.c: 8 threads allocate and free concurrently, each also freeing blocks the next thread
 * allocated (passed through a mailbox); thread i leaks exactly one block of 64 * (i + 1) bytes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS	8
#define ROUNDS		20000

void *volatile sink[NTHREADS];

/* mailbox[i]: a block on its way to thread i, allocated by thread i - 1. */
static void *mailbox[NTHREADS];

void leak_in_thread(int i)
{
	sink[i] = malloc(64 * (i + 1));
}

/* Blocks move between threads' arenas and addresses are reused all the time: matching by address must hold. */
void *churn(void *arg)
{
	int i = (int)(long)arg;
	void *held[8] = { 0 };

	for (int r = 0; r < ROUNDS; r++) {
		int slot = r % 8;

		free(held[slot]);
		if (r % 3 == 0)
			held[slot] = calloc(1, 8 + r % 500);
		else
			held[slot] = malloc(8 + r % 700);
		if (r % 5 == 0)
			held[slot] = realloc(held[slot], 16 + r % 900);
		/* Hand this block to the next thread and free, later, whatever the previous one sent. */
		if (r % 4 == 1)
			held[slot] = __atomic_exchange_n(&mailbox[(i + 1) % NTHREADS], held[slot], __ATOMIC_ACQ_REL);
	}
	for (int slot = 0; slot < 8; slot++)
		free(held[slot]);
	leak_in_thread(i);
	return NULL;
}

int main(void)
{
	pthread_t threads[NTHREADS];

	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&threads[i], NULL, churn, (void *)i))
			return 1;
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < NTHREADS; i++)
		free(mailbox[i]);
	write(1, "threads: done\n", 14);
	return 0;
}
