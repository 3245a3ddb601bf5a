/*
 * realloc_prev.c: three blocks left by realloc, each resized from another block: one moved from a block
 * allocated long before (its allocation long taken from the ring), one moved from a block allocated just
 * before (its allocation still in the ring, where the realloc cancels it), and one resized in place from a
 * block allocated just before. Each old block's address is printed; the log's Prev Pointer must name it
 * (it said 0x0 for all three), and each old block must be released exactly once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void *volatile sink;

int main(void)
{
	char *old_long = malloc(16), *old_recent, *old_in_place, *blocker;
	/* Kept as numbers: a pointer's value after realloc is not to be used, even to print it. */
	uintptr_t was_long = (uintptr_t)old_long, was_recent, was_in_place;

	/* More than the ring holds: old_long's allocation is applied by the time it is resized. */
	for (int i = 0; i < 100000; i++)
		free(malloc(32));
	blocker = malloc(16);
	sink = realloc(old_long, 100000);
	old_recent = malloc(24);
	was_recent = (uintptr_t)old_recent;
	blocker = realloc(blocker, 24);
	sink = realloc(old_recent, 200000);
	old_in_place = malloc(4000);
	was_in_place = (uintptr_t)old_in_place;
	sink = realloc(old_in_place, 40);
	printf("realloc_prev: %#jx %#jx %#jx\n", (uintmax_t)was_long, (uintmax_t)was_recent, (uintmax_t)was_in_place);
	free(blocker);
	return 0;
}
