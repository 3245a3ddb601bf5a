/* serve: pmd's main mode, answering the host's requests one at a time (see PROTOCOL.md). */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "answer.h"
#include "channel.h"
#include "children.h"
#include "feed.h"
#include "init.h"
#include "oom.h"
#include "monitor.h"
#include "request.h"
#include "run.h"
#include "signals.h"

#define SERVE_ERR_LEN 1024

/*
 * A pipe created while fd 0, 1 or 2 is closed would take that number, and dup2 onto itself in the
 * child would then leave it close-on-exec: the program would start without its stdout.
 */
static int serve_fill_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* /proc/vmstat, opened before the chroot (which need not have a /proc): OOM kills (oom.h). */
static int serve_vmstat_fd = -1;

static int serve_send_due(struct channel *ch, struct buf *out, struct deadline *due)
{
	char err[SERVE_ERR_LEN];

	if (channel_write_due(ch, out->data, out->len, due, err, sizeof(err))) {
		fprintf(stderr, "pmd: %s\n", err);
		return -1;
	}
	out->len = 0;
	return 0;
}

static int serve_send(struct channel *ch, struct buf *out)
{
	return serve_send_due(ch, out, NULL);
}

/*
 * Where the lines a run sends ahead of its result go (its output when streamed, and its children),
 * and the run that signal requests read meanwhile are for.
 */
struct serve_lines {
	struct channel *ch;
	struct buf *out;
	const struct request *req;
	pid_t pid;
	struct feed *feed;	/* the program's stdin, when streamed; else NULL */
	struct deadline *due;	/* while the run goes on: its time limit, for what is sent meanwhile */
	unsigned int closing;	/* the outputs the host asked closed (run_io's closing) */
};

/* The longest a signal or closeOutput request can be: anything longer is another request, left unparsed. */
#define SERVE_SHORT_LINE_MAX 256

/*
 * A signal request for this run (sent to the program's process group) or a closeOutput one (the output
 * marked for run_collect to close): acted on, and the line taken.
 */
static int serve_short_for_run(const char *line, size_t len, void *arg)
{
	struct serve_lines *to = arg;
	struct request req;
	char err[SERVE_ERR_LEN];
	int mine;

	/*
	 * Each time the channel is readable every waiting line is looked at again: a queued run (up to
	 * 64 MiB, its stdin to decode) must not be parsed each time, only a short line of either type.
	 */
	if (len > SERVE_SHORT_LINE_MAX ||
	    (!memmem(line, len, "\"signal\"", 8) && !memmem(line, len, "\"closeOutput\"", 13)))
		return 0;
	if (request_parse(line, len, &req, err, sizeof(err)))
		return 0;	/* the main loop answers it, after this run */
	mine = req.id == to->req->id && (req.type == REQUEST_SIGNAL || req.type == REQUEST_CLOSE_OUTPUT);
	if (mine && req.type == REQUEST_SIGNAL)
		kill(-to->pid, req.signal);
	else if (mine)
		to->closing |= 1u << req.output;
	request_free(&req);
	return mine;
}

/*
 * The longest input line pmd takes during a run (the host sends at most 48 KiB of data a line, 64 KiB
 * of base64), and where its type must show: in its first bytes, as the host writes id and type first.
 * Other lines are not parsed for it, as a queued run is not for a signal.
 */
#define SERVE_INPUT_LINE_MAX (128 * 1024)
#define SERVE_INPUT_TYPE_WITHIN 64

/* Whether a line that starts {"id":N, is for another request than id: its input waits, unparsed. */
static int serve_line_for_other(const char *line, size_t len, long long id)
{
	char *end;
	long long n;

	if (len < 8 || memcmp(line, "{\"id\":", 6) != 0)
		return 0;
	errno = 0;
	n = strtoll(line + 6, &end, 10);
	return errno == 0 && end > line + 6 && end < line + len && *end == ',' && n != id;
}

/*
 * A piece of this run's stdin, taken when the pipe has taken the last one (else it waits, in order),
 * and answered with inputTaken, which the host counts to hold its input back.
 */
