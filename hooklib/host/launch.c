/*
 * launch.c: pmm-launch, the parent of a host-mode run's program, as pmd is in the guest.
 *
 * Host mode runs in Node, which tells how a child ended only by the signal's name: a program killed
 * by a signal Node has no name for (the real-time ones) looks as if it had exited with status 0. So
 * the program is this launcher's child, and the launcher gives its parent the wait status itself.
 * It is linked statically: the LD_PRELOAD of its environment, which the program inherits, does not
 * load the hook into it.
 *
 *	pmm-launch PARENT_PID FILE PROGRAM [ARGS...]
 *
 * FILE is run (looked up in PATH when it has no slash) with PROGRAM as its argv[0]: the name pmm was
 * given for it, as execvp and valgrind give it, where FILE is the path pmm found.
 *
 * It ends with its parent, pmm, and the program with it, as a program under valgrind ends with
 * valgrind's own process and one in the guest with QEMU: a pmm killed by SIGKILL leaves nothing running.
 * PARENT_PID tells it whether pmm died before it could ask for that.
 *
 * Descriptor 3, a pipe to the parent, gets one line once the program is forked and one when it is
 * done, then the launcher exits 0:
 *	pid PID requests BASE
 *	status WAIT_STATUS		(as waitpid gives it)
 *	exec ERRNO MESSAGE		(PROGRAM could not be run: fork or execvp failed)
 *	wait ERRNO MESSAGE		(its status could not be had: not expected)
 *
 * SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGUSR1 and SIGUSR2 that pmm gets are the program's: it passes them on. But the
 * program is in pmm's process group, and one the terminal (Ctrl-C) or a kill of the whole group sent
 * reached the program already: a second would make one that shuts down gracefully on the first stop at
 * once. pmm cannot tell them apart (Node does not give a signal's sender); the launcher, in the same
 * group, can: it got the group's too. So pmm asks, with real-time signal BASE + i for the i-th of those
 * six (real-time signals queue, and come after the standard ones pending), and the launcher sends the
 * signal to the program only when no group signal of that kind came for the ask (one the program had:
 * it was still in the group, or sent it itself), and says which:
 *	passed SIGNAME | kept SIGNAME
 * A group signal no ask has taken when the program ends (pmm gets its own copy of the group's kill as the
 * program does, but the program may die of it, and the launcher say so, before pmm's handler runs) is
 * said before the status, once for each that came, so that pmm knows the program had it:
 *	group SIGNAME
 *
 * Whatever else the program sends its parent must not end the run (under valgrind or without pmm that
 * parent is a shell or a harness, not the tool): the launcher ignores every other signal it can, and
 * takes an ask only from pmm. SIGTSTP, SIGTTIN and SIGTTOU stop it as by default when the terminal
 * (Ctrl-Z stops the whole group) or pmm sent them, not when the program or its children did. The
 * program gets the dispositions and signal mask the launcher was started with: ignored signals would
 * survive its exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPORT_FD 3

#define ASKED 6
static const int asked[ASKED] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGUSR1, SIGUSR2 };
static const char *const kept_line[ASKED] = {
	"kept SIGINT\n", "kept SIGQUIT\n", "kept SIGHUP\n", "kept SIGTERM\n", "kept SIGUSR1\n", "kept SIGUSR2\n"
};
static const char *const group_line[ASKED] = {
	"group SIGINT\n", "group SIGQUIT\n", "group SIGHUP\n", "group SIGTERM\n", "group SIGUSR1\n", "group SIGUSR2\n"
};
static const char *const passed_line[ASKED] = {
	"passed SIGINT\n", "passed SIGQUIT\n", "passed SIGHUP\n", "passed SIGTERM\n", "passed SIGUSR1\n",
	"passed SIGUSR2\n"
};

/* The stop signals a terminal sends its foreground group. */
#define STOPS 3
static const int stops[STOPS] = { SIGTSTP, SIGTTIN, SIGTTOU };

/*
 * The kernel's sigaction, taken and set by system call: the C library's refuses the two real-time
 * signals it keeps for itself, whose default action would end the launcher all the same.
 */
