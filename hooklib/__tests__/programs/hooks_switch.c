/* hooks_switch.c: leaks 111 bytes, 222 with hooks_active off, then 333 with it back on. */
#include <stdlib.h>
#include <unistd.h>

#include "pmm.h"

void *volatile sink;

void leak(size_t size)
{
	sink = malloc(size);
}

static void hooks_active(int on)
{
	/* Weak: absent when the program runs without the hook. */
	if (pmm_hooks_active)
		pmm_hooks_active(on);
}

int main(void)
{
	leak(111);
	hooks_active(0);
	leak(222);
	hooks_active(1);
	leak(333);
	write(1, "hooks_switch: done\n", 19);
	return 0;
}
