/*
 * run: starting one program the way the host asked (cwd, env, stdin from the request or /dev/null)
 * and collecting its stdout, stderr and wait status, with a timeout.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "signals.h"

/* After the program exits, how long pmd waits for EOF on its pipes from escaped descendants. */
#define RUN_DRAIN_GRACE_MS 2000

/* Poll period when pidfd_open is unavailable and exit must be noticed by asking. */
#define RUN_EXIT_TICK_MS 20

#define RUN_READ_CHUNK (64 * 1024)

/* What the child writes to the status pipe when it cannot become the program. */
struct run_child_report {
	int stage;
	int error;
};

enum {
	RUN_STAGE_DEVNULL = 1,	/* opening /dev/null for stdin */
	RUN_STAGE_DUP = 2,	/* putting the pipes on stdout and stderr */
	RUN_STAGE_CHDIR = 3,
	RUN_STAGE_EXECVE = 4,
};

/* A stage as the protocol's error answer names it (cannotStart.step). */
static const char *run_step_name(int stage)
{
	switch (stage) {
	case RUN_STAGE_DEVNULL:
		return "stdin";
	case RUN_STAGE_DUP:
		return "dup2";
	case RUN_STAGE_CHDIR:
		return "chdir";
	default:
		return "execve";
	}
}

static void run_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void run_child_report(int fd, int stage, int error)
{
	struct run_child_report report = { stage, error };

	/* A single small write to a pipe is atomic; if it fails, the exit status still says 127. */
	if (write(fd, &report, sizeof(report)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * execve, and for a file the kernel does not know how to run (ENOEXEC: a script without a #! line) the
 * shell on it, as execvp does and so as host mode's launcher runs it. pmd is single-threaded, so the
 * child may allocate. Returns with errno set; ENOEXEC when the shell could not be run either, since
 * the program, not the shell, is the one the failure names.
 */
static void run_exec_file(const char *file, const struct run_spec *spec)
{
	size_t argc = 0;
	char **sh_argv;

	execve(file, spec->argv, spec->envp);
	if (errno != ENOEXEC)
		return;
	while (spec->argv[argc])
		argc++;
	/* "/bin/sh", the file, the program's arguments after argv[0], NULL. */
	sh_argv = calloc(argc + 2, sizeof(*sh_argv));
	if (sh_argv) {
		sh_argv[0] = "/bin/sh";
		sh_argv[1] = (char *)file;
		if (argc > 1)
			memcpy(sh_argv + 2, spec->argv + 1, (argc - 1) * sizeof(*sh_argv));
		execve("/bin/sh", sh_argv, spec->envp);
		free(sh_argv);
	}
	errno = ENOEXEC;
}

/* execvpe's search, but with PATH taken from the program's environment, not pmd's. */
static void run_child_exec(const struct run_spec *spec, int status_fd)
{
	const char *name = spec->file ? spec->file : spec->argv[0];
	const char *path = NULL, *dir, *colon;
	char candidate[PATH_MAX];
	int saw_eacces = 0;
	size_t i;

	if (strchr(name, '/')) {
		run_exec_file(name, spec);
		run_child_report(status_fd, RUN_STAGE_EXECVE, errno);
	}
	for (i = 0; spec->envp[i]; i++)
		if (strncmp(spec->envp[i], "PATH=", 5) == 0)
			path = spec->envp[i] + 5;
	if (!path)
		path = "/bin:/usr/bin";	/* glibc's default when PATH is unset */
	for (dir = path;; dir = colon + 1) {
		colon = strchr(dir, ':');
		size_t dlen = colon ? (size_t)(colon - dir) : strlen(dir);
		/* An empty entry means the current directory, as in execvp. */
		int n = dlen ? snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)dlen, dir, name)
			     : snprintf(candidate, sizeof(candidate), "%s", name);
		if (n > 0 && (size_t)n < sizeof(candidate)) {
			run_exec_file(candidate, spec);
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				run_child_report(status_fd, RUN_STAGE_EXECVE, errno);
		}
		if (!colon)
			break;
	}
	run_child_report(status_fd, RUN_STAGE_EXECVE, saw_eacces ? EACCES : ENOENT);
}

/*
 * The program's stdin when the host gave one: a memory file holding all of it, so that pmd never
 * waits for the program to read (a pipe would need pmd to feed it while it collects the output),
 * and the program may seek in it as in a redirected file. -1 with err filled on failure.
 */
static int run_stdin_file(const struct run_spec *spec, char *err, size_t errlen)
{
	const char *p = spec->stdin_data;
	size_t left = spec->stdin_len;
	int fd = memfd_create("pmm-stdin", MFD_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "memfd_create for stdin: %s", strerror(errno));
		return -1;
	}
	while (left > 0) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "writing stdin (%zu bytes) to a memory file: %s",
				 spec->stdin_len, n < 0 ? strerror(errno) : "no progress");
			close(fd);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "lseek on stdin's memory file: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The OOM killer's default weighting for this process (pmd's -1000 is inherited). */
static void run_oom_default(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "0", 1) != 1) {
			/* Left as inherited: the run goes on. */
		}
		close(fd);
	}
}

