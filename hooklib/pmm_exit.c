/*
 * pmm_exit.c: how processes end, for host mode. pmm.ko sees each monitored process exit and keeps
 * its wait status; on the host the reader is no parent of the hooked processes, so the hook writes
 * what it knows among the records (pmm_host_ring.h): the status a process gives exit(), a return from
 * main or _exit(), and the status of each child it reaps, which is the only way to learn of a child
 * killed by a signal: through the wait family, and through pclose(), which reaps popen()'s shell
 * inside the C library. In the guest these write nothing (pmm_transport_host_mark).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmm_host_ring.h"
#include "pmm_internal.h"

/* The C library's functions, found at start: a vfork child calls _exit, and must not look it up then. */
static void *pmm_next_exit, *pmm_next_wait4, *pmm_next_waitid, *pmm_next_pclose;

/* exit() or a return from main, with its status. */
static void pmm_on_exit(int status, void *unused)
{
	(void)unused;
	pmm_transport_host_mark(PMM_HOST_KIND_EXIT, (__u64)(unsigned int)status);
}

void pmm_exit_prepare(void)
{
	on_exit(pmm_on_exit, NULL);
	pmm_next_symbol(&pmm_next_exit, "_exit");
	pmm_next_symbol(&pmm_next_wait4, "wait4");
	pmm_next_symbol(&pmm_next_waitid, "waitid");
	pmm_next_symbol(&pmm_next_pclose, "pclose");
}

/*
 * _exit() and _Exit() skip the exit handlers; what exit() does last is done here where it is safe
 * (pmm_exit_now). exit() reaches the system call inside the C library.
 */
PMM_EXPORT void _exit(int status)
{
	void (*fn)(int) = pmm_next_symbol(&pmm_next_exit, "_exit");

	pmm_transport_host_mark(PMM_HOST_KIND_EXIT, (__u64)(unsigned int)status);
	pmm_exit_now();
	fn(status);
	__builtin_unreachable();
}

PMM_EXPORT void _Exit(int status)
{
	_exit(status);
}

/*
 * A child reaped (or, with WNOWAIT, seen) exited or killed: its pid and wait status. The wait family
 * gives the pid in the caller's pid namespace (from_wait), which pmm_host_pid_reaped turns into the run's;
 * popen()'s comes from /proc, as the run's.
 */
static void pmm_mark_reaped(pid_t pid, int status, int from_wait)
{
	if (pid > 0 && (WIFEXITED(status) || WIFSIGNALED(status))) {
		pid = from_wait ? pmm_host_pid_reaped(pid) : pid;
		if (pid > 0)
			pmm_transport_host_reaped(pid, status);
	}
}

/* wait, waitpid and wait3 are wait4 with fewer arguments; the C library's own call wait4 inside. */
PMM_EXPORT pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *usage)
{
	pid_t (*fn)(pid_t, int *, int, struct rusage *) = pmm_next_symbol(&pmm_next_wait4, "wait4");
	int status = 0;
	pid_t ret = fn(pid, &status, options, usage);

	if (ret > 0) {
		pmm_mark_reaped(ret, status, 1);
		if (wstatus)
			*wstatus = status;
	}
	return ret;
}

PMM_EXPORT pid_t wait3(int *wstatus, int options, struct rusage *usage)
{
	return wait4(-1, wstatus, options, usage);
}

PMM_EXPORT pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	return wait4(pid, wstatus, options, NULL);
}

PMM_EXPORT pid_t wait(int *wstatus)
{
	return wait4(-1, wstatus, 0, NULL);
}

PMM_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	int (*fn)(idtype_t, id_t, siginfo_t *, int) = pmm_next_symbol(&pmm_next_waitid, "waitid");
	int ret = fn(idtype, id, info, options);

	if (ret == 0 && info && info->si_pid > 0) {
		if (info->si_code == CLD_EXITED)
			pmm_mark_reaped(info->si_pid, (info->si_status & 0xff) << 8, 1);
		else if (info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED)
			pmm_mark_reaped(info->si_pid, info->si_status & 0x7f, 1);
	}
	return ret;
}

/*
 * popen()'s shell: the C library spawns it and, in pclose(), reaps it where no wrapper sees its pid.
 * pclose() gives the status; the pid is learnt at popen() as the one child the calling thread has
 * after it and not before (/proc/thread-self/children lists the children a thread made, so other
 * threads' spawns do not count), and kept with the stream and its fd until pclose().
 */
#define PMM_POPEN_MAX		64

struct pmm_popened {
	FILE *fp;
	int fd;
	pid_t pid;
};

static struct pmm_popened pmm_popened[PMM_POPEN_MAX];
static unsigned int pmm_popened_next;
static pthread_mutex_t pmm_popen_lock = PTHREAD_MUTEX_INITIALIZER;

/* The one pid in after that is not in before; 0 if there is not exactly one. */
static pid_t pmm_new_child(const pid_t *before, int nbefore, const pid_t *after, int nafter)
{
	pid_t found = 0;

	for (int i = 0; i < nafter; i++) {
		int seen = 0;

		for (int j = 0; j < nbefore && !seen; j++)
			seen = after[i] == before[j];
		if (seen)
			continue;
		if (found)
			return 0;
		found = after[i];
	}
	return found;
}

FILE *pmm_exit_popen(FILE *(*real)(const char *, const char *), const char *command, const char *type)
{
	pid_t before[PMM_CHILDREN_MAX], after[PMM_CHILDREN_MAX], pid;
	int nbefore = pmm_transport_host_marking() ? pmm_thread_children(before) : -1;
	int nafter, saved_errno;
	FILE *fp = real(command, type);

	if (!fp || nbefore < 0)
		return fp;
	saved_errno = errno;
	nafter = pmm_thread_children(after);
	pid = nafter < 0 ? 0 : pmm_new_child(before, nbefore, after, nafter);
	if (pid > 0) {
		pthread_mutex_lock(&pmm_popen_lock);
		/* A stream closed with fclose() left its entry: a new stream at its address replaces it. */
		for (int i = 0; i < PMM_POPEN_MAX; i++) {
			if (pmm_popened[i].fp == fp)
				pmm_popened[i].pid = 0;
		}
		/* And the oldest makes way when all are taken. */
		pmm_popened[pmm_popened_next++ % PMM_POPEN_MAX] = (struct pmm_popened){ fp, fileno(fp), pid };
		pthread_mutex_unlock(&pmm_popen_lock);
	}
	errno = saved_errno;
	return fp;
}

/* The pid of fp's shell, forgotten now; 0 when not known. */
static pid_t pmm_popened_take(FILE *fp)
{
	int fd = fileno(fp);
	pid_t pid = 0;

	pthread_mutex_lock(&pmm_popen_lock);
	for (int i = 0; i < PMM_POPEN_MAX; i++) {
		struct pmm_popened *p = &pmm_popened[i];

		/* The fd too: an fclose()d stream's address may be an fopen()ed one's now. */
		if (p->fp == fp && p->pid > 0) {
			if (p->fd == fd)
				pid = p->pid;
			p->pid = 0;
		}
	}
	pthread_mutex_unlock(&pmm_popen_lock);
	return pid;
}

PMM_EXPORT int pclose(FILE *fp)
{
	int (*fn)(FILE *) = pmm_next_symbol(&pmm_next_pclose, "pclose");
	pid_t pid = fp ? pmm_popened_take(fp) : 0;
	int status = fn(fp);

	if (pid > 0 && status != -1)
		pmm_mark_reaped(pid, status, 0);
	return status;
}
