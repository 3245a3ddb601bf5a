/*
 * pmm_exec.c: keeps the hook in every image a monitored process execs or spawns. A program may hand
 * exec an environment of its own (execle, execve, env -i, posix_spawn with envp, or clearenv first);
 * without LD_PRELOAD the new image would run unwatched and its leaks go unseen. So each exec and
 * posix_spawn gets back the hook's variables the program left out: this library in LD_PRELOAD (ahead
 * of any the program chose) and the hook's settings the process started with. As valgrind's
 * --trace-children=yes does, the whole process tree stays monitored whatever it does to its
 * environment. What the program passes is kept; nothing is added when it is all there. popen() is
 * the exception, see pmm_exec_restore_environ (system() spawns through posix_spawn: pmm_system.c).
 *
 * A vfork child runs these on its parent's memory: nothing here allocates with malloc or looks up
 * a symbol then. The variables and the real functions are taken once, at load.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmm_host_ring.h"
#include "pmm_internal.h"

/*
 * The hook's own settings, which every image of the run must read alike. Only these are handed on:
 * other PMM_* variables (the harness's, the CLI's) are the program's to keep or drop, and a new
 * image given an environment of its own (env -i) gets no more than valgrind's would.
 * PMM_RECORD_FD and PMM_MAPS_FILE name one process's stream (pmm_transport.c): never handed on.
 */
static const char *const pmm_exec_settings[] = {
	"PMM_HOOKS_ACTIVE", "PMM_STACK_DEPTH", "PMM_STACK_UNWIND", "PMM_LIBC_FREERES", "PMM_RECORD_DIR",
};

/* The hook's settings the process started with, "NAME=value", within one buffer. */
#define PMM_EXEC_SAVED_MAX	((int)(sizeof(pmm_exec_settings) / sizeof(pmm_exec_settings[0])))
#define PMM_EXEC_SAVED_BYTES	8192
static char pmm_exec_saved_text[PMM_EXEC_SAVED_BYTES];
static const char *pmm_exec_saved[PMM_EXEC_SAVED_MAX];
static int pmm_exec_saved_count;

/* This library's file, as LD_PRELOAD must name it (an absolute path: the program may chdir). */
static char pmm_exec_self[PATH_MAX];

/*
 * An environment up to this size (about 2,000 variables) is rebuilt on the stack, a larger one in a
 * mapping of its own: a thread may have been given a small stack.
 */
#define PMM_EXEC_STACK_BYTES	(16 * 1024)

enum pmm_exec_how {
	PMM_EXECVE,
	PMM_EXECVPE,
	PMM_FEXECVE,
	PMM_EXECVEAT,
	PMM_POSIX_SPAWN,
	PMM_POSIX_SPAWNP,
	PMM_EXEC_HOWS
};

static const char *const pmm_exec_names[PMM_EXEC_HOWS] = {
	[PMM_EXECVE] = "execve",
	[PMM_EXECVPE] = "execvpe",
	[PMM_FEXECVE] = "fexecve",
	[PMM_EXECVEAT] = "execveat",
	[PMM_POSIX_SPAWN] = "posix_spawn",
	[PMM_POSIX_SPAWNP] = "posix_spawnp",
};
static void *pmm_exec_real[PMM_EXEC_HOWS];
static FILE *(*pmm_real_popen)(const char *, const char *);

/* One call of the exec or spawn family, its arguments but the environment. */
struct pmm_exec_call {
	enum pmm_exec_how how;
	const char *path;	/* path or file */
	char *const *argv;
	int fd;			/* fexecve, execveat */
	int flags;		/* execveat */
	pid_t *pid;		/* posix_spawn* */
	const posix_spawn_file_actions_t *actions;
	const posix_spawnattr_t *attr;
};

