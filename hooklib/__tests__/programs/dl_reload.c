/*
 * dl_reload.c: loads libframe_small.so (beside it), allocates 42 bytes through its frame_alloc(),
 * closes it, then does the same with libframe_big.so, which the loader maps where the first one
 * was: the second allocation returns to the same address as the first, in a frame of another size.
 * An unwinder that kept the first library's rule for that address past the dlclose would give the
 * second allocation a wrong stack. With "leak" both blocks are kept: each is reported with its own
 * library, though one address is in both. With "again", as "leak", then libframe_small.so once more,
 * where both were, and a third block kept: the first is still the small library's, though the big
 * one was at its address between (the hook's map kept the small one's first close only while it was
 * not mapped again).
 */
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char *const names[] = { "libframe_small.so", "libframe_big.so", "libframe_small.so" };
	char self[4096], path[4096];
	const char *dir;
	int again = argc > 1 && strcmp(argv[1], "again") == 0;
	int leak = again || (argc > 1 && strcmp(argv[1], "leak") == 0);
	static void *kept[3];

	snprintf(self, sizeof(self), "%s", argv[0]);
	dir = dirname(self);
	for (int i = 0; i < (again ? 3 : 2); i++) {
		void *lib, *(*frame_alloc)(void);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		lib = dlopen(path, RTLD_NOW);
		if (!lib)
			return 1;
		frame_alloc = (void *(*)(void))dlsym(lib, "frame_alloc");
		if (!frame_alloc)
			return 2;
		kept[i] = frame_alloc();
		if (!leak)
			free(kept[i]);
		if (dlclose(lib))
			return 3;
	}
	printf("dl_reload: done\n");
	return 0;
}
