/*
 * pmm_system.c: system() as the C library's (glibc 2.36's, step by step), but with its shell started by
 * posix_spawn and reaped by wait4 through this library's wrappers. The C library's own system() calls
 * both inside itself, where no wrapper sees them: host mode then never learned how the shell ended,
 * and a command that crashed (or a shell killed by a signal) had no ending in the report. Through
 * pmm_exec.c's posix_spawn the shell also gets the hook's variables back when the program removed them
 * from its environment, without touching environ.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmm_internal.h"

extern char **environ;

/*
 * The caller ignores SIGINT and SIGQUIT while any of its threads waits in system(); the first to
 * enter saves their dispositions, the last to leave puts them back.
 */
static pthread_mutex_t pmm_system_lock = PTHREAD_MUTEX_INITIALIZER;
static int pmm_system_waiting;
static struct sigaction pmm_system_saved_int, pmm_system_saved_quit;

static void pmm_system_ignore_interrupts(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	sigemptyset(&ignore.sa_mask);
	pthread_mutex_lock(&pmm_system_lock);
	if (pmm_system_waiting++ == 0) {
		sigaction(SIGINT, &ignore, &pmm_system_saved_int);
		sigaction(SIGQUIT, &ignore, &pmm_system_saved_quit);
	}
	pthread_mutex_unlock(&pmm_system_lock);
}

static void pmm_system_restore_interrupts(void)
{
	pthread_mutex_lock(&pmm_system_lock);
	if (--pmm_system_waiting == 0) {
		sigaction(SIGINT, &pmm_system_saved_int, NULL);
		sigaction(SIGQUIT, &pmm_system_saved_quit, NULL);
	}
	pthread_mutex_unlock(&pmm_system_lock);
}

/* A thread cancelled in its wait: the shell is killed and reaped, as the C library does. */
static void pmm_system_cancelled(void *arg)
{
	pid_t pid = *(pid_t *)arg;

	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	pmm_system_restore_interrupts();
}

static int pmm_system_run(const char *command)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	posix_spawnattr_t attr;
	sigset_t chld, mask, reset;
	int status = -1, err;
	pid_t pid;

	pmm_system_ignore_interrupts();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &mask);

	/* The shell gets the caller's mask, and SIGINT and SIGQUIT as they were unless ignored. */
	sigemptyset(&reset);
	if (pmm_system_saved_int.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGINT);
	if (pmm_system_saved_quit.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGQUIT);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &reset);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);

	if (err == 0) {
		pid_t reaped;

		pthread_cleanup_push(pmm_system_cancelled, &pid);
		while ((reaped = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		/* errno tells why, e.g. ECHILD when the program ignores SIGCHLD, as with the C library. */
		if (reaped != pid)
			status = -1;
		pthread_cleanup_pop(0);
	} else {
		/* As POSIX asks: a shell that could not run is one that exited with 127. */
		status = 127 << 8;
	}
	pmm_system_restore_interrupts();
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (err != 0)
		errno = err;
	return status;
}

PMM_EXPORT int system(const char *command)
{
	/* Whether there is a shell at all (there may be none after a chroot). */
	if (!command)
		return pmm_system_run("exit 0") == 0;
	return pmm_system_run(command);
}
