/* deadline.c: the clock of struct deadline (deadline.h). */
#include "deadline.h"

#include <time.h>

unsigned long long deadline_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}
