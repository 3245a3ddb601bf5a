/* leak_three.c: leaks exactly three blocks (malloc 100, calloc 2x100, realloc 50 -> 300) and frees the rest. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Keeps every block visible to the compiler, so no allocation is optimised away. */
void *volatile sink;

/* Output through write(2): stdio would malloc its buffer, and libc never frees it. */
static void say(const char *text)
{
	write(1, text, strlen(text));
}

void leak_malloc(void)
{
	sink = malloc(100);
}

void leak_calloc(void)
{
	sink = calloc(2, 100);
}

void leak_realloc(void)
{
	void *p = malloc(50);

	sink = realloc(p, 300);
}

/* Allocations that are all given back: they must cancel out. */
void churn(void)
{
	void *blocks[32];

	for (int i = 0; i < 32; i++)
		blocks[i] = malloc(16 + i);
	for (int i = 0; i < 32; i++) {
		blocks[i] = realloc(blocks[i], 1000 + i);
		free(blocks[i]);
	}
	sink = calloc(10, 10);
	free(sink);
}

int main(void)
{
	churn();
	leak_malloc();
	leak_calloc();
	leak_realloc();
	churn();
	say("leak_three: done\n");
	return 7;
}
