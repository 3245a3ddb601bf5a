/*
 * hooks_toggle_random.c SEED OPS EVERY: OPS random mallocs, callocs, reallocs and frees on 256 slots,
 * with hooks_active switched off or on at about one op in 16 * EVERY, from a seed. It works out what
 * the hook must report, by pmm's rules (hooklib/README.md), and says it: an allocation made with
 * recording on is live until a free recorded at its address, or until another allocation recorded
 * there takes its place (its release was missed); a free recorded at an address with nothing live is
 * one of a block never seen allocated. Half the slots are left allocated. Only write(): stdio would
 * allocate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pmm.h"

#define SLOTS		256
#define VIEW_SIZE	16384	/* power of two, well above the live addresses (fewer than SLOTS * 8) */

static void *slot[SLOTS];
static int on = 1;
static long unmatched;
static uint64_t rng;

/* What the hook should see live: address -> size, open addressing with linear probing. */
static struct {
	uintptr_t addr;
	size_t size;
} view[VIEW_SIZE];

static size_t view_home(uintptr_t addr)
{
	return ((addr >> 4) * 0x9E3779B97F4A7C15ull) >> 50;
}

static size_t view_find(uintptr_t addr)
{
	size_t i = view_home(addr);

	while (view[i].addr && view[i].addr != addr)
		i = (i + 1) & (VIEW_SIZE - 1);
	return i;
}

/* Deletion that keeps every probe chain whole: later entries move back into the hole. */
static void view_delete(size_t hole)
{
	size_t i = hole;

	view[hole].addr = 0;
	for (;;) {
		size_t home;

		i = (i + 1) & (VIEW_SIZE - 1);
		if (!view[i].addr)
			return;
		home = view_home(view[i].addr);
		/* Movable when its home is not cyclically in (hole, i]. */
		if ((i > hole && (home <= hole || home > i)) || (i < hole && home <= hole && home > i)) {
			view[hole] = view[i];
			view[i].addr = 0;
			hole = i;
		}
	}
}

static void seen_alloc(void *ptr, size_t size)
{
	size_t i;

	if (!on || !ptr)
		return;
	i = view_find((uintptr_t)ptr);
	view[i].addr = (uintptr_t)ptr;
	view[i].size = size;
}

static void seen_free(void *ptr)
{
	size_t i;

	if (!on || !ptr)
		return;
	i = view_find((uintptr_t)ptr);
	if (view[i].addr)
		view_delete(i);
	else
		unmatched++;
}

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	long ops = argc > 2 ? atol(argv[2]) : 100000, every = argc > 3 ? atol(argv[3]) : 16, blocks = 0;
	size_t bytes = 0;
	char line[160];
	int len;

	if (!pmm_hooks_active || every < 1) {
		write(2, "hooks_toggle_random: needs the hook, and EVERY of at least 1\n", 61);
		return 2;
	}
	rng = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) * 2654435761u + 1;
	for (long k = 0; k < ops; k++) {
		uint64_t r = next();
		int s = r % SLOTS;
		size_t n = 1 + (r >> 20) % 300;
		void *q;

		switch ((r >> 12) % 16) {
		case 0: case 1: case 2: case 3:
			if (!slot[s]) {
				slot[s] = malloc(n);
				seen_alloc(slot[s], n);
			}
			break;
		case 4:
			if (!slot[s]) {
				slot[s] = calloc(1, n);
				seen_alloc(slot[s], n);
			}
			break;
		case 5: case 6:
			/* In place, moved, or from NULL: the old block's release, then the new block. */
			q = realloc(slot[s], n);
			if (q) {
				seen_free(slot[s]);
				seen_alloc(q, n);
				slot[s] = q;
			}
			break;
		case 7: case 8: case 9: case 10: case 11: case 12:
			if (slot[s]) {
				seen_free(slot[s]);
				free(slot[s]);
				slot[s] = NULL;
			}
			break;
		case 13:
			if ((r >> 40) % every == 0) {
				on = !on;
				pmm_hooks_active(on);
			}
			break;
		}
	}
	if (!on) {
		on = 1;
		pmm_hooks_active(1);
	}
	for (int s = 0; s < SLOTS; s += 2) {
		seen_free(slot[s]);
		free(slot[s]);
	}
	for (size_t i = 0; i < VIEW_SIZE; i++) {
		if (view[i].addr) {
			bytes += view[i].size;
			blocks++;
		}
	}
	len = snprintf(line, sizeof(line), "hooks_toggle_random: %zu bytes in %ld blocks left, %ld frees of blocks never seen allocated\n",
		       bytes, blocks, unmatched);
	write(1, line, len);
	return 0;
}
