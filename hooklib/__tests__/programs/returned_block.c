/*
 * returned_block.c: a block goes back to the thread that allocated it, through another thread. This
 * thread allocates a block, another frees it (or moves it away with realloc) and at once allocates
 * the same size, which glibc serves from that thread's cache with the same address, and hands it
 * back; this thread frees it. The first allocation's record may still be in the ring, remembered by
 * this thread as its own: cancelling it with the last free left the other thread's release matching
 * nothing and the block's second allocation leaked. Leaks: none; frees of blocks never allocated:
 * none. Prints how many blocks came back with their first address (100 each way, or it could not
 * show the fault).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETURNS		100	/* blocks that must come back each way */
#define MAX_ROUNDS	1000

struct handover {
	void *block;
	size_t size;
	int by_realloc;
};

/* The other thread: releases the block, allocates its size again and hands that back. */
static void *give_back(void *arg)
{
	struct handover *h = arg;

	if (h->by_realloc) {
		void *moved = realloc(h->block, h->size + 8192);

		h->block = malloc(h->size);
		free(moved);
	} else {
		free(h->block);
		h->block = malloc(h->size);
	}
	return NULL;
}

/* Rounds until RETURNS blocks came back with their first address (nearly every round does). */
static int round_trips(int by_realloc)
{
	int same = 0;

	for (int r = 0; r < MAX_ROUNDS && same < RETURNS; r++) {
		struct handover h = { .size = 16 + 8 * (r % 100), .by_realloc = by_realloc };
		void *first, *guard;
		pthread_t t;

		h.block = malloc(h.size);
		/* A block at the heap's top would grow in place: the guard comes after it. */
		guard = malloc(16);
		first = h.block;
		if (pthread_create(&t, NULL, give_back, &h) != 0 || pthread_join(t, NULL) != 0)
			return -1;
		same += h.block == first;
		free(h.block);
		free(guard);
	}
	return same;
}

int main(void)
{
	int freed = round_trips(0), moved = round_trips(1);

	printf("returned_block: %d freed and %d moved blocks came back\n", freed, moved);
	return 0;
}