static void run_child(const struct run_spec *spec, int go_fd, int status_fd, int out_fd, int err_fd,
		      int stdin_fd)
{
	sigset_t none;
	char go;
	int in_fd, persona;

	/* Its own process group, so that a timeout can kill everything it started. */
	setpgid(0, 0);

	/* Dispositions pmd ignores (all it can) would survive execve; the program gets the defaults. */
	signals_default();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* pmd is out of the OOM killer's reach (the guest's init): the program is not. */
	run_oom_default();

	/*
	 * No address-space randomisation (as under gdb): TCG keeps translated code keyed by virtual
	 * address, so with the program, its libraries and the hook at the same addresses every run
	 * reuses the last run's translations. A warm hooked run took 58 ms with ASLR, 19 ms without.
	 * Inherited by what the program runs. On failure the program simply runs randomised.
	 */
	persona = personality(0xffffffff);
	if (persona != -1)
		personality((unsigned long)persona | ADDR_NO_RANDOMIZE);

	/* Wait for the monitor to be on. EOF means the parent gave up on this run. */
	if (read(go_fd, &go, 1) != 1)
		_exit(127);
	close(go_fd);

	in_fd = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
	if (in_fd < 0)
		run_child_report(status_fd, RUN_STAGE_DEVNULL, errno);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		run_child_report(status_fd, RUN_STAGE_DUP, errno);
	if (in_fd > 2)
		close(in_fd);
	if (chdir(spec->cwd) < 0)
		run_child_report(status_fd, RUN_STAGE_CHDIR, errno);
	run_child_exec(spec, status_fd);
}

int run_spawn(const struct run_spec *spec, struct run_proc *proc, char *err, size_t errlen)
{
	int go[2] = { -1, -1 }, status[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int in[2] = { -1, -1 };
	int stdin_fd = -1;
	pid_t pid;

	if (spec->has_stdin && (stdin_fd = run_stdin_file(spec, err, errlen)) < 0)
		return -1;
	/* A streamed stdin: pmd writes without blocking, so that it goes on reading the output. */
	if (spec->stdin_stream) {
		if (pipe2(in, O_CLOEXEC) < 0 || fcntl(in[1], F_SETFL, O_NONBLOCK) < 0) {
			snprintf(err, errlen, "stdin pipe: %s", strerror(errno));
			goto out_close;
		}
		stdin_fd = in[0];
		in[0] = -1;
	}

	/*
	 * Every pipe is close-on-exec, so the program inherits none of pmd's ends; dup2 clears the
	 * flag on the copies that become its stdout and stderr.
	 */
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out_close;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out_close;
	}
	if (pid == 0) {
		if (in[1] >= 0)
			close(in[1]);
		close(go[1]);
		close(status[0]);
		close(out[0]);
		close(errp[0]);
		run_child(spec, go[0], status[1], out[1], errp[1], stdin_fd);
		_exit(127);	/* not reached: run_child execs or exits */
	}
	/* Also here, so that the group exists before the parent might kill it. */
	setpgid(pid, pid);
	run_close(&stdin_fd);
	close(go[0]);
	close(status[1]);
	close(out[1]);
	close(errp[1]);
	proc->pid = pid;
	proc->go_fd = go[1];
	proc->status_fd = status[0];
	proc->out_fd = out[0];
	proc->err_fd = errp[0];
	proc->in_fd = in[1];
	proc->argv0 = spec->file ? spec->file : spec->argv[0];
	proc->cwd = spec->cwd;
	proc->failed_step = NULL;
	proc->failed_errno = 0;
	return 0;

out_close:
	run_close(&stdin_fd);
	for (int i = 0; i < 2; i++) {
		run_close(&go[i]);
		run_close(&status[i]);
		run_close(&out[i]);
		run_close(&errp[i]);
		run_close(&in[i]);
	}
	return -1;
}

static void run_reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

