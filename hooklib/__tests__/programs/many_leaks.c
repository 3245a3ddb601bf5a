/*
 * many_leaks.c: leaks 20,000 blocks of 8 bytes, more than the hook's ring holds (16,384), and exits.
 * Whatever the ring still holds at exit is written out then, more than one drain's worth.
 *
 *	many_leaks [N]	leaks N blocks instead (the collection of hundreds of thousands takes seconds)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCKS	20000

void *volatile sink;

void leak_one(void)
{
	sink = malloc(8);
}

int main(int argc, char **argv)
{
	long blocks = argc > 1 ? strtol(argv[1], NULL, 10) : BLOCKS;

	for (long i = 0; i < blocks; i++)
		leak_one();
	if (write(1, "many_leaks: done\n", 17) != 17)
		return 1;
	return 0;
}
