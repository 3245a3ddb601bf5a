/*
 * init: pmd as the guest's pid 1. A program runs as root in the guest, and kill(-1, SIGKILL) reaches
 * every process but the caller and pid 1: when pmd ran under busybox's init, that ended pmd, the run,
 * and the VM with every run after it. As pid 1 pmd takes on init's duties: the kernel hands it the
 * processes whose parent died, to reap, and pid 1 must never exit, so pmd powers the guest off instead.
 * Being the guest's one process between runs, it also ends whatever a run left running.
 */
#include "init.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
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

/* A SIGCHLD for each process that exits into pmd's hands, as a descriptor poll can wait on; -1 when not pid 1. */
static int init_child_fd = -1;

/* What pid 1 does instead of exiting: the guest's files synced, and the guest powered off. */
static void __attribute__((noreturn)) init_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Not reached in the guest; exiting would panic its kernel. */
	for (;;)
		pause();
}

static void init_say(const char *text)
{
	ssize_t unused = write(STDERR_FILENO, text, strlen(text));

	(void)unused;
}

/*
 * A fault of pmd's own (or abort()): ending pid 1 would panic the guest's kernel, which would say no more
 * than "Attempted to kill init!". Only system calls here: the process is in an unknown state. The same
 * signal sent by a program (kill(1, SIGSEGV): pid 1 takes those it has a handler for) is no fault of
 * pmd's, which goes on as it does after any other signal a program sends it.
 */
static void init_died(int sig, siginfo_t *info, void *context)
{
	const char *name = sigabbrev_np(sig);

	(void)context;
	/*
	 * The kernel's own signals have a positive si_code; abort() is pmd's tgkill of itself, and the
	 * kernel fills a tgkill's si_pid (another process's sigqueue may say any pid, but not SI_TKILL).
	 */
	if (info->si_code <= 0 && !(info->si_code == SI_TKILL && info->si_pid == getpid()))
		return;

	init_say("pmm-guest: pmd died of SIG");
	init_say(name ? name : "?");
	init_say("\n");
	init_off();
}

/* init_died's own stack; it only makes system calls, so a few pages are plenty. */
static char fault_stack_room[64 * 1024];
static stack_t fault_stack = { .ss_sp = fault_stack_room, .ss_size = sizeof(fault_stack_room) };

int init_start(char *err, size_t errlen)
{
	static const int faults[] = { SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSYS, SIGTRAP };
	struct sigaction act;
	sigset_t chld;
	size_t i;

	if (!init_is_pid1())
		return 0;
	/*
	 * The kernel starts pid 1 sharing its root and working directory with kthreadd, and so with every
	 * kernel thread and the helpers they start (modprobe, a core_pattern pipe): pmd's chroot into the
	 * host's root must be its own.
	 */
	if (unshare(CLONE_FS) < 0) {
		snprintf(err, errlen, "unshare(CLONE_FS): %s", strerror(errno));
		return -1;
	}
	/*
	 * A stack overflow faults with no room left on the stack for the handler: the kernel would then
	 * kill pid 1 all the same, so the handler runs on a stack of its own.
	 */
	if (sigaltstack(&fault_stack, NULL) < 0) {
		snprintf(err, errlen, "sigaltstack: %s", strerror(errno));
		return -1;
	}
	memset(&act, 0, sizeof(act));
	act.sa_sigaction = init_died;
	act.sa_flags = SA_SIGINFO | SA_ONSTACK;
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigaction(faults[i], &act, NULL);
	/* Blocked, SIGCHLD waits in the descriptor; a program starts with no signal blocked (run.c). */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	init_child_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (init_child_fd < 0) {
		snprintf(err, errlen, "signalfd for SIGCHLD: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int init_child_exits_fd(void)
{
	return init_child_fd;
}

void init_reap_orphans(pid_t leader)
{
	struct signalfd_siginfo seen;

	if (!init_is_pid1())
		return;
	/* What the descriptor holds is taken: the loop below reaps every exited child but the leader. */
	while (read(init_child_fd, &seen, sizeof(seen)) == sizeof(seen))
		;
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
	init_off();
}