struct kernel_action {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

/* What the launcher was started with, for the program: index by signal number. */
static struct kernel_action inherited[NSIG];

static volatile pid_t program;
static pid_t parent;
/* Signals of each kind the process group got that no ask has matched yet. */
static volatile sig_atomic_t from_group[ASKED];

static void report(const char *line)
{
	size_t len = strlen(line);

	while (len > 0) {
		ssize_t n = write(REPORT_FD, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

/* Sent by a process (not the kernel: a terminal's key, a fault), and which. */
static int sent_by(const siginfo_t *info, pid_t pid)
{
	return info->si_code <= 0 && info->si_pid == pid;
}

/*
 * One of the six, sent to the whole process group: the program got it too, if it is still in the
 * group (one that left it, by setsid or setpgid, did not, and gets it at pmm's ask). One the program
 * sent is counted too, never to be sent back to it: it may have been to its group (kill(0, ...)), which
 * pmm got and asks about, or to its parent alone, which the launcher cannot tell apart.
 */
static void group_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;

	(void)context;
	if (program > 0 && !sent_by(info, program) && getpgid(program) != getpgrp())
		return;
	for (int i = 0; i < ASKED; i++)
		if (asked[i] == sig)
			from_group[i]++;
	errno = saved_errno;
}

/* pmm got asked[i]: the program's, unless it got it from the group already. */
static void ask(int sig, siginfo_t *info, void *context)
{
	int i = sig - SIGRTMIN, saved_errno = errno;

	(void)context;
	/* Only pmm asks: the same signal from the program (or anyone) is not pmm's. */
	if (i < 0 || i >= ASKED || program <= 0 || !sent_by(info, parent))
		return;
	if (from_group[i] > 0) {
		from_group[i]--;
		report(kept_line[i]);
	} else {
		kill(program, asked[i]);
		report(passed_line[i]);
	}
	/* The code it interrupted may be about to read errno (EINTR). */
	errno = saved_errno;
}

/*
 * A stop signal: taken as by default when the terminal sent it (Ctrl-Z stops the whole group) or pmm
 * did, not when any other process did: the program, or one of its children (a script's kill -TSTP
 * $PPID), would stop the launcher for good, and the run with it.
 */
static void stop_signal(int sig, siginfo_t *info, void *context)
{
	struct sigaction by_default, mine;
	sigset_t just;
	int saved_errno = errno;

	(void)context;
	if (info->si_code <= 0 && !sent_by(info, parent))
		return;
	/*
	 * Raised again with the default action, so that the kernel decides as it would have: a stop, or
	 * nothing in an orphaned process group (pmm stops the launcher itself then: cli/jobControl.ts).
	 */
	memset(&by_default, 0, sizeof(by_default));
	by_default.sa_handler = SIG_DFL;
	sigaction(sig, &by_default, &mine);
	sigemptyset(&just);
	sigaddset(&just, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &just, NULL);
	sigprocmask(SIG_BLOCK, &just, NULL);
	sigaction(sig, &mine, NULL);
	errno = saved_errno;
}

static long kernel_sigaction(int sig, const struct kernel_action *act, struct kernel_action *old)
{
	/* The kernel's signal set: its 64 signals. */
	return syscall(SYS_rt_sigaction, sig, act, old, sizeof(unsigned long));
}

static int is_member(int sig, const int *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == sig)
			return 1;
	return 0;
}

/*
 * Keeps what the launcher was started with, then sets its own: a handler for the six it passes on, the
 * asks and the stop signals (held in blocked until the program's pid is known), and ignored for the
 * rest, but for those ignored by default already (SIGCHLD's would reap the program unasked).
 */
static void take_signals(const sigset_t *blocked)
{
	const struct kernel_action ignore = { SIG_IGN, 0, NULL, 0 };
	struct sigaction sa;

	for (int sig = 1; sig < NSIG; sig++)
		kernel_sigaction(sig, NULL, &inherited[sig]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_mask = *blocked;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH)
			continue;
		if (is_member(sig, asked, ASKED)) {
			sa.sa_flags = SA_RESTART | SA_SIGINFO;
			sa.sa_sigaction = group_signal;
			sigaction(sig, &sa, NULL);
		} else if (sig >= SIGRTMIN && sig < SIGRTMIN + ASKED) {
			sa.sa_flags = SA_RESTART | SA_SIGINFO;
			sa.sa_sigaction = ask;
			sigaction(sig, &sa, NULL);
		} else if (is_member(sig, stops, STOPS)) {
			sa.sa_flags = SA_RESTART | SA_SIGINFO;
			sa.sa_sigaction = stop_signal;
			sigaction(sig, &sa, NULL);
		} else {
			kernel_sigaction(sig, &ignore, NULL);
		}
	}
}

/* The child: the program, or the reason it could not be run, on the exec pipe. */
static void run_program(const char *file, char **argv, const sigset_t *mask, pid_t launcher, int exec_pipe)
{
	int err;

	/* Killed with the launcher, which dies with pmm (and when pmm ends a run before it read the program's pid). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != launcher)
		_exit(127);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			kernel_sigaction(sig, &inherited[sig], NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(file, argv);
	err = errno;
	if (write(exec_pipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int main(int argc, char **argv)
{
	sigset_t blocked, mask, before_fork;
	char line[256];
	int exec_pipe[2], err, status;
	pid_t launcher = getpid(), forked, done;
	ssize_t n;
	siginfo_t ended;

	if (argc < 4 || atoi(argv[1]) <= 0 || fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "usage: pmm-launch PARENT_PID FILE PROGRAM [ARGS...], with descriptor 3 open for its report\n");
		return 2;
	}
	parent = atoi(argv[1]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return 1;
	/* Held until the program's pid is known; a handler runs with the others held, as counts change. */
	sigemptyset(&blocked);
	for (int i = 0; i < ASKED; i++) {
		sigaddset(&blocked, asked[i]);
		sigaddset(&blocked, SIGRTMIN + i);
	}
	for (int i = 0; i < STOPS; i++)
		sigaddset(&blocked, stops[i]);
	sigprocmask(SIG_BLOCK, &blocked, &mask);
	/* Before the fork: the program may signal the launcher from its first instruction. */
	take_signals(&blocked);
	if (pipe2(exec_pipe, O_CLOEXEC) < 0) {
		snprintf(line, sizeof(line), "exec %d %s\n", errno, strerror(errno));
		report(line);
		return 0;
	}
	/*
	 * A group signal pending now (a Ctrl-C as the launcher started) came before the program did:
	 * counted as the group's, it would be kept at pmm's ask and reach nobody. Pass it on here.
	 */
	sigpending(&before_fork);
	program = fork();
	if (program < 0) {
		snprintf(line, sizeof(line), "exec %d %s\n", errno, strerror(errno));
		report(line);
		return 0;
	}
	if (program == 0)
		run_program(argv[2], argv + 3, &mask, launcher, exec_pipe[1]);
	close(exec_pipe[1]);
	snprintf(line, sizeof(line), "pid %d requests %d\n", (int)program, SIGRTMIN);
	report(line);
	for (int i = 0; i < ASKED; i++)
		if (sigismember(&before_fork, asked[i]))
			kill(program, asked[i]);

	sigprocmask(SIG_SETMASK, &mask, NULL);

	/* The exec pipe closes at a successful exec; an errno on it is the failure's. */
	do
		n = read(exec_pipe[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(exec_pipe[0]);
	/*
	 * Waited for unreaped first: a group's kill that ends the program is pending here too, and its
	 * handler, run as this call returns, must still find the program (a zombie) in the group.
	 */
	while (waitid(P_PID, (id_t)program, &ended, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	do
		done = waitpid(program, &status, 0);
	while (done < 0 && errno == EINTR);
	/* Reaped: its pid may be another process's now, and no ask is answered after its status. */
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	forked = program;
	program = 0;
	for (int i = 0; i < ASKED; i++)
		for (; from_group[i] > 0; from_group[i]--)
			report(group_line[i]);
	if (n == (ssize_t)sizeof(err))
		snprintf(line, sizeof(line), "exec %d %s\n", err, strerror(err));
	else if (done == forked)
		snprintf(line, sizeof(line), "status %d\n", status);
	else
		snprintf(line, sizeof(line), "wait %d %s\n", errno, strerror(errno));
	report(line);
	return 0;
}