int run_release(struct run_proc *proc, char *err, size_t errlen)
{
	struct run_child_report report;
	ssize_t n;
	int status;

	if (write(proc->go_fd, "g", 1) != 1) {
		snprintf(err, errlen, "starting %s: write to the go-ahead pipe: %s", proc->argv0,
			 strerror(errno));
		run_abort(proc);
		return -1;
	}
	run_close(&proc->go_fd);
	do
		n = read(proc->status_fd, &report, sizeof(report));
	while (n < 0 && errno == EINTR);
	run_close(&proc->status_fd);
	if (n == 0)
		return 0;	/* closed on exec: the program runs */
	/* The child said why: the run's fault, which the host words as pmm's (cannotStart). */
	if (n == (ssize_t)sizeof(report)) {
		proc->failed_step = run_step_name(report.stage);
		proc->failed_errno = report.error;
	}
	if (n != (ssize_t)sizeof(report)) {
		snprintf(err, errlen, "starting %s: the child died before execve", proc->argv0);
	} else if (report.stage == RUN_STAGE_CHDIR) {
		snprintf(err, errlen, "chdir %s: %s", proc->cwd, strerror(report.error));
	} else if (report.stage == RUN_STAGE_DEVNULL) {
		snprintf(err, errlen, "starting %s: open /dev/null: %s", proc->argv0,
			 strerror(report.error));
	} else if (report.stage == RUN_STAGE_DUP) {
		snprintf(err, errlen, "starting %s: dup2: %s", proc->argv0, strerror(report.error));
	} else {
		snprintf(err, errlen, "execve %s: %s", proc->argv0, strerror(report.error));
	}
	run_close(&proc->out_fd);
	run_close(&proc->err_fd);
	run_close(&proc->in_fd);
	run_reap(proc->pid, &status);
	return -1;
}

void run_abort(struct run_proc *proc)
{
	int status;

	kill(-proc->pid, SIGKILL);
	run_close(&proc->go_fd);
	run_close(&proc->status_fd);
	run_close(&proc->out_fd);
	run_close(&proc->err_fd);
	run_close(&proc->in_fd);
	run_reap(proc->pid, &status);
}

/* Where a run's output goes: passed on as it comes, or kept up to the cap. */
struct run_sink {
	run_output_fn on_output;
	void *arg;
	int failed;		/* on_output failed once: the rest is read and dropped */
	/*
	 * The run's time limit, for when on_output waits for a slow host: the program, its pipe full,
	 * waits with it, and is killed at its time as if pmd were polling.
	 */
	struct deadline due;
	pid_t group;
	struct run_result *res;
};

/* The run's time is up: its group is killed, once (here, or while on_output waits). */
static void run_sink_timed_out(struct deadline *due)
{
	struct run_sink *sink = (struct run_sink *)((char *)due - offsetof(struct run_sink, due));

	if (sink->res->timed_out)
		return;
	kill(-sink->group, SIGKILL);
	sink->res->timed_out = 1;
}

/*
 * Reads what is there; closes *fd at EOF. Keeps reading past the cap (or past a failed
 * on_output) so the program never blocks.
 */
static void run_drain(int *fd, enum run_stream which, struct run_output *output,
		      struct run_sink *sink)
{
	char chunk[RUN_READ_CHUNK];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		run_close(fd);
		return;
	}
	if (sink->on_output) {
		if (!sink->failed && sink->on_output(which, chunk, (size_t)n, &sink->due, sink->arg))
			sink->failed = 1;
		return;
	}
	size_t keep = (size_t)n;
	if (output->data.len + keep > RUN_OUTPUT_CAP) {
		keep = RUN_OUTPUT_CAP - output->data.len;
		output->truncated = 1;
	}
	buf_append(&output->data, chunk, keep);
}

/* Whether pid has exited, without reaping it: its pid (and group id) stay ours until waitpid. */
static int run_has_exited(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR;	/* ECHILD: gone already, nothing left to wait for */
	return info.si_pid == pid;
}

/* The outputs the host asked closed (run_io's closing), closed now; what they held is dropped. */
static void run_close_asked(struct run_proc *proc, const struct run_io *io)
{
	if (!io->closing || !*io->closing)
		return;
	if (*io->closing & (1u << RUN_STDOUT))
		run_close(&proc->out_fd);
	if (*io->closing & (1u << RUN_STDERR))
		run_close(&proc->err_fd);
	*io->closing = 0;
}

void run_collect(struct run_proc *proc, unsigned long long timeout_ms, const struct run_io *io,
		 struct run_result *res)
{
	unsigned long long start = deadline_now_ms(), exited_at = 0;
	struct run_sink sink = {
		io ? io->on_output : NULL, io ? io->arg : NULL, 0,
		{ timeout_ms ? start + timeout_ms : 0, run_sink_timed_out }, proc->pid, res,
	};
	int control_fd = io && io->on_control ? io->control_fd : -1;
	struct feed *feed = io ? io->feed : NULL;
	int pidfd, exited = 0;

	memset(res, 0, sizeof(*res));
	res->pid = proc->pid;
	if (feed) {
		feed->fd = proc->in_fd;
		proc->in_fd = -1;
	}
	run_close(&proc->in_fd);
	/* A pidfd turns "the program exited" into one more fd for poll; without it pmd polls. */
	pidfd = (int)syscall(SYS_pidfd_open, proc->pid, 0);
	/* What the host sent before the run began may already be for it. */
	if (control_fd >= 0 && io->on_control(0, &sink.due, io->arg) < 0)
		control_fd = -1;
	if (io)
		run_close_asked(proc, io);

