/*
 * killed_midway.c: churns through more records than the hook's ring holds, leaks five 123-byte blocks,
 * then kills itself with SIGKILL (or, with "segv", a null write; with "abort", abort(); with "rtsig",
 * the real-time signal SIGRTMIN+1, which Node cannot name). No exit handler runs: every record must
 * already be where the module finds it. With "clean" it leaks nothing and exits 0.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

/*
 * Each block lives for LIVE rounds: longer than the hook remembers a block, so its free cannot cancel
 * its allocation in the ring and both are records. 20,000 rounds of malloc, realloc (which cancels
 * the malloc and stands for it) and a late free: 40,000 positions, more than two laps of the ring
 * (16,384 entries), which is drained twice.
 */
#define ROUNDS	20000
#define LIVE	3000
static void *live[LIVE];

void leak_before_dying(void)
{
	sink = malloc(123);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "kill";

	for (int i = 0; i < ROUNDS; i++) {
		int slot = i % LIVE;

		free(live[slot]);
		live[slot] = realloc(malloc(16 + i % 200), 300);
	}
	for (int slot = 0; slot < LIVE; slot++)
		free(live[slot]);
	if (strcmp(how, "clean") == 0)
		return 0;
	for (int i = 0; i < 5; i++)
		leak_before_dying();
	if (strcmp(how, "segv") == 0) {
		int *volatile nowhere = NULL;

		*nowhere = 1;
	}
	else if (strcmp(how, "abort") == 0)
		abort();
	else if (strcmp(how, "rtsig") == 0)
		raise(SIGRTMIN + 1);
	else
		kill(getpid(), SIGKILL);
	return 0;
}
