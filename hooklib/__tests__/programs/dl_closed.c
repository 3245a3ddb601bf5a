/*
 * dl_closed.c: dlopens libdl_leaker.so (beside it), whose leak_from_library() leaks 42 bytes, then
 * dlcloses it before exiting: the leak's frames lie in a library that is gone at exit.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char self[4096], path[4096];
	void *lib;
	void (*leak)(void);

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(path, sizeof(path), "%s/libdl_leaker.so", dirname(self));
	lib = dlopen(path, RTLD_NOW);
	if (!lib)
		return 1;
	leak = (void (*)(void))dlsym(lib, "leak_from_library");
	if (!leak)
		return 2;
	leak();
	if (dlclose(lib))
		return 3;
	printf("dl_closed: done\n");
	return 0;
}
