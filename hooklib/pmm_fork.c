/*
 * pmm_fork.c: a forked child is the run's from its fork on. The child's fork handler maps a ring of
 * its own, and mapping it makes pmm.ko monitor the child of a monitored parent; but the guest has one
 * CPU, the parent usually runs on first, and a parent that exits at once (daemon(), a shell's '&')
 * is no longer there to be the child's monitored parent when the child gets to run: the child went
 * unmonitored, its leaks unreported, and was not ended with the run. So the parent names the child
 * to pmm.ko before fork() returns to it (pmm_transport_forked). Host mode had the same race on a busy
 * machine, where the run finds its processes by the files they make: the parent names it in a file.
 *
 * Forks made inside the C library reach no wrapper: daemon() is written here again, as glibc 2.36's,
 * around this fork(); forkpty() and a fork by raw system call are followed only once the child runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pmm_internal.h"

static void *pmm_next_fork, *pmm_next_underscore_fork;

void pmm_fork_prepare(void)
{
	pmm_next_symbol(&pmm_next_fork, "fork");
	pmm_next_symbol(&pmm_next_underscore_fork, "_Fork");
}

static pid_t pmm_fork_with(void **slot, const char *name)
{
	pid_t (*fn)(void) = pmm_next_symbol(slot, name);
	pid_t pid = fn();

	if (pid > 0)
		pmm_transport_forked(pid);
	return pid;
}

PMM_EXPORT pid_t fork(void)
{
	return pmm_fork_with(&pmm_next_fork, "fork");
}

/* glibc 2.34's fork without the fork handlers (async-signal-safe): the child sets itself up later. */
PMM_EXPORT pid_t _Fork(void)
{
	return pmm_fork_with(&pmm_next_underscore_fork, "_Fork");
}

/* /dev/null is the character device 1:3, as glibc checks before it puts it on 0, 1 and 2. */
static int pmm_daemon_null_streams(void)
{
	struct stat st;
	int fd = open(_PATH_DEVNULL, O_RDWR);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

PMM_EXPORT int daemon(int nochdir, int noclose)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (!nochdir)
		(void)chdir("/");
	if (!noclose)
		return pmm_daemon_null_streams();
	return 0;
}
