/*
 * pmm_env.c: the hook's settings, read from the environment, also before the C library has set
 * environ. A program's .preinit_array functions run first of all, given the environment as an argument
 * but with environ still NULL; the hook starts at their first allocation, and getenv() then found none
 * of its settings: host mode never started (pmm refused the run, blaming a set-user-ID program), and in
 * the VM PMM_STACK_DEPTH and the rest were ignored.
 */
#include <stdlib.h>
#include <string.h>

#include "pmm_internal.h"

extern char **environ;
/* ld.so's: the initial stack, where the kernel put argc, argv..., NULL, then envp..., NULL. */
extern void *__libc_stack_end;

const char *pmm_getenv(const char *name)
{
	size_t len = strlen(name);
	char **arg, **env;

	if (environ || !__libc_stack_end)
		return getenv(name);
	/* Past argv's NULL rather than by argc: ld.so run as a command moves argv but not envp. */
	for (arg = (char **)__libc_stack_end + 1; *arg; arg++)
		;
	for (env = arg + 1; *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}
