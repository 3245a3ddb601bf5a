/* slow_start.c: a program whose library's constructor waits before the hook starts (libslow_start.c); it leaks 16 bytes. */
#include <stdlib.h>
#include <unistd.h>

void slow_start_linked(void);

void *volatile sink;

int main(void)
{
	slow_start_linked();
	sink = malloc(16);
	write(1, "slow_start: done\n", 17);
	return 0;
}
