/*
 * init: pmd as the guest's pid 1. A program runs as root in the guest, and kill(-1, SIGKILL) reaches
 * every process but the caller and pid 1: when pmd ran under busybox's init, that ended pmd, the run,
 * and the VM with every run after it. As pid 1 pmd takes on init's duties: the kernel hands it the
 * processes whose parent died, to reap, and pid 1 must never exit, so pmd powers the guest off instead.
 * Being the guest's one process between runs, it also ends whatever a run left running.
 */
#include "init.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"

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

/*
 * Runs are one at a time, so whatever is left in the guest once a run has been collected is that run's:
 * a process that left the program's group (setsid, a daemon) and that pmm.ko did not follow, as in a run
 * without the hook, or under a program the hook never entered. Left, it would hold a port or a file, or
 * use the CPU, in the next run's time. Kernel threads take no signal, pmd as pid 1 not its own kill(-1).
 */
void init_end_leftovers(void)
{
	unsigned long long until;

	if (!init_is_pid1())
		return;
	kill(-1, SIGKILL);
	until = deadline_now_ms() + INIT_LEFTOVER_WAIT_MS;
	/* Their children become pmd's as they die: reaped until none is left (ECHILD), or the time is up. */
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0)
			continue;
		if (pid < 0 || deadline_now_ms() >= until)
			return;
		usleep(5000);
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
