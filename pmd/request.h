/*
 * request: turns one line from the host into a checked run, signal, closeOutput, input or shutdown request
 * (see PROTOCOL.md).
 */
#ifndef PMD_REQUEST_H
#define PMD_REQUEST_H

#include <stddef.h>

enum request_type {
	REQUEST_RUN,
	REQUEST_SHUTDOWN,
	REQUEST_SIGNAL,		/* to the run whose id this is, while it runs; never answered */
	REQUEST_INPUT,		/* stdin for the run whose id this is, while it runs */
	REQUEST_CLOSE_OUTPUT,	/* for the run whose id this is, while it runs; never answered */
};

struct request {
	int has_id;		/* 0 when the id itself could not be read: the answer's id is null */
	long long id;
	enum request_type type;

	/* REQUEST_RUN; all NUL-free, the arrays NULL-terminated. */
	char **argv;
	char *file;		/* NULL: argv[0] names the program (a path, or a name for PATH) */
	char *cwd;
	char **envp;		/* "KEY=VALUE", with LD_PRELOAD added when hook is set */
	char *hook;		/* NULL: a plain run, no hook and no monitoring */
	unsigned long long timeout_ms;
	int stream;		/* send the program's output as it comes, in output messages */
	int has_stdin;		/* 0: stdin is /dev/null, or a pipe when stdin_stream */
	int stdin_stream;	/* stdin is a pipe that input requests fill while the program runs */
	char *stdin_data;	/* stdin_len bytes, any of them NUL */
	size_t stdin_len;

	/* REQUEST_SIGNAL */
	int signal;

	/* REQUEST_CLOSE_OUTPUT: which, as run.h's enum run_stream (RUN_STDOUT 0, RUN_STDERR 1) */
	int output;

	/* REQUEST_INPUT: input_len bytes (any of them NUL), or the end of the input */
	char *input_data;
	size_t input_len;
	int input_end;
};

/*
 * Fills req from line[0..len). On failure returns -1 with a message in err naming what was wrong;
 * req->has_id and req->id are still set when the id could be read, so the error can carry it.
 */
int request_parse(const char *line, size_t len, struct request *req, char *err, size_t errlen);
void request_free(struct request *req);

#endif