/* "NAME=..." names the variable name (the part of entry before '='). */
static int pmm_env_names(const char *entry, const char *name, size_t len)
{
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

static int pmm_exec_is_setting(const char *entry)
{
	for (int i = 0; i < PMM_EXEC_SAVED_MAX; i++) {
		if (pmm_env_names(entry, pmm_exec_settings[i], strlen(pmm_exec_settings[i])))
			return 1;
	}
	return 0;
}

static size_t pmm_env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

__attribute__((constructor)) static void pmm_exec_prepare(void)
{
	size_t used = 0;
	Dl_info self;
	int was_in_hook = pmm_in_hook;

	/* dlsym and realpath may allocate: the hook's own, never recorded. */
	pmm_in_hook = 1;
	for (int i = 0; i < PMM_EXEC_HOWS; i++)
		pmm_exec_real[i] = dlsym(RTLD_NEXT, pmm_exec_names[i]);
	pmm_real_popen = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "popen");
	/*
	 * The name the loader found this library by: absolute, it is the LD_PRELOAD entry itself (and
	 * stays valid whatever directory the program moves to); relative, it is made absolute now. Not
	 * realpath() always: in the guest each readlink of it is a round trip over 9p, at every start.
	 */
	if (!dladdr((void *)&pmm_exec_prepare, &self) || !self.dli_fname ||
	    strlen(self.dli_fname) >= sizeof(pmm_exec_self))
		pmm_exec_self[0] = '\0';
	else if (self.dli_fname[0] == '/')
		strcpy(pmm_exec_self, self.dli_fname);
	else if (!realpath(self.dli_fname, pmm_exec_self))
		pmm_exec_self[0] = '\0';
	pmm_in_hook = was_in_hook;
	for (char **e = environ; e && *e && pmm_exec_saved_count < PMM_EXEC_SAVED_MAX; e++) {
		size_t len = strlen(*e) + 1;

		if (!pmm_exec_is_setting(*e) || used + len > sizeof(pmm_exec_saved_text))
			continue;
		memcpy(pmm_exec_saved_text + used, *e, len);
		pmm_exec_saved[pmm_exec_saved_count++] = pmm_exec_saved_text + used;
		used += len;
	}
}

/* Does this LD_PRELOAD value (space- or colon-separated) list this library? */
static int pmm_preload_lists_self(const char *value)
{
	size_t self_len = strlen(pmm_exec_self);

	while (*value) {
		size_t len = strcspn(value, ": ");

		if (len == self_len && strncmp(value, pmm_exec_self, len) == 0)
			return 1;
		value += len;
		value += strspn(value, ": ");
	}
	return 0;
}

/* Whether an environment whose LD_PRELOAD value is preload (NULL: it has none) lacks this library. */
static int pmm_preload_lacks_self(const char *preload)
{
	return pmm_exec_self[0] && !(preload && pmm_preload_lists_self(preload));
}

/* The LD_PRELOAD value that puts this library ahead of preload's: its length, without the NUL. */
static size_t pmm_preload_value_len(const char *preload)
{
	return strlen(pmm_exec_self) + (preload && *preload ? 1 + strlen(preload) : 0);
}

static void pmm_preload_value(char *out, const char *preload)
{
	out = stpcpy(out, pmm_exec_self);
	if (preload && *preload) {
		*out++ = ':';
		strcpy(out, preload);
	}
}

/* envp's entry for the variable that the first len bytes of name name, or NULL. */
static char *const *pmm_env_find(char *const envp[], const char *name, size_t len)
{
	for (char *const *e = envp; e && *e; e++) {
		if (pmm_env_names(*e, name, len))
			return e;
	}
	return NULL;
}

/*
 * What envp lacks: *preload is its LD_PRELOAD entry (the last one: the loader's), or NULL; the
 * return value is the bytes a rebuilt environment takes, 0 when envp has it all.
 */
static size_t pmm_exec_env_bytes(char *const envp[], const char **preload)
{
	size_t count = 0, bytes;
	int missing = 0;
	int need_preload;

	*preload = NULL;
	for (char *const *e = envp; e && *e; e++, count++) {
		if (pmm_env_names(*e, "LD_PRELOAD", 10))
			*preload = *e + 11;
	}
	need_preload = pmm_preload_lacks_self(*preload);
	for (int i = 0; i < pmm_exec_saved_count; i++)
		missing += !pmm_env_find(envp, pmm_exec_saved[i], pmm_env_name_len(pmm_exec_saved[i]));
	if (!need_preload && !missing)
		return 0;
	/* Room for every saved variable's pointer, missing or not: the build puts the text after them. */
	bytes = (count + pmm_exec_saved_count + 2) * sizeof(char *);
	if (need_preload)
		bytes += sizeof("LD_PRELOAD=") + pmm_preload_value_len(*preload);
	return bytes;
}

