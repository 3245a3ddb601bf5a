/*
 * dl_share.c: loads libframe_small.so, libframe_mid.so and libframe_big.so (beside it), which the
 * loader maps at 64 KiB boundaries, and allocates 42 bytes through each one's frame_alloc() in
 * turn, three rounds: three return addresses with the same low 16 bits, whose frames differ in
 * size. An unwinder cache indexed by those bits must never give one address another's rule.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	static const char *const names[] = { "libframe_small.so", "libframe_mid.so", "libframe_big.so" };
	void *(*frame_alloc[3])(void);
	char self[4096], path[4096];
	const char *dir;

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	dir = dirname(self);
	for (int i = 0; i < 3; i++) {
		void *lib;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		lib = dlopen(path, RTLD_NOW);
		if (!lib)
			return 1;
		frame_alloc[i] = (void *(*)(void))dlsym(lib, "frame_alloc");
		if (!frame_alloc[i])
			return 2;
	}
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 3; i++)
			free(frame_alloc[i]());
	printf("dl_share: done\n");
	return 0;
}
