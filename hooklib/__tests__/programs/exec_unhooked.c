/*
 * exec_unhooked.c: an exec() into a program the hook cannot enter: STATIC, this same program linked
 * statically (the Makefile builds it as exec_unhooked_static), whose loader never reads LD_PRELOAD.
 *
 *	exec_unhooked self STATIC	leaks a block, then execs STATIC
 *	exec_unhooked self-crash STATIC	the same, and STATIC then crashes (SIGSEGV)
 *	exec_unhooked child STATIC	leaks a block; a forked child leaks one and execs STATIC
 *	exec_unhooked thread STATIC	the same, but a second thread of the child makes the exec
 *	exec_unhooked vfork STATIC	leaks a block; a vfork child execs STATIC
 *	exec_unhooked spawn STATIC	leaks a block; posix_spawn runs STATIC
 *	exec_unhooked system STATIC	leaks a block; system() runs STATIC through the shell
 *	exec_unhooked failed		leaks a block; its exec of a missing file fails, and it goes on
 *
 * The blocks an image left before a successful exec went with its memory: they are no leak. What
 * the static image allocates is never seen, which pmm must say rather than report it leak-free.
 *
 * Built with OWN_ALLOCATOR (exec_unhooked_own), the image defines malloc, calloc, realloc and free
 * itself, as a program with an allocator linked in does: every call binds to them before the hook's,
 * which then stays out of the process, and pmm must say that too.
 */
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
void *volatile sink;

#ifdef OWN_ALLOCATOR
/* A bump allocator that never reuses: each block has its size 16 bytes before it. */
static char arena[1 << 20] __attribute__((aligned(16)));
static size_t arena_used;

void *malloc(size_t size)
{
	size_t need = ((size + 15) & ~(size_t)15) + 16;
	char *block = arena + arena_used;

	if (size > sizeof(arena) || need > sizeof(arena) - arena_used)
		return NULL;
	arena_used += need;
	*(size_t *)block = size;
	return block + 16;
}

void free(void *ptr)
{
	(void)ptr;
}

void *calloc(size_t n, size_t size)
{
	size_t bytes;

	/* The arena starts zeroed and no block is used twice. */
	return __builtin_mul_overflow(n, size, &bytes) ? NULL : malloc(bytes);
}

void *realloc(void *ptr, size_t size)
{
	void *block = malloc(size);
	size_t old = ptr ? *(size_t *)((char *)ptr - 16) : 0;

	if (block && ptr)
		memcpy(block, ptr, old < size ? old : size);
	return block;
}
#endif

void leak_before_exec(size_t size)
{
	sink = malloc(size);
}

static void run_image(const char *file, const char *what)
{
	char *argv[] = { (char *)file, (char *)what, NULL };

	fflush(stdout);
	execv(file, argv);
}

static void run_static(const char *file)
{
	char *argv[] = { (char *)file, (char *)"static", NULL };

	fflush(stdout);
	execv(file, argv);
}

/* A thread that is not the process's first one: the kernel makes it the leader as it execs. */
static void *run_static_from_thread(void *file)
{
	run_static(file);
	return NULL;
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "static") == 0) {
		sink = malloc(55);
		printf("exec_unhooked: static image\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "crash") == 0) {
		raise(SIGSEGV);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "failed") == 0) {
		leak_before_exec(33);
		run_static("/nonexistent/exec_unhooked");
		printf("exec_unhooked: exec failed\n");
		return 0;
	}
	if (argc < 3)
		return 2;
	leak_before_exec(33);
	if (strcmp(argv[1], "self") == 0) {
		run_static(argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "self-crash") == 0) {
		run_image(argv[2], "crash");
		return 1;
	}
	/* A vfork child runs on this process's memory, and posix_spawn's child execs inside the C library. */
	if (strcmp(argv[1], "vfork") == 0 || strcmp(argv[1], "spawn") == 0 || strcmp(argv[1], "system") == 0) {
		char *args[] = { argv[2], (char *)"static", NULL };
		char command[4096];

		fflush(stdout);
		if (strcmp(argv[1], "system") == 0) {
			snprintf(command, sizeof(command), "'%s' static", argv[2]);
			status = system(command);
			pid = 0;
		} else if (strcmp(argv[1], "spawn") == 0) {
			if (posix_spawn(&pid, argv[2], NULL, NULL, args, environ))
				return 1;
		} else {
			pid = vfork();
			if (pid == 0) {
				execv(argv[2], args);
				_exit(127);
			}
		}
		if (pid < 0 || (pid > 0 && waitpid(pid, &status, 0) != pid) || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return 1;
		printf("exec_unhooked: done\n");
		return 0;
	}
	pid = fork();
	if (pid == 0) {
		pthread_t thread;

		leak_before_exec(44);
		if (strcmp(argv[1], "thread") == 0) {
			if (pthread_create(&thread, NULL, run_static_from_thread, argv[2]) == 0)
				pthread_join(thread, NULL);
		} else {
			run_static(argv[2]);
		}
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	printf("exec_unhooked: done\n");
	return 0;
}
