/*
 * signals: pmd is its programs' parent, as a shell or a harness is without pmm, and a program may signal
 * its parent (kill(getppid(), ...)) for its own reasons. pmd ended by such a signal would take the run,
 * its output and the VM with it. pmd has no use for any signal (its program's exit comes through a
 * pidfd or waitid, the host's requests through the channel), so it ignores them all; a fault of its
 * own still ends it, for the kernel forces those through (as the guest's pid 1, pmd powers the guest
 * off instead: init.c).
 */
#include "signals.h"

#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The kernel's sigaction, set by system call: the C library's refuses the two real-time signals it keeps
 * for itself, whose default action would end pmd all the same.
 */
struct signals_action {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static void signals_set(void (*handler)(int), int skip_ignored_by_default)
{
	struct signals_action act = { handler, 0, NULL, 0 };
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* SIGCHLD ignored would reap the program before pmd could wait for it. */
		if (skip_ignored_by_default &&
		    (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH))
			continue;
		syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof(act.mask));
	}
}

void signals_ignore(void)
{
	signals_set(SIG_IGN, 1);
}

void signals_default(void)
{
	signals_set(SIG_DFL, 0);
}
