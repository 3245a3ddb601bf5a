/*
 * threads_realloc.c: 4 threads run the allocator's calls at random (a fixed seed) on shared slots,
 * each on every other thread's slots in turn, so that blocks are moved by realloc, freed and reused
 * across threads; then half the slots are freed and the rest leaked, which it says (bytes asked for). A realloc that moves a block
 * takes an address that another thread may have allocated and freed a moment before: recorded in the
 * position its realloc took before the call, the new block came before that thread's, and a later
 * free matched nothing (or a leak went unseen).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS	4
#define SLOTS	256
#define PHASES	THREADS
#define CALLS	60000

static void *slots[THREADS][SLOTS];
static size_t sizes[THREADS][SLOTS];	/* what each live slot's block was asked for */
static pthread_barrier_t phase_end;

static uint32_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

static void call_at_random(uint64_t *state, void **slot, size_t *asked)
{
	uint32_t size = 1 + next_random(state) % 600;
	void *moved;

	switch (next_random(state) % 8) {
	case 0:
	case 1:
		free(*slot);
		*slot = malloc(size);
		*asked = size;
		break;
	case 2:
		free(*slot);
		*slot = calloc(1 + size % 7, size);
		*asked = (1 + size % 7) * size;
		break;
	case 3:
	case 4:
	case 5:
		moved = realloc(*slot, size);
		if (moved) {
			*slot = moved;
			*asked = size;
		}
		break;
	case 6:
		free(*slot);
		*slot = NULL;
		break;
	case 7:
		free(*slot);
		*slot = strdup("a copy");
		*asked = sizeof("a copy");
		break;
	}
}

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	uint64_t state = 1000 + me;

	for (int phase = 0; phase < PHASES; phase++) {
		int owner = (me + phase) % THREADS;

		for (int i = 0; i < CALLS; i++) {
			uint32_t slot = next_random(&state) % SLOTS;

			call_at_random(&state, &slots[owner][slot], &sizes[owner][slot]);
		}
		pthread_barrier_wait(&phase_end);
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	size_t bytes = 0;
	char line[80];
	int left = 0, n;

	pthread_barrier_init(&phase_end, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		for (int j = 0; j < SLOTS; j++) {
			if (j % 2 == 0) {
				free(slots[i][j]);
				slots[i][j] = NULL;
			}
			if (slots[i][j]) {
				left++;
				bytes += sizes[i][j];
			}
		}
	}
	/* Not stdio, whose buffer would be one block more. */
	n = snprintf(line, sizeof(line), "threads_realloc: %zu bytes in %d blocks left\n", bytes, left);
	write(1, line, n);
	return 0;
}
