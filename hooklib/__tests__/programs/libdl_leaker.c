/* libdl_leaker.c: the library dl_closed.c opens and closes; it leaks one 42-byte block. */
#include <stdlib.h>

void *volatile library_sink;

void leak_from_library(void)
{
	library_sink = malloc(42);
}
