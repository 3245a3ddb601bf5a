/*
 * init: pmd as the guest's pid 1. A program runs as root in the guest, and kill(-1, SIGKILL) reaches
 * every process but the caller and pid 1: when pmd ran under busybox's init, that ended pmd, the run,
 * and the VM with every run after it. As pid 1 pmd takes on init's two duties: the kernel hands it the
 * processes whose parent died, to reap, and pid 1 must never exit, so pmd powers the guest off instead.
 */
#include "init.h"

#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

int init_is_pid1(void)
{
	static int pid1 = -1;

	if (pid1 < 0)
		pid1 = getpid() == 1;
	return pid1;
}

void init_reap_orphans(pid_t leader)
{
	if (!init_is_pid1())
		return;
	/*
	 * Look before reaping: the leader's status is run_collect's to take. The kernel lists children
	 * in the order they became pmd's, so an exited leader (forked before its orphans) hides those
	 * behind it until its run reaps it, moments later.
	 */
	for (;;) {
		siginfo_t info;

		memset(&info, 0, sizeof(info));
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0 ||
		    info.si_pid == leader)
			return;
		if (waitid(P_PID, (id_t)info.si_pid, &info, WEXITED | WNOHANG) < 0)
			return;
	}
}

void init_power_off(int status)
{
	/* The console (pid 1's stderr) takes the marker the guest's init script wrote before pmd was pid 1. */
	fprintf(stderr, "pmm-guest: pmd exited with status %d\n", status);
	sync();
	reboot(RB_POWER_OFF);
	/* Not reached in the guest; exiting would panic its kernel. */
	for (;;)
		pause();
}