/* Fills buf (of pmm_exec_env_bytes) with envp and what it lacks; returns the environment. */
static char **pmm_exec_env_build(char *const envp[], const char *preload, void *buf)
{
	char **env = buf, **out = env;
	int need_preload = pmm_preload_lacks_self(preload);
	size_t count = 0;

	for (char *const *e = envp; e && *e; e++, count++) {
		/* A rewritten LD_PRELOAD replaces the program's, which it includes. */
		if (!(need_preload && pmm_env_names(*e, "LD_PRELOAD", 10)))
			*out++ = *e;
	}
	for (int i = 0; i < pmm_exec_saved_count; i++) {
		if (!pmm_env_find(envp, pmm_exec_saved[i], pmm_env_name_len(pmm_exec_saved[i])))
			*out++ = (char *)pmm_exec_saved[i];
	}
	if (need_preload) {
		/* Placed after every pointer the environment can hold, as pmm_exec_env_bytes counted. */
		char *text = (char *)(env + count + pmm_exec_saved_count + 2);

		*out++ = text;
		pmm_preload_value(stpcpy(text, "LD_PRELOAD="), preload);
	}
	*out = NULL;
	return env;
}

/* posix_spawn and posix_spawnp start another process; the others replace this one. */
static int pmm_exec_spawns(enum pmm_exec_how how)
{
	return how == PMM_POSIX_SPAWN || how == PMM_POSIX_SPAWNP;
}

static int pmm_exec_call_real(const struct pmm_exec_call *c, char *const env[])
{
	void *fn = pmm_exec_real[c->how];

	if (!fn) {
		errno = ENOSYS;
		return pmm_exec_spawns(c->how) ? ENOSYS : -1;
	}
	switch (c->how) {
	case PMM_EXECVE:
	case PMM_EXECVPE:
		return ((int (*)(const char *, char *const[], char *const[]))fn)(c->path, c->argv, env);
	case PMM_FEXECVE:
		return ((int (*)(int, char *const[], char *const[]))fn)(c->fd, c->argv, env);
	case PMM_EXECVEAT:
		return ((int (*)(int, const char *, char *const[], char *const[], int))fn)(c->fd, c->path, c->argv,
											  env, c->flags);
	case PMM_POSIX_SPAWN:
	case PMM_POSIX_SPAWNP:
		return ((int (*)(pid_t *, const char *, const posix_spawn_file_actions_t *,
				 const posix_spawnattr_t *, char *const[], char *const[]))fn)(c->pid, c->path,
											c->actions, c->attr,
											c->argv, env);
	default:
		break;
	}
	errno = ENOSYS;
	return -1;
}

/* The file c runs (pmm_exec_target), into out; -1 when it cannot be told. */
static int pmm_exec_call_target(const struct pmm_exec_call *c, char *out, size_t size)
{
	switch (c->how) {
	case PMM_EXECVE:
	case PMM_POSIX_SPAWN:
		return pmm_exec_target(c->path, 0, AT_FDCWD, 0, out, size);
	case PMM_EXECVPE:
	case PMM_POSIX_SPAWNP:
		return pmm_exec_target(c->path, 1, AT_FDCWD, 0, out, size);
	case PMM_FEXECVE:
		return pmm_exec_target(NULL, 0, c->fd, 0, out, size);
	case PMM_EXECVEAT:
		return pmm_exec_target(c->path, 0, c->fd, c->flags, out, size);
	default:
		return -1;
	}
}

/*
 * The call, the file it runs named to the host first (pmm_maps_exec), so that an image the hook
 * cannot enter is said by name; an exec that returns has failed, and takes the name back. A spawned
 * child is named once it runs: the C library execs it where no wrapper of ours sees. Host mode's
 * marks go around an exec.
 */
static int pmm_exec_call(const struct pmm_exec_call *c, char *const env[])
{
	char target[PATH_MAX];
	int named = pmm_transport_live() && pmm_exec_call_target(c, target, sizeof(target)) == 0;
	int ret, saved_errno;

	if (pmm_exec_spawns(c->how)) {
		pid_t child = 0;
		struct pmm_exec_call spawn = *c;

		/* posix_spawn's pid may be NULL; the hook needs it all the same. */
		spawn.pid = &child;
		ret = pmm_exec_call_real(&spawn, env);
		if (ret == 0 && c->pid)
			*c->pid = child;
		if (ret == 0 && named && child > 0)
			pmm_maps_exec(child, target);
		return ret;
	}
	if (named)
		pmm_maps_exec(0, target);
	pmm_transport_before_exec();
	ret = pmm_exec_call_real(c, env);
	saved_errno = errno;
	pmm_transport_exec_failed();
	if (named)
		pmm_maps_exec(0, NULL);
	errno = saved_errno;
	return ret;
}

