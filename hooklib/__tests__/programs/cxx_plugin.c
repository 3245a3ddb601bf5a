/*
 * cxx_plugin.c: a C program that opens a C++ library (libcxx_plugin.so, beside it) with RTLD_LOCAL,
 * as nm opens its LTO plugins, and exits with it open. libstdc++ is then loaded, but not in the global
 * scope, and was not loaded when the program started.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char self[4096], path[4096];
	void *lib;
	int (*use)(void);

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(path, sizeof(path), "%s/libcxx_plugin.so", dirname(self));
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "cxx_plugin: %s\n", dlerror());
		return 1;
	}
	use = (int (*)(void))dlsym(lib, "cxx_plugin_use");
	if (!use)
		return 2;
	printf("cxx_plugin: %d\n", use());
	return 0;
}
