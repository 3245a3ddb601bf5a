/*
 * launch.c: pmm-launch, the parent of a host-mode run's program, as pmd is in the guest.
 *
 * Host mode runs in Node, which tells how a child ended only by the signal's name: a program killed
 * by a signal Node has no name for (the real-time ones) looks as if it had exited with status 0. So
 * the program is this launcher's child, and the launcher gives its parent the wait status itself.
 * It is linked statically: the LD_PRELOAD of its environment, which the program inherits, does not
 * load the hook into it.
 *
 *	pmm-launch PARENT_PID PROGRAM [ARGS...]
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
 * SIGINT, SIGQUIT, SIGHUP and SIGTERM that pmm gets are the program's: it passes them on. But the
 * program is in pmm's process group, and one the terminal (Ctrl-C) or a kill of the whole group sent
 * reached the program already: a second would make one that shuts down gracefully on the first stop at
 * once. pmm cannot tell them apart (Node does not give a signal's sender); the launcher, in the same
 * group, can: it got the group's too. So pmm asks, with real-time signal BASE + i for the i-th of those
 * four (real-time signals queue, and come after the standard ones pending), and the launcher sends the
 * signal to the program only when no group signal of that kind came for the ask, and says which:
 *	passed SIGNAME | kept SIGNAME
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPORT_FD 3

#define ASKED 4
static const int asked[ASKED] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM };
static const char *const kept_line[ASKED] = { "kept SIGINT\n", "kept SIGQUIT\n", "kept SIGHUP\n", "kept SIGTERM\n" };
static const char *const passed_line[ASKED] = {
	"passed SIGINT\n", "passed SIGQUIT\n", "passed SIGHUP\n", "passed SIGTERM\n"
};

static volatile pid_t program;
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

/* One of the four, sent to the whole process group: the program got it too. */
static void group_signal(int sig)
{
	for (int i = 0; i < ASKED; i++)
		if (asked[i] == sig)
			from_group[i]++;
}

/* pmm got asked[i]: the program's, unless it got it from the group already. */
static void ask(int sig)
{
	int i = sig - SIGRTMIN, saved_errno = errno;

	if (i < 0 || i >= ASKED || program <= 0)
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

/* The child: the program, or the reason it could not be run, on the exec pipe. */
static void run_program(char **argv, const sigset_t *mask, pid_t launcher, int exec_pipe)
{
	int err;

	/* Killed with the launcher, which dies with pmm (and when pmm ends a run before it read the program's pid). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != launcher)
		_exit(127);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	err = errno;
	if (write(exec_pipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int main(int argc, char **argv)
{
	sigset_t blocked, mask, before_fork;
	struct sigaction sa;
	char line[256];
	int exec_pipe[2], err, status;
	pid_t launcher = getpid(), forked, done;
	ssize_t n;

	if (argc < 3 || atoi(argv[1]) <= 0 || fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "usage: pmm-launch PARENT_PID PROGRAM [ARGS...], with descriptor 3 open for its report\n");
		return 2;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != atoi(argv[1]))
		return 1;
	/* Held until the program's pid is known; a handler runs with the others held, as counts change. */
	sigemptyset(&blocked);
	for (int i = 0; i < ASKED; i++) {
		sigaddset(&blocked, asked[i]);
		sigaddset(&blocked, SIGRTMIN + i);
	}
	sigprocmask(SIG_BLOCK, &blocked, &mask);
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
		run_program(argv + 2, &mask, launcher, exec_pipe[1]);
	close(exec_pipe[1]);
	snprintf(line, sizeof(line), "pid %d requests %d\n", (int)program, SIGRTMIN);
	report(line);
	for (int i = 0; i < ASKED; i++)
		if (sigismember(&before_fork, asked[i]))
			kill(program, asked[i]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_RESTART;
	sa.sa_mask = blocked;
	for (int i = 0; i < ASKED; i++) {
		sa.sa_handler = group_signal;
		sigaction(asked[i], &sa, NULL);
		sa.sa_handler = ask;
		sigaction(SIGRTMIN + i, &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &mask, NULL);

	/* The exec pipe closes at a successful exec; an errno on it is the failure's. */
	do
		n = read(exec_pipe[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(exec_pipe[0]);
	do
		done = waitpid(program, &status, 0);
	while (done < 0 && errno == EINTR);
	/* Reaped: its pid may be another process's now, and no ask is answered after its status. */
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	forked = program;
	program = 0;
	if (n == (ssize_t)sizeof(err))
		snprintf(line, sizeof(line), "exec %d %s\n", err, strerror(err));
	else if (done == forked)
		snprintf(line, sizeof(line), "status %d\n", status);
	else
		snprintf(line, sizeof(line), "wait %d %s\n", errno, strerror(errno));
	report(line);
	return 0;
}
