/*
 * run: starting one program the way the host asked (cwd, env, stdin from the request or /dev/null)
 * and collecting its stdout, stderr and wait status, with a timeout.
 *
 * Starting is split in two (run_spawn, run_release) so that the caller can start pmm's monitor on
 * the child's pid before the child execs, and so record its very first allocation.
 */
#ifndef PMD_RUN_H
#define PMD_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "group.h"

#include "buf.h"
#include "deadline.h"
#include "feed.h"

/* The most of each of stdout and stderr that is kept; the rest is read and dropped. */
#define RUN_OUTPUT_CAP (16u << 20)

struct run_spec {
	char *const *argv;		/* NULL-terminated; argv[0] is a path, or a name looked up in PATH */
	const char *file;		/* or, when not NULL, the path of the program, argv[0] its name */
	char *const *envp;		/* NULL-terminated, the program's whole environment */
	const char *cwd;
	int has_stdin;			/* 0: stdin is /dev/null, or a pipe when stdin_stream */
	const void *stdin_data;		/* else the program reads these stdin_len bytes, then EOF */
	size_t stdin_len;
	int stdin_stream;		/* stdin is a pipe, which run_io's feed fills */
};

/* A child between run_spawn and the end of run_collect or run_abort. */
struct run_proc {
	pid_t pid;
	int go_fd;		/* parent's end of the go-ahead pipe */
	int status_fd;		/* parent's end of the close-on-exec pipe that reports exec failure */
	int out_fd, err_fd;
	int in_fd;		/* the stdin pipe's write end (stdin_stream), non-blocking; else -1 */
	const char *argv0;
	const char *cwd;
	/* After run_release failed in the child: the step, as the protocol names it, and its errno. */
	const char *failed_step;
	int failed_errno;
};

struct run_output {
	struct buf data;
	int truncated;
};

struct run_result {
	pid_t pid;
	int status;		/* as waitpid gives it */
	int timed_out;
	long long oom_kills;	/* processes the guest's out-of-memory killer ended meanwhile */
	struct run_output out, err;
	/* The processes of its group still running when it exited (or at its timeout): pmd ended them. */
	struct group_members ended;
};

/* Forks the child, which waits for run_release. */
int run_spawn(const struct run_spec *spec, struct run_proc *proc, char *err, size_t errlen);

/*
 * Lets the child exec; fails, with the child reaped, when chdir or execve failed in it (failed_step
 * then names the step, or is NULL when the failure was pmd's own).
 */
int run_release(struct run_proc *proc, char *err, size_t errlen);

/* Which output a run_output_fn is given. */
enum run_stream { RUN_STDOUT, RUN_STDERR };

/*
 * Each piece of the program's output, as it is read; 0, or -1 when it could not be passed on. If passing
 * it on has to wait past due->at_ms, due->fire ends the run's time (kills the program as its timeout does).
 */
typedef int (*run_output_fn)(enum run_stream which, const char *data, size_t len, struct deadline *due,
			     void *arg);

/* What a run's collection does besides reading the output: */
struct run_io {
	/* each piece of the output, as it is read, all of it (res keeps none); NULL: res keeps it */
	run_output_fn on_output;
	/*
	 * The host's channel, watched while the program runs (-1: not watched): on_control runs once at
	 * the start, whenever control_fd is readable, and when feed can take more; -1 stops the watching.
	 * Anything it sends the host is due by due (the run's time limit).
	 */
	int control_fd;
	int (*on_control)(int readable, struct deadline *due, void *arg);
	void *arg;
	/* a streamed stdin (stdin_stream): given the pipe, written as the program takes it; else NULL */
	struct feed *feed;
	/*
	 * Set by on_control, a bit (1 << enum run_stream) for each output whose reader on the host is gone:
	 * its pipe is closed, so that the program's next write there fails (EPIPE, and SIGPIPE to the
	 * writer) as it would without pmm. NULL: none is ever closed.
	 */
	unsigned int *closing;
};

/*
 * Reads the child's output until it exits (or the timeout kills it) and reaps it, as io says; with
 * io NULL, res keeps the first RUN_OUTPUT_CAP bytes of each output.
 */
void run_collect(struct run_proc *proc, unsigned long long timeout_ms, const struct run_io *io,
		 struct run_result *res);

/* Kills and reaps a child that was spawned but will not be collected. */
void run_abort(struct run_proc *proc);

void run_result_free(struct run_result *res);

/* "SIGSEGV", "SIGRTMIN+3", ...: the name the protocol sends. */
void run_signal_name(int sig, char *name, size_t len);

#endif
