/*
 * libslow_start.c: the library slow_start.c links. Its constructor runs before the hook's (the loader starts a
 * program's libraries before what LD_PRELOAD put in), says so, and waits: a signal that comes meanwhile ends the
 * program before its hook started. No allocation here, which would start the hook early.
 */
#include <time.h>
#include <unistd.h>

__attribute__((constructor)) static void wait_before_the_hook(void)
{
	struct timespec wait = { 30, 0 };
	static const char line[] = "slow_start: before the hook\n";

	write(1, line, sizeof(line) - 1);
	nanosleep(&wait, NULL);
}

void slow_start_linked(void)
{
}
