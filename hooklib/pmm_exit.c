/*
 * pmm_exit.c: how processes end, for host mode. pmm.ko sees each monitored process exit and keeps
 * its wait status; on the host the reader is no parent of the hooked processes, so the hook writes
 * what it knows among the records (pmm_host_ring.h): the status a process gives exit(), a return from
 * main or _exit(), and the status of each child it reaps, which is the only way to learn of a child
 * killed by a signal. In the guest these write nothing (pmm_transport_host_mark).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmm_host_ring.h"
#include "pmm_internal.h"

/* The C library's functions, found at start: a vfork child calls _exit, and must not look it up then. */
static void *pmm_next_exit, *pmm_next_wait4, *pmm_next_waitid;

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
}

/* _exit() and _Exit() skip the exit handlers. exit() reaches the system call inside the C library. */
PMM_EXPORT void _exit(int status)
{
	void (*fn)(int) = pmm_next_symbol(&pmm_next_exit, "_exit");

	pmm_transport_host_mark(PMM_HOST_KIND_EXIT, (__u64)(unsigned int)status);
	fn(status);
	__builtin_unreachable();
}

PMM_EXPORT void _Exit(int status)
{
	_exit(status);
}

/* A child reaped (or, with WNOWAIT, seen) exited or killed: its pid and wait status. */
static void pmm_mark_reaped(pid_t pid, int status)
{
	if (pid > 0 && (WIFEXITED(status) || WIFSIGNALED(status)))
		pmm_transport_host_reaped(pid, status);
}

/* wait, waitpid and wait3 are wait4 with fewer arguments; the C library's own call wait4 inside. */
PMM_EXPORT pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *usage)
{
	pid_t (*fn)(pid_t, int *, int, struct rusage *) = pmm_next_symbol(&pmm_next_wait4, "wait4");
	int status = 0;
	pid_t ret = fn(pid, &status, options, usage);

	if (ret > 0) {
		pmm_mark_reaped(ret, status);
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
			pmm_mark_reaped(info->si_pid, (info->si_status & 0xff) << 8);
		else if (info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED)
			pmm_mark_reaped(info->si_pid, info->si_status & 0x7f);
	}
	return ret;
}
