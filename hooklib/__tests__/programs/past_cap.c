/*
 * past_cap.c: leaks 1,000,000 blocks of 24 bytes from known_leak(), as many as pmm keeps of a process, then
 * one more from real_leak(), which pmm cannot keep. With known_leak suppressed, the kept figures show
 * nothing: the run must not pass as clean (it said "no leaks but suppressed ones", status 0).
 */
#include <stdlib.h>
#include <unistd.h>

#define KNOWN	1000000

void *volatile sink;

void known_leak(void)
{
	sink = malloc(24);
}

void real_leak(void)
{
	sink = malloc(4096);
}

int main(void)
{
	for (int i = 0; i < KNOWN; i++)
		known_leak();
	real_leak();
	if (write(1, "past_cap: done\n", 15) != 15)
		return 1;
	return 0;
}