/* The call, with envp completed by the hook's variables. */
static int pmm_exec_with_hook(const struct pmm_exec_call *c, char *const envp[])
{
	const char *preload;
	size_t bytes = pmm_exec_env_bytes(envp, &preload);
	void *mapped;
	int ret, saved_errno;

	if (bytes == 0)
		return pmm_exec_call(c, envp);
	if (bytes <= PMM_EXEC_STACK_BYTES) {
		char buf[bytes] __attribute__((aligned(sizeof(char *))));

		return pmm_exec_call(c, pmm_exec_env_build(envp, preload, buf));
	}
	mapped = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* No room for a larger environment: the program's own, rather than failing its exec. */
	if (mapped == MAP_FAILED)
		return pmm_exec_call(c, envp);
	ret = pmm_exec_call(c, pmm_exec_env_build(envp, preload, mapped));
	saved_errno = errno;
	munmap(mapped, bytes);
	errno = saved_errno;
	return ret;
}

PMM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	struct pmm_exec_call c = { .how = PMM_EXECVE, .path = path, .argv = argv };

	return pmm_exec_with_hook(&c, envp);
}

PMM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct pmm_exec_call c = { .how = PMM_EXECVPE, .path = file, .argv = argv };

	return pmm_exec_with_hook(&c, envp);
}

PMM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct pmm_exec_call c = { .how = PMM_FEXECVE, .fd = fd, .argv = argv };

	return pmm_exec_with_hook(&c, envp);
}

PMM_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	struct pmm_exec_call c = { .how = PMM_EXECVEAT, .fd = dirfd, .path = path, .argv = argv, .flags = flags };

	return pmm_exec_with_hook(&c, envp);
}

/* The C library's own execv, execvp and execl* use the current environ; so do these. */
PMM_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

PMM_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/*
 * The execl family: the arguments up to the NULL become argv on the stack, as in the C library, and
 * with_envp takes the environment after the NULL (execle) instead of environ.
 */
static int pmm_execl(enum pmm_exec_how how, const char *path, const char *arg, va_list ap, int with_envp)
{
	size_t argc = 1;
	va_list count;

	va_copy(count, ap);
	while (va_arg(count, const char *))
		argc++;
	va_end(count);
	{
		const char *argv[argc + 1];
		char *const *envp = environ;
		struct pmm_exec_call c = { .how = how, .path = path, .argv = (char *const *)argv };

		argv[0] = arg;
		for (size_t i = 1; i <= argc; i++)
			argv[i] = va_arg(ap, const char *);
		if (with_envp)
			envp = va_arg(ap, char *const *);
		return pmm_exec_with_hook(&c, envp);
	}
}

PMM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = pmm_execl(PMM_EXECVE, path, arg, ap, 0);
	va_end(ap);
	return ret;
}

PMM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = pmm_execl(PMM_EXECVPE, file, arg, ap, 0);
	va_end(ap);
	return ret;
}

PMM_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = pmm_execl(PMM_EXECVE, path, arg, ap, 1);
	va_end(ap);
	return ret;
}

PMM_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct pmm_exec_call c = { .how = PMM_POSIX_SPAWN, .pid = pid, .path = path, .argv = argv,
				   .actions = actions, .attr = attr };

	return pmm_exec_with_hook(&c, envp);
}

PMM_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct pmm_exec_call c = { .how = PMM_POSIX_SPAWNP, .pid = pid, .path = file, .argv = argv,
				   .actions = actions, .attr = attr };

	return pmm_exec_with_hook(&c, envp);
}

/*
 * popen() spawns its shell with environ through the C library's own inner call, which no wrapper
 * sees. If the program took the hook's variables out of environ (clearenv, unsetenv), environ is
 * pointed at a copy that has them back, so the shell and what it runs are hooked: the one case where
 * the hook changes the program's environment, and only by what it had removed. The copy is a mapping
 * of the hook's own, kept for good (the program may hold its strings), and not setenv's: glibc's
 * blocks for setenv, made unseen inside the hook, were freed later by the program or at exit as
 * blocks pmm never saw allocated. A later setenv copies it into glibc's own array, as it does any
 * environ it did not make.
 */
static void pmm_exec_restore_environ(void)
{
	const char *preload;
	size_t bytes = pmm_exec_env_bytes(environ, &preload);
	void *buf;

	if (!bytes)
		return;
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf != MAP_FAILED)
		environ = pmm_exec_env_build(environ, preload, buf);
}

PMM_EXPORT FILE *popen(const char *command, const char *type)
{
	if (!pmm_real_popen) {
		errno = ENOSYS;
		return NULL;
	}
	pmm_exec_restore_environ();
	return pmm_exit_popen(pmm_real_popen, command, type);
}