	while (!exited || proc->out_fd >= 0 || proc->err_fd >= 0) {
		struct pollfd fds[6];
		int nfds = 0, wait_ms = -1, out_at = -1, err_at = -1, control_at = -1, feed_at = -1, child_at = -1;
		unsigned long long now = deadline_now_ms();

		if (!exited && timeout_ms && now - start >= timeout_ms)
			run_sink_timed_out(&sink.due);
		if (exited && now - exited_at >= RUN_DRAIN_GRACE_MS)
			break;	/* something outside the group holds the pipes open */

		if (!exited && timeout_ms && !res->timed_out)
			wait_ms = (int)(timeout_ms - (now - start));
		if (exited)
			wait_ms = (int)(RUN_DRAIN_GRACE_MS - (now - exited_at));
		if (!exited && pidfd < 0 && (wait_ms < 0 || wait_ms > RUN_EXIT_TICK_MS))
			wait_ms = RUN_EXIT_TICK_MS;

		if (proc->out_fd >= 0) {
			out_at = nfds;
			fds[nfds++] = (struct pollfd){ .fd = proc->out_fd, .events = POLLIN };
		}
		if (proc->err_fd >= 0) {
			err_at = nfds;
			fds[nfds++] = (struct pollfd){ .fd = proc->err_fd, .events = POLLIN };
		}
		if (!exited && pidfd >= 0)
			fds[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (!exited && control_fd >= 0) {
			control_at = nfds;
			fds[nfds++] = (struct pollfd){ .fd = control_fd, .events = POLLIN };
		}
		/* The program's orphans exit into pmd's hands, pid 1, while it runs (init.c). */
		if (init_child_exits_fd() >= 0) {
			child_at = nfds;
			fds[nfds++] = (struct pollfd){ .fd = init_child_exits_fd(), .events = POLLIN };
		}
		if (!exited && feed && feed_wants_room(feed)) {
			feed_at = nfds;
			fds[nfds++] = (struct pollfd){ .fd = feed->fd, .events = POLLOUT };
		}

		if (poll(fds, (nfds_t)nfds, wait_ms) < 0 && errno != EINTR) {
			/* Cannot happen with valid fds; end the run rather than spin. */
			kill(-proc->pid, SIGKILL);
			break;
		}
		if (child_at >= 0 && fds[child_at].revents)
			init_reap_orphans(proc->pid);
		if (out_at >= 0 && fds[out_at].revents)
			run_drain(&proc->out_fd, RUN_STDOUT, &res->out, &sink);
		if (err_at >= 0 && fds[err_at].revents)
			run_drain(&proc->err_fd, RUN_STDERR, &res->err, &sink);
		if (control_at >= 0 && fds[control_at].revents &&
		    io->on_control(1, &sink.due, io->arg) < 0)
			control_fd = -1;
		if (control_at >= 0)
			run_close_asked(proc, io);
		if (feed_at >= 0 && fds[feed_at].revents) {
			/* Room in the pipe (or its reader gone): the input lines waiting may go in now. */
			feed_write(feed);
			if (feed_ready(feed) && control_fd >= 0 &&
			    io->on_control(0, &sink.due, io->arg) < 0)
				control_fd = -1;
		}
		if (!exited && run_has_exited(proc->pid)) {
			/*
			 * Descendants are not followed yet, so none may outlive the run and write
			 * into the next one's time: end what is left of the group while the
			 * unreaped leader still keeps its group id from being reused. Those it ends were
			 * running at the program's end: the run says pmm ended them, which it could not tell
			 * of one already reaped before pmd collected it. After the timeout's kill, those
			 * that have died of it already are not told apart from those that died before: a
			 * look at the group before that kill (in /proc, or pmm.ko's list), while a fork bomb
			 * under the hook starves the guest of memory, held the run past its time limit.
			 */
			group_members_find(proc->pid, &res->ended);
			kill(-proc->pid, SIGKILL);
			exited = 1;
			exited_at = deadline_now_ms();
			/* Nothing reads stdin any more; input still to come is left for the main loop. */
			if (feed)
				feed_close(feed);
			/* Its output may still wait for the host: no time limit is left to end. */
			sink.due.at_ms = 0;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	run_close(&proc->out_fd);
	run_close(&proc->err_fd);
	run_reap(proc->pid, &res->status);
}

void run_result_free(struct run_result *res)
{
	buf_free(&res->out.data);
	buf_free(&res->err.data);
	group_members_free(&res->ended);
}

void run_signal_name(int sig, char *name, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(name, len, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(name, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(name, len, "SIG%d", sig);
}