static int serve_input_for_run(const char *line, size_t len, struct serve_lines *to)
{
	struct request req;
	char err[SERVE_ERR_LEN];
	int mine;

	if (!to->feed || len > SERVE_INPUT_LINE_MAX ||
	    !memmem(line, len < SERVE_INPUT_TYPE_WITHIN ? len : SERVE_INPUT_TYPE_WITHIN, "\"input\"", 7) ||
	    serve_line_for_other(line, len, to->req->id) || !feed_ready(to->feed))
		return 0;
	if (request_parse(line, len, &req, err, sizeof(err)))
		return 0;	/* the main loop answers it, after this run */
	mine = req.type == REQUEST_INPUT && req.id == to->req->id;
	if (mine && req.input_end) {
		feed_end(to->feed);
	} else if (mine) {
		feed_take(to->feed, req.input_data, req.input_len);
		answer_input_taken(to->out, &req, req.input_len, to->feed->refused);
		/* A failed channel shows at the next read; the run goes on to its end meanwhile. */
		serve_send_due(to->ch, to->out, to->due);
	}
	request_free(&req);
	return mine;
}

/* What the channel brings during a run: a signal, an output to close or a piece of stdin for it. */
static int serve_line_for_run(const char *line, size_t len, void *arg)
{
	return serve_short_for_run(line, len, arg) || serve_input_for_run(line, len, arg);
}

/* The channel while a run goes on: requests for it are acted on (serve_line_for_run), the rest wait. */
static int serve_control(int readable, struct deadline *due, void *arg)
{
	struct serve_lines *to = arg;

	to->due = due;
	if (readable && channel_fill(to->ch))
		return -1;	/* the host is gone: pmd ends after this run */
	while (channel_take_line_if(to->ch, serve_line_for_run, to))
		;
	return 0;
}

/*
 * Each child on a line of its own, sent at once: a line of the host's is one string there, which has
 * a size limit, and pmd then holds one child at a time however many processes the run made.
 */
static int serve_child(const struct child_collection *child, void *arg, char *err, size_t errlen)
{
	struct serve_lines *to = arg;

	answer_child(to->out, to->req, child);
	if (serve_send(to->ch, to->out)) {
		snprintf(err, errlen, "the host channel failed while sending child %d", (int)child->pid);
		return -1;
	}
	return 0;
}

/* A streamed run's output, each piece on a line of its own as soon as it is read. */
static int serve_output(enum run_stream which, const char *data, size_t len, struct deadline *due,
			void *arg)
{
	struct serve_lines *to = arg;

	answer_output(to->out, to->req, which == RUN_STDERR, data, len);
	return serve_send_due(to->ch, to->out, due);
}

/* Runs a checked request; its children are sent on ch, the answer (result or error) goes into out. */
static void serve_run(const struct request *req, struct channel *ch, struct buf *out)
{
	struct run_spec spec = {
		req->argv, req->file, req->envp, req->cwd, req->has_stdin, req->stdin_data,
		req->stdin_len, req->stdin_stream
	};
	struct feed feed = FEED_INIT;
	struct serve_lines lines = { ch, out, req, 0, req->stdin_stream ? &feed : NULL, NULL, 0 };
	struct run_io io = {
		req->stream ? serve_output : NULL, ch->in_fd, serve_control, &lines, lines.feed,
		&lines.closing
	};
	struct monitor_collection mon;
	size_t nchildren;
	long long oom_before, oom_after;
	struct run_result res;
	struct run_proc proc;
	char err[SERVE_ERR_LEN], stop_err[SERVE_ERR_LEN];
	const struct run_proc *not_started = NULL;
	int mon_fd = -1;

	if (req->hook) {
		if (monitor_open(&mon_fd, err, sizeof(err)))
			goto out_error;
		/* ld.so only warns about a missing preload, and the run would go unmonitored. */
		if (access(req->hook, R_OK) < 0) {
			snprintf(err, sizeof(err), "hook %s: %s", req->hook, strerror(errno));
			goto out_error;
		}
	}
	if (run_spawn(&spec, &proc, err, sizeof(err)))
		goto out_error;
	/* Before the child may exec, so that pmm records its first allocation too. */
	if (mon_fd >= 0 && (monitor_scan_on(mon_fd, err, sizeof(err)) ||
			    monitor_start(mon_fd, proc.pid, err, sizeof(err)))) {
		run_abort(&proc);
		goto out_error;
	}
	oom_before = oom_kills(serve_vmstat_fd);
	if (run_release(&proc, err, sizeof(err))) {
		/* The program could not be started (not pmd's failure): said as such. */
		not_started = proc.failed_step ? &proc : NULL;
		goto out_stop;
	}
	lines.pid = proc.pid;
	run_collect(&proc, req->timeout_ms, &io, &res);
	feed_close(&feed);
	/*
	 * Collecting what a program left takes seconds when it left millions of blocks: the host, told
	 * that the program has ended, takes a signal from then on as one to stop, not to pass on. A failed
	 * channel shows at the answer's send.
	 */
	answer_ended(out, req);
	serve_send(ch, out);
	oom_after = oom_kills(serve_vmstat_fd);
	if (oom_before >= 0 && oom_after > oom_before)
		res.oom_kills = oom_after - oom_before;

	if (mon_fd < 0) {
		answer_result(out, req, &res, NULL, 0);
		run_result_free(&res);
		return;
	}
	if (monitor_collect(mon_fd, proc.pid, &mon, err, sizeof(err))) {
		run_result_free(&res);
		goto out_stop;
	}
	if (monitor_stop(mon_fd, proc.pid, err, sizeof(err))) {
		monitor_collection_free(&mon);
		run_result_free(&res);
		goto out_error;
	}
	/* The processes it forked, which the module followed: reported beside it, each on its own. */
	if (children_each(mon_fd, proc.pid, &res.ended, serve_child, &lines, &nchildren, err, sizeof(err))) {
		monitor_collection_free(&mon);
		run_result_free(&res);
		goto out_error;
	}
	close(mon_fd);
	answer_result(out, req, &res, &mon, nchildren);
	monitor_collection_free(&mon);
	run_result_free(&res);
	return;

out_stop:
	/* The first failure is the one to report; a failing stop only goes to the console. */
	if (mon_fd >= 0 && monitor_stop(mon_fd, proc.pid, stop_err, sizeof(stop_err)))
		fprintf(stderr, "pmd: %s\n", stop_err);
out_error:
	if (mon_fd >= 0)
		close(mon_fd);
	if (not_started)
		answer_start_error(out, req, err, not_started->failed_step, not_started->failed_errno);
	else
		answer_error(out, req, err);
}

