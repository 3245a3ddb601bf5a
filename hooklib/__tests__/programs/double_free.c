/* double_free.c: frees one block twice; glibc aborts the program on the second free. */
#include <stdlib.h>
#include <unistd.h>

void *volatile sink;

int main(void)
{
	void *p = malloc(24);

	sink = p;
	free(p);
	write(1, "double_free: freeing again\n", 27);
	free(sink);
	write(1, "double_free: not reached\n", 25);
	return 0;
}