int serve(const struct serve_options *opt)
{
	struct channel ch;
	struct utsname uts;
	struct buf out = BUF_INIT;
	char err[SERVE_ERR_LEN];

	if (serve_fill_std_fds()) {
		fprintf(stderr, "pmd: open /dev/null: %s\n", strerror(errno));
		return 1;
	}
	/*
	 * A host that goes away must show up as a write error, not kill pmd silently (SIGPIPE), and a
	 * program that signals its parent must not end the run (signals.c).
	 */
	signals_ignore();
	if (init_start(err, sizeof(err))) {
		fprintf(stderr, "pmd: %s\n", err);
		return 1;
	}

	/* The port first: its /dev node is the guest's, which the chroot below leaves behind. */
	if (opt->use_stdio) {
		channel_open_stdio(&ch);
	} else if (channel_open_port(&ch, opt->port, err, sizeof(err))) {
		fprintf(stderr, "pmd: %s\n", err);
		return 1;
	}
	serve_vmstat_fd = oom_open();
	if (opt->root && (chroot(opt->root) < 0 || chdir("/") < 0)) {
		fprintf(stderr, "pmd: chroot %s: %s\n", opt->root, strerror(errno));
		return 1;
	}
	if (uname(&uts) < 0)
		strcpy(uts.release, "unknown");
	answer_ready(&out, uts.release, access(PMM_DEVICE_PATH, F_OK) == 0);
	if (serve_send(&ch, &out))
		return 1;

	for (;;) {
		struct request req;
		char *line;
		size_t len;
		int shutdown = 0;

		switch (channel_read_line(&ch, &line, &len, err, sizeof(err))) {
		case CHANNEL_ERROR:
			fprintf(stderr, "pmd: %s\n", err);
			return 1;
		case CHANNEL_EOF:
			fprintf(stderr, "pmd: the host closed the channel\n");
			return 1;
		case CHANNEL_TOO_LONG:
			snprintf(err, sizeof(err), "request longer than %u bytes", CHANNEL_MAX_LINE);
			answer_error(&out, NULL, err);
			break;
		case CHANNEL_LINE:
			if (len == 0)
				continue;	/* a blank line asks nothing */
			if (request_parse(line, len, &req, err, sizeof(err))) {
				answer_error(&out, &req, err);
			} else if (req.type == REQUEST_SIGNAL || req.type == REQUEST_INPUT ||
				   req.type == REQUEST_CLOSE_OUTPUT) {
				/* Its run has ended (or never was): nothing to pass on, and nobody waits. */
			} else if (req.type == REQUEST_SHUTDOWN) {
				answer_bye(&out, &req);
				shutdown = 1;
			} else {
				serve_run(&req, &ch, &out);
				/* Nothing of this run may reach into the next one (init.c). */
				init_end_leftovers();
			}
			request_free(&req);
			break;
		}
		if (serve_send(&ch, &out))
			return 1;
		if (shutdown) {
			/* The guest powers off once pmd has returned (init.c). */
			sync();
			buf_free(&out);
			return 0;
		}
	}
}
